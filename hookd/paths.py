"""Private directories and files: what hookd keeps is its user's alone from the moment it exists.

Every directory hookd uses is checked before use: ours, a real directory (not a
symbolic link), not writable by others, and reached only through directories
that others cannot rename or replace (each ancestor owned by us or root, and
not writable by others unless sticky, like /tmp). One that fails is refused
with a message naming the path and the fix; a directory of ours that others may
only read or enter (0755) is tightened to 0700, through a descriptor.

Every file hookd creates is created 0600 in the one ``os.open`` that makes it
(``O_CREAT | O_EXCL | O_NOFOLLOW``), never widened or tightened later; a file
it reads or appends to is opened ``O_NOFOLLOW``, so a symbolic link planted at
any of these names is refused, never followed; one it writes in place must have
no other name (a hard link), or the file at that name would change too. See
docs/security.md.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile

from hookd.trust import (  # the checks, kept here too: paths is where callers look for them
    MAX_LINKS,
    UnsafePathError,
    check_ancestors,
    check_parents,
    check_trusted_file,
    check_way_to,
    check_way_to_opened,
    describe,
    others_can_write,
    ours_or_roots,
    refuse_open_parent,
    refuse_untrusted,
    why_untrusted,
)

__all__ = [
    "MAX_LINKS",
    "PRIVATE_FILE",
    "UnsafePathError",
    "check_parents",
    "check_trusted_file",
    "check_way_to",
    "check_way_to_opened",
    "create_private",
    "describe",
    "ensure_private_dir",
    "open_private",
    "open_private_dir",
    "others_can_write",
    "ours_or_roots",
    "read_private",
    "refuse_untrusted",
    "replace_file",
    "replace_private",
    "why_untrusted",
]

PRIVATE_FILE = 0o600
_NOFOLLOW = os.O_NOFOLLOW | os.O_CLOEXEC
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | _NOFOLLOW


def makedirs_private(path: str) -> None:
    """mkdir -p, each directory made here 0700 (os.makedirs gives the umask's mode: under
    umask 000, directories anyone can write in). Existing directories are left as they are."""
    try:
        os.mkdir(path, 0o700)
    except FileNotFoundError:
        parent = os.path.dirname(path)
        if parent == path:
            raise
        makedirs_private(parent)
        try:  # once: ENOENT again, the parent there (/proc takes no new directory), is the answer
            os.mkdir(path, 0o700)
        except FileExistsError:
            pass
    except FileExistsError:
        pass


def ensure_private_dir(path: str) -> str:
    """Create ``path`` (and parents) 0700, or check that an existing one is ours and private.

    Refused (UnsafePathError naming the path and the fix): a symbolic link, not a
    directory, another user's, writable by others, or under a directory that
    someone else could change. Ours but readable by others: tightened to 0700.
    """
    path = os.path.abspath(path)
    os.close(open_private_dir(path))
    return path


def open_private_dir(path: str, parent_fd: int | None = None) -> int:
    """ensure_private_dir, returning the descriptor (O_DIRECTORY, O_NOFOLLOW) of the very directory
    it checked: hookd holds its state directory and spool by it, so that one moved aside and
    replaced while it runs never receives hookd's files (docs/security.md, tenth pass).

    With ``parent_fd`` (a directory this function opened), ``path``'s last part is made and
    opened in that held directory, not looked up again by path (the spool in the state
    directory: eleventh pass); ``path`` still names it in messages."""
    path = os.path.abspath(path)
    if parent_fd is None:
        try:  # before anything is made there, and again once it all exists
            check_ancestors(path)
        except OSError:
            pass  # a file where a directory should be, no search permission: said below
    try:
        if parent_fd is None:
            makedirs_private(path)
        else:
            _mkdir_at(os.path.basename(path), parent_fd)
    except OSError as exc:
        raise UnsafePathError(
            f"cannot create the directory {path}: {exc.strerror}; choose another path or create it yourself (mode 0700)"
        ) from None
    try:
        fd = os.open(_at(path, parent_fd), _DIR_FLAGS, dir_fd=parent_fd)
    except OSError as exc:
        if exc.errno not in (errno.ELOOP, errno.ENOTDIR):
            raise UnsafePathError(f"cannot open the directory {path}: {exc.strerror}") from None
        fd = None
    try:
        info = os.fstat(fd) if fd is not None else os.lstat(_at(path, parent_fd), dir_fd=parent_fd)
        why = why_untrusted(info)
        if why:
            fix = (
                "remove it (another user may be squatting it) or choose another path with --state-dir/--socket"
                if "uid" in why or "link" in why or "not a dir" in why
                else f"check what is in it, then chmod 700 {path}"
            )
            raise UnsafePathError(
                f"{path} {why} ({describe(info)}); hookd keeps its files only in "
                f"a directory of yours that others cannot write: {fix}"
            )
        if parent_fd is None:
            check_ancestors(path)
        else:  # the held parent was checked when it was opened; judged again as it is now
            refuse_open_parent(path, os.path.dirname(path), os.fstat(parent_fd))
        if stat.S_IMODE(info.st_mode) & 0o077:
            assert fd is not None  # unopened means a link or not a directory: refused above
            os.fchmod(fd, 0o700)  # only read or enter: nothing can have been planted
    except BaseException:
        if fd is not None:
            os.close(fd)
        raise
    assert fd is not None  # unopened means a link or not a directory: refused above
    return fd


def _mkdir_at(name: str, parent_fd: int) -> None:
    try:
        os.mkdir(name, 0o700, dir_fd=parent_fd)
    except FileExistsError:
        pass


def _at(path: str, dir_fd: int | None) -> str:
    """What to open: ``path`` itself, or its last part relative to the held directory ``dir_fd``
    (the full path still names the file in messages)."""
    return path if dir_fd is None else os.path.basename(path)


def _refuse_file(path: str, exc: OSError) -> UnsafePathError:
    if exc.errno == errno.ELOOP:
        return UnsafePathError(
            f"{path} is a symbolic link; hookd never follows one where it keeps "
            f"its files: remove it (hookd recreates the file)"
        )
    return UnsafePathError(f"cannot open {path}: {exc.strerror}")


def _check_file(fd: int, path: str, writes: bool) -> int:
    info = os.fstat(fd)
    problem, fix = None, "remove it (hookd recreates it)"
    if not stat.S_ISREG(info.st_mode):
        problem = "is not a regular file"
    elif info.st_uid != os.getuid():
        problem = f"belongs to uid {info.st_uid}, not to you"
    elif writes and info.st_nlink > 1:
        # Written in place (the lock's pid, a segment's appends, the reserve's allocation), a file
        # with another name would change that other file too: hookd's events or zeros in it.
        problem = f"has {info.st_nlink} names (hard links): what hookd writes in it would change the file at the others"
        fix = f"remove the other names (find / -xdev -samefile {path}), or this one if it holds nothing to keep"
    # A looser mode is not refused: the directory (0700) keeps others out, and files written
    # before hookd made every file 0600 (a cursor) are replaced by 0600 ones at the next write.
    if problem:
        os.close(fd)
        raise UnsafePathError(f"{path} {problem} ({describe(info)}); hookd's files are yours alone: {fix}")
    return fd


def create_private(path: str, flags: int = os.O_WRONLY, dir_fd: int | None = None) -> int:
    """A new file, 0600 from its creation; fails (FileExistsError) if anything is at ``path``.
    With ``dir_fd``, made in that held directory under the last part of ``path``."""
    return os.open(_at(path, dir_fd), flags | os.O_CREAT | os.O_EXCL | _NOFOLLOW, PRIVATE_FILE, dir_fd=dir_fd)


def open_private(path: str, flags: int = os.O_RDONLY, create: bool = False, dir_fd: int | None = None) -> int:
    """Open one of hookd's files without following a link; refuse one that is not ours alone.

    With ``create``, a missing file is created 0600 (never one at a planted link); with
    ``dir_fd``, the file is the last part of ``path`` in that held directory.
    Raises FileNotFoundError for a missing file, UnsafePathError for a refused one.
    """
    try:
        # O_NONBLOCK: a FIFO put in place of a file must not hang the open (it is refused below).
        flags |= _NOFOLLOW | os.O_NONBLOCK | (os.O_CREAT if create else 0)
        fd = os.open(_at(path, dir_fd), flags, PRIVATE_FILE, dir_fd=dir_fd)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise _refuse_file(path, exc) from None
    return _check_file(fd, path, writes=bool(flags & (os.O_WRONLY | os.O_RDWR)))


def write_all(fd: int, data: bytes) -> None:
    """Write all of ``data`` to ``fd`` (os.write may take only part of it)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def read_private(path: str, limit: int = -1, dir_fd: int | None = None) -> bytes:
    """The content of one of hookd's files (FileNotFoundError if missing; never through a link)."""
    fd = open_private(path, dir_fd=dir_fd)
    with os.fdopen(fd, "rb") as fh:
        return fh.read(limit)


def replace_private(path: str, data: bytes, fsync: bool = True, dir_fd: int | None = None) -> None:
    """Replace ``path`` atomically with ``data``, through ``<path>.tmp`` created 0600 and renamed
    (with ``dir_fd``, both in that held directory).

    Whatever a crash (or anyone) left at the temporary name is removed first:
    unlink removes a link itself, never its target.
    """
    tmp = f"{path}.tmp"
    try:
        os.unlink(_at(tmp, dir_fd), dir_fd=dir_fd)
    except FileNotFoundError:
        pass
    try:
        fd = create_private(tmp, dir_fd=dir_fd)
    except FileExistsError:
        raise UnsafePathError(
            f"{tmp} reappeared while hookd was replacing it; something else writes in this directory"
        ) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if fsync:
                fh.flush()
                os.fsync(fh.fileno())
        # a rename replaces a link at path, never what it points to
        os.replace(_at(tmp, dir_fd), _at(path, dir_fd), src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except BaseException:
        try:
            os.unlink(_at(tmp, dir_fd), dir_fd=dir_fd)
        except OSError:
            pass
        raise


def replace_file(path: str, data: bytes, mode: int) -> None:
    """Replace ``path`` (or create it) with ``data``, mode ``mode`` whatever the umask: never half a
    file. A new temporary file beside it (mkstemp: 0600 and a fresh name, never a link, never
    another's file) is written, fsynced and renamed over ``path``, then the directory is fsynced
    for the rename to last; the temporary file is removed if anything fails. For files outside
    hookd's private directories (the user's settings, unit files), where replace_private's fixed
    temporary name could be someone's file."""
    directory = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(prefix=".hookd-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fchmod(fh.fileno(), mode)
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
