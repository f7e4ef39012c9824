"""The CRC-32 of any stretch of a segment file at a bounded cost, for passing over damage in it.

Passing over damage tries each offset where a record could start, and checks its data's CRC-32.
Computed afresh, that is one CRC of the claimed length per candidate: bytes crafted to hold a
candidate every few bytes, each claiming to run to the end, cost the square of their size (256
KiB of them, 3.2 GB of CRC). Here a long stretch's CRC comes from the CRCs of the file's
prefixes, which are kept at every STEP bytes (one pass over the file, made as far as asked):
crc(A + B) = crc(A) * x^(8 |B|) + crc(B) over GF(2) (zlib's crc32_combine), so crc(B) is the
prefix's CRC at B's end plus the one at its start times x^(8 |B|), a few multiplications of 32-bit
polynomials. A short stretch is cheaper computed afresh.
"""

from __future__ import annotations

import functools
import os
import zlib
from array import array

from hookd.spool.deferred import ReadDeferred

STEP = 256  # prefix CRCs are kept this far apart: a prefix's CRC is at most this many bytes away
DIRECT = 4096  # a stretch this long or shorter is computed afresh
_POLY = 0xEDB88320  # CRC-32's polynomial, bit-reflected as zlib keeps it
_ONE = 1 << 31  # the polynomial 1, bit-reflected
DIGIT_BITS = 10
_DIGITS = 3  # powers x^(8n) for n below 2**30, past any stretch of a segment read at once


def multiply(a: int, b: int) -> int:
    """a * b modulo CRC-32's polynomial (zlib's multmodp)."""
    m, p = _ONE, 0
    while True:
        if a & m:
            p ^= b
            if not a & (m - 1):
                return p
        m >>= 1
        b = (b >> 1) ^ _POLY if b & 1 else b >> 1


def _powers() -> list[list[int]]:
    """tables[k][d] = x^(8 d 2**(DIGIT_BITS k)): x^(8n) is the product of one entry per digit of n."""
    x8 = _ONE >> 8  # x^8
    tables = []
    for _ in range(_DIGITS):
        row = [_ONE]
        for _ in range((1 << DIGIT_BITS) - 1):
            row.append(multiply(row[-1], x8))
        tables.append(row)
        x8 = multiply(row[-1], x8)  # x^(8 2**DIGIT_BITS) of this table: the next one's step
    return tables


_tables: list[list[int]] | None = None  # made on the first long stretch (3,072 multiplications)


def shifted(crc: int, n: int) -> int:
    """``crc`` times x^(8n): a prefix's CRC carried past ``n`` more bytes, as if they were zeros."""
    global _tables
    if _tables is None:
        _tables = _powers()
    mask = (1 << DIGIT_BITS) - 1
    for table in _tables:
        if n & mask:
            crc = multiply(table[n & mask], crc)
        n >>= DIGIT_BITS
        if not n:
            break
    return crc


MARK_CHUNK = 1024 * 1024  # the file is read this much at a time to make marks (a multiple of STEP)


class FileStretches:
    """CRC-32s of stretches of a file from ``base`` on, from marks (prefix CRCs) made by
    reading the file once, forward, as far as asked, and kept for the reader's life: stretch after
    stretch of damage in one segment reads its bytes once, not once per stretch. ``near`` is the
    reader's window (bytes, where they start), where a stretch's few last bytes are taken first.

    With ``defer`` (the publisher's reader, on the event loop), a stretch whose CRC needs bytes not held
    raises ReadDeferred in place of reading them: its read, made in a thread (reading.py), holds them for
    the next call, which then reads nothing. Read on the loop, a disk that stopped answering held it."""

    def __init__(self, fd: int, base: int, path: str = "") -> None:
        self.fd = fd
        self.base = base
        self.path = path
        self.defer = False
        self.marks = array("I", [0])  # marks[k] = crc32(file[base : base + k * STEP])
        self.fresh_bytes = 0
        self.near: tuple[bytes, int] = (b"", base)
        self._chunk: tuple[bytes, int] = (b"", base)  # the last bytes read to make marks
        # A deferred read's: how far marks were read toward (the file ended before), and the bytes of a stretch
        # (what a read of them gave, where they start, where they were asked to end). Each is the read the call
        # asked again would make: its result, not a reason to read again.
        self._marks_read_to: int | None = None
        self._fetched: tuple[bytes, int, int] = (b"", base, base)

    def crc(self, start: int, end: int) -> int:
        if end - start <= DIRECT:
            crc = zlib.crc32(self._bytes(start, end))
            self.fresh_bytes += end - start
        else:
            crc = self._prefix(end) ^ shifted(self._prefix(start), end - start)
        self._marks_read_to = None
        return crc

    def _prefix(self, at: int) -> int:
        """crc32(file[base:at])."""
        k = (at - self.base) // STEP
        if len(self.marks) <= k and (self._marks_read_to is None or self._marks_read_to < k):
            if self.defer:
                raise ReadDeferred(functools.partial(self._read_marks, k), self.path)
            self._read_marks(k)
        k = min(k, len(self.marks) - 1)  # a file shorter than asked: the CRC fails, as it should
        start = self.base + k * STEP
        data = self._bytes(start, at)
        self.fresh_bytes += at - start
        return zlib.crc32(data, self.marks[k])

    def _read_marks(self, k: int) -> None:
        while len(self.marks) <= k and self._more():
            pass
        self._marks_read_to = k

    def _more(self) -> bool:
        at = self.base + (len(self.marks) - 1) * STEP
        data = os.pread(self.fd, MARK_CHUNK, at)
        self._chunk = (data, at)
        crc = self.marks[-1]
        for j in range(0, len(data) - STEP + 1, STEP):
            crc = zlib.crc32(data[j : j + STEP], crc)
            self.marks.append(crc)
        self.fresh_bytes += len(data) - len(data) % STEP
        return len(data) >= STEP

    def _bytes(self, start: int, end: int) -> bytes:
        for buf, at in (self.near, self._chunk):
            if at <= start and end <= at + len(buf):
                return buf[start - at : end - at]
        buf, at, asked = self._fetched
        if at <= start and end <= asked:
            return buf[start - at : end - at]
        if self.defer:
            raise ReadDeferred(functools.partial(self._fetch, start, end), self.path)
        return os.pread(self.fd, end - start, start)

    def _fetch(self, start: int, end: int) -> None:
        self._fetched = (os.pread(self.fd, end - start, start), start, end)
