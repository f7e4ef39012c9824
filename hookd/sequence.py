"""The per-host sequence number: strictly increasing, across restarts and crashes too.

Redis skips any event whose sequence is at or below the host's high-water
mark, so a number must never be handed out twice. Numbers are reserved in
blocks written to disk before use (a crash leaves a gap, never a repeat), and
each run starts at least at the clock in microseconds, so even a wiped state
directory cannot restart below numbers already published.

Numbers are unique only within one sequence file, so each file comes with an
instance id (random, made once, kept beside it): Redis keeps a mark per host
and instance, and two daemons that share a host name never hide each other's
events.

Numbers stay under 2**53, where a double holds them exactly: the publish script once
compared them as Lua's doubles (past 2**53 neighbours compared equal and every other
event was skipped as a repeat; it compares their digits now, so events spooled with
such numbers are still published), and a consumer reading `seq` as a JSON number
(JavaScript's, hookd replay's check) still would. A clock far ahead at one start
(year 2112 and on) would leave such numbers in the file for every later run; so a
clock that far ahead is not taken as a floor, and a file that holds such a number
starts a new instance (a new mark in Redis) from the clock, saying so in the log.
"""

from __future__ import annotations

import os
import secrets
import time

import structlog

from hookd.disk_full import DISK_FULL_ERRNOS, raise_disk_full
from hookd.paths import create_private, read_private, replace_private

BLOCK = 100_000
# Numbers from here on are too near 2**53 (see above); microseconds since 1970 reach it in 2112.
LIMIT = 2**52

log = structlog.get_logger("hookd.sequence")


class SequenceAllocator:
    def __init__(self, path: str, block: int = BLOCK, dir_fd: int | None = None) -> None:
        """``dir_fd``: the state directory hookd holds open, in which ``path``'s last part is kept."""
        self.path = path
        self.block = block
        self.dir_fd = dir_fd
        self.instance = _instance_id(f"{path}.instance", dir_fd)
        clock = time.time_ns() // 1000
        if clock >= LIMIT:
            log.warning(
                "clock_far_ahead",
                clock_us=clock,
                hint="the system clock reads after 2112: numbering goes on from the sequence file, "
                "not from the clock; set the clock right",
            )
            clock = 0
        ceiling = self._read_ceiling()
        if ceiling >= LIMIT:
            old = self.instance
            _remove(f"{path}.instance", dir_fd)
            self.instance = _instance_id(f"{path}.instance", dir_fd)
            log.warning(
                "sequence_renewed",
                ceiling=ceiling,
                instance=self.instance,
                previous_instance=old,
                hint="the sequence file held a number past what Redis compares exactly (a clock far "
                "ahead when hookd last started?); numbering starts again from the clock under a new "
                "instance id, which Redis keeps its own mark for",
            )
            ceiling = 0
        self._next = max(ceiling, clock, 1)
        self._ceiling = self._next
        try:
            self._reserve()
        except OSError as exc:
            if exc.errno not in DISK_FULL_ERRNOS:
                raise
            # A start on the disk its own spool filled: refusing to run would leave that spool
            # unpublished, the one thing that frees the disk. No number is issued unreserved:
            # next() tries again, and the event it fails for is refused, kept by hook-send.
            log.error(
                "sequence_not_reserved",
                path=path,
                error=exc.strerror,
                hint="the state directory's filesystem is full: new events are refused (hook-send keeps "
                "them) until there is room; the spool is published meanwhile, which frees it",
            )

    def next(self) -> int:
        if self._next >= self._ceiling:
            try:
                self._reserve()
            except OSError as exc:
                # Named by the file, not its temporary name: the refusal says which filesystem is full.
                raise_disk_full(exc, self.path)
                raise OSError(exc.errno, exc.strerror, self.path) from exc
        value = self._next
        self._next += 1
        return value

    @property
    def last_issued(self) -> int:
        return self._next - 1

    def _read_ceiling(self) -> int:
        try:
            return int(read_private(self.path, dir_fd=self.dir_fd).strip() or 0)
        except FileNotFoundError:
            return 0
        except ValueError:
            # A torn write can only come from a crash mid-reservation; the clock
            # floor in __init__ still keeps numbers moving forward.
            return 0

    def _reserve(self) -> None:
        ceiling = self._next + self.block
        replace_private(self.path, b"%d\n" % ceiling, dir_fd=self.dir_fd)
        self._ceiling = ceiling  # only once on the disk: a failed write issues no number


def _remove(path: str, dir_fd: int | None) -> None:
    try:
        os.unlink(path if dir_fd is None else os.path.basename(path), dir_fd=dir_fd)
    except FileNotFoundError:
        pass


def _instance_id(path: str, dir_fd: int | None) -> str:
    """The id kept in ``path``, made (12 hex digits) the first time; O_EXCL, so that two
    processes racing to make it agree on the one that won."""
    for _ in range(2):
        try:
            text = read_private(path, dir_fd=dir_fd).strip().decode("ascii", "replace")
            if text.isalnum() and len(text) <= 32:
                return text
            os.unlink(
                path if dir_fd is None else os.path.basename(path), dir_fd=dir_fd
            )  # damaged: a new id starts a new mark; spooled events keep theirs
        except FileNotFoundError:
            pass
        try:
            fd = create_private(path, dir_fd=dir_fd)
        except FileExistsError:
            continue
        try:
            os.write(fd, secrets.token_hex(6).encode() + b"\n")
            os.fsync(fd)
        finally:
            os.close(fd)
    return read_private(path, dir_fd=dir_fd).strip().decode("ascii")
