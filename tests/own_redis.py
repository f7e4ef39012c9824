"""A redis-server of the test's own (it is stopped and started again, or flushed, mid-test), and the
first events a daemon lands in it: the setup of the tests of what hookd says when Redis loses events."""

from __future__ import annotations

import pytest
from conftest import RedisServer, wait_until


@pytest.fixture
def own_redis(tmp_path):
    """A started redis-server in ``tmp_path/redis``, stopped after the test."""
    server = RedisServer(tmp_path / "redis")
    server.start()
    yield server
    server.stop()


def land(daemon, db, prefix: str, count: int, total: int, stream: str = "hookd:events") -> None:
    """``count`` Stop events sent through ``daemon`` (``prefix-i``), waited for until ``stream`` holds ``total``."""
    for i in range(count):
        daemon.send_stop(f"{prefix}-{i}")
    wait_until(lambda: db.xlen(stream) == total, timeout=30, what=f"the {prefix} events")
