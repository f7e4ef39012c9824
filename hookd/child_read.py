"""A command's small read of the state directory, made in a child process and waited a while only.

On a mount that hung (a state directory on a network filesystem that stopped answering) a lookup
does not return until the mount does, and the kernel does not end a process while one of its
threads waits in such a call: made in the command itself, or in a thread of it, the read held the
command (`hookd hooks status`, `hookd status`) as long. The child's answer is one line of JSON on
a pipe; one not given within the wait is said as the mount not answering, naming the path and the
fix, and the child is left to end when its filesystem answers. control/offline.py does the same for
status's reads of the spool and the inbox. A read may say where it is (``say_at``) before a call that
may hang: the mount named is that path's.
"""

from __future__ import annotations

import fcntl
import functools
import json
import os
import select
import time
from collections.abc import Callable
from typing import Any, Hashable

from hookd import place_probe
from hookd.mounts import not_answering_at

WAIT_S = 2.0


class NotAnswering(Exception):
    """The read did not end within its wait: the message names the path, its mount and the fix."""


def read_within(
    read: Callable[[], Any], path: str, wait_s: float = WAIT_S, key: Hashable = None, verb: str = "read"
) -> Any:
    """``read()`` (which returns what JSON holds) made in a child; NotAnswering past ``wait_s``.

    One child per ``key`` (the path unless given) at a time: a read asked again while the last one
    still waits (`hookd status --watch`) waits on that child rather than leave another behind on the
    mount. ``verb``: what the command could not do with ``path``, in the message."""
    key = path if key is None else key
    started = time.monotonic()
    child = _waiting.pop(key, None) or _Child(read)
    try:
        while not (line := child.answer()):
            if not select.select([child.fd], [], [], max(0.0, wait_s - (time.monotonic() - started)))[0]:
                _waiting[key] = child
                waited = time.monotonic() - child.started
                where = not_answering_at(child.at or path)
                raise NotAnswering(f"cannot {verb} {path} (waited {waited:.1f}s): {where}; check that mount")
            if not child.heard():
                break
    finally:
        if _waiting.get(key) is not child:
            os.close(child.fd)
    os.waitpid(child.pid, 0)  # it has answered, or ended: no wait
    if not line:
        raise NotAnswering(f"cannot read {path}: the process reading it ended without an answer")
    kind, value = json.loads(line)
    if kind == "error":
        raise OSError(value)
    return value


class _Child:
    def __init__(self, read: Callable[[], Any]) -> None:
        self.started = time.monotonic()
        self.at: str | None = None  # where the read last said it was (say_at)
        self._got = b""
        self.fd, write = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:  # the child: never returns
            _answer(read, write)
        os.close(write)

    def heard(self) -> bool:
        """What the child has written, taken (the pipe is readable); False at its end."""
        chunk = os.read(self.fd, 65536)
        self._got += chunk
        *lines, self._got = self._got.split(b"\n")
        for line in lines:
            kind, value = json.loads(line)
            if kind == "at":
                self.at = value
            else:
                self._answer = line
        return bool(chunk)

    _answer = b""

    def answer(self) -> bytes:
        return self._answer


_waiting: dict[Hashable, _Child] = {}  # the reads not answered yet, by key


class Answers:
    """Does the filesystem of each path a command is about to use answer? Asked before the command's
    own lookups, which a mount that hung would hold (writes included: `hooks install` is refused
    before it writes anything, rather than left in a write). A ``statvfs`` of the path, in a child
    (read_within): it looks the path up (through any link, onto the mount it really is on) and the
    kernel never answers it from its caches, so a mount that hung holds it as it holds the command's
    own calls. Each path is asked once per Answers (one command, one round of `status --watch`)."""

    def __init__(self, verb: str = "read", writes: bool = False) -> None:
        self.verb = verb
        self.writes = writes  # each path's directory also takes a write (place_probe.writable)
        self._said: dict[str, str | None] = {}  # path -> why it did not answer, None: it did

    def check(self, *paths: str) -> None:
        """NotAnswering, naming the path, its mount and the fix, if a path's mount does not answer."""
        for path in paths:
            if not path:
                continue
            if path not in self._said:
                try:
                    asked = functools.partial(_ask, path, self.writes)
                    read_within(asked, path, key=("statvfs", path, self.writes), verb=self.verb)
                    self._said[path] = None
                except NotAnswering as exc:
                    self._said[path] = str(exc)
                except OSError:  # an error is an answer (no such file): the command's own call says it
                    self._said[path] = None
            if why := self._said[path]:
                raise NotAnswering(why)


def _ask(path: str, writes: bool) -> None:
    real = place_probe.resolved(path, say_at)
    try:
        os.statvfs(real)
    except (FileNotFoundError, NotADirectoryError):
        if not writes:
            raise
    if writes:  # a file the command makes: the directory it is made in takes the probe
        place_probe.writable(real)


_said_to: int | None = None  # in a child: the pipe to the command


def say_at(path: str) -> None:
    """In a child's read: the path it is about to ask, for the message should the call not return."""
    if _said_to is not None:
        os.write(_said_to, json.dumps(["at", path]).encode() + b"\n")


def only_the_pipe(write: int) -> int:
    """In a forked child: fds 0-2 on /dev/null, and ``write`` (the pipe to the command) as an fd above them.

    Its output is the pipe alone: the command's stdout (a pipe to `less`, say) would stay open while the
    child hangs, and its reader wait with it. A command run with its stdout or stderr closed got the pipe
    as fd 1 or 2 from os.pipe(), and /dev/null put over them closed it: the child's answer went nowhere."""
    write_above = fcntl.fcntl(write, fcntl.F_DUPFD, 3)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    return write_above


def _answer(read: Callable[[], Any], write: int) -> None:
    global _said_to
    write = _said_to = only_the_pipe(write)
    try:
        try:
            answer = ["value", read()]
        except Exception as exc:  # said to the caller, as the read would have raised in it
            answer = ["error", str(exc)]
        os.write(write, json.dumps(answer).encode() + b"\n")
    finally:
        os._exit(0)
