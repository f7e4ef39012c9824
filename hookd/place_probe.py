"""What a child (child_read.py) does to tell whether a place a command is about to use answers.

``resolved``: where a path really is, its links followed one component at a time, each step said before it is
taken, so that a step the mount holds still leaves the caller the path it was on (mounts.not_answering_at names
that path's mount, not the link's). ``writable``: a directory's mount takes what a command's write does (a file
made, written, fsynced, renamed, the directory fsynced, the file removed): a mount that answers lookups and
statvfs but holds writes holds the probe, in the child, rather than the command in its first write.
"""

from __future__ import annotations

import os
import secrets
import signal
from collections.abc import Callable

PREFIX = ".hookd-probe."
_LINKS = 40  # as the kernel's own bound on the links one lookup follows (ELOOP past it)


def resolved(path: str, say: Callable[[str], None]) -> str:
    """``path`` absolute, its links followed (lstat and readlink of each component): os.path.realpath's answer,
    each candidate said before the call that may hang on it."""
    done = "/"
    todo = [part for part in os.path.abspath(path).split("/") if part][::-1]
    links = 0
    while todo:
        part = todo.pop()
        if part == ".":
            continue
        if part == "..":
            done = os.path.dirname(done)
            continue
        step = os.path.join(done, part)
        say(os.path.join(step, *todo[::-1]))
        try:
            is_link = os.path.islink(step)
        except OSError:
            is_link = False
        if not is_link:
            done = step
            continue
        links += 1
        if links > _LINKS:
            raise OSError(f"too many links in {path}")
        target = os.readlink(step)
        if target.startswith("/"):
            done = "/"
        todo.extend(part for part in target.split("/")[::-1] if part)
    say(done)
    return done


def writable(path: str) -> None:
    """The probe's write in the directory ``path`` names (its parent when it is not one; the nearest that
    exists when it is not there yet, where the command's mkdir writes). An error is raised (an answer: the
    command's own call says it); a mount that holds writes holds this."""
    directory = path
    while not os.path.isdir(directory):
        parent = os.path.dirname(directory)
        if parent == directory:
            return
        directory = parent
    # A Ctrl-C or a stop reaches the command's process group, this child with it: the probe ends and its file
    # goes rather than stays behind. Only a SIGKILL in the moment between its create and its unlink leaves one,
    # which the next probe there removes (its pid named, and gone).
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT})
    try:
        _sweep(directory)
        _probe(directory)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def _probe(directory: str) -> None:
    name = os.path.join(directory, f"{PREFIX}{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    moved = name + ".moved"
    now = name
    try:
        os.write(fd, b"\0")
        os.fsync(fd)
        os.rename(name, moved)
        now = moved
        dir_fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            os.fsync(dir_fd)
        except OSError:  # a filesystem without a directory fsync: the command's own write says so, or not
            pass
        finally:
            os.close(dir_fd)
    finally:
        os.close(fd)
        os.unlink(now)


def _sweep(directory: str) -> None:
    """Probe files a killed probe left in ``directory`` (their pid no longer runs), removed."""
    for entry in os.scandir(directory):
        if not entry.name.startswith(PREFIX):
            continue
        pid = entry.name[len(PREFIX) :].split(".")[0]
        if not pid.isdigit() or _runs(int(pid)):
            continue
        try:
            os.unlink(entry.path)
        except FileNotFoundError:
            pass


def _runs(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
