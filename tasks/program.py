"""What ``fab`` itself does with a command line: one it cannot parse is bad usage (exit 2),
and the words after ``--`` go to ``fab manage`` as they were typed.

invoke's ``Program`` exits 1 on a ``ParseError`` (``fab deploy --dryrun``: "No idea what
'--dryrun' is!"); the contract says 2. The task line is parsed after this collection is
loaded, so wrapping ``Program.parse_tasks`` here turns such an error into ``Exit(2)`` with
one line (and, under ``--json``, the failure document on stdout). A core option fab cannot
parse (before any collection is loaded) keeps invoke's own handling.

invoke joins the words after ``--`` into one string (their quoting lost) and Fabric runs it
as a shell command on the ``-H`` hosts; for ``fab manage`` they are kept as words instead
(``remainder()``) and Fabric is given none.
"""

from __future__ import annotations

import functools
import json
import sys

from invoke.exceptions import Exit, ParseError
from invoke.program import Program

USAGE = 2
TAKES_REMAINDER = {"manage"}
_remainder: list[str] = []


def remainder() -> list[str]:
    """The words after ``--``, as the shell passed them (``fab manage --env=X -- ARGS...``)."""
    return list(_remainder)


def _usage_exits_2(parse_tasks):
    @functools.wraps(parse_tasks)
    def parse(self):
        try:
            parse_tasks(self)
        except ParseError as error:
            if "--json" in (self.core.unparsed if self.core else []):
                document = {"ok": False, "error": str(error), "exit_code": USAGE}
                sys.stdout.write(json.dumps(document, indent=2) + "\n")
            raise Exit(f"error: {error}", code=USAGE) from None
        if TAKES_REMAINDER & {context.name for context in self.tasks}:
            words = self.argv[1:]
            _remainder[:] = words[words.index("--") + 1 :] if "--" in words else []
            self.core.remainder = ""

    parse.exits_2 = True
    return parse


def install() -> None:
    """Once per process: parse errors of the task line exit 2."""
    if not getattr(Program.parse_tasks, "exits_2", False):
        Program.parse_tasks = _usage_exits_2(Program.parse_tasks)
