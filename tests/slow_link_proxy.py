"""A TCP proxy in front of a real redis-server that passes at most RATE bytes a second each way: a slow
tunnel to Redis (tests/test_redteam23_slow_link.py, bench/slow_link.py). One token bucket per direction,
shared by the connections, as a link's bandwidth is; ``upstream_bytes`` counts what the client sent.
``stall_after``: a connection that has carried that many bytes towards Redis carries nothing more, ever
(what it held is never delivered, so a send hookd gave up on cannot land later). ``per_connection``:
each connection has its buckets, of ``burst`` bytes (a link shared fairly, as TCP flows share one:
a PING on a new connection does not wait behind the bytes of one hookd gave up on)."""

from __future__ import annotations

import asyncio
import threading
import time

RATE = 1_000_000  # bytes a second each way
CHUNK = 16 * 1024


class Bucket:
    """A token bucket: ``take`` returns once the link may carry ``n`` more bytes."""

    def __init__(self, rate: int, burst: int = CHUNK) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = float(burst)
        self.last = time.monotonic()

    async def take(self, n: int) -> None:
        now = time.monotonic()
        self.tokens = min(float(self.burst), self.tokens + (now - self.last) * self.rate)
        self.last = now
        self.tokens -= n
        if self.tokens < 0:
            await asyncio.sleep(-self.tokens / self.rate)


class SlowLinkProxy:
    """Listens on ``port``; relays each connection to ``target`` at RATE bytes a second each way."""

    def __init__(
        self, target: tuple[str, int], rate: int = RATE, per_connection: bool = False, burst: int = CHUNK
    ) -> None:
        self.target = target
        self.rate, self.per_connection, self.burst = rate, per_connection, burst
        self.up, self.down = Bucket(rate, burst), Bucket(rate, burst)
        self.upstream_bytes = 0  # what hookd sent towards Redis
        self.stall_after: int | None = None  # bytes a connection carries towards Redis before it stalls
        self.chunk = CHUNK  # the most read at once: a black hole's threshold above it is never met
        self.black_hole_over: int | None = None  # a read towards Redis longer than this stalls its connection
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self.server = asyncio.run_coroutine_threadsafe(self._listen(), self.loop).result(10)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _listen(self) -> asyncio.Server:
        return await asyncio.start_server(self._serve, "127.0.0.1", 0)

    async def _serve(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        server_r, server_w = await asyncio.open_connection(*self.target)
        up, down = self.up, self.down
        if self.per_connection:
            up, down = Bucket(self.rate, self.burst), Bucket(self.rate, self.burst)
        await asyncio.gather(
            self._pump(client_r, server_w, up, count=True),
            self._pump(server_r, client_w, down),
            return_exceptions=True,
        )

    async def _pump(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, bucket: Bucket, count: bool = False
    ) -> None:
        carried = 0
        try:
            while chunk := await reader.read(self.chunk):
                carried += len(chunk)
                if count and self.stall_after is not None and carried > self.stall_after:
                    await asyncio.Event().wait()  # stalled for good
                if count and self.black_hole_over is not None and len(chunk) > self.black_hole_over:
                    await asyncio.Event().wait()  # stalled for good
                await bucket.take(len(chunk))
                if count:
                    self.upstream_bytes += len(chunk)
                writer.write(chunk)
                await writer.drain()
        finally:
            writer.close()

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.server.close)
