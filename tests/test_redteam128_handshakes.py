"""The TLS handshake a step of its own, one bound for a blocking connect (the hundred-twenty-eighth pass).

Peers: a port that takes the TCP connection and never answers a ClientHello (a listener nobody accepts on: the
kernel's backlog completes TCP), and a port whose TCP connect never completes (a listener of backlog 0 whose one
place is taken: the kernel drops the next SYNs). Lookups that answer late are hookd's own lookup replaced in-process;
the asyncio ones run on an event loop whose clock moves only when nothing is ready (test_redteam125_resolve.py)."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time

import pytest
import redis
import redis.exceptions
from redis.asyncio.connection import SSLConnection

from hookd.publish import resolve
from hookd.publish.access import exception_chain
from hookd.publish.tls_step import TlsSilent
from secure_redis import certs, own_files, send_events, wait_for_error  # noqa: F401 - fixtures
from test_redteam125_resolve import VirtualClock
from test_status import wait_status
from conftest import REPO, Hookd, free_port
from test_redteam121_stop_lookup import HOST, silent_resolver  # noqa: F401 - fixture
from silent_ports import silent_syn_port

BOUND_S = 4.0
ASK_S = 40  # the listeners' bound (5 s) many times over; the silent resolver's own is 150 s


@pytest.fixture
def silent_tls():
    """A port that takes the TCP connection and never answers a TLS ClientHello."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=16)
    yield listener.getsockname()[1]
    listener.close()


@pytest.fixture
def silent_syn():
    """A port whose TCP connect never completes."""
    with silent_syn_port() as port:
        yield port


def test_a_silent_tls_handshake_is_its_own_step_after_one_connect_bound(monkeypatch, silent_tls):
    """redis_connect_timeout_s 4 (the lookup answers at 3 s), redis_timeout_s 2, a port that never answers TLS:
    the handshake starts when TCP is up and has a redis_connect_timeout_s of its own, said as TlsSilent. Before: a
    TimeoutError at 4 s, the handshake inside what the lookup had left of the connect's bound."""

    async def slow_lookup(host: str, bound_s: float | None) -> list[str]:
        await asyncio.sleep(3.0)
        return ["127.0.0.1"]

    monkeypatch.setattr(resolve, "lookup", slow_lookup)
    connection = type("Named", (resolve.ResolvesOffLoop, SSLConnection), {})
    conn = connection(
        host="slow.h128.test",
        port=silent_tls,
        socket_connect_timeout=BOUND_S,
        socket_timeout=2.0,
        ssl_cert_reqs="none",
        ssl_check_hostname=False,
    )

    async def run() -> tuple[float, BaseException]:
        loop = asyncio.get_running_loop()
        with pytest.raises(redis.exceptions.ConnectionError) as raised:
            await conn.connect()
        ended = loop.time()
        await conn.disconnect()
        return ended, raised.value

    loop = VirtualClock()
    try:
        ended, error = loop.run_until_complete(run())
    finally:
        loop.close()
    silent = [link for link in exception_chain(error) if isinstance(link, TlsSilent)]
    assert silent and silent[0].bound_s == BOUND_S, repr(error)
    assert ended == pytest.approx(3.0 + BOUND_S, abs=0.05), f"the handshake ended at {ended:g}s of the loop's clock"


def test_a_blocking_tls_handshake_is_its_own_step_too(monkeypatch, silent_tls):
    """hookd tail's client, the same peer (lookup at 3 s of 4): the handshake is given the whole bound, not the
    1 s the lookup left, and is said as TlsSilent. Before: "Timeout connecting to server", said as the connect."""
    real = socket.getaddrinfo

    def slow_getaddrinfo(host: object, *args: object, **kwargs: object) -> list:
        if host == "slow-tls.h128.test":
            time.sleep(3.0)
            return real("127.0.0.1", *args, **kwargs)  # type: ignore[arg-type]
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(resolve.socket, "getaddrinfo", slow_getaddrinfo)
    given: list[float] = []

    class Spy(redis.connection.SSLConnection):
        def _wrap_socket_with_ssl(self, sock: socket.socket) -> object:
            given.append(self.socket_connect_timeout)
            return super()._wrap_socket_with_ssl(sock)

    connection = type("Named", (resolve.ResolvesWithin, Spy), {})
    conn = connection(
        host="slow-tls.h128.test",
        port=silent_tls,
        socket_connect_timeout=BOUND_S,
        ssl_cert_reqs="none",
        ssl_check_hostname=False,
    )
    with pytest.raises(redis.exceptions.ConnectionError) as raised:
        conn.connect()
    assert any(isinstance(link, TlsSilent) for link in exception_chain(raised.value)), repr(raised.value)
    assert given == [BOUND_S], given


def test_the_daemon_says_a_silent_handshake_with_its_setting(hookd_factory, own_files, silent_tls):
    """A real daemon, rediss:// to the silent port, redis_connect_timeout_s 1: Redis down with the handshake and its
    setting named. Before: "did not answer within 1s (redis_connect_timeout_s)", said as the connect."""
    daemon = hookd_factory(
        redis_url=f"rediss://127.0.0.1:{silent_tls}/0", redis_connect_timeout_s="1", redis_timeout_s="30", **own_files
    )
    send_events(daemon, range(1))
    down = wait_for_error(daemon, "did not answer the TLS handshake within 1s (redis_connect_timeout_s", timeout=40)
    assert "use redis://" in down["redis"]["last_error"], down["redis"]


def test_a_blocking_connect_gives_its_addresses_what_is_left_of_one_bound(monkeypatch, silent_syn):
    """hookd tail's client (ResolvesWithin): the lookup answers at 3 s of redis_connect_timeout_s 4, the address
    then never completes TCP. Before: the address was given 4 s of its own (up to 7 s in all); now what is left."""
    real = socket.getaddrinfo

    def slow_getaddrinfo(host: object, *args: object, **kwargs: object) -> list:
        if host == "slow-sync.h128.test":
            time.sleep(3.0)
            return real("127.0.0.1", *args, **kwargs)  # type: ignore[arg-type]
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(resolve.socket, "getaddrinfo", slow_getaddrinfo)
    given: list[float] = []

    class Spy(redis.connection.Connection):
        def _connect(self) -> socket.socket:
            given.append(self.socket_connect_timeout)
            return super()._connect()

    connection = type("Named", (resolve.ResolvesWithin, Spy), {})
    conn = connection(host="slow-sync.h128.test", port=silent_syn, socket_connect_timeout=BOUND_S)
    with pytest.raises(redis.exceptions.TimeoutError):
        conn.connect()
    assert len(given) == 1 and given[0] <= BOUND_S - 3.0, f"the address was given {given}s of a {BOUND_S:g}s bound"
    assert conn.socket_connect_timeout == BOUND_S  # the setting itself is kept for the next connect


def test_a_tls_cluster_seeds_bound_counts_its_handshake(hookd_factory, own_files, silent_tls):
    """rediss:// Cluster seed that takes TCP and never answers TLS, redis_timeout_s 30: the slot map's bound counts
    the TLS handshake's own redis_connect_timeout_s. Before: 121s, as for a plain seed (4 replies)."""
    daemon = hookd_factory(
        redis_url=f"rediss://127.0.0.1:{silent_tls}/0",
        redis_cluster="true",
        redis_connect_timeout_s="1",
        redis_timeout_s="30",
        stall_after_s="2",
        **own_files,
    )
    send_events(daemon, range(2))
    status = wait_status(
        daemon, lambda s: any("slot map" in r for r in s.get("stalled") or ()), "a stall naming the slot map", 60
    )
    reason = next(r for r in status["stalled"] if "slot map" in r)
    said = "it ends at 122s (2 x redis_connect_timeout_s (TCP, then the TLS handshake) + 4 x redis_timeout_s, one per"
    assert said in reason, reason


def _in_namespace(mounts: dict[str, str], env: dict[str, str], *argv: str) -> subprocess.CompletedProcess:
    """``python ARGV`` in a mount namespace with ``mounts`` (file: over /etc/path) bound; failing past ASK_S."""
    shell = " && ".join(f'mount --bind "{source}" "{target}"' for target, source in mounts.items())
    try:
        return subprocess.run(
            ["unshare", "-m", "sh", "-c", f'{shell} && exec "$0" "$@"', sys.executable, *argv],
            env=env,
            capture_output=True,
            text=True,
            timeout=ASK_S,
            cwd=REPO,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"{argv} had not ended {ASK_S}s after it was asked: a listener's lookup was waited on ({exc})")


@pytest.mark.process
def test_ui_gives_up_on_its_addrs_lookup(tmp_path, silent_resolver):  # noqa: F811
    """`hookd ui --addr NAME:PORT`, NAME asked of a resolver that never answers (its own bound 150 s): exit 1
    naming --addr, ui_addr and the fix. Before: not ended 40 s after it was asked."""
    env = Hookd(tmp_path / "ui", "redis://127.0.0.1:1/0").env
    done = _in_namespace({"/etc/resolv.conf": str(silent_resolver)}, env, "-m", "hookd", "ui", "--addr", f"{HOST}:0")
    assert done.returncode == 1, done
    said = f"hookd ui: cannot resolve {HOST}:0: the resolver did not answer within 5s; pass --addr with an address"
    assert said in done.stderr and "set ui_addr" in done.stderr, done.stderr


@pytest.mark.process
def test_the_daemons_start_gives_up_on_http_addrs_lookup(tmp_path, silent_resolver):  # noqa: F811
    """`hookd run` with http_addr localhost:PORT, on a machine whose /etc/hosts does not name localhost and whose
    resolver never answers: the start fails naming http_addr and the fix. Before: not ended 40 s after it was
    asked (the start held in getaddrinfo)."""
    hosts = tmp_path / "hosts"
    hosts.write_text("127.0.0.1 other.h128.test\n")
    daemon = Hookd(tmp_path / "run", "redis://127.0.0.1:1/0", http_addr=f"localhost:{free_port()}")
    mounts = {"/etc/resolv.conf": str(silent_resolver), "/etc/hosts": str(hosts)}
    done = _in_namespace(mounts, daemon.env, "-m", "hookd", "run")
    log = daemon.log_path.read_text() if daemon.log_path.exists() else ""
    assert done.returncode != 0, (done, log)
    said = done.stderr + log
    assert "cannot resolve http_addr localhost:" in said and "did not answer within 5s" in said, said
    assert "set http_addr to an address (127.0.0.1:" in said, said


@pytest.mark.parametrize(
    ("tls", "deadline", "said"),
    [
        ("on", 2 * 1.5 + 8, "2 x redis_connect_timeout_s (TCP, then the TLS handshake) + redis_timeout_s"),
        ("off", 1.5 + 8, "redis_connect_timeout_s + redis_timeout_s"),
    ],
)
def test_the_sentinels_ask_counts_a_tls_handshake(tls, deadline, said):
    """Behind TLS sentinels the ask's one deadline holds the handshake's own redis_connect_timeout_s. Before: 9.5 s
    either way, a TLS sentinel's connect and handshake each near their bound cut by the ask as mute."""
    from hookd.console.settings import load
    from hookd.publish.connection import connect
    from hookd.publish.settings import RedisSettings

    values = {
        "redis_url": "redis://127.0.0.1:6379/0",
        "redis_sentinel": "127.0.0.1:26379",
        "redis_sentinel_master": "mymaster",
        "redis_sentinel_tls": tls,
        "redis_tls_verify": "false",
        "redis_connect_timeout_s": "1.5",
        "redis_timeout_s": "8",
    }
    client = connect(RedisSettings.from_config(load(values, environ={})))
    asks = client.connection_pool.sentinel_manager.asks
    assert asks.deadline == deadline, asks.deadline
    assert asks.bound_by == said, asks.bound_by
