"""The Daemon inside a test: a failed start cleans up, a stop drains, nothing is left behind."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import threading
import time

import pytest
import structlog
from conftest import BARE_PYTHON, CLIENT, free_port, log_records, wait_for_entries
from inprocess import running_daemon

from hookd import logs
from hookd.config import load
from hookd.control.client import request
from hookd.control.metrics import MetricsSetupError
from hookd.ingest.http_setup import HttpSetupError
from hookd.daemon import Daemon
from hookd.statedir import StateDirLocked, lock_state_dir

EVENT = json.dumps({"hook_event_name": "Stop", "session_id": "s1"}).encode()


def _fds() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


def _threads_back_to(count: int) -> None:
    """A thread off the loop (hookd/unjoined.py) hands its result over and then ends: wait for the ending.

    A thread kept running (a watch never stopped, a pool never shut) is still counted after the wait.
    """
    deadline = time.monotonic() + 10
    while threading.active_count() > count and time.monotonic() < deadline:
        time.sleep(0.02)
    assert threading.active_count() == count, [t.name for t in threading.enumerate()]


def _globals() -> dict:
    return {
        "sigterm": signal.getsignal(signal.SIGTERM),
        "sigint": signal.getsignal(signal.SIGINT),
        "excepthook": threading.excepthook,
        "structlog": structlog.get_config(),
    }


def test_twenty_daemons_leave_no_thread_fd_or_handler_behind(hookd_factory, redis_db):
    hookd_factory().stop()  # the first start imports what stays imported (and opens its files)
    threads, fds, before = threading.active_count(), _fds(), _globals()
    for _ in range(20):
        daemon = hookd_factory()
        assert daemon.send(EVENT).returncode == 0
        assert daemon.stop() == 0
        assert not daemon.socket.exists()
    _threads_back_to(threads)
    assert _fds() - fds == set(), "descriptors left open"
    assert _globals() == before
    assert redis_db.xlen("hookd:events") == 20


def test_a_stop_drains_like_a_signal(hookd, redis_db):
    assert hookd.send(EVENT).returncode == 0
    wait_for_entries(redis_db, 1)
    assert hookd.stop() == 0
    events = [r["event"] for r in log_records(hookd.log_text())]
    assert (
        events.index("hookd_started")
        < events.index("stop_requested")
        < events.index("hookd_stopping")
        < events.index("hookd_stopped")
    )


def test_two_daemons_log_each_to_its_own_lines(hookd_factory, redis_db):
    first, second = hookd_factory(), hookd_factory()
    second.send(EVENT)
    first.stop()
    second.stop()
    for daemon in (first, second):
        started = [r for r in log_records(daemon.log_text()) if r["event"] == "hookd_started"]
        assert [r["socket"] for r in started] == [str(daemon.socket)]
        assert [r["redaction_view"] for r in started] == ["compiled"]  # the view's C core is built and used


def _config(tmp_path, redis_url: str, **settings: str):
    base = tmp_path / "d"
    base.mkdir(exist_ok=True)
    (base / "config.toml").write_text("")
    sock_dir = f"/tmp/hookd-test-{os.getpid()}-{id(base):x}"
    env = {
        "HOOKD_STATE_DIR": str(base / "state"),
        "HOOKD_SOCKET": f"{sock_dir}/hookd.sock",
        "HOOKD_REDIS_URL": redis_url,
        "HOOKD_CONFIG": str(base / "config.toml"),
        "HOOKD_SPARE_INBOX": str(base / "spare"),
        "HOOKD_SPOOL_RESERVE_BYTES": str(1 << 20),
        **{f"HOOKD_{k.upper()}": v for k, v in settings.items()},
    }
    return load(environ=env)


def _failed_start_cleans_up(config, error: type[BaseException]) -> None:
    threads, fds = threading.active_count(), _fds()

    async def main() -> None:
        loop = asyncio.get_running_loop()
        handler = loop.get_exception_handler()
        with pytest.raises(error):
            async with running_daemon(config):
                raise AssertionError("started")
        assert loop.get_exception_handler() is handler

    asyncio.run(main())
    assert not os.path.exists(config.socket) and not os.path.exists(config.control_socket)
    _threads_back_to(threads)
    assert _fds() - fds == set()
    os.close(lock_state_dir(config.state_dir))  # the lock was released


def test_a_start_that_fails_on_the_http_port_closes_what_it_opened(tmp_path, redis_server):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = _config(tmp_path, redis_server.url, http_addr=f"127.0.0.1:{port}")
        _failed_start_cleans_up(config, HttpSetupError)


def test_a_start_that_fails_on_the_metrics_port_closes_what_it_opened(tmp_path, redis_server):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        config = _config(
            tmp_path,
            redis_server.url,
            http_addr=f"127.0.0.1:{free_port()}",
            metrics_addr=f"127.0.0.1:{taken.getsockname()[1]}",
        )
        _failed_start_cleans_up(config, MetricsSetupError)


def test_a_start_on_a_locked_state_dir_fails_and_leaves_the_lock_alone(tmp_path, redis_server):
    config = _config(tmp_path, redis_server.url)
    held = lock_state_dir(config.state_dir)
    try:
        with pytest.raises(StateDirLocked):
            asyncio.run(Daemon(config, handle_signals=False).serve())
        assert not os.path.exists(config.socket)
    finally:
        os.close(held)


def test_running_daemon_on_the_tests_loop_with_a_given_client(tmp_path, redis_server, redis_db):
    import redis.asyncio as aioredis

    config = _config(tmp_path, redis_server.url)
    log_path = tmp_path / "hookd.log"

    async def main() -> None:
        client = aioredis.Redis(port=redis_server.port)
        async with running_daemon(config, log_path=str(log_path), redis=client) as daemon:
            assert daemon.redis is client
            sender = await asyncio.create_subprocess_exec(
                BARE_PYTHON,
                "-I",
                "-S",
                str(CLIENT),
                stdin=asyncio.subprocess.PIPE,
                env={"HOOKD_SOCKET": config.socket, "HOOKD_STATE_DIR": config.state_dir},
            )
            await sender.communicate(EVENT)
            assert sender.returncode == 0
            for _ in range(500):
                if await client.xlen(config.stream):
                    break
                await asyncio.sleep(0.01)
            assert await client.xlen(config.stream) == 1
            assert await daemon.stop() == 0  # from within: the drain, then running() ends
            assert not os.path.exists(config.socket) and daemon.stopped.is_set()
        assert await client.ping()  # a client handed in is its owner's to close
        await client.aclose()
        assert os.path.exists(config.state_dir) and not os.path.exists(config.socket)

    asyncio.run(main())
    assert [r["event"] for r in log_records(log_path.read_text())][-1] == "hookd_stopped"


def test_signals_stop_a_daemon_that_handles_them_and_are_given_back(tmp_path, redis_server):
    config = _config(tmp_path, redis_server.url)
    before = _globals()
    log_path = tmp_path / "hookd.log"

    async def main() -> int:
        with open(log_path, "ab") as out, logs.routed_to(logs.LogSink(out.fileno())):
            daemon = Daemon(config, handle_signals=True)
            async with daemon.running():
                assert signal.getsignal(signal.SIGTERM) != before["sigterm"]
                os.kill(os.getpid(), signal.SIGTERM)
                await asyncio.wait_for(daemon.should_exit.wait(), 60)
            return daemon.exit_code

    logs.configure_routed()
    try:
        assert asyncio.run(main()) == 0
    finally:
        structlog.configure(**before["structlog"])
    assert _globals() == before
    assert any(r["event"] == "signal_received" and r["signal"] == "SIGTERM" for r in log_records(log_path.read_text()))


def test_the_everyday_fixture_is_in_process(hookd):
    assert hookd.proc is None and hookd.running()
    assert hookd.stop() == 0 and not hookd.running()


@pytest.mark.process
def test_the_process_mark_gives_a_real_hookd_run(hookd):
    assert hookd.proc is not None and hookd.proc.poll() is None
    assert hookd.stop() == 0 and hookd.proc.returncode == 0


def test_the_sockets_are_looked_at_by_one_thread_that_the_stop_ends(hookd_factory, redis_db):
    """Each status and each check of the sockets looks at their files off the loop (socket_looks.py): in one
    thread started with the daemon, not a thread per look; the stop ends it."""
    started: list[str] = []

    def first_call(frame, event, arg) -> None:  # each thread threading starts from here: its name, once
        sys.setprofile(None)
        started.append(threading.current_thread().name)

    threading.setprofile(first_call)
    try:
        daemon = hookd_factory()
        for _ in range(5):
            assert "redis" in request(str(daemon.socket.parent / "control.sock"), "status")
    finally:
        threading.setprofile(None)
    looks = started.count("hookd-socket-look")
    assert daemon.stop() == 0
    assert looks == 1, started
    deadline = time.monotonic() + 10  # the stop's join is bounded: a loaded machine may end it later
    while [t for t in threading.enumerate() if t.name == "hookd-socket-look"] and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not [t for t in threading.enumerate() if t.name == "hookd-socket-look"]
