"""Disk space the spool holds back for when the filesystem fills up.

A file in the spool directory (``reserve``) is allocated to ``spool_reserve_bytes``
at start. When a spool write fails because the filesystem is full (ENOSPC,
EDQUOT), the spool gives back part of the reserve and writes again, so events
keep being accepted for a while after the disk fills (hook-send's inbox, on
the same filesystem, could take nothing then). Once the reserve is used up the
spool refuses with ``disk_full`` and hook-send keeps the event in its inbox or
its spare inbox (usually a tmpfs). ``refill`` takes the space back, a piece at
a time, once the filesystem has room again.

Released in pieces (an eighth of the target, or what the write needs if more),
so that a brief fill does not spend it all at once.
"""

from __future__ import annotations

import os
import stat
import threading
import time

import structlog

from hookd.disk_full import DISK_FULL_ERRNOS
from hookd.paths import UnsafePathError, create_private, open_private

log = structlog.get_logger("hookd.spool")

NAME = "reserve"
# A linked reserve larger than this found at the start is refused, not read through for zeros.
MAX_LEFT_AT_START = 1 << 30
# Left free on the filesystem when refilling: the spool's next writes need room too.
REFILL_SLACK = 1 << 20


class Reserve:
    def __init__(self, directory: str, target: int, dir_fd: int) -> None:
        self.path = os.path.join(directory, NAME)
        self.directory = directory
        self.dir_fd = dir_fd  # the spool directory hookd holds: the reserve is made in it
        self.target = target
        self.disk_full_since: float | None = None
        # Why the reserve is short of its target while the disk is not full (the filesystem refused
        # the allocation: a quota statvfs does not show); None once it is whole.
        self.short: str | None = None
        self.released_times = 0
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._linked_said: int | None = None  # the inode of a linked reserve that could not be left, once said
        self.size = 0
        if target <= 0:
            self._remove()
            return
        # Not a link, a FIFO, a device or a file with another name: refused, naming the path.
        try:
            self._fd = open_private(self.path, os.O_RDWR, create=True, dir_fd=dir_fd)
        except UnsafePathError:
            # Linked while hookd was idle, then no cursor save nor stop to see it (a kill -9): a reserve
            # holds no event, only space, so it is left for a new one rather than a reason to take none.
            if not self._left_linked_at_start():
                raise
            self._fd = open_private(self.path, os.O_RDWR, create=True, dir_fd=dir_fd)
        self.size = os.fstat(self._fd).st_size
        if self.size > target:
            os.ftruncate(self._fd, target)
            self.size = target
        self.refill(at_start=True)

    def _left_linked_at_start(self) -> bool:
        """Unlink the reserve's name if the file there is a reserve that gained another name: a regular
        file of ours, not a link, with other names, holding nothing but zeros (what fallocate gives; a
        file with anything else in it was put there, and is refused as before). It is not emptied: at
        a start nothing says whose the other name is, so the file and its space are left there."""
        try:
            fd = os.open(NAME, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=self.dir_fd)
        except OSError:
            return False
        try:
            info = os.fstat(fd)
            if not (stat.S_ISREG(info.st_mode) and info.st_uid == os.getuid() and info.st_nlink > 1):
                return False
            if info.st_size > MAX_LEFT_AT_START or not _only_zeros(fd, info.st_size):
                return False
            named = os.stat(NAME, dir_fd=self.dir_fd, follow_symlinks=False)
            if (named.st_dev, named.st_ino) != (info.st_dev, info.st_ino):
                return False
            os.unlink(NAME, dir_fd=self.dir_fd)
        finally:
            os.close(fd)
        self._say_linked(info, at_start=True)
        return True

    def _remove(self) -> None:
        try:
            os.unlink(NAME, dir_fd=self.dir_fd)
        except FileNotFoundError:
            pass

    @property
    def piece(self) -> int:
        return max(64 * 1024, self.target // 8)

    def release(self, needed: int) -> bool:
        """Give back at least ``needed`` bytes (a write just hit a full disk); False if none is left."""
        with self._lock:
            if self._fd is None or self.size == 0:
                return False
            if self.disk_full_since is None:
                self.disk_full_since = time.time()
            before = self.size
            self._leave_if_linked()
            new_size = max(0, self.size - max(needed + 64 * 1024, self.piece))
            if self.size:
                os.ftruncate(self._fd, new_size)
            released, self.size = before - new_size, new_size
            self.released_times += 1
        log.error(
            "spool_disk_full",
            directory=self.directory,
            released_bytes=released,
            reserve_left_bytes=self.size,
            hint="hookd gave back part of its reserve to keep taking events; free space on that filesystem",
        )
        return True

    def refill(self, at_start: bool = False) -> None:
        """Grow the reserve back towards its target with space the filesystem has free (thread-safe)."""
        if self._fd is None or self.size >= self.target:
            return
        try:
            info = os.fstatvfs(self.dir_fd)
        except OSError:
            return
        free = info.f_bavail * info.f_frsize
        grow = min(self.target - self.size, free - REFILL_SLACK)
        if grow < min(self.piece, self.target - self.size):
            if at_start:
                log.error(
                    "spool_reserve_short",
                    directory=self.directory,
                    free_bytes=free,
                    reserve_target_bytes=self.target,
                    reserve_bytes=self.size,
                    hint="too little free space for spool_reserve_bytes; free space on that filesystem",
                )
            return
        with self._lock:
            try:
                self._leave_if_linked()
                os.posix_fallocate(self._fd, self.size, grow)
            except OSError as exc:
                self.size = min(os.fstat(self._fd).st_size, self.target)  # a partial allocation
                if exc.errno not in DISK_FULL_ERRNOS:
                    log.error("spool_reserve_failed", error=exc.strerror, directory=self.directory)
                elif self.disk_full_since is None and self.short is None:
                    # The filesystem said it had room (statvfs) and refused it: a quota. Said once,
                    # not at each refill, and on status while it lasts.
                    log.error(
                        "spool_reserve_short",
                        directory=self.directory,
                        error=exc.strerror,
                        reserve_target_bytes=self.target,
                        reserve_bytes=self.size,
                        hint="the filesystem refused the spool's reserve; raise the quota or free space "
                        "there, or lower spool_reserve_bytes",
                    )
                if self.disk_full_since is None:
                    self.short = exc.strerror or str(exc)
                return
            self.size += grow
            if self.size >= self.target:
                self.short = None
            since = self.disk_full_since if self.size >= self.target else None
            back = since is not None
            full_for = time.time() - since if since is not None else 0.0
            if back:
                self.disk_full_since = None
        if back:
            log.info(
                "spool_disk_room_again",
                directory=self.directory,
                full_for_s=round(full_for, 1),
                reserve_bytes=self.size,
            )

    def leave_if_linked(self) -> None:
        """_leave_if_linked with no write to come: a whole reserve on a disk with room is not written, so a
        link made then was found only at the next full disk, or by the next start's refusal of the spool.
        Called when the cursor is saved (events moving) and at the stop."""
        with self._lock:
            if self._fd is None:
                return
            try:
                self._leave_if_linked()
            except OSError as exc:  # the fstat or the emptying: the reserve's own writes meet it again
                log.error("spool_reserve_failed", error=exc.strerror, directory=self.directory)

    def _leave_if_linked(self) -> None:
        """Before each write (under the lock): a reserve that gained another name (a hard link: an ``ln``,
        a ``cp -al`` of the state directory) is left for a new file. Written in place, it grew and shrank
        the file at the other name too, whose name kept its space once hookd's went (disk space the spool
        counted as its own to give back), and made the next start refuse the spool. The old file is
        emptied once the new one exists, so the other name holds nothing of the filesystem's."""
        assert self._fd is not None
        info = os.fstat(self._fd)
        if info.st_nlink <= 1:
            return
        try:
            named = os.stat(NAME, dir_fd=self.dir_fd, follow_symlinks=False)
            if (named.st_dev, named.st_ino) == (info.st_dev, info.st_ino):
                os.unlink(NAME, dir_fd=self.dir_fd)
            fd = create_private(self.path, os.O_RDWR, dir_fd=self.dir_fd)
        except OSError as exc:
            if info.st_ino != self._linked_said:
                self._linked_said = info.st_ino
                self._say_linked(info, error=exc.strerror or str(exc))
            return
        os.ftruncate(self._fd, 0)
        os.close(self._fd)
        self._fd, self.size = fd, 0
        self._say_linked(info)

    def _say_linked(self, info: os.stat_result, error: str | None = None, at_start: bool = False) -> None:
        if at_start:
            done = (
                "found at the start (linked while hookd was idle, then stopped without a stop): hookd made a new "
                f"reserve and left the old file, zeros only, and its {info.st_size} bytes at the other name"
            )
        elif error is None:
            done = "hookd moved its reserve to a new file and emptied the old one, left at the other name"
        else:
            done = "hookd could not make a new reserve file, and goes on writing the linked one"
        log.error(
            "spool_reserve_linked",
            path=self.path,
            names=info.st_nlink,
            renewed=error is None,
            at_start=at_start,
            error=error,
            hint=f"the spool's reserve gained another name (a hard link); {done}: "
            f"find it (find / -xdev -inum {info.st_ino}) and remove it",
        )

    def refill_or_see_room(self, room: int) -> None:
        """Refill; and with the reserve whole, the disk has room again once ``room`` bytes are free: a
        disk that filled at a write other than the spool's (the sequence file, the cursor) leaves the
        reserve whole, and refill, with nothing to grow, never says so."""
        self.refill()
        if self.size >= self.target and self.disk_full_since is not None:
            try:
                free = os.fstatvfs(self.dir_fd)
            except OSError:
                return
            if free.f_bavail * free.f_frsize > room:
                self.disk_full_since = None

    def mark_exhausted(self) -> None:
        if self.disk_full_since is None:
            self.disk_full_since = time.time()

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _only_zeros(fd: int, size: int) -> bool:
    """Whether the file's first ``size`` bytes are all zero bytes (what an allocated reserve reads as)."""
    offset, chunk = 0, 1 << 20
    while offset < size:
        data = os.pread(fd, min(chunk, size - offset), offset)
        if not data:
            return True
        if data.count(0) != len(data):
            return False
        offset += len(data)
    return True
