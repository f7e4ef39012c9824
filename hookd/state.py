"""What the daemon knows about itself: counters and states that status and logs read."""

from __future__ import annotations

import time
from collections import Counter

import msgspec


class RedisHealth(msgspec.Struct):
    state: str = "unknown"  # up / down / unknown
    last_error: str | None = None
    last_ok_at: float | None = None
    down_since: float | None = None


class DaemonState(msgspec.Struct):
    """Shared, single-threaded state: written by the pipeline, read by status."""

    started_at: float = msgspec.field(default_factory=time.time)
    received: int = 0
    accepted: int = 0
    published: int = 0
    deduplicated: int = 0
    deduplicated_handoffs: int = 0
    rejected: Counter = msgspec.field(default_factory=Counter)
    by_hook: Counter = msgspec.field(default_factory=Counter)
    redis: RedisHealth = msgspec.field(default_factory=RedisHealth)
