"""The session index: what PUBLISH_BATCH records per session, and the keys it uses.

Every key lives in the stream's Redis Cluster hash slot (the stream's own
hash tag, or the stream's name as the tag), so the script that XADDs an event
can update the index in the same call, exactly once with it.
"""

from __future__ import annotations

import datetime
import hashlib
import time
from typing import Any, NamedTuple

import msgspec


def has_hash_tag(key: str) -> bool:
    start = key.find("{")
    return start >= 0 and key.find("}", start + 1) > start + 1


def slot_prefix(stream: str) -> str:
    """The prefix of every key that must share the stream's hash slot.

    A stream name with a hash tag keeps it (the tag alone picks the slot);
    otherwise the whole name becomes the tag.
    """
    if has_hash_tag(stream):
        return stream + ":"
    if "}" in stream:
        raise ValueError(
            f"stream name {stream!r} has a '}}' but no hash tag: "
            "use a name without braces, or one with a tag such as 'team:{hookd}:events'"
        )
    return "{" + stream + "}:"


def sessions_key(stream: str) -> str:
    """The sorted set of session ids, scored by their last event (ms since 1970)."""
    return slot_prefix(stream) + "sessions"


def session_key_prefix(stream: str) -> str:
    """A session's hash is this prefix followed by its session_id."""
    return slot_prefix(stream) + "session:"


# Claude Code's session ids are UUIDs (36 bytes). A longer id than this is not one of its own:
# it names its session in the index (keys, sorted set, the stream entry's `session` field) by
# its digest, so that no sender makes Redis keys and members the size of an event; the
# envelope keeps the id whole. Hook, tool and model names (Claude Code's are under 64 bytes)
# go the same way into the stream's `hook` and `tool` fields and the session's hash, and a
# cwd past the longest path Linux takes (PATH_MAX, 4096).
MAX_SESSION_ID_BYTES = 256
MAX_NAME_BYTES = 256
MAX_CWD_BYTES = 4096
DIGEST_PREFIX = "sha256:"


def short_name(text: str, limit: int = MAX_NAME_BYTES) -> str:
    """``text``, or for one over ``limit`` bytes of UTF-8, ``sha256:`` and its hex digest."""
    if len(text) * 4 <= limit:  # no character is more than 4 bytes: nothing to encode
        return text
    raw = text.encode("utf-8", "surrogatepass")
    if len(raw) <= limit:
        return text
    return DIGEST_PREFIX + hashlib.sha256(raw).hexdigest()


def index_id(session_id: str) -> str:
    """The name of a session in the index and the stream's `session` field: its id, or for an
    id over MAX_SESSION_ID_BYTES, ``sha256:`` and the hex digest of its UTF-8."""
    return short_name(session_id, MAX_SESSION_ID_BYTES)


class _IndexPayload(msgspec.Struct, frozen=True):
    cwd: Any = None
    notification_type: Any = None


class _IndexHead(msgspec.Struct):
    """The envelope fields the index needs that the spool's Event does not hold."""

    received_at: Any = None
    model: Any = None
    payload: _IndexPayload = _IndexPayload()


_head_decoder = msgspec.json.Decoder(_IndexHead)


class IndexFields(NamedTuple):
    at_ms: int
    cwd: str
    model: str
    notification_type: object  # a Notification's type, for its session's state (session_state.py); any JSON value


def index_fields(received_ns: int, envelope: bytes) -> IndexFields:
    """When the event arrived, the session's cwd and model, and a Notification's type, from an event's envelope.

    Decoding skips over the payload; only ``cwd`` and ``notification_type`` are kept. An envelope this
    cannot read (not hookd's, or with a lone surrogate) gives empty fields.
    """
    try:
        head = _head_decoder.decode(envelope)
    except (msgspec.DecodeError, RecursionError):
        head = _IndexHead()
    at_ms = received_ns // 1_000_000 if received_ns else _parse_ms(head.received_at)
    cwd = short_name(head.payload.cwd, MAX_CWD_BYTES) if isinstance(head.payload.cwd, str) else ""
    model = short_name(head.model) if isinstance(head.model, str) else ""
    return IndexFields(at_ms, cwd, model, head.payload.notification_type)


def _parse_ms(text: Any) -> int:
    """An envelope's ``received_at`` in ms (a replayed file's events); now when it has none."""
    if isinstance(text, str):
        try:
            return int(datetime.datetime.fromisoformat(text).timestamp() * 1000)
        except (ValueError, OverflowError, OSError):
            pass
    return time.time_ns() // 1_000_000
