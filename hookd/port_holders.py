"""Who listens on a TCP port: the uid and processes behind a port hookd wants, read from /proc.

Anyone on the machine may listen on a loopback port first. For ``metrics_addr`` and ``ui_addr``
that only stops the start; for the port HTTP hooks post to it is worse: whoever holds it is sent
every event Claude Code posts, raw (redaction happens in hookd), with the token in its
Authorization header (tests/test_redteam16_left_ports.py). So every message about such a port
names who holds it. Linux gives each socket's uid and inode (``/proc/net/tcp``, ``tcp6``); the
processes are those whose descriptors this user may read. Elsewhere the message names ``lsof``.
"""

from __future__ import annotations

import functools
import ipaddress
import os
import pwd
import socket
import struct
from collections.abc import Collection
from dataclasses import dataclass

from hookd.hostport import is_loopback
from hookd_client.hook_send import uid_stands_for_many

LISTEN = "0A"  # the kernel's TCP_LISTEN, as /proc/net/tcp writes the state
PASSWD = "/etc/passwd"
TABLES = (("/proc/net/tcp", socket.AF_INET), ("/proc/net/tcp6", socket.AF_INET6))


@dataclass(frozen=True)
class Holder:
    uid: int
    addr: str  # HOST:PORT as it listens
    processes: tuple[str, ...]  # "pid 42 (python3)": those this user may see

    @property
    def ours(self) -> bool:
        return self.uid == os.geteuid()

    def text(self) -> str:
        who = f"uid {self.uid} ({user_name(self.uid)})"
        hidden = (
            "one of yours not seen in /proc (another PID namespace?)" if self.ours else "a process not visible to you"
        )
        seen = ", ".join(self.processes) if self.processes else hidden
        return f"{who} listens on {self.addr}: {seen}"


def user_name(uid: int) -> str:
    """The account's name, or "no passwd entry"."""
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return "no passwd entry"


def _address(hex_addr: str, family: int) -> str:
    # Each 32-bit word is written in the host's byte order.
    words = bytes.fromhex(hex_addr)
    raw = b"".join(struct.pack("=I", int.from_bytes(words[i : i + 4], "big")) for i in range(0, len(words), 4))
    return socket.inet_ntop(family, raw)


def _reaches(listening: str, host: str) -> bool:
    """Whether a connection to ``host`` could reach a socket listening on ``listening``."""
    try:
        ip = ipaddress.ip_address(listening)
    except ValueError:
        return False
    if ip.is_unspecified or listening == host:
        return True
    mapped = getattr(ip, "ipv4_mapped", None)
    loopback = ip.is_loopback or (mapped is not None and mapped.is_loopback)
    return loopback and (host == "" or is_loopback(host))


Table = list[tuple[int, str, int, str]]  # (port, address, uid, inode) of each listening socket


def listening() -> Table | None:
    """Every listening TCP socket of the machine; None where /proc cannot tell. One reading serves
    every port a command asks about: the tables list every socket of the machine, not only those
    listening."""
    table: Table = []
    readable = False
    for path, family in TABLES:
        lines = _rows(path)
        if lines is None:
            continue
        readable = True
        for line in lines:
            fields = line.split(None, 10)
            if len(fields) < 10 or fields[3] != LISTEN:
                continue
            hex_addr, _, hex_port = fields[1].partition(":")
            table.append((int(hex_port, 16), _address(hex_addr, family), int(fields[7]), fields[9]))
    return table if readable else None


def _rows(path: str) -> list[str] | None:
    """The socket rows of /proc/net/tcp or tcp6 (its header line left out); None if unreadable."""
    try:
        with open(path, encoding="ascii") as fh:
            return fh.read().splitlines()[1:]
    except OSError:
        return None


def listeners(host: str, port: int, table: Table | None = None) -> list[Holder] | None:
    """Every socket listening on ``port`` that a connection to ``host`` could reach (the
    wildcard addresses, and loopback ones for a loopback host); None where /proc cannot tell."""
    table = listening() if table is None else table
    if table is None:
        return None
    found = {
        inode: (uid, f"[{addr}]:{port}" if ":" in addr else f"{addr}:{port}")
        for at, addr, uid, inode in table
        if at == port and _reaches(addr, host)
    }
    processes = _processes(set(found)) if found else {}  # ours too: "which of my processes?" is the question
    return [Holder(uid, addr, tuple(processes.get(inode, ()))) for inode, (uid, addr) in found.items()]


def _processes(inodes: set[str]) -> dict[str, list[str]]:
    """inode -> "pid N (name)" of each process holding it, among those this user may look into."""
    wanted = {f"socket:[{inode}]": inode for inode in inodes}
    held: dict[str, list[str]] = {}
    for pid in (p for p in os.listdir("/proc") if p.isdigit()):
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:  # another user's (not ours to read), or gone
            continue
        links = set()
        for fd in fds:
            try:
                links.add(os.readlink(f"/proc/{pid}/fd/{fd}"))
            except OSError:  # closed meanwhile
                continue
        for link in links & wanted.keys():
            try:
                with open(f"/proc/{pid}/comm", encoding="utf-8", errors="replace") as fh:
                    # The holder chose it (prctl PR_SET_NAME): no control character reaches a terminal.
                    name = "".join(c if c.isprintable() else "?" for c in fh.read().rstrip("\n"))
            except OSError:
                name = "?"
            held.setdefault(wanted[link], []).append(f"pid {pid} ({name})")
    return held


def strangers(host: str, port: int, table: Table | None = None) -> list[Holder] | None:
    """The listeners on ``host``:``port`` of other users; None where it cannot be told."""
    found = listeners(host, port, table)
    return None if found is None else [h for h in found if not h.ours]


def who(host: str, port: int) -> str:
    """For a message about a port hookd could not take: who holds it, or how to find out."""
    found = listeners(host, port)
    if found is None:
        return f"see who holds it with: lsof -nP -iTCP:{port} -sTCP:LISTEN"
    if not found:
        return "no listener on it is visible (a socket only bound, or in another network namespace?)"
    return "; ".join(h.text() for h in found)


def hook_port_warning(url_or_addr: str, holders: list[Holder], token_file: str | None) -> str:
    """The security problem of another user holding the port HTTP hooks post to, and its fix."""
    rotate = f", then delete {token_file} (hookd makes a new token when it starts)" if token_file else ""
    return (
        f"SECURITY: another user holds the port HTTP hooks post to ({url_or_addr}): "
        f"{'; '.join(h.text() for h in holders)}. Every event Claude Code posts there goes to that user, "
        "unredacted, with hookd's token in its Authorization header; fix: `hookd hooks install --mode command` "
        "(hook-send over hookd's own socket, which checks who is at the other end), restart Claude Code's "
        f"sessions{rotate}, and find out why that user listens there"
    )


# -- the other end of a connection hookd made -------------------------------------------------


def _unmapped(addr: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    ip = ipaddress.ip_address(addr.partition("%")[0])
    mapped = getattr(ip, "ipv4_mapped", None)
    return mapped if mapped is not None else ip


def on_this_machine(sock: socket.socket) -> bool:
    """Whether the server a connected socket reached may be a process of this machine: a Unix
    socket, or TCP to a loopback address or to this host's own (the kernel then picks it as ours)."""
    if sock.family == socket.AF_UNIX:
        return True
    try:
        local, peer = _unmapped(sock.getsockname()[0]), _unmapped(sock.getpeername()[0])
    except (OSError, ValueError):
        return False
    return peer.is_loopback or peer == local


def server_uid(sock: socket.socket) -> int | None:
    """The uid owning the server's end of a connected socket; None where it cannot be told (a
    remote server, another network namespace, no /proc). A Unix socket's peer is the kernel's
    answer (SO_PEERCRED); a TCP connection's server end is the row of /proc/net/tcp (or tcp6)
    whose local address is our peer and whose remote one is us: a socket accepted from a listener
    keeps the listener's uid."""
    if sock.family == socket.AF_UNIX:
        from hookd_client.hook_send import peer_uid_as_read

        try:  # as read: an unmapped owner is the overflow uid, as /proc/net/tcp shows it, not None (no owner found)
            uid: int | None = peer_uid_as_read(sock)
        except OSError:
            return None
        return uid
    try:
        ours, theirs = sock.getsockname(), sock.getpeername()
        ends = ((_unmapped(theirs[0]), theirs[1]), (_unmapped(ours[0]), ours[1]))
    except (OSError, ValueError):
        return None
    for path, family in TABLES:
        wanted = [_hex(ip, port, family) for ip, port in ends]
        if None in wanted:
            continue
        for line in _rows(path) or ():  # text compared, not parsed: a busy machine has thousands of rows
            fields = line.split(None, 10)
            if len(fields) >= 10 and fields[1:3] == wanted:
                return int(fields[7])
    return None


def _hex(ip: ipaddress.IPv4Address | ipaddress.IPv6Address, port: int, family: int) -> str | None:
    """ADDRESS:PORT as /proc/net/tcp (AF_INET) or tcp6 writes it (IPv4 in tcp6 as ::ffff:a.b.c.d),
    each 32-bit word of the address in the host's byte order; None if that table cannot hold it."""
    if family == socket.AF_INET6 and ip.version == 4:
        ip = ipaddress.IPv6Address(b"\0" * 10 + b"\xff\xff" + ip.packed)
    if (family == socket.AF_INET) != (ip.version == 4):
        return None
    raw = ip.packed
    words = "".join("%08X" % struct.unpack("=I", raw[i : i + 4])[0] for i in range(0, len(raw), 4))
    return f"{words}:{port:04X}"


def account_name(uid: int) -> str | None:
    """The name of ``uid``'s account, or None if it has none. Every connection to Redis asks
    (server_owner.py): the answer is kept until the password database file changes, a stat
    per connection rather than a lookup."""
    try:
        info = os.stat(PASSWD)
    except OSError:
        return _account_name(uid, None)
    return _account_name(uid, (info.st_dev, info.st_ino, info.st_ctime_ns, info.st_size))


@functools.lru_cache(maxsize=64)
def _account_name(uid: int, version: tuple[int, int, int, int] | None) -> str | None:
    """``uid``'s account name while the password database is at ``version``."""
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return None


# A process's user namespace and its uid map are set for its life: asked once per uid, not per connection.
_stands_for_many = functools.lru_cache(maxsize=16)(uid_stands_for_many)


def trusted_server(uid: int, accounts: Collection[str]) -> bool:
    """A server this user may send its secrets to: its own, root's, or one of an account named in
    ``accounts``, the client's redis_server_accounts (a distribution's redis-server runs as ``redis``;
    each client is handed its own, publish/replies.py). Not any other system
    account: on a shared host other people's code runs as some of them (a web server's www-data
    running their CGI or PHP), and could listen where Redis should be. Neither is a uid that
    stands for every user a user namespace leaves unmapped (the overflow uid: a distribution's
    redis-server too, under PrivateUsers=)."""
    if _stands_for_many(uid):
        return False
    if uid in (os.geteuid(), 0):
        return True
    name = account_name(uid)
    return name is not None and name in accounts
