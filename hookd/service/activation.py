"""Sockets handed over by the service manager: systemd's LISTEN_FDS protocol, launchd's
``launch_activate_socket``.

A passed socket belongs to the manager. It exists before hookd starts, and
while hookd restarts the kernel queues new connections on it for the next
hookd; so hookd takes it as it is, never binds or unlinks its path, and only
closes its own copy. Each passed socket is matched to a role (event socket,
control socket) by the path it is bound to, so a unit whose paths disagree
with hookd's settings is refused rather than served on the wrong path.

With http_addr set, TCP sockets bound to that address are taken for the
HTTP listener (role ``http``, a list: localhost may have two addresses), so
that Claude Code's http hooks posted while hookd restarts wait in the queue
instead of being refused.
"""

from __future__ import annotations

import ctypes
import errno
import ipaddress
import os
import resource
import socket
import stat
import sys
from collections.abc import Callable, Mapping, MutableMapping

import structlog

from hookd.paths import UnsafePathError, check_parents

log = structlog.get_logger("hookd.service")

SD_LISTEN_FDS_START = 3
SYSTEMD_VARIABLES = ("LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES")
# The plist's Sockets keys (launchd/com.hookd.agent.plist), by role.
LAUNCHD_SOCKET_NAMES = {"events": "Listeners", "control": "Control", "http": "Http"}


class ActivationError(Exception):
    """The service manager passed sockets hookd cannot serve; the message says how to fix it."""


def systemd_fds(environ: MutableMapping[str, str] | None = None) -> list[tuple[int, str]]:
    """The (fd, name) pairs passed to this process with LISTEN_FDS, first fd 3.

    As sd_listen_fds(3) with unset_environment: the variables are removed
    whatever they say, so that no child takes them for its own; a LISTEN_PID
    that is not ours means they were meant for another process, and nothing was
    passed to us. The fds are made close-on-exec.
    """
    environ = os.environ if environ is None else environ
    pid, count, names = (environ.pop(name, None) for name in SYSTEMD_VARIABLES)
    if not count or not pid:
        return []
    if not (pid.isascii() and pid.isdigit()) or int(pid) != os.getpid():
        log.info("listen_fds_not_ours", listen_pid=pid, pid=os.getpid())
        return []
    if not (count.isascii() and count.isdigit()):
        raise ActivationError(f"LISTEN_FDS={count!r} is not a number of file descriptors")
    most = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if int(count) > most > 0:  # more than this process may hold open: some cannot be there
        raise ActivationError(
            f"LISTEN_FDS={count} is more file descriptors than this process can hold ({most}); "
            "pass hookd exactly the sockets its socket unit listens on"
        )
    fds = list(range(SD_LISTEN_FDS_START, SD_LISTEN_FDS_START + int(count)))
    labels = names.split(":") if names else []
    if len(labels) != len(fds):
        labels = ["unknown"] * len(fds)
    for fd in fds:
        try:
            os.set_inheritable(fd, False)
        except OSError as exc:
            raise ActivationError(
                f"LISTEN_FDS={count} says {len(fds)} file descriptors from {SD_LISTEN_FDS_START} on were passed, "
                f"but descriptor {fd} is not open ({exc.strerror}); pass hookd exactly the sockets its socket "
                "unit listens on (hookd service install renders both units)"
            ) from None
    return list(zip(fds, labels))


def launchd_fds(name: str, libc: ctypes.CDLL | None = None) -> list[int]:
    """The fds launchd holds for the plist's ``Sockets`` entry ``name`` (macOS 10.10+).

    launch_activate_socket returns ESRCH when launchd did not start this
    process, and ENOENT when the plist has no such entry: both mean none.
    """
    libc = libc or ctypes.CDLL(None, use_errno=True)
    call = getattr(libc, "launch_activate_socket", None)
    if call is None:  # before macOS 10.10: launchd cannot hand sockets over this way
        return []
    call.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.POINTER(ctypes.c_int)), ctypes.POINTER(ctypes.c_size_t)]
    call.restype = ctypes.c_int
    fds = ctypes.POINTER(ctypes.c_int)()
    count = ctypes.c_size_t(0)
    error = call(name.encode(), ctypes.pointer(fds), ctypes.pointer(count))
    if error in (errno.ESRCH, errno.ENOENT):
        return []
    if error:
        raise ActivationError(f"launchd could not hand over the socket {name!r}: {os.strerror(error)}")
    try:
        return [fds[i] for i in range(count.value)]
    finally:
        libc.free(fds)


def adopt(fd: int, label: str, tcp: bool = False) -> socket.socket:
    """The passed fd as a socket, if it is one hookd can serve: a listening AF_UNIX stream socket
    (or, when ``tcp``, a TCP one for the HTTP listener)."""
    try:
        sock = socket.socket(fileno=fd)
    except OSError as exc:
        raise ActivationError(f"passed file descriptor {fd} ({label}) is not a socket: {exc.strerror}") from None
    what = f"passed socket {fd} ({label})"
    families = (socket.AF_UNIX, socket.AF_INET, socket.AF_INET6) if tcp else (socket.AF_UNIX,)
    if sock.family not in families or sock.type != socket.SOCK_STREAM:
        sock.detach()
        raise ActivationError(
            f"{what} is {sock.family.name} {sock.type.name}; hookd serves "
            "Unix stream sockets only (ListenStream=<path> in the socket unit), "
            "and a TCP socket on http_addr when that is set"
        )
    if not sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN):
        sock.detach()
        raise ActivationError(f"{what} is not listening; pass a listening socket (ListenStream=, without Accept=yes)")
    sock.setblocking(False)
    return sock


def _check_path(path: str) -> None:
    """A passed socket's file must be ours and owner-only, as one hookd binds would be, in a
    directory of ours that others cannot write, reached only through directories others cannot
    change (paths.check_parents, as hookd's own directories are).

    Tightened to 0600 when it is looser (systemd-socket-activate creates 0644),
    refused when it belongs to someone else. A path hookd cannot see (another
    mount namespace, PrivateTmp=) has the mode its unit gave it.
    """
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        log.info("passed_socket_path_not_visible", socket=path)
        return
    if info.st_uid != os.getuid():
        raise ActivationError(
            f"passed socket {path} belongs to uid {info.st_uid}, not to you "
            f"(uid {os.getuid()}); hookd will not serve it"
        )
    if not stat.S_ISSOCK(info.st_mode):  # a link or a file: the chmod below would follow it
        raise ActivationError(f"passed socket {path} is not a socket (a symbolic link?); hookd will not serve it")
    parent = os.lstat(os.path.dirname(path))
    if parent.st_uid != os.getuid():
        raise ActivationError(
            f"the directory of passed socket {path} belongs to uid {parent.st_uid}; use a directory of your own"
        )
    if parent.st_mode & 0o022:
        raise ActivationError(
            f"the directory of passed socket {path} is writable by other users "
            f"(mode {stat.S_IMODE(parent.st_mode):04o}); set DirectoryMode=0700 "
            "in the socket unit"
        )
    try:  # the directories above it too: one another user can change lets them swap this one
        check_parents(path)
    except UnsafePathError as exc:
        raise ActivationError(
            f"passed socket {path}: {exc} (the socket unit's ListenStream= and hookd's socket settings "
            "must name it; hookd service install renders both)"
        ) from None
    if stat.S_IMODE(info.st_mode) & 0o077:
        try:
            os.chmod(path, 0o600)
        except OSError as exc:
            raise ActivationError(
                f"passed socket {path} is mode {stat.S_IMODE(info.st_mode):o} "
                f"and cannot be made 0600 ({exc.strerror}); set SocketMode=0600 "
                "in the socket unit"
            ) from None
        log.warning("passed_socket_mode_tightened", socket=path, mode=f"{stat.S_IMODE(info.st_mode):o}", now="600")


def _same_address(sockname: tuple[str, int] | tuple[str, int, int, int], http_addr: str) -> bool:
    """Whether a TCP socket's address is http_addr's (localhost: either loopback address)."""
    from hookd.ingest.http_setup import split_addr

    host, port = split_addr(http_addr)
    if sockname[1] != port:
        return False
    if host == "localhost":
        return ipaddress.ip_address(sockname[0]).is_loopback
    return ipaddress.ip_address(sockname[0]) == ipaddress.ip_address(host)


class PassedSockets(dict[str, socket.socket]):
    """The passed Unix sockets by role; ``http``: the TCP sockets on http_addr (a list: an
    address such as localhost may be served on more than one socket)."""

    def __init__(self) -> None:
        super().__init__()
        self.http: list[socket.socket] = []


def take_passed_sockets(
    paths: Mapping[str, str],
    environ: MutableMapping[str, str] | None = None,
    platform: str = sys.platform,
    launchd: Callable[[str], list[int]] = launchd_fds,
    http_addr: str = "",
) -> PassedSockets:
    """The sockets the service manager passed, by role (``paths`` maps role to configured path).

    Empty when hookd was not socket-activated. A role with no passed socket is
    left out: hookd binds that one itself. With ``http_addr``, the TCP sockets
    bound to it are in ``.http``.
    """
    if platform == "darwin":
        roles_wanted = list(paths) + (["http"] if http_addr else [])
        passed = [
            (fd, LAUNCHD_SOCKET_NAMES.get(role, role))
            for role in roles_wanted
            for fd in launchd(LAUNCHD_SOCKET_NAMES.get(role, role))
        ]
    else:
        passed = systemd_fds(environ)
    roles = {os.path.abspath(path): role for role, path in paths.items()}
    taken = PassedSockets()
    for fd, label in passed:
        sock = adopt(fd, label, tcp=bool(http_addr))
        if sock.family != socket.AF_UNIX:
            address = sock.getsockname()
            if not _same_address(address, http_addr):
                sock.detach()
                raise ActivationError(
                    f"the service manager passed a TCP socket on {address[0]}:{address[1]}, "
                    f"which is not http_addr {http_addr}; make the socket unit's ListenStream= "
                    "and http_addr agree (hookd service install renders both)"
                )
            taken.http.append(sock)
            log.info("socket_passed", role="http", address=f"{address[0]}:{address[1]}", fd=fd, name=label)
            continue
        path = sock.getsockname()
        role = roles.get(path) if isinstance(path, str) and path else None
        if role is None:
            sock.detach()
            expected = ", ".join(f"{role} {p}" for role, p in paths.items())
            raise ActivationError(
                f"the service manager passed a socket bound to {path!r}, which is none of "
                f"hookd's sockets ({expected}); make the socket unit's paths and hookd's "
                "socket settings agree (hookd service install renders both)"
            )
        if role in taken:
            sock.detach()
            raise ActivationError(f"the service manager passed two sockets for {path}")
        _check_path(path)
        taken[role] = sock
        log.info("socket_passed", role=role, socket=path, fd=fd, name=label)
    return taken
