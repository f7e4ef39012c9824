"""The blocking client's sentinels (hookd tail, hookd replay), asked as the daemon asks them.

redis-py's blocking Sentinel asks the sentinels one after another, each to its timeout: a mute one before
the rest cost every ask of `hookd tail` its deadline, and a failover flag from a sentinel after the one that
named the master went unseen. Here the blocking client's discover_master hands the ask to the daemon's own
asyncio sentinels (sentinel.Sentinels: every sentinel at once, the flag check, a mute one asked in the
background), run on an event loop of their own on a thread, so the logic is written once.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from typing import Any, cast

import redis
import redis.connection
import redis.sentinel

from hookd.publish.sentinel import master_options, Sentinels, sentinel_addresses, sentinel_kwargs
from hookd.publish.settings import RedisSettings


class _SyncSentinels(redis.sentinel.Sentinel):
    """A blocking Sentinel whose masters are found by an asyncio Sentinels on a loop thread of its own."""

    def __init__(self, addresses: list[tuple[str, int]], kwargs: dict[str, Any]) -> None:
        super().__init__(addresses, sentinel_kwargs=kwargs)  # type: ignore[no-untyped-call, unused-ignore]  # unannotated before redis-py 8
        self.asking = Sentinels(addresses, kwargs)
        # The asyncio clients ask; the blocking ones redis-py made are never connected.
        self.sentinels = self.asking.sentinels
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="hookd-sentinels", daemon=True)
        self._thread.start()

    def discover_master(self, service_name: str) -> tuple[str, int]:
        """The master, or the NoMaster the daemon's ask raises (each sentinel's failure kept)."""
        return asyncio.run_coroutine_threadsafe(self.asking.discover_master(service_name), self._loop).result()

    def close(self) -> None:
        """The sentinels' connections and background asks closed, and the loop's thread ended."""
        if self._loop.is_closed() or not self._thread.is_alive() or sys.is_finalizing():
            # Closed already, or redis-py's __del__ at the interpreter's exit (hookd tail leaves its client to it),
            # when the loop's daemon thread runs no more and a wait for it would never end.
            return
        asyncio.run_coroutine_threadsafe(self.asking.aclose(), self._loop).result()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()


class SyncSentinelMasterClient(redis.Redis):
    """The master's blocking client; closing it also closes the sentinels' loop."""

    def close(self) -> None:
        super().close()
        pool = cast(redis.sentinel.SentinelConnectionPool, self.connection_pool)  # master_for gives it one
        manager = cast(_SyncSentinels, pool.sentinel_manager)
        manager.close()


def sync_master_client(settings: RedisSettings, kwargs: dict[str, Any]) -> redis.Redis:
    """The blocking client of the master the sentinels name (hookd tail, hookd replay)."""
    sentinels = _SyncSentinels(sentinel_addresses(settings.sentinel), sentinel_kwargs(settings, kwargs))
    # redis-py's blocking parse_url and master_for have no annotations; master_for makes a redis_class
    url_options = redis.connection.parse_url(settings.url)  # type: ignore[no-untyped-call, unused-ignore]
    options = master_options(url_options, redis.connection.SSLConnection)
    client = sentinels.master_for(  # type: ignore[no-untyped-call, unused-ignore]
        settings.sentinel_master, redis_class=SyncSentinelMasterClient, **{**kwargs, **options}
    )
    return cast(redis.Redis, client)
