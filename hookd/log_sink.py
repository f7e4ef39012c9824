"""Where log lines go: stderr, never blocking; a file in the state directory once stderr breaks.

A log line must never stop the daemon. When stderr is a pipe, a socket or a
terminal, lines are queued (bounded) and written by a thread of their own, so
a full pipe (a log shipper that stalls) never blocks the event loop: once the
queue is full, lines are dropped and counted. When stderr is a regular file,
which cannot stay full, lines are written at once, in order with everything
else the process does. When stderr breaks (EPIPE from a reader that went away, EIO from a
terminal that closed), lines go to a file in the state directory instead,
rotated and bounded; after an error that can pass (ENOSPC: a full disk under a
file) stderr is tried again every STDERR_RETRY_S. Nothing here raises into its
caller; `hookd status` shows where lines go and how many were dropped.
"""

from __future__ import annotations

import collections
import errno
import os
import select
import stat
import threading
import time
from typing import Any

from hookd.disk_full import DISK_FULL_ERRNOS
from hookd.paths import write_all

FALLBACK_NAME = "hookd.log"
# The fallback file is rotated to hookd.log.1 at this size: at most twice this on the disk.
FALLBACK_MAX_BYTES = 8 * 1024 * 1024
# Lines waiting for the writer thread; more than this and new lines are dropped (and counted).
MAX_QUEUED_BYTES = 1024 * 1024
# A single line longer than this is cut (a traceback of a huge value must not fill the queue).
MAX_LINE_BYTES = 64 * 1024
# A write to stderr still waiting after this long makes hookd degraded: its reader has stopped
# reading, and lines wait in the queue (dropped only once it is full, which may take hours).
BLOCKED_AFTER_S = 5.0
# stderr is tried again this often after an error that can pass (a full disk under a file).
STDERR_RETRY_S = 30.0


class LogSink:
    """A bounded queue of lines and the thread that writes them to stderr, or to the fallback file."""

    def __init__(
        self,
        fd: int = 2,
        fallback_dir: str | None = None,
        max_queued_bytes: int = MAX_QUEUED_BYTES,
        fallback_max_bytes: int = FALLBACK_MAX_BYTES,
    ) -> None:
        self.fd = fd
        self.fallback_dir = fallback_dir
        self.max_queued_bytes = max_queued_bytes
        self.fallback_max_bytes = fallback_max_bytes
        self.lines: collections.deque[bytes] = collections.deque()
        self.queued_bytes = 0
        self.dropped = 0
        self.written = 0
        self.stderr_error: str | None = None  # why stderr was given up, once it was
        self.stderr_errno: int | None = None
        self.stderr_retry_at = 0.0  # monotonic: when stderr is tried again after a passing error
        self.file_error: str | None = None
        self.file_fd: int | None = None
        self.file_bytes = 0
        self.busy = False  # the writer holds lines it has taken off the queue
        self.writing_since: float | None = None  # monotonic start of the write under way
        self.cond = threading.Condition()
        self.direct = _is_regular_file(fd)
        if not self.direct:
            self.thread = threading.Thread(target=self._run, name="hookd-log", daemon=True)
            self.thread.start()

    @property
    def fallback_path(self) -> str | None:
        return None if self.fallback_dir is None else os.path.join(self.fallback_dir, FALLBACK_NAME)

    def write_line(self, line: str) -> None:
        """Queue one line; never blocks on the output, never raises."""
        try:
            data = line.encode("utf-8", "replace")
            if len(data) > MAX_LINE_BYTES:
                data = data[:MAX_LINE_BYTES] + b"...(cut)"
            data += b"\n"
            with self.cond:
                if self.direct:
                    try:
                        self._write(data)
                        self.written += 1
                    except Exception:  # noqa: BLE001
                        self.dropped += 1
                    return
                if self.queued_bytes + len(data) > self.max_queued_bytes:
                    self.dropped += 1
                    return
                self.lines.append(data)
                self.queued_bytes += len(data)
                self.cond.notify()
        except Exception:  # noqa: BLE001 - a log line is never worth an exception in the caller
            self.dropped += 1

    def flush(self, timeout_s: float = 1.0) -> bool:
        """Wait until every queued line is written, at most ``timeout_s``; False if some are not."""
        deadline = time.monotonic() + timeout_s
        with self.cond:
            while self.lines or self.busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(min(left, 0.05))
        return True

    def snapshot(self) -> dict[str, Any]:
        """What `hookd status` shows about logging."""
        since = self.writing_since
        return {
            "to": "file" if self.stderr_error else "stderr",
            "stderr_error": self.stderr_error,
            "file": self.fallback_path if self.stderr_error else None,
            "file_error": self.file_error,
            "dropped": self.dropped,
            "queued_bytes": self.queued_bytes,
            "blocked_s": None if since is None else round(time.monotonic() - since, 1),
        }

    # -- the writer thread ------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self.cond:
                while not self.lines:
                    self.busy = False
                    self.cond.notify_all()
                    self.cond.wait()
                chunk = b"".join(self.lines)
                count = len(self.lines)
                self.lines.clear()
                self.queued_bytes = 0
                self.busy = True
                self.writing_since = time.monotonic()
            try:
                self._write(chunk)
                self.written += count
            except Exception:  # noqa: BLE001 - the thread must outlive any one failure
                self.dropped += count
            finally:
                self.writing_since = None

    def _write(self, data: bytes) -> None:
        failed = self.stderr_errno
        if failed is None or (failed in DISK_FULL_ERRNOS and time.monotonic() >= self.stderr_retry_at):
            back = (
                b""
                if failed is None
                else _note(
                    f"stderr takes lines again; those since {self.stderr_error} are in {self.fallback_path}",
                    "log_stderr_back",
                    "info",
                )
            )
            try:
                self._write_stderr(back + data)
                self.stderr_errno = self.stderr_error = None
                return
            except OSError as exc:
                # EPIPE, EIO, EBADF...: the reader is gone and will not come back for this
                # process; everything from here goes to the file. A full disk may be freed:
                # stderr is tried again every STDERR_RETRY_S.
                self.stderr_errno = exc.errno or 0
                self.stderr_error = errno.errorcode.get(self.stderr_errno, str(exc))
                self.stderr_retry_at = time.monotonic() + STDERR_RETRY_S
                if failed is None:
                    data = _note(f"stderr failed ({self.stderr_error}); log lines continue in this file") + data
        self._write_file(data)

    def _write_stderr(self, data: bytes) -> None:
        """All of ``data`` to stderr. A full pipe that another process sharing it made
        non-blocking answers EAGAIN: waited out as a blocking pipe would be, not a failure."""
        view = memoryview(data)
        while view:
            try:
                view = view[os.write(self.fd, view) :]
            except BlockingIOError:
                poller = select.poll()
                poller.register(self.fd, select.POLLOUT)
                poller.poll()

    def _write_file(self, data: bytes) -> None:
        path = self.fallback_path
        if path is None:
            raise OSError(errno.ENOENT, "no state directory for a log file")
        try:
            if self.file_fd is None:
                self.file_fd = open_private_append(path)
                self.file_bytes = os.fstat(self.file_fd).st_size
            if os.fstat(self.file_fd).st_nlink > 1:
                data = self._leave_linked(path) + data
            if self.file_bytes and self.file_bytes + len(data) > self.fallback_max_bytes:
                os.close(self.file_fd)
                self.file_fd = None
                os.replace(path, path + ".1")
                self.file_fd = open_private_append(path)
                self.file_bytes = 0
            write_all(self.file_fd, data)
            self.file_bytes += len(data)
            self.file_error = None
        except OSError as exc:
            self.file_error = f"{self.fallback_path}: {exc.strerror or exc}"
            if self.file_fd is not None:
                os.close(self.file_fd)
                self.file_fd = None
            raise

    def _leave_linked(self, path: str) -> bytes:
        """The file gained another name (a hard link) since it was opened: the lines after would land
        in the file at that name too. hookd's name goes to a new file (the other keeps the lines
        written before, as a copy would) -> the note that says so, to begin the new file."""
        assert self.file_fd is not None
        info = os.fstat(self.file_fd)
        os.close(self.file_fd)
        self.file_fd = None
        try:
            named = os.stat(path, follow_symlinks=False)
            if (named.st_dev, named.st_ino) == (info.st_dev, info.st_ino):
                os.unlink(path)
        except FileNotFoundError:
            pass
        self.file_fd = open_private_append(path)
        self.file_bytes = 0
        return _note(
            f"{path} gained another name (a hard link, inode {info.st_ino}); the lines from here are in a "
            f"new file at {path}; find the other (find / -xdev -inum {info.st_ino}) and remove it",
            "log_file_linked",
            "error",
        )


def open_private_append(path: str) -> int:
    """Open a log file for appending: created 0600, never through a symlink, only our own file."""
    from hookd.paths import ensure_private_dir

    ensure_private_dir(os.path.dirname(path))
    # O_NONBLOCK: a FIFO there must not hold the writer (an open for writing waits for a reader,
    # on the event loop when stderr was a file); it is refused below as not a regular file.
    flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
    fd = os.open(path, flags, 0o600)
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid():
        os.close(fd)
        raise OSError(errno.EPERM, "not a regular file of ours")
    if info.st_nlink > 1:  # appended to in place: the lines would land in the file at its other names too
        os.close(fd)
        raise OSError(errno.EPERM, f"it has {info.st_nlink} names (hard links); remove the others")
    if stat.S_IMODE(info.st_mode) & 0o077:
        os.fchmod(fd, 0o600)
    return fd


def _is_regular_file(fd: int) -> bool:
    try:
        return stat.S_ISREG(os.fstat(fd).st_mode)
    except OSError:
        return False


def _note(text: str, event: str = "log_fallback", level: str = "warning") -> bytes:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return (f'{{"event": "{event}", "level": "{level}", "timestamp": "{stamp}", "detail": "{text}"}}\n').encode()
