"""What the HTTP listener needs before it serves: its address, checked and bound, and its token.

Kept apart from the listener so that the settings check (``check_settings``, run
for the commands that use http_addr) and `hookd hooks install --mode http` (which
reads the token) need neither httptools nor the event loop.
"""

from __future__ import annotations

import errno
import ipaddress
import os
import secrets
import socket
import stat
import string

from hookd import port_holders
from hookd.config import Section
from hookd.config_errors import SettingError
from hookd.hostport import is_loopback, split_host_port
from hookd.paths import UnsafePathError, create_private, ensure_private_dir
from hookd.name_lookup import LISTEN_LOOKUP_S, listen_infos

MIN_TOKEN_CHARS = 16
# A token travels in an HTTP header: visible ASCII, no spaces or quotes to escape in settings.json.
_TOKEN_CHARS = frozenset(string.ascii_letters + string.digits + "-._~+/=")


class HttpSettings(Section, frozen=True, kw_only=True):
    """What the HTTP listener reads: where it listens, its token, whom it answers, its limits."""

    http_addr: str
    http_token_file: str
    http_allow_public: bool
    http_public_name: str
    max_event_bytes: int
    client_timeout_s: float
    listen_backlog: int


class HttpSetupError(UnsafePathError):
    """The HTTP listener cannot start as configured (token file, address); the message names the fix.

    A kind of UnsafePathError so that `hookd run` reports it the same way: one
    line, exit 1.
    """


def split_addr(addr: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:PORT`` for IPv6) as (host, port); ValueError says what is wrong."""
    parts = split_host_port(addr)
    if parts is None or not parts[0]:
        raise ValueError(f"http_addr {addr!r} must be HOST:PORT with a port from 1 to 65535, e.g. 127.0.0.1:8787")
    return parts


def check_addr(addr: str, allow_public: bool) -> None:
    """Refuse an address other local machines could reach, unless the user said so explicitly."""
    host, _ = split_addr(addr)
    if host != "localhost":
        try:
            ipaddress.ip_address(host)
        except ValueError:
            raise ValueError(
                f"http_addr host {host!r} must be an IP address or localhost "
                "(a name could resolve to an address beyond this machine)"
            ) from None
    if not is_loopback(host) and not allow_public:
        raise ValueError(
            f"http_addr {addr} is not a loopback address: HTTP hooks come from this machine, so "
            "127.0.0.1:PORT is enough; to serve other machines anyway set http_allow_public = true "
            "(anyone who can reach it and learns the token can add events, and the token crosses "
            "the network in clear text)"
        )


def check_settings(addr: str, allow_public: bool) -> None:
    """http_addr, with http_allow_public: a SettingError names http_addr and the fix."""
    if addr:
        try:
            check_addr(addr, allow_public)
        except ValueError as exc:
            raise SettingError(str(exc), setting="http_addr") from None


def host_of(value: bytes, loopback_only: bool = False) -> str | None:
    """The host named by a Host header (lower case, no port, no brackets); with ``loopback_only``,
    that host if it is a loopback name or address, else None."""
    text = value.decode("latin-1").strip().lower()
    if text.startswith("["):
        host, bracket, rest = text[1:].partition("]")
        if not bracket or (rest and not (rest[:1] == ":" and rest[1:].isascii() and rest[1:].isdigit())):
            return None
    else:
        host, colon, port = text.rpartition(":")
        if not colon:
            host = text
        elif not (port.isascii() and port.isdigit()):
            return None
    host = host.removesuffix(".")
    if loopback_only:
        return host if host and is_loopback(host) else None
    return host


def allowed_hosts(addr: str, allow_public: bool, public_name: str = "") -> frozenset[str]:
    """Host names besides the loopback ones that requests may name: none unless allow_public."""
    if not allow_public or not addr:
        return frozenset()
    names = {name.strip().lower().strip("[]").removesuffix(".") for name in public_name.split(",") if name.strip()}
    host, _ = split_addr(addr)
    try:
        if not ipaddress.ip_address(host).is_unspecified:  # 0.0.0.0 names no one
            names.add(host.lower())
    except ValueError:
        pass
    return frozenset(names)


def load_or_create_token(path: str) -> str:
    """The bearer token in ``path``; a new random one, written 0600, when the file is missing.

    A token file that others could read is refused rather than fixed: the
    token may already have leaked, and only the user can say whether to
    replace it.
    """
    ensure_private_dir(os.path.dirname(path))
    try:
        return _read_token(path)
    except FileNotFoundError:
        pass
    except OSError as exc:  # a symbolic link (O_NOFOLLOW), no permission, ...
        if exc.errno == errno.ELOOP:
            raise HttpSetupError(
                f"{path} is a symbolic link; hookd never reads its token through "
                "one: remove it and hookd creates a token"
            ) from None
        raise HttpSetupError(
            f"cannot read the HTTP token file {path}: {exc.strerror}; remove it and hookd creates a token"
        ) from None
    token = secrets.token_urlsafe(32)
    # A name no earlier run left (one killed before its unlink below, with this pid again: a
    # container's pid 1): create_private refuses anything already there.
    temporary = f"{path}.tmp-{os.getpid()}-{secrets.token_hex(8)}"
    fd = create_private(temporary)
    try:
        os.write(fd, token.encode() + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(temporary, path)  # never replaces a token someone else just wrote
    except FileExistsError:
        return _read_token(path)
    finally:
        os.unlink(temporary)
    return token


def _read_token(path: str) -> str:
    # O_NONBLOCK: a FIFO put there must not hold the start (an open waits for its writer, and
    # SIGTERM only restarts the wait); it is refused below as not a regular file.
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise HttpSetupError(f"{path} is not a regular file; remove it and hookd creates a token")
        if info.st_uid != os.getuid():
            raise HttpSetupError(
                f"{path} belongs to uid {info.st_uid}, not to you; remove it and hookd creates a token of its own"
            )
        mode = stat.S_IMODE(info.st_mode)
        if mode & 0o077:
            raise HttpSetupError(
                f"{path} can be read by other users (mode {mode:04o}), so the HTTP token may "
                f"have leaked: delete it (hookd creates a new one; update your hooks' headers) or, "
                f"if you are sure, chmod 600 {path}"
            )
        text = os.read(fd, 4096).decode("ascii", "replace").strip()
    finally:
        os.close(fd)
    if len(text) < MIN_TOKEN_CHARS or not set(text) <= _TOKEN_CHARS:
        raise HttpSetupError(
            f"{path} must hold one token of at least {MIN_TOKEN_CHARS} characters "
            "(letters, digits, - . _ ~ + / =); delete it and hookd creates one"
        )
    return text


def bind_addr(addr: str, token_file: str | None = None) -> list[socket.socket]:
    """Listening sockets for ``addr`` (both of localhost's addresses when it has two)."""
    host, port = split_addr(addr)
    sockets: list[socket.socket] = []
    failure: OSError | None = None
    try:
        infos = listen_infos(host, port)
    except TimeoutError:
        raise HttpSetupError(
            f"cannot resolve http_addr {addr}: the resolver did not answer within {LISTEN_LOOKUP_S:g}s; set "
            f"http_addr to an address (127.0.0.1:{port}, or [::1]:{port}), or mend the resolver (/etc/hosts "
            "names localhost)"
        ) from None
    except OSError as exc:
        raise HttpSetupError(f"cannot resolve http_addr {addr}: {exc}") from None
    for family, kind, proto, _, sockaddr in infos:
        sock = socket.socket(family, kind, proto)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind(sockaddr)
            sock.listen(1024)
            sock.setblocking(False)
        except OSError as exc:
            sock.close()
            # localhost may name an IPv6 address this machine does not have; one address is enough.
            if exc.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT) and host == "localhost":
                continue
            failure = exc
            break
        sockets.append(sock)
    if failure is not None or not sockets:
        for sock in sockets:
            sock.close()
        why = (failure.strerror or str(failure)) if failure is not None else "no address to listen on"
        if failure is not None and failure.errno == errno.EADDRINUSE:
            raise HttpSetupError(_port_taken(addr, host, port, why, token_file))
        raise HttpSetupError(
            f"cannot listen on {addr} for HTTP hooks: {why}; choose another http_addr or stop what uses it"
        )
    return sockets


def _port_taken(addr: str, host: str, port: int, why: str, token_file: str | None) -> str:
    """Who holds the port, and, another user holding it, the security problem first: HTTP hooks
    posting there hand that user every event (tests/test_redteam16_left_ports.py)."""
    others = port_holders.strangers(host, port)
    if others:
        return f"cannot listen on {addr} for HTTP hooks: {why}. " + port_holders.hook_port_warning(
            addr, others, token_file
        )
    return (
        f"cannot listen on {addr} for HTTP hooks: {why} ({port_holders.who(host, port)}); "
        "choose another http_addr or stop what uses it"
    )
