"""Two sentinels that name one master in two forms, a hostname and its address (sixty-seventh pass).

One sentinel monitors the master as ``localhost`` and announces hostnames; the other monitors it as
``127.0.0.1``. hookd asks the first; while it does not answer (SIGSTOP) the second does. Before, the
master watch compared the names as text: it said `redis_master_switched` (localhost -> 127.0.0.1), dropped
the stream's connection and sent its batches again, to the same server. Now a name the sentinels give is
the connection's server when it resolves to the address the connection is on. Real redis-server and
sentinels on free loopback ports, a real `hookd run`.
"""

from __future__ import annotations

import os
import signal

import pytest
from redis_topologies import SentinelSetup, Server

from conftest import log_records, stream_entries, wait_until

pytestmark = pytest.mark.process

STREAM = "hookd:events"


@pytest.fixture
def two_forms(tmp_path):
    setup = SentinelSetup(tmp_path / "sentinel-setup", replicas=0)
    setup.start()
    conf = tmp_path / "named" / "sentinel.conf"
    conf.parent.mkdir()
    conf.write_text(
        "sentinel resolve-hostnames yes\n"
        "sentinel announce-hostnames yes\n"
        f"sentinel monitor {setup.master_name} localhost {setup.master.port} 1\n"
        f"sentinel down-after-milliseconds {setup.master_name} 1000\n"
    )
    named = Server(tmp_path / "named", sentinel_conf=conf)
    named.start()
    try:
        wait_until(
            lambda: named.client().sentinel_get_master_addr_by_name(setup.master_name)[0] == b"localhost",
            what="the second sentinel to name the master by its hostname",
        )
        yield setup, named
    finally:
        named.kill()
        setup.stop()


def _hookd_clients(server) -> list[str]:
    return [c["id"] for c in server.client().client_list() if c.get("name") == "hookd"]


def test_a_master_named_by_hostname_and_by_address_is_one_master(hookd_process_factory, two_forms):
    setup, named = two_forms
    daemon = hookd_process_factory(
        redis_url="redis://unused.invalid:1/0",
        redis_sentinel=f"{named.address},{setup.sentinels}",
        redis_sentinel_master=setup.master_name,
        redis_timeout_s="1",
        breaker_backoff_max_s="30",
    )
    db = setup.master.client()
    for i in range(3):
        daemon.send_stop(f"before-{i}")
    wait_until(lambda: db.xlen(STREAM) == 3, timeout=30, what="the first events")
    connected = _hookd_clients(setup.master)
    os.kill(named.proc.pid, signal.SIGSTOP)
    try:
        # The other sentinel answers the watch's asks while this one does not.
        wait_until(
            lambda: any(c.get("cmd") == "sentinel|masters" for c in setup.sentinel.client().client_list()),
            timeout=30,
            what="the address-naming sentinel to be asked",
        )
        for i in range(3):
            daemon.send_stop(f"during-{i}")
        wait_until(lambda: db.xlen(STREAM) == 6, timeout=30, what="the events while one sentinel is stopped")
    finally:
        os.kill(named.proc.pid, signal.SIGCONT)
    switched = [r for r in log_records(daemon.log_text()) if r.get("event") == "redis_master_switched"]
    assert switched == [], switched
    assert _hookd_clients(setup.master) == connected  # the same connection throughout
    sessions = [e[b"session"].decode() for e in stream_entries(db)]
    assert sessions == [f"before-{i}" for i in range(3)] + [f"during-{i}" for i in range(3)]
    assert daemon.stop() == 0
