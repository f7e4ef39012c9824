"""What every way in and every step of the event path share: the header a sender sent with an
event, why an event is refused, and the reply line that tells the sender either way.

A leaf: the socket, the inbox and HTTP (ingest/), the pipeline, the envelope builder and the
worker process all speak these, so they live below all of them; ingest/protocol.py reads
the socket's wire format into them.
"""

from __future__ import annotations

import enum

import msgspec

TO_EOF = -1  # a header's length when the body runs to the end of the stream or file


class Reason(enum.Enum):
    """Why a frame was not taken. The value is the word on the wire."""

    EMPTY = "empty"
    NOT_JSON = "not_json"
    INVALID_UTF8 = "invalid_utf8"
    NOT_OBJECT = "not_object"
    TOO_DEEP = "too_deep"
    TOO_LARGE = "too_large"
    BAD_HEADER = "bad_header"
    TIMEOUT = "timeout"
    UNAVAILABLE = "unavailable"
    # The spool's filesystem is full and its reserve used up. Not final: hook-send keeps the
    # event in its inbox, or its spare inbox when the inbox is on the same full filesystem.
    DISK_FULL = "disk_full"

    @property
    def closes_connection(self) -> bool:
        """After these the byte stream cannot be trusted to resume at a frame boundary."""
        return self in _CLOSING

    @property
    def passing(self) -> bool:
        """A state of hookd's, not a fault of the event: the sender keeps it and tries again."""
        return self in (Reason.UNAVAILABLE, Reason.DISK_FULL)


_CLOSING = {Reason.TOO_LARGE, Reason.BAD_HEADER, Reason.TIMEOUT, Reason.UNAVAILABLE, Reason.DISK_FULL}


class Rejected(Exception):
    def __init__(self, reason: Reason, message: str, internal: bool = False) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.internal = internal  # hookd's own failure, not the sender's nor a passing state


class Header(msgspec.Struct, frozen=True):
    """What the sender told us besides the body; every field optional."""

    length: int = TO_EOF
    sent_ns: int | None = None
    pid: int | None = None
    ppid: int | None = None
    hook: str | None = None
    project: str | None = None
    handoff_id: str | None = None
    # Why the body is a marker in place of the payload: "too_large" from hook-send, which does not
    # hold a payload over max_event_bytes (client/hook_send.py). Counted, and the marker kept.
    withheld: str | None = None


BARE = Header()


def ok_line(event_id: str) -> bytes:
    return b"OK " + event_id.encode() + b"\n"


def error_line(reason: Reason, message: str) -> bytes:
    text = message.replace("\n", " ").replace("\r", " ")
    return f"ERR {reason.value} {text}\n".encode("utf-8", "replace")
