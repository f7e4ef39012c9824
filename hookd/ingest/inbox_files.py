"""The inbox's directories as a sweep holds them, and the frames read from them.

A sweep opens each directory it takes files from once (O_DIRECTORY, O_NOFOLLOW), takes it
only if it is still the user's own (one another user put in its place is passed over: the
directory watch names it in `hookd status`), and reads, and deletes, its files relative to
that descriptor, so that a directory swapped in during the sweep is not where the files come
from or go. Each file must be a regular file of the user's that no one else can write:
another user's, or one others could have rewritten, is refused (set aside, as a bad frame).
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat
import time
from collections.abc import Callable
from typing import NamedTuple

from hookd.ingest.protocol import MAX_HEADER_BYTES, Rejected, parse_header
from hookd.paths import UnsafePathError, check_parents, describe, open_private, others_can_write, why_untrusted

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
TMP_PREFIX = ".tmp-"  # hook-send's file while it writes it
ABANDONED_PREFIX = ".abandoned-"  # one whose writer died, moved away by hookd, which alone takes it


class Source(NamedTuple):
    path: str
    fd: int


OTHER_USERS = "it belongs to another user"
READ_FIX = "make it a directory of yours you can read (chmod 700)"
DESCRIPTORS_FIX = (
    "hookd has no file descriptor left: raise its open-files limit (`ulimit -n`, LimitNOFILE= in a "
    "systemd unit), or find what holds so many connections to it open"
)
DISK_FIX = (
    "the filesystem under it failed (an I/O error, or full, or read-only): check the disk "
    "(dmesg, df), then repair or remount it"
)
# The fix for an inbox directory that cannot be opened or listed, by the error's text (what the
# sweep's log and status's inbox.error carry): a permission fix for a full descriptor table or a
# failing disk changes nothing.
_FIXES = {
    **dict.fromkeys((errno.EACCES, errno.EPERM), READ_FIX),
    **dict.fromkeys((errno.EMFILE, errno.ENFILE), DESCRIPTORS_FIX),
    **dict.fromkeys((errno.EIO, errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.ESTALE), DISK_FIX),
    **dict.fromkeys(
        (errno.ENOTDIR, errno.ELOOP),
        "something else is in its place (a file or a symbolic link): move it away, and hookd and "
        "hook-send make the directory again",
    ),
    errno.ENOMEM: "the system is out of memory: free some, then the inbox is read again",
}
_FIX_BY_TEXT = {os.strerror(code): fix for code, fix in _FIXES.items()}
_FIX_BY_TEXT[OTHER_USERS] = "another user's directory is in its place: move it away, and hookd makes its own again"
# What status says of an inbox whose listing has not returned (control/inbox_counter.py).
NOT_ANSWERING = "its filesystem does not answer"
_FIX_BY_TEXT[NOT_ANSWERING] = (
    "check the mount it is on (a network filesystem that hung, a failing disk: dmesg), or point it at a local directory"
)


def listing_fix(error: str) -> str:
    """The fix for an inbox that cannot be opened or listed, from the error's text."""
    return _FIX_BY_TEXT.get(error, "make it a directory of yours you can read")


def open_sources(paths: list[str], found: Callable[[str, str | None], None] | None = None) -> list[Source]:
    """Each of ``paths`` that exists and is a directory of the user's, held open for a sweep
    (close them with close_sources); ``found`` is told of each what kept it closed, or None."""
    held = []
    for path in paths:
        problem = None
        try:
            fd = os.open(path, _DIR_FLAGS)
        except FileNotFoundError:
            fd = None  # absent: made again when needed, nothing to take
        except OSError as exc:
            fd, problem = None, exc.strerror or str(exc)  # unreadable, a link, not a directory
        if fd is not None and os.fstat(fd).st_uid != os.getuid():
            os.close(fd)  # another user's, put in place of ours: never read from
            fd, problem = None, OTHER_USERS
        if found is not None:
            found(path, problem)
        if fd is not None:
            held.append(Source(path, fd))
    return held


def close_sources(sources: list[Source]) -> None:
    for source in sources:
        os.close(source.fd)


def read_frame(path: str, dir_fd: int, limit: int) -> bytes:
    """Up to ``limit`` bytes of the inbox file ``path`` (its last part in ``dir_fd``): never
    through a link, only a regular file of the user's that no other user can write.
    FileNotFoundError if it is gone, UnsafePathError if refused, OSError if unreadable."""
    fd = open_private(path, dir_fd=dir_fd)
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fd)
        if others_can_write(info, fd):
            raise UnsafePathError(
                f"{path} is writable by other users ({describe(info)}): another user could have "
                "written it; hook-send makes its files 0600, so check where it came from"
            )
        return fh.read(limit)


def remove(path: str, dir_fd: int) -> int:
    """Delete a taken file from the directory the sweep holds (FileNotFoundError if gone) -> how many
    other names it still had, each emptied.

    A file holds its event as hook-send wrote it, before redaction: another name made of it (a hard
    link: an ``ln``, a ``cp -al`` of the state directory) would keep the raw event once hookd has the
    redacted one. So the file is held open while its name goes, and emptied if it still has a name:
    counted after the unlink, a link made up to then is seen, and none can be made after (a file
    with no name cannot be linked again)."""
    name = os.path.basename(path)
    try:
        fd = _open_to_empty(name, dir_fd)
    except FileNotFoundError:
        raise
    except OSError:
        # Not one to empty (a link, another user's, a read-only mount): the unlink alone, as it says.
        os.unlink(name, dir_fd=dir_fd)
        return 0
    try:
        os.unlink(name, dir_fd=dir_fd)
        info = os.fstat(fd)
        if not info.st_nlink or not stat.S_ISREG(info.st_mode):
            return 0
        os.ftruncate(fd, 0)
        return info.st_nlink
    finally:
        os.close(fd)


_TO_EMPTY = os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC


def _open_to_empty(name: str, dir_fd: int) -> int:
    """The file ``name`` opened for writing (OSError if it cannot be). One of the user's made read-only
    (hook-send makes them 0600) is made 0600 again through a descriptor held on it, and taken by name
    if the name still holds it: left read-only, it went with its raw event still at another name."""
    try:
        return os.open(name, os.O_WRONLY | _TO_EMPTY, dir_fd=dir_fd)
    except PermissionError:
        held = os.open(name, os.O_RDONLY | _TO_EMPTY, dir_fd=dir_fd)
    try:
        info = os.fstat(held)
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid():
            raise PermissionError(errno.EPERM, "not the user's regular file")
        os.fchmod(held, 0o600)
        fd = os.open(name, os.O_WRONLY | _TO_EMPTY, dir_fd=dir_fd)
        again = os.fstat(fd)
        if (again.st_dev, again.st_ino) != (info.st_dev, info.st_ino):
            os.close(fd)
            raise PermissionError(errno.EPERM, "replaced while it was opened")
        return fd
    finally:
        os.close(held)


def remove_each(taken: list[tuple[str, int]]) -> tuple[list[tuple[str, OSError]], list[tuple[str, int]]]:
    """Delete each taken file (``remove``) -> those that could not be, with why, and those that had
    other names (emptied), with how many; one already gone (someone else removed it) is spooled all
    the same."""
    failed, linked = [], []
    for path, dir_fd in taken:
        try:
            if others := remove(path, dir_fd):
                linked.append((path, others))
        except FileNotFoundError:
            pass
        except OSError as exc:
            failed.append((path, exc))
    return failed, linked


def claim_abandoned(name: str, dir_fd: int, older_than_s: float, seen_for_s: float = 0.0) -> str | None:
    """Move hook-send's temporary file ``name`` to ABANDONED_PREFIX if its writer is gone -> the name
    to take it under; None to leave it (its writer holds it, it is gone, or it held nothing).

    hook-send holds a lock on the file from its creation to its rename (client/hook_send.py,
    _open_locked), so a file that can be locked has no writer, whatever the clock says; its age by
    the clock, the only sign before the lock, is still required, for a hook-send that predates it. The
    age is its modification time's, or ``seen_for_s`` (how long the sweeps have seen the file, on the
    monotonic clock), whichever is more: after a step back of the wall clock, a file written before
    it is ahead of the clock and would wait until the clock caught up, hours maybe.
    The move is made while the lock is held, so a writer that locks the file after the check finds
    it gone from its name and makes it again. A file that is not a regular one is handed on as it
    is: reading it refuses it (read_frame)."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=dir_fd)
    except FileNotFoundError:
        return None
    except OSError:
        return name
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return name
        if max(time.time() - info.st_mtime, seen_for_s) < older_than_s:
            return None
        try:
            fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EACCES, errno.EAGAIN):
                return None  # its writer is alive and writing it
            # No locks on this filesystem (ENOLCK): the age alone tells, as before them.
        try:
            named = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        except FileNotFoundError:
            return None  # renamed by its writer
        if (named.st_dev, named.st_ino) != (info.st_dev, info.st_ino):
            return None
        claimed = ABANDONED_PREFIX + name.removeprefix(TMP_PREFIX)
        try:
            if os.fstat(fd).st_size == 0:  # died before writing, or not yet begun: nothing to lose
                os.unlink(name, dir_fd=dir_fd)
                return None
            os.rename(name, claimed, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        except OSError:
            return None  # tried again on the next sweep
        return claimed
    finally:
        os.close(fd)


def remove_known_copy(
    path: str, dir_fd: int, known: Callable[[str], object], linked: Callable[[str, int], None]
) -> str | None:
    """Remove an abandoned file whose hand-off id ``known`` recognises (the event reached hookd by
    the socket too) -> that id; None (the file left as it is) otherwise. Whole or cut off, the file
    is then a copy of an event hookd has: not a frame to refuse and set aside in rejected/."""
    try:
        line = read_frame(path, dir_fd, MAX_HEADER_BYTES + 1).split(b"\n", 1)[0]
        handoff_id = parse_header(line).handoff_id
    except (OSError, UnsafePathError, Rejected):
        return None
    if handoff_id is None or known(handoff_id) is None:
        return None
    try:
        if others := remove(path, dir_fd):
            linked(path, others)
    except FileNotFoundError:
        pass
    return handoff_id


def spare_problem(spare: str) -> str | None:
    """Why the spare inbox is not swept ("absent" when it does not exist), or None: it must be a
    directory of the user's that no one else can write, reached through no link."""
    try:
        info = os.lstat(spare)
    except FileNotFoundError:
        return "absent"
    except OSError as exc:
        return exc.strerror
    why = why_untrusted(info)
    if why is not None:
        return f"{why.removeprefix('is ')} ({describe(info)})"
    try:  # reached through a link or a directory someone else could re-point (redteam4_paths)
        check_parents(spare)
    except (UnsafePathError, OSError) as exc:
        return str(exc)
    return cannot_remove_from(spare)


# A spare inbox hookd may read but not delete from (a read-only mount: the service's
# ProtectSystem=strict outside ReadWritePaths=) would have each file taken again by every sweep
# once the hand-off ids are forgotten: the same events published again, a minute apart.
NOT_REMOVABLE_FIX = (
    "; fix: let hookd write there (in a systemd unit, ReadWritePaths=), or point spare_inbox and "
    "HOOKD_SPARE_INBOX at a directory it can write"
)


def spare_fix(problem: str) -> str:
    """The fix to say after a spare inbox's problem, unless the problem says its own."""
    return "" if "; fix:" in problem else "; make it a directory of yours that only you can write to (chmod 700)"


def cannot_remove_from(directory: str) -> str | None:
    """Why hookd could take a directory's files but not delete them after, or None."""
    try:
        read_only = bool(os.statvfs(directory).f_flag & os.ST_RDONLY)
    except OSError as exc:
        return exc.strerror
    if read_only:
        return (
            "is on a file system mounted read-only for hookd: it could not remove the files it took" + NOT_REMOVABLE_FIX
        )
    if not os.access(directory, os.W_OK | os.X_OK):
        return "cannot be written by hookd: it could not remove the files it took" + NOT_REMOVABLE_FIX
    return None
