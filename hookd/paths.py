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
any of these names is refused, never followed. See docs/security.md.
"""

from __future__ import annotations

import errno
import os
import stat

PRIVATE_FILE = 0o600
_NOFOLLOW = os.O_NOFOLLOW | os.O_CLOEXEC
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | _NOFOLLOW


class UnsafePathError(Exception):
    """A path hookd must keep private is someone else's, open to others, or a symbolic link."""


def describe(info: os.stat_result) -> str:
    """Owner and mode, for a message about a path."""
    return f"owner uid {info.st_uid}, mode {stat.S_IMODE(info.st_mode):04o}"


def why_untrusted(info: os.stat_result) -> str | None:
    """Why a directory (its lstat) is not one only this user can change, or None."""
    if stat.S_ISLNK(info.st_mode):
        return "is a symbolic link"
    if not stat.S_ISDIR(info.st_mode):
        return "is not a directory"
    if info.st_uid != os.getuid():
        return f"belongs to uid {info.st_uid}, not to you (uid {os.getuid()})"
    if info.st_mode & 0o022:
        return "is writable by other users"
    return None


def ours_or_roots(info: os.stat_result) -> bool:
    return info.st_uid in (os.getuid(), 0)


def others_can_write(info: os.stat_result) -> bool:
    """Writable by another user: by all, or by its group unless that group is our own primary
    group (user private groups, umask 002)."""
    return bool(info.st_mode & (0o002 if info.st_gid == os.getgid() else 0o022))


def _check_ancestors(path: str) -> None:
    """Refuse a directory that someone else could rename or swap: every directory looked in to
    reach it must be ours or root's, and not writable by others unless sticky (/tmp), and every
    link followed on the way must be ours or root's. Writable by its group is accepted when that
    group is our own primary group (user private groups, umask 002).

    The directories are those of the path as the kernel resolves it, links followed one by one:
    judging the resolved path alone passed a link of another user's, or a directory of theirs
    holding one, which they can re-point once hookd has checked (tests/test_redteam4_paths.py).
    """
    looked_in, links = _resolution(os.path.dirname(os.path.abspath(path)))
    _refuse_others(path, looked_in, links)


def _refuse_others(path: str, looked_in: list[str], links: list[tuple[str, os.stat_result]]) -> None:
    """Refuse ``path`` if a link followed or a directory looked in to reach it is another user's
    or open to them (see _check_ancestors)."""
    for link, info in links:
        if not ours_or_roots(info):
            raise UnsafePathError(
                f"{path} is reached through the symbolic link {link} ({describe(info)}), which "
                f"another user owns: they could point it elsewhere; choose a path under a directory "
                f"of your own"
            )
    for directory in looked_in:
        info = os.stat(directory)
        owner_ok = ours_or_roots(info)
        open_to_others = others_can_write(info) and not info.st_mode & stat.S_ISVTX
        if not owner_ok or open_to_others:
            raise UnsafePathError(
                f"{path} is inside {directory} ({describe(info)}), which "
                f"{'another user owns' if not owner_ok else 'other users can write'}: they could "
                f"replace {path}; choose a path under a directory of your own"
            )


MAX_LINKS = 40  # as the kernel's own limit on links followed in one lookup


def _resolution(path: str) -> tuple[list[str], list[tuple[str, os.stat_result]]]:
    """Resolve an absolute path as the kernel does -> (every directory a name was looked up in,
    innermost last, and the path itself once resolved; every link followed, with its lstat).
    A missing part ends the walk: the rest is to be made in the last directory looked in."""
    looked_in: list[str] = []
    links: list[tuple[str, os.stat_result]] = []
    pending = [part for part in path.split("/") if part]
    current = "/"
    while pending:
        name = pending.pop(0)
        if name == ".":
            continue
        if name == "..":
            current = os.path.dirname(current)
            continue
        looked_in.append(current)
        candidate = os.path.join(current, name)
        try:
            info = os.lstat(candidate)
        except (FileNotFoundError, NotADirectoryError):  # not made yet: to be made in current
            return list(dict.fromkeys(looked_in)), links
        if stat.S_ISLNK(info.st_mode):
            links.append((candidate, info))
            if len(links) > MAX_LINKS:
                raise UnsafePathError(f"{path}: too many symbolic links to follow")
            target = os.readlink(candidate)
            if target.startswith("/"):
                current = "/"
            pending = [part for part in target.split("/") if part] + pending
            continue
        current = candidate
    looked_in.append(current)
    return list(dict.fromkeys(looked_in)), links


def check_parents(path: str) -> None:
    """Raise UnsafePathError if someone else could rename or swap a directory above ``path``."""
    _check_ancestors(path)


def check_way_to(path: str) -> os.stat_result:
    """Raise UnsafePathError if a link followed (``path`` itself too, when it is one) or a
    directory looked in to reach the existing ``path`` is another user's or open to them;
    -> the stat of what it resolves to (FileNotFoundError if nothing)."""
    path = os.path.abspath(path)
    info = os.stat(path)
    looked_in, links = _resolution(path)
    _refuse_others(path, looked_in[:-1], links)  # the last is what path resolves to: the caller's to judge
    return info


def check_trusted_file(path: str, what: str, secret: bool = False) -> os.stat_result:
    """Refuse (UnsafePathError) a file that decides whom hookd trusts or what secret it sends
    (a CA, a client key, a password file) unless only this user or root could have put its
    content there: ours or root's, not writable by others (the group only if it is our own
    primary group), reached only through links that are ours or root's and directories that
    no one else can change (sticky ones as in _check_ancestors). A ``secret`` must not be
    readable by group or others either. ``what`` is what whoever can change the file could do,
    for the message. A directory (a CA directory) is checked likewise, and every file in it.

    Links are followed (dotfile managers, /etc/ssl/certs); FileNotFoundError and other
    OSErrors from the lookup are left to the caller, which knows the setting.
    """
    path = os.path.abspath(path)
    info = check_way_to(path)
    is_dir = stat.S_ISDIR(info.st_mode)
    problem, fix, consequence = None, "", f"whoever can change it could {what}"
    if not (stat.S_ISREG(info.st_mode) or is_dir):
        problem, fix = "is not a regular file", "point the setting at a regular file"
    elif not ours_or_roots(info):
        problem, fix = "belongs to another user", f"use a file of your own or root's (chown {os.getuid()} {path})"
    elif others_can_write(info):  # a directory even if sticky: adding a file is enough
        problem = "is a directory other users can add files to" if is_dir else "is writable by other users"
        fix = f"chmod go-w {path}"
    elif secret and info.st_mode & 0o077:
        problem, fix = "is open to other users", f"make it readable by its owner only: chmod 600 {path}"
        consequence = "they can read the secret in it"
    if problem:
        raise UnsafePathError(f"{path} {problem} ({describe(info)}): {consequence}; fix: {fix}")
    if is_dir:
        for entry in sorted(os.listdir(path)):
            inner = os.path.join(path, entry)
            try:
                if not os.path.isdir(inner):  # OpenSSL looks up files by name in it, not directories
                    check_trusted_file(inner, what, secret)
            except FileNotFoundError:
                continue  # a dangling link: OpenSSL finds nothing there either
    return info


def _makedirs(path: str) -> None:
    """mkdir -p, each directory made here 0700 (os.makedirs gives parents the umask's mode)."""
    try:
        os.mkdir(path, 0o700)
    except FileNotFoundError:
        parent = os.path.dirname(path)
        if parent == path:
            raise
        _makedirs(parent)
        _makedirs(path)
    except FileExistsError:
        pass


def ensure_private_dir(path: str) -> str:
    """Create ``path`` (and parents) 0700, or check that an existing one is ours and private.

    Refused (UnsafePathError naming the path and the fix): a symbolic link, not a
    directory, another user's, writable by others, or under a directory that
    someone else could change. Ours but readable by others: tightened to 0700.
    """
    path = os.path.abspath(path)
    try:  # before anything is made there, and again once it all exists
        _check_ancestors(path)
    except OSError:
        pass  # a file where a directory should be, no search permission: said below
    try:
        _makedirs(path)
    except OSError as exc:
        raise UnsafePathError(
            f"cannot create the directory {path}: {exc.strerror}; choose another path or create it yourself (mode 0700)"
        ) from None
    try:
        fd = os.open(path, _DIR_FLAGS)
    except OSError as exc:
        if exc.errno not in (errno.ELOOP, errno.ENOTDIR):
            raise UnsafePathError(f"cannot open the directory {path}: {exc.strerror}") from None
        fd = None
    try:
        info = os.fstat(fd) if fd is not None else os.lstat(path)
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
        _check_ancestors(path)
        if stat.S_IMODE(info.st_mode) & 0o077:
            assert fd is not None  # unopened means a link or not a directory: refused above
            os.fchmod(fd, 0o700)  # only read or enter: nothing can have been planted
    finally:
        if fd is not None:
            os.close(fd)
    return path


def _refuse_file(path: str, exc: OSError) -> UnsafePathError:
    if exc.errno == errno.ELOOP:
        return UnsafePathError(
            f"{path} is a symbolic link; hookd never follows one where it keeps "
            f"its files: remove it (hookd recreates the file)"
        )
    return UnsafePathError(f"cannot open {path}: {exc.strerror}")


def _check_file(fd: int, path: str) -> int:
    info = os.fstat(fd)
    problem = None
    if not stat.S_ISREG(info.st_mode):
        problem = "is not a regular file"
    elif info.st_uid != os.getuid():
        problem = f"belongs to uid {info.st_uid}, not to you"
    # A looser mode is not refused: the directory (0700) keeps others out, and files written
    # before hookd made every file 0600 (a cursor) are replaced by 0600 ones at the next write.
    if problem:
        os.close(fd)
        raise UnsafePathError(
            f"{path} {problem} ({describe(info)}); hookd's files are yours alone: remove it (hookd recreates it)"
        )
    return fd


def create_private(path: str, flags: int = os.O_WRONLY, dir_fd: int | None = None) -> int:
    """A new file, 0600 from its creation; fails (FileExistsError) if anything is at ``path``."""
    return os.open(path, flags | os.O_CREAT | os.O_EXCL | _NOFOLLOW, PRIVATE_FILE, dir_fd=dir_fd)


def open_private(path: str, flags: int = os.O_RDONLY, create: bool = False) -> int:
    """Open one of hookd's files without following a link; refuse one that is not ours alone.

    With ``create``, a missing file is created 0600 (never one at a planted link).
    Raises FileNotFoundError for a missing file, UnsafePathError for a refused one.
    """
    try:
        # O_NONBLOCK: a FIFO put in place of a file must not hang the open (it is refused below).
        fd = os.open(path, flags | _NOFOLLOW | os.O_NONBLOCK | (os.O_CREAT if create else 0), PRIVATE_FILE)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise _refuse_file(path, exc) from None
    return _check_file(fd, path)


def read_private(path: str, limit: int = -1) -> bytes:
    """The content of one of hookd's files (FileNotFoundError if missing; never through a link)."""
    fd = open_private(path)
    with os.fdopen(fd, "rb") as fh:
        return fh.read(limit)


def replace_private(path: str, data: bytes, fsync: bool = True) -> None:
    """Replace ``path`` atomically with ``data``, through ``<path>.tmp`` created 0600 and renamed.

    Whatever a crash (or anyone) left at the temporary name is removed first:
    unlink removes a link itself, never its target.
    """
    tmp = f"{path}.tmp"
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        pass
    try:
        fd = create_private(tmp)
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
        os.replace(tmp, path)  # a rename replaces a link at path, never what it points to
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
