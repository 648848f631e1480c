"""``notify`` in the inventory: each history event POSTed as JSON from the operator's machine,
with a Slack-compatible ``text`` field, by the standard library's urllib.

A notification never fails an operation: ``post`` returns what went wrong, and the caller
(the task layer) warns.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from .history import Event

TIMEOUT = 10  # seconds a notification may take


def document(event: Event) -> dict:
    """The history event (the contract's fields and ``env``), with ``text`` for chat tools."""
    return {**event.as_json(), "env": event.env, "text": text(event)}


def text(event: Event) -> str:
    """``deploy success on production: 20261124101500-3f2a9c1 (3f2a9c1) by alice@laptop``."""
    what = event.release or ""
    if event.commit:
        what += f" ({event.commit[:7]})" if what else event.commit[:7]
    line = f"{event.event} {event.outcome} on {event.env}"
    line += f": {what}" if what else ""
    line += f" by {event.operator}"
    return line + (f": {event.message}" if event.message and event.outcome != "success" else "")


def post(url: str, event: Event, timeout: float = TIMEOUT) -> str | None:
    """POST the event; None when the receiver answered 2xx, else what went wrong."""
    request = urllib.request.Request(
        url,
        data=json.dumps(document(event)).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
    except urllib.error.HTTPError as error:
        return f"{url} answered {error.code} {error.reason}"
    except (urllib.error.URLError, OSError, ValueError) as error:
        return f"{url}: {getattr(error, 'reason', error)}"
    return None
