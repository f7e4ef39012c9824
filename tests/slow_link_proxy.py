"""A TCP proxy in front of a real redis-server that passes at most RATE bytes a second each way: a slow
tunnel to Redis (tests/test_redteam23_slow_link.py, bench/slow_link.py). One token bucket per direction,
shared by the connections, as a link's bandwidth is; ``upstream_bytes`` counts what the client sent.
``stall_after``: a connection that has carried that many bytes towards Redis carries nothing more, ever
(what it held is never delivered, so a send hookd gave up on cannot land later)."""

from __future__ import annotations

import asyncio
import threading
import time

RATE = 1_000_000  # bytes a second each way
CHUNK = 16 * 1024


class Bucket:
    """A token bucket: ``take`` returns once the link may carry ``n`` more bytes."""

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self.tokens = float(CHUNK)
        self.last = time.monotonic()

    async def take(self, n: int) -> None:
        now = time.monotonic()
        self.tokens = min(float(CHUNK), self.tokens + (now - self.last) * self.rate)
        self.last = now
        self.tokens -= n
        if self.tokens < 0:
            await asyncio.sleep(-self.tokens / self.rate)


class SlowLinkProxy:
    """Listens on ``port``; relays each connection to ``target`` at RATE bytes a second each way."""

    def __init__(self, target: tuple[str, int], rate: int = RATE) -> None:
        self.target = target
        self.up, self.down = Bucket(rate), Bucket(rate)
        self.upstream_bytes = 0  # what hookd sent towards Redis
        self.stall_after: int | None = None  # bytes a connection carries towards Redis before it stalls
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self.server = asyncio.run_coroutine_threadsafe(self._listen(), self.loop).result(10)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _listen(self) -> asyncio.Server:
        return await asyncio.start_server(self._serve, "127.0.0.1", 0)

    async def _serve(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        server_r, server_w = await asyncio.open_connection(*self.target)
        await asyncio.gather(
            self._pump(client_r, server_w, self.up, count=True),
            self._pump(server_r, client_w, self.down),
            return_exceptions=True,
        )

    async def _pump(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, bucket: Bucket, count: bool = False
    ) -> None:
        carried = 0
        try:
            while chunk := await reader.read(CHUNK):
                carried += len(chunk)
                if count and self.stall_after is not None and carried > self.stall_after:
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
