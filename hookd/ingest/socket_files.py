"""The daemon's socket files: bound owner-only, a dead daemon's replaced, a live one's left alone.

The event and control sockets are bound here. A socket file left by a daemon
that died is replaced; one a daemon still answers on is not (AlreadyRunning).
At the stop, a socket is unlinked only if it is still the one this daemon bound.
"""

from __future__ import annotations

import errno
import os
import socket
import stat

import structlog

from hookd.paths import ensure_private_dir

log = structlog.get_logger("hookd.ingest")


class AlreadyRunning(Exception):
    """Another daemon answers on the socket; we must not steal it."""


def bind_private_socket(path: str) -> socket.socket:
    """Bind a Unix socket 0600 inside a 0700 directory, replacing only a dead daemon's socket."""
    ensure_private_dir(os.path.dirname(path))
    _remove_stale_socket(path)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old_umask = os.umask(0o177)  # the socket file is born 0600: no chmod on a path afterwards
    try:
        sock.bind(path)
    except OSError:
        sock.close()
        raise
    finally:
        os.umask(old_umask)
    sock.listen(1024)
    sock.setblocking(False)
    return sock


def _remove_stale_socket(path: str) -> None:
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(info.st_mode):
        raise AlreadyRunning(f"{path} exists and is not a socket; remove it or choose another --socket")
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    probe.settimeout(1.0)
    try:
        probe.connect(path)
    except OSError as exc:
        if exc.errno not in (errno.ECONNREFUSED, errno.ENOENT):
            raise AlreadyRunning(f"cannot tell whether a daemon owns {path}: {exc.strerror}") from exc
    else:
        raise AlreadyRunning(
            f"another hookd is already serving {path}; stop it first "
            "(or give this one another --socket and --state-dir)"
        )
    finally:
        probe.close()
    log.info("stale_socket_removed", socket=path)
    os.unlink(path)


def remove_socket_if_ours(path: str, inode: int) -> None:
    """Unlink the socket at shutdown, unless it is no longer the one we bound."""
    try:
        if os.lstat(path).st_ino == inode:
            os.unlink(path)
    except FileNotFoundError:
        pass
