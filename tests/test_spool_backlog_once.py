"""The backlog redacted again at start redacts each waiting event once (closing23's Left).

When the redaction settings changed, a read-only pass finds the first event this run's rules
would change; the events were then all redacted again from the start, so with the first change
near the end a whole spool was redacted twice before hookd served. What the pass redacted is now
used: the events before its last batch are their own copies, and that batch's copies are kept.
The copies and their order are what redacting every event again gives.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections import Counter

import pytest

from hookd.daemon import backlog_publish
from hookd.daemon.backlog import BATCH_EVENTS, redact_backlog
from hookd.envelope.again import event_again
from hookd.redact import build_redactor
from hookd.spool import Spool
from hookd.spool.event import Event

AWS_KEY = "AKIAQ3EGTRV5XJ7KZP2M"
WAITING = 3 * BATCH_EVENTS + 5


def _event(seq: int, secret: bool) -> Event:
    note = f"k {AWS_KEY}" if secret else f"note {seq}"
    envelope = {"v": 1, "seq": seq, "event_id": f"e{seq}", "hook": "Stop", "session_id": "s", "note": note}
    return Event(seq, "host", f"e{seq}", "Stop", "s", "", json.dumps(envelope).encode())


@pytest.mark.parametrize(
    "secrets",
    [
        {WAITING - 2, WAITING},  # the first change in the last batch: the pass reads the whole backlog
        {BATCH_EVENTS + 3, 2 * BATCH_EVENTS + 9, WAITING},  # in the second batch, more after it
    ],
    ids=["near-the-end", "second-batch"],
)
def test_each_waiting_event_is_redacted_once_and_the_copies_are_unchanged(tmp_path, monkeypatch, secrets):
    originals = [_event(seq, seq in secrets) for seq in range(1, WAITING + 1)]
    spool = Spool(str(tmp_path / "spool"), 16 << 20, "never")
    spool.append_many(originals)
    redactor = build_redactor(True)
    redacted: Counter[str] = Counter()

    def counted(redactor, event):
        redacted[event.event_id] += 1
        return event_again(redactor, event)

    monkeypatch.setattr(backlog_publish, "event_again", counted)
    state_fd = os.open(tmp_path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        asyncio.run(redact_backlog(spool, redactor, "digest", state_fd, lambda *said: None))
    finally:
        os.close(state_fd)
    assert sum(redacted.values()) == WAITING and set(redacted.values()) == {1}, redacted.most_common(3)
    after = spool.read_batch(2 * WAITING, 1 << 30).events
    expected = [event_again(redactor, event)[0] for event in originals]
    assert [(e.seq, e.event_id, e.envelope) for e in after] == [(e.seq, e.event_id, e.envelope) for e in expected]
    assert sum(AWS_KEY.encode() in e.envelope for e in after) == 0
    spool.close()


def test_a_batch_resent_after_its_seqs_dropped_counts_its_secrets_once():
    """A batch read across a cut copy pass ends the originals and starts their copies (seqs 3, 4, then
    1, 2: backlog_copier.py); sent again after a failure, its secrets were counted again, the count
    resting on the batch's last seq instead of its highest."""
    from types import SimpleNamespace

    on_publish = backlog_publish.RedactOnPublish(
        SimpleNamespace(committed=0, dropped=0),
        build_redactor(True),
        None,
        4,
        "disk full",  # type: ignore[arg-type]
    )
    batch = SimpleNamespace(events=[_event(seq, True) for seq in (3, 4, 1, 2)])
    on_publish._each_again(batch)  # type: ignore[arg-type]
    first = sum(on_publish.found.values())
    assert first == 4  # one secret in each event, none counted before
    on_publish._each_again(batch)  # type: ignore[arg-type]
    assert sum(on_publish.found.values()) == first
