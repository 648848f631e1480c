"""deployment.operations.signals: the first Ctrl-C or SIGTERM asks for a stop after the
current step; the second exits at once (and leaves journal and lock to fab recover)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from deployment.errors import Interrupted
from deployment.operations.signals import Stop

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_the_first_signal_asks_for_a_stop_and_says_so(signum, code):
    said = []
    stop = Stop(said=said.append)
    with stop.installed():
        stop.check()  # nothing asked yet
        os.kill(os.getpid(), signum)
        with pytest.raises(Interrupted) as stopped:
            stop.check()
    assert said == [signum]
    assert stopped.value.exit_code == code
    assert signal.getsignal(signal.SIGTERM) is not stop._handle  # handlers given back


def test_the_second_signal_exits_at_once_with_the_signal_code():
    program = textwrap.dedent(
        """
        import os, signal, sys
        from deployment.operations.signals import Stop
        with Stop().installed():
            os.kill(os.getpid(), signal.SIGTERM)
            os.kill(os.getpid(), signal.SIGTERM)
            print("still running")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 143 and done.stdout == ""
