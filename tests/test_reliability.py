"""Faults on real processes for supervision, logging, health and bounds (docs/reliability.md).

Each test names the fault, brings it about on a real hookd (and a real redis-server where it
takes part) and checks what the operator would: events still published, signals obeyed,
status telling the truth, memory and state bounded.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import textwrap
import threading
import time

import psutil
import pytest
from conftest import REPO, RedisServer, free_port, log_records, wait_for_entries, wait_until

STOP_S = 15  # a SIGTERM'd hookd with nothing to drain exits well within this


def hookd_cli(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "hookd", *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=30
    )


def status(daemon) -> tuple[int, dict]:
    result = hookd_cli(daemon.env, "status", "--json")
    return result.returncode, json.loads(result.stdout)


def wait_status(daemon, predicate, what: str, timeout: float = 20) -> tuple[int, dict]:
    def check():
        code, doc = status(daemon)
        return (code, doc) if doc.get("running") and predicate(code, doc) else None

    return wait_until(check, timeout=timeout, interval=0.1, what=what)


def event(n: int, hook: str = "Stop", session: str = "rel") -> bytes:
    return json.dumps({"hook_event_name": hook, "session_id": session, "n": n}).encode()


def frame(body: bytes) -> bytes:
    return b"HOOKD/1 %d\n" % len(body) + body


def wait_serving(path, proc, timeout: float = 20) -> None:
    def serving():
        if proc.poll() is not None:
            raise AssertionError(f"hookd exited with {proc.returncode}")
        try:
            with socket.socket(socket.AF_UNIX) as s:
                s.connect(str(path))
            return True
        except OSError:
            return False

    wait_until(serving, timeout=timeout, what="hookd to serve its socket")


def popen_hookd(daemon, *, stderr, argv=("-m", "hookd", "run")) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, *argv], env=daemon.env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=stderr)
    daemon.proc = proc
    return proc


# ---------------------------------------------------------------- logging


def test_a_closed_log_pipe_costs_neither_publishing_nor_sigterm_and_status_says_so(hookd_factory, redis_db):
    """`hookd run 2>&1 | head -1`: the reader of stderr goes away after one line."""
    daemon = hookd_factory(start=False)
    proc = popen_hookd(daemon, stderr=subprocess.PIPE)
    first = proc.stderr.readline()
    assert first, "hookd wrote no first log line"
    proc.stderr.close()  # the reader is gone: the next write to stderr gets EPIPE
    wait_serving(daemon.socket, proc)
    # A refused frame logs a warning: the first line written into the closed pipe.
    assert b"ERR not_json" in daemon.request(frame(b"{not json"))
    for n in range(5):
        assert daemon.send(event(n)).returncode == 0
    entries = wait_for_entries(redis_db, 5)
    assert sorted(json.loads(e[b"envelope"])["payload"]["n"] for e in entries) == list(range(5))
    assert daemon.inbox() == []

    code, doc = wait_status(daemon, lambda c, d: d["logging"]["stderr_error"], "status to report the broken stderr")
    fallback = daemon.state_dir / "hookd.log"
    assert doc["logging"]["stderr_error"] == "EPIPE" and doc["logging"]["file"] == str(fallback)
    assert code == 1 and doc["health"] == "degraded"
    assert any("stderr failed (EPIPE)" in reason for reason in doc["reasons"])
    info = os.lstat(fallback)
    assert stat.S_ISREG(info.st_mode) and stat.S_IMODE(info.st_mode) == 0o600
    assert any(r.get("event") == "event_rejected" for r in log_records(fallback.read_text()))

    proc.send_signal(signal.SIGTERM)
    assert proc.wait(STOP_S) == 0
    assert any(r.get("event") == "hookd_stopped" for r in log_records(fallback.read_text()))


def test_a_full_log_pipe_never_blocks_events_and_dropped_lines_are_counted(hookd_factory, redis_db):
    """A log reader that stops reading (a stalled shipper): the pipe fills and stays full."""
    daemon = hookd_factory(start=False, send_timeout_ms="2000")
    read_end, write_end = os.pipe()
    try:
        proc = popen_hookd(daemon, stderr=write_end)
        os.close(write_end)
        wait_serving(daemon.socket, proc)
        # Each copy of a hand-off already taken logs a line of about 250 bytes (refusals no
        # longer do: 20 lines per reason per 10 s). Before a line is dropped the pipe (64 KiB),
        # the queue and the batch the blocked writer holds (1 MiB each) must fill: send copies
        # until status counts a drop, at most 20 MB of lines.
        body = event(-1)
        twice = b"HOOKD/1 %d id=seen-before\n%s" % (len(body), body) * 2000
        for _ in range(40):
            daemon.request(twice, timeout=60)  # 4,000 frames, each logged: slow on a loaded machine
            if status(daemon)[1]["logging"]["dropped"] > 0:
                break
        started = time.monotonic()
        for n in range(20):
            result = daemon.send(event(n))
            assert result.returncode == 0
        took = time.monotonic() - started
        wait_for_entries(redis_db, 20)
        assert daemon.inbox() == [], f"hook-sends fell back to the inbox ({took:.1f}s for 20)"
        _, doc = status(daemon)
        assert doc["logging"]["dropped"] > 0
        assert any("dropped (stderr blocked or gone)" in reason for reason in doc["reasons"])
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(STOP_S) == 0
    finally:
        if daemon.proc is not None and daemon.proc.poll() is None:  # a failed assertion: no hookd left behind
            daemon.proc.kill()
            daemon.proc.wait()
        os.close(read_end)


def test_stderr_on_a_full_device_sends_log_lines_to_the_state_directory(hookd_factory, redis_db):
    """ENOSPC on every write to stderr (/dev/full), from the first line on."""
    daemon = hookd_factory(start=False)
    with open("/dev/full", "wb") as full:
        proc = popen_hookd(daemon, stderr=full)
    wait_serving(daemon.socket, proc)
    assert daemon.send(event(1)).returncode == 0
    wait_for_entries(redis_db, 1)
    _, doc = status(daemon)
    assert doc["logging"]["stderr_error"] == "ENOSPC"
    records = log_records((daemon.state_dir / "hookd.log").read_text())
    assert records[0]["event"] == "log_fallback"
    assert any(r.get("event") == "hookd_started" for r in records)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(STOP_S) == 0


# ---------------------------------------------------------------- supervision


RUN_WITH_FAULT = """
import asyncio, sys
{patch}
from hookd.cli import main
sys.exit(main(["run"]))
"""


def test_a_task_that_raises_makes_hookd_exit_non_zero_with_its_traceback(hookd_factory, redis_db):
    daemon = hookd_factory(start=False)
    patch = textwrap.dedent("""
        from hookd.spool import flusher
        async def failing_run(self):
            await asyncio.sleep(1.0)
            raise RuntimeError("injected fault in the spool flusher")
        flusher.Flusher.run = failing_run
    """)
    log_path = daemon.base / "fault.log"
    with open(log_path, "wb") as log:
        proc = popen_hookd(daemon, stderr=log, argv=("-c", RUN_WITH_FAULT.format(patch=patch)))
        wait_serving(daemon.socket, proc)
        assert daemon.send(event(1)).returncode == 0
        code = proc.wait(10)
    assert code != 0
    records = log_records(log_path.read_text())
    failed = [r for r in records if r.get("event") == "task_failed"]
    assert failed and failed[0]["task"] == "spool-flusher" and failed[0]["level"] == "critical"
    assert "injected fault in the spool flusher" in failed[0]["exception"]
    assert "Traceback" in failed[0]["exception"]
    stopped = [r for r in records if r.get("event") == "hookd_stopped"]
    assert stopped and stopped[0]["failed_tasks"] == ["spool-flusher"]
    # Nothing handed over is lost: the event was published, or is in the spool for the next run
    # (the service manager's restart, here by hand, with the same state directory).
    daemon.start()
    assert len(wait_for_entries(redis_db, 1)) == 1
    assert daemon.stop() == 0


def test_a_restartable_task_that_raises_is_restarted_with_back_off_and_counted(hookd_factory, redis_db):
    daemon = hookd_factory(start=False)
    patch = textwrap.dedent("""
        from hookd.ingest import inbox
        original = inbox.Inbox.sweep
        calls = []
        def sweep(self, *args, **kwargs):
            calls.append(1)
            if len(calls) == 2:  # the first call is the start-up sweep
                raise RuntimeError("injected fault in the inbox sweep")
            return original(self, *args, **kwargs)
        inbox.Inbox.sweep = sweep
    """)
    log_path = daemon.base / "fault.log"
    with open(log_path, "wb") as log:
        proc = popen_hookd(daemon, stderr=log, argv=("-c", RUN_WITH_FAULT.format(patch=patch)))
        wait_serving(daemon.socket, proc)
        # Once started (the start-up sweep done), the poller's first sweep fails; the next one,
        # after the back-off, takes the file.
        wait_status(daemon, lambda c, d: True, "the control socket to answer")
        inbox = daemon.state_dir / "inbox"
        body = event(7)
        (inbox / "1-restart.hookd").write_bytes(frame(body))
        wait_for_entries(redis_db, 1)
        code, doc = status(daemon)
        assert doc["tasks"]["restarts"] == {"inbox": 1} and doc["tasks"]["failed"] == []
        assert any("inbox 1x" in reason for reason in doc["reasons"])
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(STOP_S) == 0
    failed = [r for r in log_records(log_path.read_text()) if r.get("event") == "task_failed"]
    assert len(failed) == 1 and failed[0]["task"] == "inbox" and "restarting_in_s" in failed[0]


def test_a_connection_handler_that_raises_is_logged_counted_and_the_daemon_goes_on(hookd_factory, redis_db):
    daemon = hookd_factory(start=False)
    patch = textwrap.dedent("""
        from hookd import pipeline
        original = pipeline.Pipeline.take_all
        def take_all(self, frames, *args, **kwargs):
            if any(b"boom" in body for _, body in frames):
                raise RuntimeError("injected fault in a connection handler")
            return original(self, frames, *args, **kwargs)
        pipeline.Pipeline.take_all = take_all
    """)
    log_path = daemon.base / "fault.log"
    with open(log_path, "wb") as log:
        proc = popen_hookd(daemon, stderr=log, argv=("-c", RUN_WITH_FAULT.format(patch=patch)))
        wait_serving(daemon.socket, proc)
        wait_status(daemon, lambda c, d: True, "hookd to have started")
        assert not daemon.request(frame(b'{"boom": 1}')).startswith(b"OK")
        assert daemon.request(frame(event(1))).startswith(b"OK ")
        wait_for_entries(redis_db, 1)
        code, doc = status(daemon)
        assert code == 1 and doc["tasks"]["callback_errors"] == 1
        assert any("1 internal error in connection handlers" in r for r in doc["reasons"])
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(STOP_S) == 0
    failed = [r for r in log_records(log_path.read_text()) if r.get("event") == "callback_failed"]
    assert len(failed) == 1 and "injected fault in a connection handler" in failed[0]["exception"]


def test_a_stop_that_hangs_still_ends_the_process_after_its_deadline(hookd_factory, redis_db):
    """SIGTERM must always end hookd: here the drain awaits something that never comes."""
    daemon = hookd_factory(start=False, drain_timeout_s="1")
    patch = textwrap.dedent("""
        from hookd.publish import publisher
        async def wedged_drain(self, deadline):
            await asyncio.get_running_loop().create_future()  # never done
        publisher.Publisher.drain = wedged_drain
    """)
    log_path = daemon.base / "fault.log"
    with open(log_path, "wb") as log:
        proc = popen_hookd(daemon, stderr=log, argv=("-c", RUN_WITH_FAULT.format(patch=patch)))
        wait_serving(daemon.socket, proc)
        wait_status(daemon, lambda c, d: True, "hookd to have started")
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(20)
    took = time.monotonic() - started
    assert code == 1 and took < 10, (code, took)
    records = log_records(log_path.read_text())
    assert any(r.get("event") == "hookd_stop_overran" for r in records)


# ---------------------------------------------------------------- health from progress


class NotifyListener:
    def __init__(self, path: str) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.settimeout(0.05)
        self.watchdogs: list[float] = []

    def collect(self) -> int:
        while True:
            try:
                data = self.sock.recv(4096)
            except TimeoutError:
                return len(self.watchdogs)
            if b"WATCHDOG=1" in data.split(b"\n"):
                self.watchdogs.append(time.monotonic())

    def close(self) -> None:
        self.sock.close()
        os.unlink(self.path)


@pytest.mark.process
def test_a_wedged_publisher_is_stalled_in_status_and_starves_the_watchdog(hookd_factory, tmp_path):
    """Redis stopped (SIGSTOP) mid-connection: the publisher waits for an answer that does not
    come (redis_timeout_s is long here); events wait. Flags still say Redis is up."""
    redis_server = RedisServer(tmp_path / "redis")
    redis_server.start()
    listener = NotifyListener(f"/tmp/hookd-rel-notify-{os.getpid()}.sock")
    try:
        daemon = hookd_factory(
            redis_url=redis_server.url, start=False, redis_timeout_s="60", stall_after_s="2", send_timeout_ms="2000"
        )
        daemon.env.update(NOTIFY_SOCKET=listener.path, WATCHDOG_USEC="400000")
        daemon.start()
        assert daemon.send(event(0)).returncode == 0
        wait_for_entries(redis_server.client(), 1)
        wait_until(lambda: listener.collect() >= 2, what="WATCHDOG=1 pings")
        code, doc = status(daemon)
        assert code == 0 and doc["health"] == "healthy"

        os.kill(redis_server.proc.pid, signal.SIGSTOP)
        try:
            for n in range(1, 4):
                assert daemon.send(event(n)).returncode == 0
            code, doc = wait_status(daemon, lambda c, d: d["health"] == "stalled", "status to say stalled", timeout=15)
            assert code == 1
            assert any("stalled: the publisher has waited" in r for r in doc["reasons"])
            assert doc["progress"]["publish_waiting_s"] > 2
            text = hookd_cli(daemon.env, "status")
            assert text.returncode == 1 and "stalled" in text.stdout
            # The watchdog is no longer fed.
            listener.collect()
            before = len(listener.watchdogs)
            time.sleep(1.5)
            assert listener.collect() == before
        finally:
            os.kill(redis_server.proc.pid, signal.SIGCONT)
        wait_for_entries(redis_server.client(), 4)
        wait_status(daemon, lambda c, d: d["health"] == "healthy", "health back after SIGCONT")
        before = listener.collect()
        wait_until(lambda: listener.collect() > before + 1, what="the watchdog fed again")
        records = log_records(daemon.log_text())
        assert any(r.get("event") == "watchdog_withheld" for r in records)
        assert daemon.stop() == 0
    finally:
        listener.close()
        redis_server.stop()


def test_status_shows_the_event_loop_lag(hookd, redis_db):
    code, doc = wait_status(hookd, lambda c, d: d["loop_lag_ms"]["samples"] >= 5, "lag samples")
    lag = doc["loop_lag_ms"]
    assert 0 <= lag["p50"] <= lag["p99"] <= lag["max"]
    assert "loop lag" in hookd_cli(hookd.env, "status").stdout


# ---------------------------------------------------------------- bounds


def _connections_queued(path, count: int) -> tuple[int, list[socket.socket]]:
    """Connect ``count`` times without blocking; how many the listen queue took."""
    socks, taken = [], 0
    for _ in range(count):
        s = socket.socket(socket.AF_UNIX)
        s.setblocking(False)
        try:
            s.connect(str(path))
            taken += 1
        except BlockingIOError:
            pass
        socks.append(s)
    return taken, socks


@pytest.mark.process
def test_every_listening_socket_queues_1024_connections(hookd_factory, redis_db):
    """While hookd cannot accept (stopped), 300 clients connect at once: all must be queued,
    not 100 of them (the loop's default backlog) with the rest falling back to the inbox."""
    somaxconn = int(open("/proc/sys/net/core/somaxconn").read())
    if somaxconn < 300:
        pytest.skip(f"net.core.somaxconn is {somaxconn}: the kernel caps every backlog below 300")
    daemon = hookd_factory(http_addr=f"127.0.0.1:{free_port()}")
    # Bound sockets queue connections before hookd serves them: wait until it has started.
    assert daemon.send(event(0)).returncode == 0
    wait_status(daemon, lambda c, d: True, "the control socket to answer")
    os.kill(daemon.proc.pid, signal.SIGSTOP)
    socks: list[socket.socket] = []
    try:
        for path in (daemon.socket, daemon.socket.parent / "control.sock"):
            taken, opened = _connections_queued(path, 300)
            socks += opened
            assert taken == 300, f"{path.name}: {taken} of 300 connections queued"
        port = int(daemon.env["HOOKD_HTTP_ADDR"].rpartition(":")[2])
        if shutil.which("ss"):  # iproute2; the TCP backlog is read from the kernel's table
            listening = subprocess.run(
                ["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True
            ).stdout.split()
            assert listening and int(listening[2]) == min(1024, somaxconn), listening
    finally:
        os.kill(daemon.proc.pid, signal.SIGCONT)
        for s in socks:
            s.close()
    assert daemon.send(event(1)).returncode == 0
    wait_for_entries(redis_db, 2)
    assert daemon.stop() == 0


@pytest.mark.process
def test_twenty_thousand_distinct_hook_names_stay_bounded(hookd_factory, redis_db):
    daemon = hookd_factory(client_timeout_s="30")
    frames = b"".join(frame(event(n, hook=f"Custom{n:05d}", session="many-names")) for n in range(20_000))
    rss_before = psutil.Process(daemon.proc.pid).memory_info().rss
    replies = daemon.request(frames, timeout=60)
    assert replies.count(b"OK ") == 20_000
    wait_for_entries(redis_db, 20_000, timeout=60)
    rss_after = psutil.Process(daemon.proc.pid).memory_info().rss
    result = hookd_cli(daemon.env, "status", "--json")
    doc = json.loads(result.stdout)
    assert len(doc["by_hook"]) <= 65 and doc["by_hook"]["other"] > 19_000
    assert sum(doc["by_hook"].values()) == 20_000
    assert len(result.stdout) < 100_000
    session = redis_db.hgetall("{hookd:events}:session:many-names")
    assert len(session) <= 80 and int(session[b"hook:other"]) > 19_000
    assert sum(int(v) for k, v in session.items() if k.startswith(b"hook:")) == 20_000
    print(f"rss {rss_before / 2**20:.1f} -> {rss_after / 2**20:.1f} MiB")
    # The stream keeps every event's own name.
    last = redis_db.xrevrange("hookd:events", count=1)[0][1]
    assert last[b"hook"] == b"Custom19999"
    assert daemon.stop() == 0


@pytest.mark.process
@pytest.mark.parametrize("way", ["socket", "http"])
def test_connections_holding_unfinished_frames_share_a_bounded_budget(hookd_factory, redis_db, way):
    """40 connections each send 7 MiB of a frame (or an HTTP request) they never finish: memory
    stays near the budget, an ordinary event still gets through, and nothing is kept: a second
    wave takes no more memory than the first."""
    budget = 16 * 2**20
    port = free_port()
    daemon = hookd_factory(pending_frame_bytes=str(budget), client_timeout_s="6", http_addr=f"127.0.0.1:{port}")
    wait_status(daemon, lambda c, d: True, "hookd to have started")
    token = (daemon.state_dir / "http.token").read_text().strip()
    length = 8 * 2**20 - 1024
    if way == "socket":
        head = b"HOOKD/1 %d\n" % length
    else:
        head = b"POST /hook HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\nContent-Length: %d\r\n\r\n" % (
            token.encode(),
            length,
        )
    proc = psutil.Process(daemon.proc.pid)
    assert daemon.send(event(0)).returncode == 0
    rss_before = proc.memory_info().rss
    chunk = b"x" * 65536

    def hold(sock: socket.socket, stop: threading.Event) -> None:
        sock.settimeout(0.2)
        sent = 0
        try:
            sock.sendall(head + b'{"a":"')
            while sent < 7 * 2**20 and not stop.is_set():
                try:
                    sent += sock.send(chunk)
                except TimeoutError:
                    continue
        except OSError:
            pass

    def wave(n: int) -> tuple[int, dict, int]:
        """40 held connections for 3 s, an event through them, all closed: (peak, held, rss after)."""
        socks = []
        stop = threading.Event()
        threads = []
        for _ in range(40):
            if way == "socket":
                s = socket.socket(socket.AF_UNIX)
                s.connect(str(daemon.socket))
            else:
                s = socket.create_connection(("127.0.0.1", port))
            socks.append(s)
            threads.append(threading.Thread(target=hold, args=(s, stop), daemon=True))
        for t in threads:
            t.start()
        peak = 0
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            peak = max(peak, proc.memory_info().rss)
            time.sleep(0.05)
        _, doc = status(daemon)
        assert "held in unfinished frames" in hookd_cli(daemon.env, "status").stdout
        assert peak - rss_before < 100 * 2**20, "40 x 7 MiB were held, not a budget of 16 MiB"
        assert daemon.send(event(n)).returncode == 0
        stop.set()
        for t in threads:
            t.join(5)
        for s in socks:
            s.close()
        wait_for_entries(redis_db, n + 1)
        wait_status(daemon, lambda c, d: d["pending_frames"]["bytes"] == 0, "the budget given back")
        time.sleep(0.5)
        return peak, doc["pending_frames"], proc.memory_info().rss

    peak, held, rss_after_one = wave(1)
    peak_two, held_two, rss_after_two = wave(2)
    print(
        f"rss {rss_before / 2**20:.1f} -> peak {peak / 2**20:.1f} -> {rss_after_one / 2**20:.1f}"
        f" -> peak {peak_two / 2**20:.1f} -> {rss_after_two / 2**20:.1f} MiB; held {held}, {held_two}"
    )
    assert daemon.inbox() == []
    for pending in (held, held_two):
        # At most one read past it per connection, and the frame of the one connection always read when all
        # others wait (ingest/budget.py: else no frame could complete and every one would time out).
        assert pending["bytes"] <= budget + length + 40 * 2**20 // 4
        assert pending["pauses"] > 0
    # Whether freed memory goes back to the system is the allocator's choice (the RSS after a wave
    # was anywhere from 1 to 20 MiB above the start); what hookd owns is that nothing is kept: a
    # second wave reuses what the first freed instead of adding to it.
    # A wave holds about the budget; kept, it would lift the second peak by that much. Under load
    # the sampled peaks differ by up to 10 MiB without anything kept.
    # A third wave tells a kept first wave (every later wave lifted by its ~budget, the third by twice that) from
    # one sampled peak the allocator lifted alone (seen once in three runs: 16.4 MiB, the next wave back down).
    peak_three, _, rss_after_three = wave(3)
    assert min(peak_two, peak_three) - peak < budget, "memory held by the first wave was kept"
    # The first wave's high mark is its sampled peak or, when the sampling (every 50 ms, under load) missed
    # the top, what it ended at.
    # A wave may hold more than the one before by what the one connection always read took past it
    # (ingest/budget.py); a kept first wave would add its whole ~budget on top of that.
    more = max(0, held_two["bytes"] - held["bytes"])
    after = min(rss_after_two, rss_after_three)  # as for the peaks: kept, both would be lifted
    assert after - max(peak, rss_after_one) < 8 * 2**20 + more, "memory held by the waves was kept"
    assert daemon.stop() == 0


# ---------------------------------------------------------------- valid JSON, the same everywhere


LONE_SURROGATE = b'{"hook_event_name":"Stop","session_id":"s-sur","text":"cut \\ud83d"}'
HUGE_INTEGER = b'{"hook_event_name":"Stop","session_id":' + b"9" * 5000 + b',"n":' + b"7" * 5000 + b"}"
NOT_JSON = b'{"hook_event_name":"Stop","x":NaN}'


def test_the_same_bytes_get_the_same_answer_on_the_socket_http_and_the_inbox(hookd_factory, redis_db):
    daemon = hookd_factory(http_addr=f"127.0.0.1:{free_port()}")
    wait_status(daemon, lambda c, d: True, "hookd to have started")
    port = int(daemon.env["HOOKD_HTTP_ADDR"].rpartition(":")[2])
    token = (daemon.state_dir / "http.token").read_text().strip()
    inbox = daemon.state_dir / "inbox"
    expected = 0
    for n, body in enumerate((LONE_SURROGATE, HUGE_INTEGER)):
        assert daemon.request(frame(body)).startswith(b"OK ")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("POST", "/hook", body=body, headers={"Authorization": f"Bearer {token}"})
        response = conn.getresponse()
        assert response.status == 200, response.read()
        conn.close()
        (inbox / f"{n}-valid.hookd").write_bytes(frame(body))
        expected += 3
        entries = wait_for_entries(redis_db, expected)
        payloads = [json.loads(e[b"envelope"], parse_int=str)["payload"] for e in entries[-3:]]
        assert len({json.dumps(p) for p in payloads}) == 1
    # Not JSON (NaN): refused on all three, for the same reason.
    assert daemon.request(frame(NOT_JSON)).startswith(b"ERR not_json")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("POST", "/hook", body=NOT_JSON, headers={"Authorization": f"Bearer {token}"})
    response = conn.getresponse()
    assert response.status == 400 and json.loads(response.read())["error"] == "not_json"
    (inbox / "9-nan.hookd").write_bytes(frame(NOT_JSON))
    wait_until(lambda: (inbox / "rejected" / "9-nan.hookd").exists(), what="the inbox refusal")
    code, doc = status(daemon)
    assert doc["counters"]["rejected"] == {"not_json": 3}
    assert daemon.stop() == 0
