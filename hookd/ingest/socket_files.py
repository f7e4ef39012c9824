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

from hookd.paths import open_private_dir

log = structlog.get_logger("hookd.ingest")


# sun_path's size on Linux, its terminating NUL included (108 bytes; 104 on macOS, which has no /proc).
SUN_PATH_MAX = 108


class AlreadyRunning(Exception):
    """Another daemon answers on the socket; we must not steal it."""


def bind_private_socket(path: str) -> tuple[socket.socket, int]:
    """Bind a Unix socket 0600 inside a 0700 directory, replacing only a dead daemon's socket
    -> (the listening socket, the inode of its file).

    The directory is checked and held open (paths.open_private_dir), and the stale socket's
    removal, the bind and the inode are all reached through that descriptor: on Linux the bind
    goes through ``/proc/self/fd/<fd>/<name>``, so the socket lands in the very directory that
    was checked even if another was put at its path meanwhile. Where /proc is missing (macOS)
    or that address is over sun_path's 108 bytes, the bind goes by path, the directory having
    been checked just before."""
    dir_fd = open_private_dir(os.path.dirname(path))
    try:
        name = os.path.basename(path)
        _remove_stale_socket(path, dir_fd)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old_umask = os.umask(0o177)  # the socket file is born 0600: no chmod on a path afterwards
        try:
            sock.bind(_address(path, dir_fd))
            inode = os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_ino
        except OSError:
            sock.close()
            raise
        finally:
            os.umask(old_umask)
    finally:
        os.close(dir_fd)
    sock.listen(1024)
    sock.setblocking(False)
    return sock, inode


def _address(path: str, dir_fd: int) -> str:
    """Where to bind or connect to ``path``'s last part in the held directory ``dir_fd``: through
    /proc/self/fd on Linux (bind(2) and connect(2) take no directory descriptor), else ``path``."""
    via_fd = f"/proc/self/fd/{dir_fd}/{os.path.basename(path)}"
    if len(os.fsencode(via_fd)) < SUN_PATH_MAX and os.path.isdir(f"/proc/self/fd/{dir_fd}"):
        return via_fd
    return path


def _remove_stale_socket(path: str, dir_fd: int) -> None:
    name = os.path.basename(path)
    try:
        info = os.lstat(name, dir_fd=dir_fd)
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(info.st_mode):
        raise AlreadyRunning(f"{path} exists and is not a socket; remove it or choose another --socket")
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    probe.settimeout(1.0)
    try:
        probe.connect(_address(path, dir_fd))
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
    os.unlink(name, dir_fd=dir_fd)


def remove_socket_if_ours(path: str, inode: int) -> None:
    """Unlink the socket at shutdown, unless it is no longer the one we bound."""
    try:
        if os.lstat(path).st_ino == inode:
            os.unlink(path)
    except FileNotFoundError:
        pass
