"""The stall verdict from progress times, the bounded counters, and the log sink's fallbacks,
in-process (the same faults on real daemons are in test_reliability.py)."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import stat
import threading
import time

import pytest

from hookd import liveness, logs
from hookd.liveness import Progress, stall_reasons
from hookd.state import OTHER, CappedCounter

NOW = 1000.0


def verdict(progress: Progress, waiting: int = 3, policy: str = "interval") -> list[str]:
    return stall_reasons(progress, waiting, stall_after_s=5, fsync_policy=policy, fsync_interval_s=0.2, now=NOW)


def test_a_publisher_that_tried_recently_or_has_nothing_to_do_is_not_stalled():
    assert verdict(Progress(publish_attempt_at=NOW - 1, flush_at=NOW)) == []
    assert verdict(Progress(publish_attempt_at=NOW - 60, flush_at=NOW), waiting=0) == []


def test_events_waiting_and_no_attempt_is_a_stall():
    reasons = verdict(Progress(publish_attempt_at=NOW - 6, flush_at=NOW))
    assert len(reasons) == 1 and "has not tried to publish for 6.0s while 3 events wait" in reasons[0]
    assert "since it started" in verdict(Progress(flush_at=NOW))[0]


def test_one_answer_awaited_too_long_is_a_stall_though_the_attempt_was_recent():
    progress = Progress(publish_attempt_at=NOW - 0.1, publish_busy_since=NOW - 7, flush_at=NOW)
    assert "waited 7.0s for Redis's answer" in verdict(progress)[0]


def test_a_large_batch_crossing_a_slow_link_is_not_a_stall_until_its_bytes_time_runs_out():
    # A 4 MB batch given 16 s past redis_timeout_s for its bytes (publish/pace.py): the watchdog must not
    # stop being fed (systemd would kill hookd) while it crosses, and must once that time is past too.
    progress = Progress(publish_attempt_at=NOW - 0.1, flush_at=NOW)
    progress.attempting(4_000_000, 16.0)
    progress.publish_busy_since = NOW - 7
    assert verdict(progress) == []
    progress.publish_busy_since = NOW - 22
    assert "waited 22.0s for Redis's answer" in verdict(progress)[0]
    progress.answered(True)
    assert progress.publish_bytes is None and progress.publish_extra_s == 0.0


def test_a_back_off_the_publisher_chose_is_not_a_stall_until_it_runs_out():
    progress = Progress(publish_attempt_at=NOW - 20, publish_backoff_until=NOW + 3, flush_at=NOW)
    assert verdict(progress) == []
    progress.publish_backoff_until = NOW - 6
    assert verdict(progress) != []


def test_a_flusher_that_stopped_or_hangs_in_fsync_is_a_stall():
    assert "last flushed to the disk 6.0s ago" in verdict(Progress(flush_at=NOW - 6), waiting=0)[0]
    assert verdict(Progress(flush_at=NOW - 6), waiting=0, policy="batch") == []
    hung = Progress(flush_at=NOW - 6, flush_busy_since=NOW - 5.5)
    assert "an fsync of the spool has run for 5.5s" in verdict(hung, waiting=0, policy="batch")[0]


def test_the_counter_keeps_known_hooks_and_a_bounded_number_of_other_names():
    counter = CappedCounter(cap=8)
    for n in range(1000):
        counter[f"Invented{n}"] += 1
    counter["PreToolUse"] += 2
    counter["x" * 1000] += 1
    assert len(counter) == 10 and counter["PreToolUse"] == 2  # 8 names, other, a known hook
    assert sum(counter.values()) == 1003 and counter[OTHER] == 1003 - 8 - 2


@pytest.fixture
def pipe_sink(tmp_path):
    read_end, write_end = os.pipe()
    sink = logs.LogSink(write_end, str(tmp_path / "state"), fallback_max_bytes=4096)
    yield sink, read_end, write_end, tmp_path / "state"
    for fd in (read_end, write_end):
        try:
            os.close(fd)
        except OSError:
            pass


def test_a_closed_pipe_sends_lines_to_a_private_rotated_file(pipe_sink):
    sink, read_end, _, state = pipe_sink
    sink.write_line("first")
    assert sink.flush(2)
    assert os.read(read_end, 100) == b"first\n"
    os.close(read_end)
    for n in range(200):
        sink.write_line(f"line {n:03d} " + "y" * 40)
        if n % 10 == 9:
            assert sink.flush(2)
    assert sink.stderr_error == "EPIPE"
    current, previous = state / "hookd.log", state / "hookd.log.1"
    assert stat.S_IMODE(os.stat(current).st_mode) == 0o600
    assert os.path.getsize(current) <= 4096 and os.path.getsize(previous) <= 4096
    assert current.read_text().rstrip().endswith("line 199 " + "y" * 40)
    assert sink.snapshot()["file"] == str(current)


def test_the_fallback_file_is_never_opened_through_a_symlink(pipe_sink, tmp_path):
    sink, read_end, _, state = pipe_sink
    state.mkdir(mode=0o700)
    target = tmp_path / "elsewhere"
    target.write_text("")
    os.symlink(target, state / "hookd.log")
    os.close(read_end)
    sink.write_line("after the pipe broke")
    assert sink.flush(2)
    assert target.read_text() == ""
    assert sink.dropped == 1 and "hookd.log" in sink.snapshot()["file_error"]


def test_a_full_pipe_drops_lines_without_blocking_the_caller(tmp_path):
    read_end, write_end = os.pipe()
    try:
        fcntl.fcntl(write_end, fcntl.F_SETFL, os.O_NONBLOCK)
        with contextlib.suppress(BlockingIOError):
            while True:
                os.write(write_end, b"x" * 4096)  # fill the pipe: a reader that stopped reading
        fcntl.fcntl(write_end, fcntl.F_SETFL, 0)
        sink = logs.LogSink(write_end, str(tmp_path), max_queued_bytes=16384)
        started = time.monotonic()
        for _ in range(5000):  # 500 KiB into a 64 KiB pipe nobody reads
            sink.write_line("z" * 100)
        assert time.monotonic() - started < 2
        assert sink.dropped > 0
        assert not sink.flush(0.2)  # the writer is stuck on the full pipe; the caller is not
    finally:
        os.close(read_end)
        os.close(write_end)


def test_health_judges_loop_lag_by_the_last_seconds_not_the_whole_minute():
    from hookd import liveness

    lag = liveness.LoopLag()
    now = time.monotonic()
    lag.samples.append((now - 30, 2.0, 0.0))  # a stop 30 s ago: still in the minute's figures
    for i in range(100):
        lag.samples.append((now - 9 + i * 0.09, 0.001, 0.0))
    summary = lag.summary_ms()
    assert summary["max"] == 2000.0 and summary["recent_p99"] is not None
    assert summary["recent_p99"] < liveness.LAG_WARN_S * 1000
    lag.samples.append((now, 1.0, 0.0))
    lag.samples.append((now, 1.0, 0.0))
    assert lag.summary_ms()["recent_p99"] > liveness.LAG_WARN_S * 1000
    assert liveness.LoopLag().summary_ms()["recent_p99"] is None


def _judged_lag(monkeypatch, waited_per_tick: float) -> dict:
    """LoopLag.run over five ticks, each held 0.4 s by a blocking call, while the kernel is said (through
    run_queue_wait_s) to have kept the loop's thread waiting for a CPU ``waited_per_tick`` at each tick."""
    waited = [0.0]

    def run_queue_wait_s() -> float:
        waited[0] += waited_per_tick
        return waited[0]

    monkeypatch.setattr(liveness, "run_queue_wait_s", run_queue_wait_s)

    async def probed() -> dict:
        lag = liveness.LoopLag()
        task = asyncio.create_task(lag.run())
        while len(lag.samples) < liveness.LAG_VERDICT_MIN_SAMPLES:
            await asyncio.sleep(0)
            time.sleep(0.4)  # the loop held past the probe's period: each tick fires 0.3 s late or more
        task.cancel()
        return lag.summary_ms()

    return asyncio.run(probed())


def test_a_loop_late_only_because_the_machine_is_busy_is_not_judged_late(monkeypatch):
    """Under load 16 status said "the event loop runs late" of an idle daemon (p99 312 ms): the loop's thread
    waited for a CPU, as every process on the machine did. That wait (the kernel's schedstat run_delay) is left
    out of the verdict; the figures shown stay the lag as it was."""
    busy = _judged_lag(monkeypatch, waited_per_tick=10.0)  # every late tick was a wait for a CPU
    assert busy["p99"] > liveness.LAG_WARN_S * 1000, busy
    assert busy["recent_p99"] == 0.0, busy
    held = _judged_lag(monkeypatch, waited_per_tick=0.0)  # the thread ran: the loop was held by its own call
    assert held["recent_p99"] > liveness.LAG_WARN_S * 1000, held


@pytest.mark.skipif(not os.path.exists("/proc/thread-self/schedstat"), reason="Linux's schedstat")
def test_the_run_queue_wait_is_the_kernels_figure_for_the_calling_thread():
    first = liveness.run_queue_wait_s()
    assert first is not None and first >= 0
    assert liveness.run_queue_wait_s() >= first  # a count since the thread began: it never goes back


@pytest.mark.skipif(not os.path.exists("/proc/thread-self/schedstat"), reason="Linux's schedstat")
def test_the_run_queue_wait_is_read_from_a_file_each_thread_holds_open():
    """The loop-lag probe asks at every tick (LAG_PROBE_S), on the loop: the file is opened once, by the thread
    it describes (/proc/thread-self is the opener's), and read again, not opened and closed at each tick."""
    held: dict[str, list[str]] = {}  # each thread's schedstat -> the descriptors open on it

    def asks() -> None:
        first = liveness.run_queue_wait_s()
        assert first is not None and liveness.run_queue_wait_s() >= first
        mine = f"/proc/{os.getpid()}/task/{threading.get_native_id()}/schedstat"
        held[mine] = [fd for fd in os.listdir("/proc/self/fd") if _link(f"/proc/self/fd/{fd}") == mine]

    for _ in range(2):
        thread = threading.Thread(target=asks)
        thread.start()
        thread.join()
    assert len(held) == 2 and all(len(fds) == 1 for fds in held.values()), held
    # Closed with the thread that held it: a thread's file is not left open once the thread is gone.
    assert not any(_link(f"/proc/self/fd/{fd}") == path for path, fds in held.items() for fd in fds), held


def _link(path: str) -> str | None:
    try:
        return os.readlink(path)
    except OSError:
        return None
