"""The session index's fields and a Notification's type are read from an envelope in one decode (the
hundred-twenty-fifth pass, a second read: script.batch_args decoded a Notification's envelope a second time, for
its type, beside index_fields)."""

from __future__ import annotations

import json

import msgspec

from hookd.config import Config
from hookd.publish import session_index
from hookd.publish.script import ARGS_HEAD, ARGS_PER_EVENT, batch_args
from hookd.publish.settings import PublishSettings
from hookd.spool.event import Event


class Counted:
    def __init__(self, decoder: msgspec.json.Decoder, seen: list[bytes]) -> None:
        self.decoder, self.seen = decoder, seen

    def decode(self, data: bytes):
        self.seen.append(bytes(data))
        return self.decoder.decode(data)


def _event(seq: int, hook: str, received_ns: int, ntype: object = None) -> Event:
    payload = {"cwd": "/w", "notification_type": ntype} if hook == "Notification" else {"cwd": "/w"}
    envelope = json.dumps({"seq": seq, "host": "h", "hook": hook, "session_id": "s", "model": "m", "payload": payload})
    return Event(seq, "h", f"id-{seq}", hook, "s", "", envelope.encode(), "", received_ns)


def test_each_envelope_is_decoded_once_at_most(monkeypatch, tmp_path):
    """A Notification last in its session's batch, one before it, and a replayed file's event (no arrival time).
    Before: the last Notification's envelope decoded twice (index_fields, then notification_type)."""
    seen: list[bytes] = []
    for name, value in list(vars(session_index).items()):
        if isinstance(value, msgspec.json.Decoder):
            monkeypatch.setattr(session_index, name, Counted(value, seen))
    events = [
        _event(1, "PreToolUse", 5_000_000_000),
        _event(2, "Notification", 6_000_000_000, "permission_prompt"),
        _event(3, "PostToolUse", 0),
        _event(4, "Notification", 7_000_000_000, "agent_needs_input"),
    ]
    settings = PublishSettings.from_config(Config(state_dir=str(tmp_path)))
    args = batch_args(settings, events)
    assert sorted(seen) == sorted(e.envelope for e in events[1:]), seen  # the first needs no read
    per_event = [args[ARGS_HEAD + n * ARGS_PER_EVENT : ARGS_HEAD + (n + 1) * ARGS_PER_EVENT] for n in range(4)]
    assert [e[-1] for e in per_event] == ["running", "waiting", "running", "waiting"], per_event  # the state each gives
    assert [e[6] for e in per_event][:2] == [5000, 6000] and per_event[3][6] == 7000, per_event
    assert per_event[3][7:9] == ["/w", "m"] and per_event[1][7:9] == ["", ""], per_event  # only the last's cwd
