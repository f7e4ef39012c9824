"""Which settings files hookd created, so that ``uninstall`` can take back what ``install`` made.

A settings file that ``install`` creates gets a record beside it, ``<file>.hookd-created``
(0600), holding the SHA-256 of the bytes hookd last wrote there. Each later write of hookd's
carries the record on while the file still holds exactly those bytes; a file that someone else
changed meanwhile (a setting added, even one added and taken out again) loses it, and so does one
that was removed and made again by someone else. ``uninstall`` removes the file only while the
record matches: then nobody but hookd ever wrote it, and it holds nothing but hookd's entries.
"""

from __future__ import annotations

import hashlib
import os
import stat

from hookd.paths import replace_file

SUFFIX = ".hookd-created"
_MOST = 128  # a record is one hex digest and a newline


def record_path(target: str) -> str:
    return target + SUFFIX


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def matches(target: str, data: bytes) -> bool | None:
    """None: no record beside ``target``; else whether ``data`` (the file's bytes) are what hookd
    last wrote there. A record that is a link, not a file, or not one digest does not match."""
    try:
        fd = os.open(record_path(target), os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    except OSError:
        return False
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        return fh.read(_MOST).strip() == _digest(data).encode()


def write(target: str, data: bytes) -> None:
    """Record that hookd's write of ``data`` is all ``target`` holds."""
    replace_file(record_path(target), _digest(data).encode() + b"\n", 0o600)


def forget(target: str) -> None:
    try:
        os.unlink(record_path(target))
    except FileNotFoundError:
        pass


def remove_if_unchanged(target: str) -> bool:
    """Remove the file hookd created and its record, if the file still holds what hookd wrote
    (read again here: a write since ``uninstall`` read it keeps the file); whether it was removed."""
    try:
        with open(target, "rb") as fh:
            data = fh.read()
    except OSError:
        return False
    if matches(target, data) is not True:
        return False
    os.unlink(target)
    forget(target)
    dir_fd = os.open(os.path.dirname(target) or ".", os.O_RDONLY | os.O_CLOEXEC)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return True
