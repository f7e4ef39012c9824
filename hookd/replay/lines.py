"""Reading a JSONL file of envelopes (``hookd tail --json``, ``hookd replay --export``) into the
spool's records: each line one envelope, with its own host and seq; bad lines are counted and
named, never fatal."""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any, NamedTuple, TextIO

from hookd.envelope import UNKNOWN_HOOK
from hookd.jsonl import loads
from hookd.paths import UnsafePathError, check_way_to, refuse_untrusted
from hookd.replay.errors import ReplayError
from hookd.spool.event import Event
from hookd.spool.records import MAX_RECORD_BYTES
from hookd.terminal.progress import Progress

# The mark is a Lua number (a double): larger sequence numbers would not compare exactly.
MAX_SEQ = 2**53 - 1
BAD_LINES_SHOWN = 20
# Bad lines named in --json: a file of nothing else is not held in memory line by line.
BAD_LINES_KEPT = 1000
# No envelope is longer than the spool's largest record: a longer line is counted bad and skipped
# as it is read, not held, so a file of one endless line costs no more memory than this.
MAX_LINE_BYTES = MAX_RECORD_BYTES
_SKIP_CHUNK = 1 << 20


class BadLine(NamedTuple):
    line: int
    error: str


class Parsed(NamedTuple):
    events: list[Event]
    lines: list[int]  # the file line of each event
    bad: list[BadLine]  # the first BAD_LINES_KEPT
    bad_count: int


def _text_field(envelope: dict[str, Any], key: str) -> str:
    value = envelope.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"{key} must be a string or null, not {type(value).__name__}")
    if not value.isascii():
        # A lone surrogate (from a \\ud83d escape) cannot go to Redis as UTF-8; the
        # daemon makes it U+FFFD as well.
        value = value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return value


def parse_line(raw: bytes) -> Event:
    """One line of a file into the event to publish; ValueError names what is wrong."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not valid UTF-8 (byte {exc.start})") from None
    try:
        envelope = loads(text)
    except RecursionError:
        raise ValueError("the JSON nests too deeply") from None
    except ValueError as exc:
        raise ValueError(f"not JSON ({exc})") from None
    if not isinstance(envelope, dict):
        raise ValueError(f"not an envelope: a JSON object is expected, not {type(envelope).__name__}")
    seq = envelope.get("seq")
    if seq is None:
        raise ValueError("the envelope has no seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or not 0 < seq <= MAX_SEQ:
        raise ValueError(f"seq must be a whole number from 1 to {MAX_SEQ}, not {seq!r}")
    host = envelope.get("host")
    if host is None or host == "":
        raise ValueError("the envelope has no host")
    if not isinstance(host, str):
        raise ValueError(f"host must be a string, not {type(host).__name__}")
    host = _text_field(envelope, "host")
    instance = _text_field(envelope, "instance")
    if instance and not (instance.isascii() and instance.isalnum()):
        raise ValueError(f"instance must be letters and digits, not {instance[:40]!r}")
    return Event(
        seq=seq,
        host=host,
        event_id=_text_field(envelope, "event_id"),
        hook=_text_field(envelope, "hook") or UNKNOWN_HOOK,
        session=_text_field(envelope, "session_id"),
        tool=_text_field(envelope, "tool_name"),
        envelope=raw,
        instance=instance,
    )


def parse_lines(lines: Iterable[bytes | None], on_line: Callable[[int], None] | None = None) -> Parsed:
    """Each line (None: one longer than MAX_LINE_BYTES, skipped unread) into an event or a bad line."""
    events, numbers = [], []
    bad: list[BadLine] = []
    bad_count = 0
    for number, line in enumerate(lines, 1):
        if on_line is not None and not number % 1000:
            on_line(number)
        if line is None:
            error = f"longer than {MAX_LINE_BYTES >> 20} MiB, more than any envelope"
        elif not (line := line.strip(b" \t\r\n")):
            continue
        else:
            try:
                events.append(parse_line(line))
                numbers.append(number)
                continue
            except ValueError as exc:
                error = str(exc)
        bad_count += 1
        if len(bad) < BAD_LINES_KEPT:
            bad.append(BadLine(number, error))
    return Parsed(events, numbers, bad, bad_count)


def bounded_lines(stream: IO[bytes], limit: int = MAX_LINE_BYTES) -> Iterator[bytes | None]:
    """The stream's lines, split on LF only (CR is stripped with the line, no other byte ends one);
    None for a line longer than ``limit``, whose rest is read past in chunks and never held."""
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        if len(line) <= limit or line.endswith(b"\n"):
            yield line
            continue
        while not line.endswith(b"\n"):
            line = stream.readline(_SKIP_CHUNK)
            if not line:
                break
        yield None


def _cannot_read(path: str, exc: OSError) -> ReplayError:
    return ReplayError(
        f"cannot read {path}: {exc.strerror or exc}; give the path of a JSONL "
        "file of envelopes, such as one written by hookd replay --export"
    )


def _open_regular(path: str) -> IO[bytes]:
    """The file at ``path``, only if it is a regular file: a device such as /dev/zero never ends, and a
    FIFO would wait for a writer; either is refused at once (standard input is ``-``). And only if no
    other user could have written it (paths.refuse_untrusted, as the config file): what it holds is
    published as this user's events, its hosts' marks raised past its seqs."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as exc:
        raise _cannot_read(path, exc) from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = "a directory" if stat.S_ISDIR(mode) else "not a regular file (a device, FIFO or socket)"
        raise ReplayError(
            f"cannot read {path}: it is {kind}; give the path of a JSONL file of envelopes, such as "
            "one written by hookd replay --export, or - to read them from standard input"
        )
    try:  # events read from it go to the stream as this user's: a file another user could write would be theirs
        check_way_to(path)
        what = "put events of their own in your stream as yours"
        refuse_untrusted(os.path.abspath(path), os.fstat(fd), what, fd=fd)
    except (UnsafePathError, OSError) as exc:
        os.close(fd)
        raise ReplayError(
            f"cannot read {path}: {exc}" + ("" if "fix:" in str(exc) else "; copy it to a file of your own first")
        ) from None
    os.set_blocking(fd, True)
    return open(fd, "rb")


def read_file(path: str, err: TextIO | None = None) -> Parsed:
    stream = sys.stdin.buffer if path == "-" else _open_regular(path)
    try:
        with Progress("reading", None, unit="lines", stream=err) as progress:
            return parse_lines(bounded_lines(stream), progress.update)
    except OSError as exc:
        raise _cannot_read(path, exc) from None
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


def say_bad_lines(parsed: Parsed, path: str, err: TextIO) -> None:
    """The first BAD_LINES_SHOWN bad lines, and how many more."""
    for bad in parsed.bad[:BAD_LINES_SHOWN]:
        print(f"hookd: {path} line {bad.line}: {bad.error}; skipped", file=err)
    if parsed.bad_count > BAD_LINES_SHOWN:
        print(
            f"hookd: ... and {parsed.bad_count - BAD_LINES_SHOWN} more bad lines (--json lists the first "
            f"{BAD_LINES_KEPT:,})",
            file=err,
        )
