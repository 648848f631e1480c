"""notify: each history event POSTed as JSON with a Slack-compatible ``text``, from the
operator's machine, to a local HTTP server that records what it receives; a notification
that fails warns and never fails the operation."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from deployment import history
from deployment import notify as engine


class Receiver:
    """An HTTP server on a free loopback port: ``posts`` holds (path, headers, JSON body)."""

    def __init__(self, status: int = 200) -> None:
        self.posts: list[tuple[str, dict, dict]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.posts.append((self.path, dict(self.headers), json.loads(body)))
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/T0"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


EVENT = history.Event(
    "deploy",
    "success",
    env="production",
    operator="alice@laptop",
    time="2026-11-24T10:15:03Z",
    commit="3f2a9c1" + "0" * 33,
    release="20261124101500-3f2a9c1",
)


def test_post_sends_the_event_as_json_with_a_text(receiver):
    assert engine.post(receiver.url, EVENT) is None
    [(path, headers, body)] = receiver.posts
    assert path == "/hooks/T0"
    assert headers["Content-Type"] == "application/json"
    assert body == {**EVENT.as_json(), "env": "production", "text": engine.text(EVENT)}
    assert body["text"] == (
        "deploy success on production: 20261124101500-3f2a9c1 (3f2a9c1) by alice@laptop"
    )


def test_a_failed_event_says_why_in_its_text():
    failed = history.Event("rollback", "failed", env="staging", operator="ci", message="boom")
    assert engine.text(failed) == "rollback failed on staging by ci: boom"


def test_post_says_what_went_wrong_instead_of_raising():
    refusing = Receiver(status=500)
    try:
        assert (
            engine.post(refusing.url, EVENT) == f"{refusing.url} answered 500 Internal Server Error"
        )
    finally:
        refusing.close()
    assert "Connection refused" in engine.post(refusing.url, EVENT, timeout=5)


def _locked(fleet) -> None:
    lock = fleet.deploy_to[0] / ".deploy" / "lock"
    lock.mkdir(parents=True)
    (lock / "info.json").write_text(json.dumps({"task": "deploy", "operator": "ci@runner"}))


def test_fab_posts_each_event_it_records(fleet, receiver):
    fleet.write_inventory(notify={"url": receiver.url})
    _locked(fleet)
    done = fleet.fab("unlock", "--env=test", "--reason=the CI job was cancelled")
    assert done.returncode == 0, done.stderr
    [(_, _, body)] = receiver.posts
    assert (body["event"], body["outcome"], body["env"]) == ("unlock", "success", "test")
    assert body["text"].startswith("unlock success on test by ")
    recorded = json.loads(fleet.fab("history", "--env=test", "--json").stdout)["events"]
    assert {**recorded[-1], "env": "test", "text": body["text"]} == body


def test_only_the_events_named_are_posted(fleet, receiver):
    fleet.write_inventory(notify={"url": receiver.url, "events": ["deploy", "rollback"]})
    _locked(fleet)
    assert fleet.fab("unlock", "--env=test", "--reason=gone").returncode == 0
    assert receiver.posts == []


def test_a_failed_notification_warns_and_the_operation_succeeds(fleet):
    refusing = Receiver(status=503)
    fleet.write_inventory(notify={"url": refusing.url})
    _locked(fleet)
    try:
        done = fleet.fab("unlock", "--env=test", "--reason=gone")
    finally:
        refusing.close()
    assert done.returncode == 0, done.stderr
    assert len(refusing.posts) == 1
    assert (
        f"warning: the unlock notification was not sent: {refusing.url} answered 503 "
        "Service Unavailable"
    ) in done.stderr
    assert not (fleet.deploy_to[0] / ".deploy" / "lock").exists()
