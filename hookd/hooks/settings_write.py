"""Writing a Claude Code settings file back: atomic, a backup first, its mode kept.

Writes are atomic (a temporary file in the same directory, fsync, rename,
fsync of the directory) and a changed file is first copied to
``<file>.hookd-backup-<time>``, unless a backup beside it already holds
those very bytes (install, uninstall, install again made one copy per change,
the same two contents over and over). A symlinked file (a dotfiles checkout) is
written through the link, so the link stays; a link to nothing is refused.
"""

from __future__ import annotations

import datetime
import os
import stat

from hookd import user_files
from hookd.hooks import created
from hookd.hooks.settings import MAX_BYTES, SettingsError, SettingsFile
from hookd.paths import makedirs_private, replace_file
from hookd.trust import ours_or_roots

# What a refused settings file (or its folder) is told to do; the file is left as it was.
FIX = "run this as the user it belongs to, or fix what is at that name, then run this again; nothing was changed"


def backup_path(path: str, now: datetime.datetime | None = None) -> str:
    stamp = (now or datetime.datetime.now()).strftime("%Y%m%dT%H%M%S")
    candidate = f"{path}.hookd-backup-{stamp}"
    n = 1
    while os.path.lexists(candidate):  # a dangling link too: never written through
        n += 1
        candidate = f"{path}.hookd-backup-{stamp}-{n}"
    return candidate


# Backups compared with the bytes about to be backed up, at most: a directory of settings holds a few.
MOST_COMPARED = 64


def _same_backup(target: str, data: bytes) -> str | None:
    """An existing backup of ``target`` holding exactly ``data`` (a regular file, not a link)."""
    folder, prefix = os.path.dirname(target), os.path.basename(target) + ".hookd-backup-"
    try:
        with os.scandir(folder) as listing:
            names = sorted((e.name for e in listing if e.name.startswith(prefix)), reverse=True)
    except OSError:
        return None
    for name in names[:MOST_COMPARED]:
        path = os.path.join(folder, name)
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError:
            continue
        with os.fdopen(fd, "rb") as fh:
            info = os.fstat(fd)
            if stat.S_ISREG(info.st_mode) and info.st_size == len(data) and fh.read(len(data) + 1) == data:
                return path
    return None


def _write_backup(target: str, data: bytes, times: os.stat_result) -> str:
    """Copy ``data`` (``target``'s bytes) to a new backup file that is 0600 from the moment it
    exists, or name the backup that already holds them.

    Settings files hold API keys (``env``): a copy made with the umask's mode and
    tightened afterwards could be opened by another user in between. O_EXCL and
    O_NOFOLLOW: never an existing file, never through a planted link.
    """
    same = _same_backup(target, data)
    if same:
        return same
    for _ in range(100):
        backup = backup_path(target)
        try:
            fd = os.open(backup, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        except FileExistsError:  # taken since backup_path looked: pick the next name
            continue
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.utime(fh.fileno(), ns=(times.st_atime_ns, times.st_mtime_ns))
            os.fsync(fh.fileno())
        return backup
    raise OSError(f"cannot find a free backup name beside {target}")


def refuse_creating_through_a_link(path: str) -> None:
    """Refuse (SettingsError) a settings file, or its ``.claude`` directory, that is a symbolic link
    to nothing: writing would create whatever it names, anywhere the user can write. A checkout
    can carry such a link (git keeps links), so a project's ``.claude/settings.json`` could point
    at ``../../.bash_profile`` or ``~/.ssh/config``. A link to an existing file (a dotfile
    manager's) is written through as before."""
    for candidate in (path, os.path.dirname(path)):
        if os.path.islink(candidate) and not os.path.exists(candidate):
            raise SettingsError(
                f"{candidate} is a symbolic link to {os.readlink(candidate)!r}, which does not exist: hookd "
                "does not create a file where a link points (a checkout can carry a link to anywhere); fix: "
                "if the link is yours, create what it points to first, else remove the link; nothing was changed"
            )


def _refuse_others_folder(directory: str) -> None:
    """Refuse (SettingsError) to write in a folder another user owns: the file made there would be
    theirs to read and replace at will, and hookd would have changed their project."""
    info = os.stat(directory)
    if not ours_or_roots(info):
        raise SettingsError(
            f"{directory} belongs to uid {info.st_uid}, not to you (uid {os.getuid()}): hookd does not write a "
            f"settings file in another user's folder: {FIX}"
        )


def write(settings: SettingsFile, new_text: str, state_dir: str) -> str | None:
    """Replace the file's content atomically; returns the backup's path (None for a new file).
    A file this makes gets hookd's record (created.py, in ``state_dir``), kept while only hookd
    writes it."""
    refuse_creating_through_a_link(settings.path)
    target = os.path.realpath(settings.path)
    directory = os.path.dirname(target)
    # Made 0700 and 0600, whatever the umask: a settings file names the commands Claude Code
    # runs as the user, and under umask 000 anyone could have rewritten it (and its directory)
    # (tests/test_redteam7_umask.py). An existing file keeps its mode.
    makedirs_private(directory)
    _refuse_others_folder(directory)
    backup, ours = None, True
    new = (("\ufeff" if settings.bom else "") + new_text).encode("utf-8")
    if os.path.exists(target):
        try:  # not a plain open: a FIFO swapped in since the file was read would hold the command
            old, times = user_files.read(target, MAX_BYTES, FIX)
        except user_files.UserFileError as exc:
            raise SettingsError(str(exc)) from None
        backup = _write_backup(target, old, times)
        mode = times.st_mode & 0o7777
        ours = created.matches(state_dir, target, old) is True
    else:
        mode = 0o600
    replace_file(target, new, mode)
    if ours:
        created.write(state_dir, target, new)
    else:
        created.forget(state_dir, target)
    return backup
