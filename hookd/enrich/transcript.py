"""Reading a Claude Code transcript for its token counts and model names, and nothing else.

A transcript is JSONL; each assistant line carries ``message.model`` and
``message.usage``. A reading starts where the last one stopped and takes at most
``max_bytes``; only whole lines are read (a line still being written waits for
the next reading), and a line longer than ``max_bytes`` is skipped. Only numbers
and model names that look like model ids leave this module; the text of the
transcript never does.

The file must be the user's own regular file, reached without a symbolic link
in its last component (O_NOFOLLOW), and is opened without blocking (a FIFO
cannot stall the reader).
"""

from __future__ import annotations

import os
import re
import stat
from collections import OrderedDict
from dataclasses import dataclass, field

import msgspec

MAX_MODEL_CHARS = 200
_MODEL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@/\[\]-]*\Z")
# Claude Code writes one line per content block of a message, each with the message's usage;
# a message is counted once, by its id and request id. These are remembered per file.
SEEN_IDS = 512


class _CacheCreation(msgspec.Struct):
    ephemeral_1h_input_tokens: int = 0


class _Usage(msgspec.Struct):
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_input_tokens: int = 0
    cache_creation_input_tokens: int = 0
    cache_creation: _CacheCreation | None = None


class _Message(msgspec.Struct):
    id: str | None = None
    model: str | None = None
    usage: _Usage | None = None


class _Line(msgspec.Struct):
    type: str | None = None
    message: _Message | None = None
    requestId: str | None = None  # noqa: N815 - the transcript's name
    isSidechain: bool = False  # noqa: N815


_line_decoder = msgspec.json.Decoder(_Line)


class TranscriptRefused(Exception):
    """The path is not a transcript hookd may read; the message says why (never its content)."""


def model_id(value: object) -> str | None:
    """A model name fit to leave the transcript: an id of letters, digits and . _ : @ / [ ] -."""
    if isinstance(value, str) and len(value) <= MAX_MODEL_CHARS and _MODEL_ID.match(value):
        return value
    return None


@dataclass
class Counts:
    """One model's tokens: input, output, cache reads, cache writes (and of those, kept 1 hour)."""

    input: int = 0
    output: int = 0
    cache_read: int = 0
    cache_write: int = 0
    cache_write_1h: int = 0

    def add(self, other: Counts) -> None:
        self.input += other.input
        self.output += other.output
        self.cache_read += other.cache_read
        self.cache_write += other.cache_write
        self.cache_write_1h += other.cache_write_1h

    def minus(self, other: Counts) -> Counts:
        return Counts(
            self.input - other.input,
            self.output - other.output,
            self.cache_read - other.cache_read,
            self.cache_write - other.cache_write,
            self.cache_write_1h - other.cache_write_1h,
        )

    def __bool__(self) -> bool:
        return bool(self.input or self.output or self.cache_read or self.cache_write)


@dataclass
class Reading:
    """What one reading found: tokens per model, the latest main-thread model, lines skipped."""

    counts: dict[str, Counts] = field(default_factory=dict)
    model: str | None = None
    bad_lines: int = 0
    caught_up: bool = True


def _count(value: object) -> int:
    return value if isinstance(value, int) and 0 <= value < 2**40 else 0


class TranscriptCursor:
    """Where the last reading of one transcript stopped, and the messages it has counted."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.identity: tuple[int, int] | None = None
        self.offset = 0
        self.skipping = False  # inside a line longer than a reading: drop up to its newline
        self.seen: OrderedDict[str, None] = OrderedDict()

    def read(self, max_bytes: int, reading: Reading) -> None:
        """Read what was appended since the last reading (at most max_bytes) into ``reading``."""
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError as exc:
            raise TranscriptRefused(f"cannot open it ({exc.strerror})") from None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise TranscriptRefused("it is not a regular file")
            if info.st_uid != os.geteuid():
                raise TranscriptRefused(f"it belongs to uid {info.st_uid}, not to this user")
            identity = (info.st_dev, info.st_ino)
            if identity != self.identity or info.st_size < self.offset:
                # Another file at this path, or this one cut short: read it from the start.
                self.identity, self.offset, self.skipping = identity, 0, False
                self.seen.clear()
            want = min(max_bytes, info.st_size - self.offset)
            if want <= 0:
                return
            chunk = os.pread(fd, want, self.offset)
        finally:
            os.close(fd)
        reading.caught_up = reading.caught_up and self.offset + len(chunk) >= info.st_size
        self._take(chunk, max_bytes, reading)

    def _take(self, chunk: bytes, max_bytes: int, reading: Reading) -> None:
        end = chunk.rfind(b"\n")
        if end < 0:
            if len(chunk) >= max_bytes:  # one line longer than a whole reading
                self.offset += len(chunk)
                reading.bad_lines += not self.skipping
                self.skipping = True
            return  # else a line still being written: the next reading takes it
        start = 0
        if self.skipping:
            start = chunk.find(b"\n") + 1
            self.skipping = False
        for line in chunk[start:end].split(b"\n"):
            if b'"usage"' in line:
                self._line(line, reading)
        self.offset += end + 1

    def _line(self, line: bytes, reading: Reading) -> None:
        try:
            parsed = _line_decoder.decode(line)
        except (msgspec.DecodeError, RecursionError):
            reading.bad_lines += 1
            return
        message = parsed.message
        if parsed.type != "assistant" or message is None or message.usage is None:
            return
        model = model_id(message.model)
        if model is None or model == "<synthetic>":
            return
        if message.id:
            key = f"{message.id}\0{parsed.requestId or ''}"
            if key in self.seen:
                return
            self.seen[key] = None
            if len(self.seen) > SEEN_IDS:
                self.seen.popitem(last=False)
        usage = message.usage
        write_1h = usage.cache_creation.ephemeral_1h_input_tokens if usage.cache_creation else 0
        counts = Counts(
            _count(usage.input_tokens),
            _count(usage.output_tokens),
            _count(usage.cache_read_input_tokens),
            _count(usage.cache_creation_input_tokens),
            _count(write_1h),
        )
        reading.counts.setdefault(model, Counts()).add(counts)
        if not parsed.isSidechain:
            reading.model = model
