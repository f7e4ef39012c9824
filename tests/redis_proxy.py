"""A TCP proxy in front of a real redis-server that may answer some commands itself: the red-team tests'
hostile Redis (a proxy, a server that is not Redis, one that lies), with every other command served by
Redis as usual."""

from __future__ import annotations

import socket
import threading


def read_command(stream) -> bytes | None:
    """One RESP command (an array of bulk strings) as its raw bytes, or None at EOF."""
    line = stream.readline()
    if not line:
        return None
    if not line.startswith(b"*"):  # an inline command: one line
        return line
    raw = [line]
    for _ in range(int(line[1:])):
        size_line = stream.readline()
        raw.append(size_line)
        raw.append(stream.read(int(size_line[1:]) + 2))
    return b"".join(raw)


class ConnectionDone(Exception):
    """Raised by ``intercept`` to end the connection it was called for."""


class RedisProxy:
    """Listens on ``port``; each connection is relayed to Redis at ``target`` command by command, and
    ``intercept`` (a subclass's) may answer a command instead."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.socks: list[socket.socket] = []
        self.answered = threading.Event()  # Redis sent something back (a reply)
        threading.Thread(target=self._accept, daemon=True).start()

    def intercept(self, command: bytes, client: socket.socket, server: socket.socket, lock: threading.Lock) -> bool:
        """Whether the proxy answered ``command`` itself (under ``lock``, towards ``client``)."""
        return False

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            self.socks += [client, server]
            lock = threading.Lock()  # one writer at a time towards the client
            threading.Thread(target=self._commands, args=(client, server, lock), daemon=True).start()
            threading.Thread(target=self._replies, args=(server, client, lock), daemon=True).start()

    def _commands(self, client: socket.socket, server: socket.socket, lock: threading.Lock) -> None:
        stream = client.makefile("rb")
        try:
            while (command := read_command(stream)) is not None:
                if not self.intercept(command, client, server, lock):
                    server.sendall(command)
        except (OSError, ValueError, IndexError, ConnectionDone):
            pass
        finally:
            for s in (client, server):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def _replies(self, server: socket.socket, client: socket.socket, lock: threading.Lock) -> None:
        try:
            while chunk := server.recv(65536):
                self.answered.set()
                with lock:
                    client.sendall(chunk)
        except OSError:
            pass

    def close(self) -> None:
        self.listener.close()
        for s in self.socks:
            s.close()
