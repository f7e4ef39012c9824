"""Who can change a path: the checks behind hookd/paths.py's private files and directories.

A directory is trusted when it is ours and closed to others (why_untrusted); a path is reached
safely when every directory looked in on the way, and every link followed, is ours or root's and
not changeable by others unless sticky (check_parents, check_way_to: resolved one link at a time,
as the kernel would, so a link another user owns is seen, not only where it leads). A file that
decides whom hookd trusts or what secret it sends (the config file, Redis's CA, certificate, key
and password files) must pass check_trusted_file. See docs/security.md.
"""

from __future__ import annotations

import functools
import grp
import os
import pwd
import stat
import threading
import time

from hookd_client.hook_send import acl_lets_others_write, shared_by_another

from hookd.uid_namespace import PARTIAL_NAMESPACE_FIX, partial_namespace_cause, partial_namespace_note


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


def others_can_write(info: os.stat_result, where: str | int) -> bool:
    """Writable by another user: by all, or by its group unless that group is our own private
    group (user private groups, umask 002; see private_group) and no POSIX ACL of ``where`` (its
    path or open fd) names another who may write (with an ACL, the group bits are its mask)."""
    if info.st_mode & 0o002:
        return True
    if not info.st_mode & 0o020:  # past this, private_group reads the account database
        return False
    mine = info.st_gid == os.getgid() and private_group()
    return not mine or bool(acl_lets_others_write(where, os.getuid(), info.st_gid))


def acl_named(info: os.stat_result) -> str:
    """Said after "other users can write" when the mode reads as our private group's alone: an ACL's doing."""
    if info.st_mode & 0o002 or info.st_gid != os.getgid() or not private_group():
        return ""
    return " (a POSIX ACL names them: see getfacl; chmod g-w or setfacl -b removes their write)"


# How long hookd waits to know whether its primary group is its own (private_group): an account
# database read one account at a time (a directory service's, enumerated) may take minutes, or not end.
ACCOUNTS_WAIT_S = 5.0


@functools.lru_cache(maxsize=1)
def private_group() -> bool:
    """Whether our primary group is ours alone: named as we are (a user private group), with no
    other member, and no other account's primary group. Where every account's primary group is
    one shared group (``users`` on openSUSE, a directory service's ``domain users``), a file its
    group can write is writable by every other user. Not told within ACCOUNTS_WAIT_S (the accounts
    read in a thread hookd does not wait for past that), False, and said."""
    told: list[bool | None] = []
    reading = threading.Thread(target=lambda: told.append(_private_group()), name="hookd-accounts", daemon=True)
    reading.start()
    reading.join(ACCOUNTS_WAIT_S + 0.5)
    if told and told[0] is not None:
        return told[0]
    import structlog  # here: `hookd status` imports this module and starts without structlog

    structlog.get_logger("hookd.trust").warning(
        "account_database_not_read",
        gid=os.getgid(),
        waited_s=ACCOUNTS_WAIT_S,
        hint=f"hookd could not tell within {ACCOUNTS_WAIT_S:.0f}s whether another account has group "
        f"{os.getgid()} as its primary group (the account database is slow to read, or does not answer: a "
        "directory service's?), so a file or directory that group can write is taken as writable by other "
        "users and refused; fix: chmod g-w the path named, or make the account database answer",
    )
    return False


def _private_group() -> bool | None:
    """private_group's answer, None if the accounts were not all read within ACCOUNTS_WAIT_S."""
    uid, gid = os.getuid(), os.getgid()
    until = time.monotonic() + ACCOUNTS_WAIT_S
    try:
        me, group = pwd.getpwuid(uid).pw_name, grp.getgrgid(gid)
    except KeyError:
        return False
    if group.gr_name != me or any(member != me for member in group.gr_mem):
        return False
    shared = shared_by_another(gid, uid, until)  # one account at a time, as the clients read them
    return None if shared is None else not shared


def check_ancestors(path: str) -> None:
    """Refuse a directory that someone else could rename or swap: every directory looked in to
    reach it must be ours or root's, and not writable by others unless sticky (/tmp), and every
    link followed on the way must be ours or root's. Writable by its group is accepted when that
    group is our own private group (user private groups, umask 002; private_group).

    The directories are those of the path as the kernel resolves it, links followed one by one:
    judging the resolved path alone passed a link of another user's, or a directory of theirs
    holding one, which they can re-point once hookd has checked (tests/test_redteam4_paths.py).
    """
    looked_in, links = _resolution(os.path.dirname(os.path.abspath(path)))
    _refuse_others(path, looked_in, links)


def _refuse_others(path: str, looked_in: list[str], links: list[tuple[str, os.stat_result]]) -> None:
    """Refuse ``path`` if a link followed or a directory looked in to reach it is another user's
    or open to them (see check_ancestors)."""
    for link, info in links:
        if not ours_or_roots(info):
            raise UnsafePathError(
                f"{path} is reached through the symbolic link {link} ({describe(info)}), which "
                f"another user owns: they could point it elsewhere; "
                f"{partial_namespace_note(info.st_uid) or 'choose a path under a directory of your own'}"
            )
    for directory in looked_in:
        refuse_open_parent(path, directory, os.stat(directory))


def refuse_open_parent(path: str, directory: str, info: os.stat_result) -> None:
    """Refuse ``path`` if ``directory`` above it (``info``, its stat) is another user's, or
    writable by others and not sticky: they could replace ``path``."""
    owner_ok = ours_or_roots(info)
    open_to_others = others_can_write(info, directory) and not info.st_mode & stat.S_ISVTX
    if not owner_ok and (note := partial_namespace_note(info.st_uid)):
        raise UnsafePathError(f"{path} is inside {directory} ({describe(info)}), which may be another user's: {note}")
    if not owner_ok or open_to_others:
        raise UnsafePathError(
            f"{path} is inside {directory} ({describe(info)}), which "
            f"{'another user owns' if not owner_ok else 'other users can write' + acl_named(info)}: they could "
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
    check_ancestors(path)


def check_way_to(path: str) -> os.stat_result:
    """Raise UnsafePathError if a link followed (``path`` itself too, when it is one) or a
    directory looked in to reach the existing ``path`` is another user's or open to them;
    -> the stat of what it resolves to (FileNotFoundError if nothing)."""
    path = os.path.abspath(path)
    info = os.stat(path)
    looked_in, links = _resolution(path)
    _refuse_others(path, looked_in[:-1], links)  # the last is what path resolves to: the caller's to judge
    return info


def check_way_to_opened(path: str, opened: os.stat_result) -> None:
    """check_way_to for a file already open (``opened``, its fstat): the way must reach that same
    file, so what is read is what was judged, whatever stood at the path when it was opened."""
    info = check_way_to(path)
    if (info.st_dev, info.st_ino) != (opened.st_dev, opened.st_ino):
        raise UnsafePathError(
            f"{path} was replaced while hookd opened it (another file is there now): nothing of it was used; "
            "find out what swaps it, then run the command again"
        )


def check_trusted_file(path: str, what: str, secret: bool = False) -> os.stat_result:
    """Refuse (UnsafePathError) a file that decides whom hookd trusts or what secret it sends
    (a CA, a client key, a password file) unless only this user or root could have put its
    content there: ours or root's, not writable by others (the group only if it is our own
    private group), reached only through links that are ours or root's and directories that
    no one else can change (sticky ones as in check_ancestors). A ``secret`` must not be
    readable by group or others either. ``what`` is what whoever can change the file could do,
    for the message. A directory (a CA directory) is checked likewise, and every file in it.

    Links are followed (dotfile managers, /etc/ssl/certs); FileNotFoundError and other
    OSErrors from the lookup are left to the caller, which knows the setting.
    """
    path = os.path.abspath(path)
    info = check_way_to(path)
    refuse_untrusted(path, info, what, secret)
    if stat.S_ISDIR(info.st_mode):
        for entry in sorted(os.listdir(path)):
            inner = os.path.join(path, entry)
            try:
                if not os.path.isdir(inner):  # OpenSSL looks up files by name in it, not directories
                    check_trusted_file(inner, what, secret)
            except FileNotFoundError:
                continue  # a dangling link: OpenSSL finds nothing there either
    return info


def refuse_untrusted(path: str, info: os.stat_result, what: str, secret: bool = False, fd: int | None = None) -> None:
    """Raise UnsafePathError unless the file (or CA directory) ``info`` describes is one only
    this user or root could have written (see check_trusted_file); the way to it is the
    caller's to check. ``fd``: the file as the caller opened it (``info`` its fstat), whose ACL
    is read in place of the one at ``path``."""
    is_dir = stat.S_ISDIR(info.st_mode)
    problem, fix, consequence = None, "", f"whoever can change it could {what}"
    if not (stat.S_ISREG(info.st_mode) or is_dir):
        problem, fix = "is not a regular file", "point the setting at a regular file"
    elif not ours_or_roots(info):
        problem, fix = "belongs to another user", f"use a file of your own or root's (chown {os.getuid()} {path})"
        if cause := partial_namespace_cause(info.st_uid):
            problem, consequence, fix = "may belong to another user", cause, PARTIAL_NAMESPACE_FIX
    elif others_can_write(info, os.path.realpath(path) if fd is None else fd):  # a directory even if sticky
        problem = "is a directory other users can add files to" if is_dir else "is writable by other users"
        problem += acl_named(info)
        fix = f"chmod go-w {path}"
    elif secret and info.st_mode & 0o077:
        problem, fix = "is open to other users", f"make it readable by its owner only: chmod 600 {path}"
        consequence = "they can read the secret in it"
    if problem:
        raise UnsafePathError(f"{path} {problem} ({describe(info)}): {consequence}; fix: {fix}")
