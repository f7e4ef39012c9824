"""A RESP server (asyncio, on a thread of the test's process) that stands where hookd expects Redis and
passes each command to a real redis-server, one at a time, reading Redis's whole reply before it
answers: so it can answer in Redis's place, or change, split, repeat or cut Redis's reply, command by
command. The fifty-third pass's Redis that lies (tests/test_redteam53_lying_redis.py)."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Awaitable, Callable

from hookd.publish.writer import PROBE_SHA

# What the server does with a command: (its words, the client's writer, the real Redis behind) -> None;
# the functions at the end are the usual ones.
Act = Callable[[list[bytes], asyncio.StreamWriter, "Upstream"], Awaitable[None]]


async def read_command(reader: asyncio.StreamReader) -> list[bytes] | None:
    """One command (an array of bulk strings) as its words, or None at EOF."""
    line = await reader.readline()
    if not line:
        return None
    if not line.startswith(b"*"):
        return line.split()
    words = []
    for _ in range(int(line[1:])):
        size = int((await reader.readline())[1:])
        words.append((await reader.readexactly(size + 2))[:-2])
    return words


async def read_reply(reader: asyncio.StreamReader) -> bytes:
    """One whole reply (RESP2 or RESP3) as its raw bytes."""
    line = await reader.readline()
    if not line:
        raise ConnectionError("Redis closed the connection")
    kind, rest = line[:1], line[1:-2]
    if kind in (b"$", b"=", b"!"):
        size = int(rest)
        return line if size < 0 else line + await reader.readexactly(size + 2)
    if kind in (b"*", b"~", b">", b"%", b"|"):
        count = int(rest) * (2 if kind in (b"%", b"|") else 1)
        parts = [line]
        for _ in range(max(count, 0)):
            parts.append(await read_reply(reader))
        return b"".join(parts)
    return line


def pack(*words: bytes | str) -> bytes:
    encoded = [w.encode() if isinstance(w, str) else w for w in words]
    return b"*%d\r\n" % len(encoded) + b"".join(b"$%d\r\n%s\r\n" % (len(w), w) for w in encoded)


class Upstream:
    """The real Redis behind one client's connection."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def ask(self, words: list[bytes]) -> bytes:
        self.writer.write(pack(*words))
        await self.writer.drain()
        return await read_reply(self.reader)


async def passed(words: list[bytes], client: asyncio.StreamWriter, upstream: Upstream) -> None:
    client.write(await upstream.ask(words))


class _Served:
    """A listener on 127.0.0.1 (``port``) served by ``_serve`` on an event loop of its own thread."""

    def __init__(self) -> None:
        self.tasks: set[asyncio.Task | None] = set()
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        self.thread.start()
        ready.wait(10)

    def _run(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        listener = socket.create_server(("127.0.0.1", 0))
        self.port = listener.getsockname()[1]
        self.server = self.loop.run_until_complete(asyncio.start_server(self._served, sock=listener))
        ready.set()
        self.loop.run_forever()

    async def _served(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.tasks.add(asyncio.current_task())
        try:
            await self._serve(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, OSError, ValueError):
            pass
        finally:
            writer.close()
            self.tasks.discard(asyncio.current_task())

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        raise NotImplementedError

    def close(self) -> None:
        async def stop() -> None:
            self.server.close()
            for task in list(self.tasks):
                task.cancel()
            await asyncio.gather(*self.tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


class LyingRedis(_Served):
    """Listens on 127.0.0.1:``port``; ``act`` (settable at any time) decides what each command gets."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.act: Callable[[list[bytes]], Act] = lambda words: passed
        self.commands: list[bytes] = []  # each command's name, upper-case, in order received
        self.scripts: list[bytes] = []  # each EVALSHA's digest, in order received
        super().__init__()

    def count(self, name: bytes) -> int:
        return sum(1 for c in list(self.commands) if c == name)

    def batches(self) -> int:
        """The EVALSHAs of batches: not hookd's write probe's (writer.py), which runs its script by EVALSHA too."""
        return sum(1 for sha in list(self.scripts) if sha != PROBE_SHA.encode())

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        upstream = Upstream(up_reader, up_writer)
        try:
            while (words := await read_command(reader)) is not None:
                self.commands.append(words[0].upper() if words else b"")
                if self.commands[-1] == b"EVALSHA" and len(words) > 1:
                    self.scripts.append(words[1].lower())
                await self.act(words)(words, writer, upstream)
                await writer.drain()
        finally:
            up_writer.close()


# The usual lies, each an Act.


def answer(reply: bytes) -> Act:
    """Answer ``reply`` in Redis's place; the command never reaches Redis."""

    async def act(words: list[bytes], client: asyncio.StreamWriter, upstream: Upstream) -> None:
        client.write(reply)

    return act


async def byte_by_byte(words: list[bytes], client: asyncio.StreamWriter, upstream: Upstream) -> None:
    """Redis's reply, one byte at a time, each in a segment of its own."""
    for i, byte in enumerate(await upstream.ask(words)):
        client.write(bytes((byte,)))
        await client.drain()
        if i % 4 == 0:
            await asyncio.sleep(0.001)


def then(extra: bytes) -> Act:
    """Redis's reply, followed by ``extra``: a reply to a request never sent."""

    async def act(words: list[bytes], client: asyncio.StreamWriter, upstream: Upstream) -> None:
        client.write(await upstream.ask(words) + extra)

    return act


async def repeated(words: list[bytes], client: asyncio.StreamWriter, upstream: Upstream) -> None:
    """Redis's reply twice: the second answers a request never sent (the next one's, as read)."""
    reply = await upstream.ask(words)
    client.write(reply + reply)


async def cut_mid_reply(words: list[bytes], client: asyncio.StreamWriter, upstream: Upstream) -> None:
    """Redis ran the command; half of its reply reaches the client, then the connection closes."""
    reply = await upstream.ask(words)
    client.write(reply[: max(1, len(reply) // 2)])
    await client.drain()
    raise ConnectionError("closed mid-reply")


class FakeSentinel(_Served):
    """A sentinel (asyncio, on a thread of the test's process) that names ``master()`` as the master
    of any name asked; every command a sentinel does not know is answered as a real one does."""

    def __init__(self, master: Callable[[], tuple[str, int]]) -> None:
        self.master = master
        self.asked = 0  # SENTINEL MASTERS answered
        self.others = 0  # commands a sentinel does not run (what a client sends its master)
        super().__init__()

    def _masters(self) -> bytes:
        host, port = self.master()
        state = {
            "name": "main", "ip": host, "port": str(port), "runid": "0" * 40, "flags": "master",
            "link-pending-commands": "0", "link-refcount": "1", "last-ping-sent": "0",
            "last-ok-ping-reply": "100", "last-ping-reply": "100", "down-after-milliseconds": "5000",
            "info-refresh": "100", "role-reported": "master", "role-reported-time": "1000",
            "config-epoch": "1", "num-slaves": "0", "num-other-sentinels": "0", "quorum": "1",
            "failover-timeout": "60000", "parallel-syncs": "1",
        }  # fmt: skip
        return b"*1\r\n" + pack(*(word for pair in state.items() for word in pair))

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while (words := await read_command(reader)) is not None:
            name = b" ".join(words[:2]).upper()
            if name.startswith(b"PING"):
                writer.write(b"+PONG\r\n")
            elif name.startswith(b"CLIENT"):
                writer.write(b"+OK\r\n")
            elif name == b"SENTINEL MASTERS":
                self.asked += 1
                writer.write(self._masters())
            elif name.startswith(b"SENTINEL"):
                writer.write(b"*0\r\n")
            else:
                self.others += 1
                writer.write(b"-ERR unknown command '%s', with args beginning with: \r\n" % words[0][:40])
            await writer.drain()
