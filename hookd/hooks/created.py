"""Which settings files hookd created, so that ``uninstall`` can take back what ``install`` made.

A settings file that ``install`` creates gets a record in hookd's own state, ``<state_dir>/
created/<SHA-256 of the file's real path>`` (0600, in a private directory), holding the SHA-256 of
the bytes hookd last wrote there. Each later write of hookd's carries the record on while the file
still holds exactly those bytes; a file that someone else changed meanwhile (a setting added, even
one added and taken out again) loses it, and so does one that was removed and made again by
someone else. ``uninstall`` removes the file only while the record matches: then nobody but hookd
ever wrote it, and it holds nothing but hookd's entries.

The record is not beside the file: a project's ``.claude/`` is in the user's repository, where a
record could be committed (and one that came with a checkout would claim a file for hookd). An
older hookd kept it there, as ``<file>.hookd-created``; such a record is never read, for the same
reason (nothing tells one hookd wrote from one a checkout brought: test_redteam37_created), only
removed at hookd's next write: a file created then stays at uninstall, hookd's entries taken out.
"""

from __future__ import annotations

import hashlib
import os
import stat

from hookd import user_files
from hookd.hooks.settings import MAX_BYTES
from hookd.paths import ensure_private_dir, replace_file

FOLDER = "created"  # in the state directory
OLD_SUFFIX = ".hookd-created"
_MOST = 128  # a record is one hex digest and a newline


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def record_path(state_dir: str, target: str) -> str:
    """Where hookd keeps the record of ``target`` (its real path)."""
    return os.path.join(state_dir, FOLDER, _digest(os.fsencode(target)))


def old_record_path(target: str) -> str:
    return target + OLD_SUFFIX


def _read(record: str) -> bytes | None:
    """The record's digest; None when there is none. A record that is a link, not a file, or
    cannot be read gives b"", which matches nothing."""
    try:
        fd = os.open(record, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    except OSError:
        return b""
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return b""
        return fh.read(_MOST).strip()


def matches(state_dir: str, target: str, data: bytes) -> bool | None:
    """None: no record of ``target``; else whether ``data`` (the file's bytes) are what hookd
    last wrote there."""
    digest = _read(record_path(state_dir, target))
    return None if digest is None else digest == _digest(data).encode()


def write(state_dir: str, target: str, data: bytes) -> None:
    """Record that hookd's write of ``data`` is all ``target`` holds."""
    folder = ensure_private_dir(os.path.join(state_dir, FOLDER))
    replace_file(
        os.path.join(folder, os.path.basename(record_path(state_dir, target))), _digest(data).encode() + b"\n", 0o600
    )
    _unlink(old_record_path(target))


def forget(state_dir: str, target: str) -> None:
    _unlink(record_path(state_dir, target))
    _unlink(old_record_path(target))


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def remove_if_unchanged(state_dir: str, target: str) -> bool:
    """Remove the file hookd created and its record, if the file still holds what hookd wrote
    (read again here: a write since ``uninstall`` read it keeps the file); whether it was removed."""
    try:  # a FIFO, a device or another user's file in its place: changed, so kept (and never waited on)
        data, _ = user_files.read(target, MAX_BYTES, "nothing was removed")
    except OSError:
        return False
    if matches(state_dir, target, data) is not True:
        return False
    os.unlink(target)
    forget(state_dir, target)
    dir_fd = os.open(os.path.dirname(target) or ".", os.O_RDONLY | os.O_CLOEXEC)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return True
