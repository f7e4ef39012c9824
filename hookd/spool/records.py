"""The spool's on-disk record format, and reading records back from a segment file.

A record is ``<u32 length><u32 crc32 of the data><data>``, little-endian, its data
never empty. A record whose header or checksum does not hold is never returned as data: the
reader skips forward to the next position where a whole record checks out,
and counts the bytes it skipped.
"""

from __future__ import annotations

import os
import re
import struct
import threading
import zlib
from collections.abc import Iterator
from typing import NamedTuple

from hookd.paths import open_private
from hookd.spool.deferred import ReadDeferred
from hookd.spool.event import Event
from hookd.spool.stretches import DIRECT, FileStretches

HEADER = struct.Struct("<II")
MAX_RECORD_BYTES = 256 * 1024 * 1024
READ_CHUNK = 1024 * 1024
_NOT_ZERO = re.compile(rb"[^\x00]")
# A record's length is at most MAX_RECORD_BYTES (0x10000000): its last, high byte is at most 0x10.
# So a record starts only 3 bytes before such a byte, and damage is passed over to the next one
# in C (text is all bytes from 0x20 up) rather than a Python step per byte.
_LENGTH_TOP = re.compile(rb"[\x00-\x10]")
assert MAX_RECORD_BYTES >> 24 == 0x10
# What a record's data starts with: an Event is encoded as a msgpack array (array_like), a fixarray
# of up to 15 fields (0x90 to 0x9f), else an array 16 (0xdc). Looked at only while passing over
# damage, before the checksum: among random bytes most candidates fail here, not after a CRC-32
# of their length.
_ARRAY_STARTS = frozenset(range(0x90, 0xA0)) | {0xDC}
assert Event.__struct_config__.array_like


def encode_record(data: bytes) -> bytes:
    return HEADER.pack(len(data), zlib.crc32(data)) + data


def _record_at(
    buf: bytes, pos: int, stretches: FileStretches | None = None, room: int | None = None
) -> tuple[int, int] | None:
    """(data start, data end) of a whole, valid record at ``pos``, or None. With ``stretches``
    (passing over damage), the record may run ``room`` bytes past ``buf``'s start, beyond ``buf``,
    and its checksum is worked out from the file (stretches.py); ``buf`` starts at the file's
    ``stretches.near`` offset."""
    if pos + HEADER.size > len(buf):
        return None
    length, crc = HEADER.unpack_from(buf, pos)
    start, end = pos + HEADER.size, pos + HEADER.size + length
    # No event is empty, and the crc32 of no bytes is 0: eight zero bytes (what a crash leaves
    # where a segment grew before its data reached the disk) would be a valid record.
    if length == 0 or length > MAX_RECORD_BYTES or end > (len(buf) if room is None else room):
        return None
    if stretches is None or (end <= len(buf) and length <= DIRECT):
        if zlib.crc32(buf[start:end]) != crc:
            return None
    elif stretches.crc(stretches.near[1] + start, stretches.near[1] + end) != crc:
        return None
    return start, end


class _Ahead:
    """The file's bytes from where the reader stands, read forward a chunk at a time: each byte is
    read once, however often a record or a stretch of damage runs past what was read. Bytes before
    the writer's position never change once written, so what is held stays true."""

    def __init__(self, fd: int, at: int, path: str) -> None:
        self.fd = fd
        self.buf = b""
        self.base = at  # the file offset of buf[0]
        self.path = path
        # Set by the publisher's reader (SpoolReading.next_batch): a read is raised as ReadDeferred rather
        # than made here, on the loop, where a disk that stopped answering would hold everything.
        self.defer = False

    def fill(self, at: int, want: int, end: int) -> None:
        """Hold the bytes from ``at`` to ``at + want`` (not past ``end``, nor the file's end)."""
        if self.base + len(self.buf) > end:  # a read up to where memory starts (reader.py) holds none past it
            self.buf = self.buf[: max(0, end - self.base)]
        held = self.base + len(self.buf)
        if self.base <= at and min(at + want, end) <= held:
            return
        if self.defer:
            raise ReadDeferred(lambda: self.read(at, want, end), self.path)
        self.read(at, want, end)

    def read(self, at: int, want: int, end: int) -> None:
        held = self.base + len(self.buf)
        keep = self.buf[at - self.base :] if self.base <= at < held else b""
        start = at + len(keep)
        stop = min(end, max(at + want, start + READ_CHUNK))
        self.buf = keep + (os.pread(self.fd, stop - start, start) if stop > start else b"")
        self.base = at


class SegmentReader:
    """Reads records from one segment file between two offsets, a chunk at a time."""

    def __init__(self, path: str, offset: int = 0, dir_fd: int | None = None, chains: bool = False) -> None:
        self.path = path
        # never through a link planted among the segments; with dir_fd, in the spool hookd holds
        self.fd = open_private(path, dir_fd=dir_fd)
        self.offset = offset
        self.skipped_bytes = 0
        self.reported_bytes = 0
        # With ``chains``: the records in stretches of damage followed by a valid record, where the
        # damage left their lengths (``_count_chain``).
        self.chains = chains
        self.chained_records = 0
        # Made at the first damage and kept: the bytes after it are read for marks once, not again
        # for each stretch (the bytes before ``end`` never change once written).
        self._stretches: FileStretches | None = None
        # Where a pass over damage stood when a deferred read stopped it: the next call goes on from there.
        # Begun again at the damage's start, it re-read the bytes from there and stopped again as far on, for
        # ever, over a stretch longer than what is held.
        self._passing: int | None = None
        # Kept from one call of records to the next (the publisher's reader stops at each batch).
        self._ahead = _Ahead(self.fd, offset, path)
        # A deferred read under way in a thread (``read_off_loop``): a close meanwhile is made by that
        # thread once the read returns, not under it (the descriptor's number taken by another file).
        self._lock = threading.Lock()
        self._reading = False
        self._closing = False

    @property
    def defer(self) -> bool:
        return self._ahead.defer

    @defer.setter
    def defer(self, value: bool) -> None:
        self._ahead.defer = value
        if self._stretches is not None:
            self._stretches.defer = value

    def read_off_loop(self, deferred: ReadDeferred) -> None:
        """Make ``deferred``'s read (in a thread of its own): nothing else reads this reader meanwhile."""
        with self._lock:
            if self._closing:
                return
            self._reading = True
        try:
            deferred.read()
        finally:
            with self._lock:
                self._reading = False
                if self._closing:
                    os.close(self.fd)

    def close(self) -> None:
        with self._lock:
            self._closing = True
            if self._reading:
                return
        os.close(self.fd)

    def records(self, limit: int, end: int | None = None) -> Iterator[tuple[bytes, int]]:
        """Yield (data, offset after it) for up to ``limit`` records before ``end``.

        ``end`` is where valid data is known to stop (the writer's position);
        None means the file's size (a finished segment).
        """
        if end is None:
            end = os.fstat(self.fd).st_size
        ahead = self._ahead
        count = 0
        try:
            while count < limit and self.offset < end:
                if self._passing is None:
                    ahead.fill(self.offset, HEADER.size, end)
                    buf, base = ahead.buf, ahead.base
                    pos = first = self.offset - base
                    while count < limit and (found := _record_at(buf, pos)) is not None:
                        start, pos = found
                        self.offset = base + pos
                        count += 1
                        yield buf[start:pos], self.offset
                    # A whole record longer than what was held (_runs_past) is read on, then taken above.
                    if pos != first or self._runs_past(ahead, end):
                        continue
                self._skip_damage(ahead, end)
        finally:
            if len(ahead.buf) > 2 * READ_CHUNK:  # a large record's bytes are not kept between calls
                ahead.buf, ahead.base = b"", self.offset

    def _runs_past(self, ahead: _Ahead, end: int) -> bool:
        """Whether the record at the offset runs past the bytes held and may be whole: they are read."""
        pos = self.offset - ahead.base
        if len(ahead.buf) - pos < HEADER.size:
            return False
        length, _ = HEADER.unpack_from(ahead.buf, pos)
        total = HEADER.size + length
        if length == 0 or length > MAX_RECORD_BYTES or pos + total <= len(ahead.buf) or self.offset + total > end:
            return False
        ahead.fill(self.offset, total, end)
        return _record_at(ahead.buf, self.offset - ahead.base) is not None

    def _skip_damage(self, ahead: _Ahead, end: int) -> None:
        """Move to the next offset at which a whole record checks out, or to ``end``."""
        if self._stretches is None:
            self._stretches = FileStretches(self.fd, self.offset, self.path)
            self._stretches.defer = self.defer
        try:
            self._pass_damage(ahead, self._stretches, end)
            self._passing = None
        finally:
            self._stretches.near = (b"", 0)  # not the window's bytes, for the reader's life

    def _pass_damage(self, ahead: _Ahead, stretches: FileStretches, end: int) -> None:
        at, seen = self.offset + 1 if self._passing is None else self._passing, end
        while at + HEADER.size < end:
            self._passing = at  # a ReadDeferred from the fill goes on from here
            ahead.fill(at, READ_CHUNK, end)
            window, base = ahead.buf, ahead.base
            if base + len(window) <= at + HEADER.size:
                seen = base + len(window)  # the file ends before ``end``
                break
            stretches.near = (window, base)
            room = end - base
            pos, stop = at - base, len(window) - HEADER.size
            while pos < stop:
                if window[pos] == 0:
                    # A record's length is never 0, so one starts at most 3 bytes before a byte
                    # that is not zero: a run of zeros is passed over at once, not a byte at a time.
                    found = _NOT_ZERO.search(window, pos)
                    after_zeros = len(window) if found is None else found.start()
                    if after_zeros - 3 > pos:
                        pos = after_zeros - 3
                        continue
                # The checksum of a record past the window or long is read from the file (stretches.py): a deferred
                # read of it goes on from this candidate, not from the window's start, whose candidates' reads
                # it would make again.
                self._passing = base + pos
                if window[pos + HEADER.size] in _ARRAY_STARTS and _record_at(window, pos, stretches, room) is not None:
                    if self.chains:
                        self._count_chain(base + pos)
                    self.skipped_bytes += base + pos - self.offset
                    self.offset = base + pos
                    return
                found = _LENGTH_TOP.search(window, pos + 4)
                pos = max(pos + 1, len(window) - 3) if found is None else found.start() - 3
            at = base + pos
        self.skipped_bytes += min(seen, end) - self.offset
        self.offset = end

    def _count_chain(self, stop: int) -> None:
        """The records from the offset to ``stop`` (damage) if their lengths lead from each one to
        the next and land on ``stop``: a checksum that fails in a record whose header held."""
        at, count, chunk, chunk_at = self.offset, 0, b"", self.offset
        while at < stop:
            if at + HEADER.size > chunk_at + len(chunk):
                chunk, chunk_at = os.pread(self.fd, min(READ_CHUNK, stop - at), at), at
                if len(chunk) < HEADER.size:
                    break
            length, _ = HEADER.unpack_from(chunk, at - chunk_at)
            if length == 0 or length > MAX_RECORD_BYTES:
                break
            at, count = at + HEADER.size + length, count + 1
        if at == stop:
            self.chained_records += count


class ValidEnd(NamedTuple):
    end: int  # after the last valid record
    valid: int  # valid records
    damaged: int  # records in damage followed by valid records, where their lengths held (_count_chain)
