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
import zlib
from collections.abc import Iterator

from hookd.paths import open_private
from hookd.spool.event import Event
from hookd.spool.stretches import Stretches

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


def _record_at(buf: bytes | memoryview, pos: int, stretches: Stretches | None = None) -> tuple[int, int] | None:
    """(data start, data end) of a whole, valid record at ``pos``, or None; with ``stretches`` (of
    ``buf``), its checksum is worked out from them (passing over damage: stretches.py)."""
    if pos + HEADER.size > len(buf):
        return None
    length, crc = HEADER.unpack_from(buf, pos)
    start, end = pos + HEADER.size, pos + HEADER.size + length
    # No event is empty, and the crc32 of no bytes is 0: eight zero bytes (what a crash leaves
    # where a segment grew before its data reached the disk) would be a valid record.
    if length == 0 or length > MAX_RECORD_BYTES or end > len(buf):
        return None
    if (zlib.crc32(buf[start:end]) if stretches is None else stretches.crc(start, end)) != crc:
        return None
    return start, end


class SegmentReader:
    """Reads records from one segment file between two offsets, a chunk at a time."""

    def __init__(self, path: str, offset: int = 0, dir_fd: int | None = None) -> None:
        self.path = path
        # never through a link planted among the segments; with dir_fd, in the spool hookd holds
        self.fd = open_private(path, dir_fd=dir_fd)
        self.offset = offset
        self.skipped_bytes = 0
        self.reported_bytes = 0

    def close(self) -> None:
        os.close(self.fd)

    def records(self, limit: int, end: int | None = None) -> Iterator[tuple[bytes, int]]:
        """Yield (data, offset after it) for up to ``limit`` records before ``end``.

        ``end`` is where valid data is known to stop (the writer's position);
        None means the file's size (a finished segment).
        """
        if end is None:
            end = os.fstat(self.fd).st_size
        count = 0
        while count < limit and self.offset < end:
            base = self.offset
            buf = os.pread(self.fd, min(READ_CHUNK, end - base), base)
            pos = 0
            while count < limit and (found := _record_at(buf, pos)) is not None:
                start, pos = found
                self.offset = base + pos
                count += 1
                yield buf[start:pos], self.offset
            if pos > 0:
                continue
            large = self._large_record(end)
            if large is not None:
                count += 1
                yield large, self.offset
            else:
                self._skip_damage(end)

    def _large_record(self, end: int) -> bytes | None:
        """A valid record at the offset that is larger than one read chunk."""
        head = os.pread(self.fd, HEADER.size, self.offset)
        if len(head) < HEADER.size:
            return None
        length, _ = HEADER.unpack(head)
        total = HEADER.size + length
        if length == 0 or length > MAX_RECORD_BYTES or total <= READ_CHUNK or self.offset + total > end:
            return None
        buf = os.pread(self.fd, total, self.offset)
        if _record_at(buf, 0) is None:
            return None
        self.offset += total
        return buf[HEADER.size :]

    def _skip_damage(self, end: int) -> None:
        """Move to the next offset at which a whole record checks out, or to ``end``."""
        window = os.pread(self.fd, end - self.offset, self.offset)
        stretches = Stretches(window)  # each candidate's CRC at a bounded cost, however long it claims to be
        pos = 1
        while pos < len(window):
            if window[pos] == 0:
                # A record's length is never 0, so one starts at most 3 bytes before a byte
                # that is not zero: a run of zeros is passed over at once, not a byte at a time.
                found = _NOT_ZERO.search(window, pos)
                after_zeros = len(window) if found is None else found.start()
                if after_zeros - 3 > pos:
                    pos = after_zeros - 3
                    continue
            at = pos + HEADER.size
            if at < len(window) and window[at] in _ARRAY_STARTS and _record_at(window, pos, stretches) is not None:
                self.skipped_bytes += pos
                self.offset += pos
                return
            found = _LENGTH_TOP.search(window, pos + 4)
            pos = len(window) if found is None else found.start() - 3
        self.skipped_bytes += len(window)
        self.offset = end


def valid_end(path: str, dir_fd: int | None = None) -> tuple[int, int]:
    """Scan a segment: (offset after its last valid record, valid records).

    Damage followed by valid records is skipped (the reader logs it when it
    reads there); damage that runs to the end of the file is a torn tail, and
    the end returned stops before it.
    """
    reader = SegmentReader(path, dir_fd=dir_fd)
    try:
        last_end = count = 0
        for _, after in reader.records(limit=2**62):
            last_end, count = after, count + 1
        return last_end, count
    finally:
        reader.close()
