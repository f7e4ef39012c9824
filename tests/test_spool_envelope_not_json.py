"""A spooled envelope that is not JSON at a start whose redaction settings changed.

hookd spools only JSON, but a spool another program wrote, or bytes that changed under a valid
checksum, can hold one. The start's backlog pass (daemon/backlog.py) read each waiting envelope as
JSON and ended in a traceback on it, and so did each restart: nothing behind it was ever published.
It is now redacted as text, whole, kept, and said (spool_envelope_not_json)."""

from __future__ import annotations

import asyncio
import json
import os

import pytest
from structlog.testing import capture_logs

from hookd.daemon.backlog import redact_backlog
from hookd.envelope import again
from hookd.envelope.again import event_again
from hookd.peers import Throttle
from hookd.redact import build_redactor
from hookd.spool import Spool
from hookd.spool.event import Event

AWS_KEY = "AKIAQ3EGTRV5XJ7KZP2M"
NOT_JSON = [
    f"not json: aws_access_key_id = {AWS_KEY}".encode(),
    b"\xff\xfe" + f' {{"k": "{AWS_KEY}"'.encode(),  # not UTF-8, and cut
    b"[" * 100_000 + AWS_KEY.encode(),  # deeper than the reader's recursion
]


def _event(seq: int, envelope: bytes) -> Event:
    return Event(seq, "host", f"e{seq}", "Stop", "s", "", envelope)


@pytest.mark.parametrize("envelope", NOT_JSON, ids=["text", "not-utf8", "deep"])
def test_an_envelope_that_is_not_json_is_redacted_as_text_and_kept(envelope):
    copy, found = event_again(build_redactor(True), _event(1, envelope))
    assert found and AWS_KEY.encode() not in copy.envelope, copy.envelope[-200:]
    assert (copy.seq, copy.event_id) == (1, "e1")


def test_the_start_backlog_pass_goes_past_envelopes_that_are_not_json(tmp_path, monkeypatch):
    monkeypatch.setattr(again, "_not_json_lines", Throttle(10.0))  # the cases above spent its line
    waiting = [_event(1, json.dumps({"v": 1, "event_id": "e1", "note": "first"}).encode())]
    waiting += [_event(seq, envelope) for seq, envelope in enumerate(NOT_JSON, start=2)]
    last = len(waiting) + 1
    waiting.append(_event(last, json.dumps({"v": 1, "event_id": f"e{last}", "note": f"k {AWS_KEY}"}).encode()))
    spool = Spool(str(tmp_path / "spool"), 16 << 20, "never")
    spool.append_many(waiting)
    state_fd = os.open(tmp_path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        with capture_logs() as logs:
            asyncio.run(redact_backlog(spool, build_redactor(True), "digest", state_fd, lambda *said: None))
    finally:
        os.close(state_fd)
    after = spool.read_batch(100, 1 << 30).events
    assert [e.seq for e in after] == [e.seq for e in waiting]
    assert not any(AWS_KEY.encode() in e.envelope for e in after)
    assert any(line["event"] == "spool_envelope_not_json" for line in logs), logs
    spool.close()
