"""The socket's wire format: the header line and whole frames, read into hookd.refusals' types.

Pure functions and plain data, so the connection handler stays a small state
machine and the inbox pick-up can read the same frames from files. The reasons for refusal,
the header and the reply lines are shared with the rest of the event path (hookd/refusals.py).
"""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

from hookd.hook_names import HOOK_NAME_SHAPE, is_hook_name
from hookd.refusals import BARE, TO_EOF, Header, Reason, Rejected, error_line, ok_line

# The name ending of the files hook-send leaves in the inbox, each holding one frame.
INBOX_SUFFIX = ".hookd"

# The shared types are named here too, for the socket and inbox code that reads frames.
__all__ = [
    "BARE",
    "MAGIC",
    "MAX_HEADER_BYTES",
    "TO_EOF",
    "Header",
    "Reason",
    "Rejected",
    "error_line",
    "ok_line",
    "parse_any_header",
    "parse_header",
    "split_frame",
]

MAGIC = b"HOOKD/1"
MAX_HEADER_BYTES = 4096
_HANDOFF_ID = re.compile(r"[A-Za-z0-9_-]{1,64}\Z")
_KEY = re.compile(rb"[a-z_]{1,32}\Z")
_KNOWN_KEYS = {key.encode(): key for key in ("sent", "pid", "ppid", "hook", "project", "id", "withheld")}


# The header as hook-send writes it (and the benchmarks): its fields in their usual order,
# none empty or percent-encoded. One match reads it in a fifth of the time the general
# parser takes; any other header goes to the general parser, which gives the same result
# for this form (tests/test_protocol.py compares the two).
_CANONICAL = re.compile(
    rb"HOOKD/1 ([0-9]{1,18}) sent=([0-9]{1,20}) pid=([0-9]{1,20}) "
    rb"ppid=([0-9]{1,20}) id=([A-Za-z0-9_-]{1,64})"
    rb"(?: hook=([A-Za-z][A-Za-z0-9_-]{0,63}))?(?: project=([^ %]+))?"
)


def parse_header(line: bytes) -> Header:
    """Parse ``HOOKD/1 <length|-> key=value ...`` (without the newline)."""
    match = _CANONICAL.fullmatch(line)
    if match is None:
        return parse_any_header(line)
    length, sent, pid, ppid, handoff_id, hook, project = match.groups()
    return Header(
        length=int(length),
        sent_ns=int(sent),
        pid=int(pid),
        ppid=int(ppid),
        hook=None if hook is None else hook.decode("utf-8", "replace"),
        project=None if project is None else project.decode("utf-8", "replace"),
        handoff_id=handoff_id.decode(),
    )


def parse_any_header(line: bytes) -> Header:
    """parse_header for any header: fields in any order, empty, percent-encoded or unknown."""
    parts = line.split(b" ")
    if parts[0] != MAGIC:
        raise Rejected(Reason.BAD_HEADER, f"header must start with {MAGIC.decode()}")
    if len(parts) < 2:
        raise Rejected(Reason.BAD_HEADER, "header has no body length")
    length = _parse_length(parts[1])
    fields: dict[str, bytes] = {}
    # Messages name items by position, never quote them: they are logged, and a header is the
    # sender's text, unredacted at this point.
    for position, item in enumerate(parts[2:], 1):
        if not item:
            continue
        key, sep, value = item.partition(b"=")
        name = _KNOWN_KEYS.get(key)
        if name is None:
            if not sep or not _KEY.match(key):
                raise Rejected(
                    Reason.BAD_HEADER,
                    f"malformed header item {position} after the length: not key=value with a lower-case key",
                )
            continue  # unknown keys are ignored, for senders newer than this daemon
        if not sep:
            raise Rejected(Reason.BAD_HEADER, f"header item {name} has no '='")
        fields[name] = unquote_to_bytes(value) if b"%" in value else value
    return Header(
        length=length,
        sent_ns=_int_field(fields, "sent"),
        pid=_int_field(fields, "pid"),
        ppid=_int_field(fields, "ppid"),
        hook=_hook(fields),
        project=_text_field(fields, "project"),
        handoff_id=_handoff_id(fields),
        withheld=_withheld(fields),
    )


def _parse_length(token: bytes) -> int:
    if token == b"-":
        return TO_EOF
    if not token.isdigit() or len(token) > 18:
        raise Rejected(Reason.BAD_HEADER, f"the body length ({len(token)} bytes) is not a byte count or '-'")
    return int(token)


def _int_field(fields: dict[str, bytes], key: str) -> int | None:
    raw = fields.get(key)
    if raw is None:
        return None
    if not raw.isdigit() or len(raw) > 20:
        raise Rejected(Reason.BAD_HEADER, f"header {key}= must be a non-negative integer")
    return int(raw)


def _text_field(fields: dict[str, bytes], key: str) -> str | None:
    raw = fields.get(key)
    return None if not raw else raw.decode("utf-8", "replace")


def _hook(fields: dict[str, bytes]) -> str | None:
    """hook-send's argument: refused unless a hook event name, whether or not the body names the
    event, so that a hook command with a bad one is found at its first event."""
    raw = _text_field(fields, "hook")
    if raw is not None and not is_hook_name(raw):
        raise Rejected(Reason.BAD_HEADER, f"header hook= (hook-send's argument) must be {HOOK_NAME_SHAPE}")
    return raw


def _handoff_id(fields: dict[str, bytes]) -> str | None:
    raw = _text_field(fields, "id")
    if raw is not None and not _HANDOFF_ID.match(raw):
        raise Rejected(Reason.BAD_HEADER, "header id= must be 1-64 of A-Z a-z 0-9 _ -")
    return raw


def _withheld(fields: dict[str, bytes]) -> str | None:
    raw = fields.get("withheld")
    if raw and not _KEY.match(raw):
        raise Rejected(Reason.BAD_HEADER, "header withheld= must be 1-32 of a-z and _")
    return None if not raw else raw.decode()


def split_frame(data: bytes) -> tuple[Header, bytes]:
    """A whole frame held in memory (an inbox file) as header and body."""
    line, newline, body = data.partition(b"\n")
    if not newline:
        raise Rejected(Reason.BAD_HEADER, "no header line")
    header = parse_header(line)
    if header.length != TO_EOF and header.length != len(body):
        raise Rejected(Reason.NOT_JSON, f"the frame holds {len(body)} of {header.length} body bytes")
    return header, body
