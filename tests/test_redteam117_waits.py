"""What the publisher waits on, said as what it is (the hundred-seventeenth pass): a stall held up by a TLS handshake
nobody answers, by Cluster seeds that take the connection and say nothing, or by a resolver that hangs names the
step, the address, how long, and the setting that bounds it, not "Redis's answer to one batch".

Real ``hookd run`` (in-process daemon) against silent peers: sockets that listen and read nothing (the kernel
completes the TCP handshake; nothing is ever answered). The resolver that hangs is a real one: the system's resolver
pointed (in a mount namespace of its own) at a UDP port that reads nothing."""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import textwrap
import threading

import pytest

from hookd.liveness import Progress, stall_reasons
from hookd.waiting_on import Wait
from secure_redis import certs, own_files  # noqa: F401 - fixtures
from secure_redis import send_events
from test_status import wait_status

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def silent():
    """Listening sockets that never accept nor read: a peer stopped with its port still open."""
    made: list[socket.socket] = []

    def make() -> str:
        listener = socket.create_server(("127.0.0.1", 0), backlog=16)
        made.append(listener)
        return f"127.0.0.1:{listener.getsockname()[1]}"

    yield make
    for listener in made:
        listener.close()


def stalled_on(daemon, *parts: str) -> dict:
    return wait_status(
        daemon,
        lambda s: any(all(part in reason for part in parts) for reason in s.get("stalled") or ()),
        f"a stall naming {parts}",
        timeout=60,
    )


def test_a_tls_handshake_nobody_answers_stalls_naming_the_tls_handshake(hookd_factory, own_files, silent):
    """rediss:// to a port that takes the TCP connection and never answers the TLS handshake, redis_connect_timeout_s
    50, redis_timeout_s 30, stall_after_s 2. Before the hundred-seventeenth pass: "the publisher has waited 2.xs for
    Redis's answer to one batch"; before the hundred-twenty-eighth: "the connect (name resolution, TCP, TLS
    handshake) to ADDRESS ... it ends at 50s (redis_connect_timeout_s)", the handshake inside the connect's step."""
    address = silent()
    daemon = hookd_factory(
        redis_url=f"rediss://{address}/0",
        redis_connect_timeout_s="50",
        redis_timeout_s="30",
        stall_after_s="2",
        **own_files,
    )
    send_events(daemon, range(2))
    step = f"the TLS handshake (after the TCP connect) with {address}"
    status = stalled_on(daemon, step)
    reason = next(r for r in status["stalled"] if address in r)
    assert "it ends at 50s (redis_connect_timeout_s, its own after the TCP connect's)" in reason, reason
    assert "use redis:// if that port speaks plain Redis" in reason, reason
    assert "Redis's answer to one batch" not in reason and "the connect" not in reason, reason
    waiting = status["redis"]["waiting_on"]
    assert [(w["address"], w["bound_s"]) for w in waiting] == [(address, 50)], waiting
    from hookd import config as hookd_config
    from hookd.control import status as hookd_status, status_text

    code, document = hookd_status.gather(hookd_config.load({}, daemon.env))  # what `hookd status` shows
    shown = status_text.render(document, code, False)
    assert f"! waiting on {step} for" in shown, shown


def test_silent_cluster_seeds_stall_naming_the_seed_asked_and_the_bound(hookd_factory, silent):
    """Two Cluster seeds that take the connection and never answer, redis_timeout_s 30 (each seed is given
    redis_connect_timeout_s + redis_timeout_s per reply: the handshake's PING, HELLO and CLIENT SETNAME, then CLUSTER
    SLOTS).
    Before: the stall said "waited N s for Redis's answer to one batch", never the seed nor redis_cluster."""
    first, second = silent(), silent()
    daemon = hookd_factory(
        redis_url=f"redis://{first}/0",
        redis_cluster="true",
        redis_cluster_nodes=second,
        redis_connect_timeout_s="1",
        redis_timeout_s="30",
        stall_after_s="2",
    )
    send_events(daemon, range(2))
    status = stalled_on(daemon, "the Cluster's slot map (CLUSTER SLOTS")
    reason = next(r for r in status["stalled"] if "slot map" in r)
    assert first in reason or second in reason, reason
    # the hundred-twenty-fifth pass: 4 replies, the health check's PING before HELLO counted (it said 3, 91s)
    assert "it ends at 121s (redis_connect_timeout_s + 4 x redis_timeout_s, one per reply)" in reason, reason
    assert "the 2 seeds of redis_cluster one after another" in reason, reason
    assert "take it out of redis_cluster" in reason, reason


def test_a_stall_names_the_oldest_step_waited_on():
    """The reason's wording (liveness.stall_reasons with steps waited on); without any, the batch's wait."""
    now = 1000.0
    progress = Progress(publish_attempt_at=now - 12, publish_busy_since=now - 12, flush_at=now)
    waits = {
        1: Wait("the connect (name resolution, TCP) to", "10.0.0.7:6380", now - 3, 1, "x", "fix it"),
        2: Wait("the resolution of", "db.example:6379", now - 11.5, 1.0, "redis_connect_timeout_s", "fix that"),
    }
    (reason,) = stall_reasons(progress, 3, 10, "interval", 0.2, now, waits=waits)
    assert (
        "held up by the resolution of db.example:6379 for 11.5s; it ends at 1s (redis_connect_timeout_s); fix that"
        in reason
    )
    (plain,) = stall_reasons(progress, 3, 10, "interval", 0.2, now, waits={})
    assert "for Redis's answer to one batch" in plain


RESOLVER_SCRIPT = textwrap.dedent(
    """
    import asyncio, json, os, socket, sys
    from redis.asyncio.connection import Connection
    from hookd.publish.master_watch import _same_server
    from hookd.publish.waits import SaysWaits

    class Said(SaysWaits, Connection):
        waits = {}

    async def main():
        listener = socket.create_server(("127.0.0.1", 0))
        port = listener.getsockname()[1]
        conn = Said(host="127.0.0.1", port=port, socket_connect_timeout=1, socket_timeout=1, protocol=2)  # no handshake
        await conn._connect()  # the socket alone: the listener answers no handshake
        seen = []

        async def look():
            while True:
                seen.extend(w.what + " " + w.address for w in Said.waits.values() if w.address not in seen)
                await asyncio.sleep(0.05)

        watcher = asyncio.ensure_future(look())
        same = await _same_server(conn, sys.argv[1], port)
        watcher.cancel()
        print(json.dumps({"same": same, "seen": sorted(set(seen)), "left": len(Said.waits), "port": port}), flush=True)

    asyncio.new_event_loop().run_until_complete(main())
    os._exit(0)  # not waiting for the lookup's thread, which the resolver holds (asyncio.run would)
    """
)


def test_the_master_watch_resolution_is_bounded_when_the_resolver_hangs(tmp_path):
    """A sentinel names the master by a hostname (not in /etc/hosts) and the resolver it goes to reads nothing:
    the watch's getaddrinfo waited the resolver's own bound (here 5 tries of 30 s), beside the batch, said nowhere.
    Now it ends at redis_connect_timeout_s (1 s) and is kept, while it runs, as a step waited on."""
    if shutil.which("unshare") is None or subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode:
        pytest.skip("needs a mount namespace (unshare -m) to point the resolver at a silent port")
    nameserver = f"127.{random.randint(1, 250)}.{random.randint(1, 250)}.{random.randint(1, 250)}"
    resolver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        resolver.bind((nameserver, 53))  # reads nothing: every query unanswered
    except OSError as exc:
        resolver.close()
        pytest.skip(f"cannot take UDP port 53 on {nameserver}: {exc}")
    conf = tmp_path / "resolv.conf"
    conf.write_text(f"nameserver {nameserver}\noptions timeout:30 attempts:5\n")
    script = tmp_path / "resolve.py"
    script.write_text(RESOLVER_SCRIPT)
    shell = f'mount --bind "{conf}" /etc/resolv.conf && exec "{sys.executable}" "{script}" master.h117.test'
    try:
        done = subprocess.run(
            ["unshare", "-m", "sh", "-c", shell],
            capture_output=True,
            text=True,
            timeout=60,  # the resolver's own bound is 150 s; hookd's is 1 s
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": REPO},
        )
    finally:
        resolver.close()
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    named = f"the resolution of the master's name the sentinels gave, master.h117.test:{result.pop('port')}"
    assert result == {"same": False, "seen": [named], "left": 0}, result


def test_a_sentinel_ask_is_kept_in_health_itself_and_its_deadline_said_from_the_start():
    """The mend: the ask in flight is written to status's own record (not a copy made at each ask's start and
    end), and its deadline is said with it from the start. Before: no deadline in status until the first ask
    began. Since the hundred-twenty-fifth pass, that record is health.waits, one Wait per sentinel asked."""
    from hookd.publish.sentinel_ask import Asks
    from hookd.state import RedisHealth
    from hookd.waiting_on import SENTINEL

    async def run() -> None:
        asks, health = Asks(["10.0.0.5:26379"], 6.0), RedisHealth()
        asks.health = health
        assert asks.waits is health.waits
        asked, answered = asyncio.Event(), asyncio.Event()

        async def ask() -> str:
            asked.set()
            await answered.wait()
            return "answer"

        pending = asyncio.ensure_future(asks.ask([ask]))
        await asked.wait()
        (wait,) = health.waits.values()
        assert (wait.what, wait.address, wait.bound_s) == (SENTINEL, "10.0.0.5:26379", 6.0), wait
        answered.set()
        assert await pending == ["answer"]
        assert health.waits == {}

    asyncio.run(run())


def test_the_master_watch_resolution_is_bounded_at_the_getaddrinfo_seam():
    """The same where no mount namespace can be made (not root): the lookup (socket.getaddrinfo, which resolve.py
    asks in a thread of its own) patched in-process to one that never ends, as a hanging resolver's. Before: the
    watch waited on it for as long as the test let it."""
    from redis.asyncio.connection import Connection

    from hookd.publish.master_watch import _same_server
    from hookd.publish.waits import SaysWaits

    class Said(SaysWaits, Connection):
        waits: dict = {}

    async def run() -> tuple[bool, list[str], int]:
        listener = socket.create_server(("127.0.0.1", 0))
        port = listener.getsockname()[1]
        conn = Said(host="127.0.0.1", port=port, socket_connect_timeout=1, socket_timeout=1)
        await conn._connect()  # the socket alone: the listener answers no handshake
        loop = asyncio.get_running_loop()
        asked, released = asyncio.Event(), threading.Event()

        def hangs(*args, **kwargs):
            loop.call_soon_threadsafe(asked.set)
            released.wait()
            raise socket.gaierror("released by the test")

        lookup, socket.getaddrinfo = socket.getaddrinfo, hangs  # type: ignore[assignment]
        try:
            pending = asyncio.ensure_future(_same_server(conn, "master.h117.test", port))
            await asked.wait()
            seen = [f"{w.what} {w.address} {w.bound_s:g}" for w in Said.waits.values()]
            async with asyncio.timeout(30):  # hookd's bound is 1 s; before, no bound at all
                same = await pending
        finally:
            socket.getaddrinfo = lookup  # type: ignore[assignment]
            released.set()
            await conn.disconnect()
            listener.close()
        return same, seen, port

    same, seen, port = asyncio.run(run())
    assert same is False
    assert seen == [f"the resolution of the master's name the sentinels gave, master.h117.test:{port} 1"], seen
    assert not Said.waits
