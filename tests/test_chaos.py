"""Chaos, CI-sized: random faults while senders run the real hook-send without pause.

Faults, one at a time, each for a second or a few, in a random order from a fixed seed
(HOOKD_CHAOS_SEED to change it; HOOKD_CHAOS_SECONDS for the length, default 60):

- hookd killed (SIGKILL) and started again, as a service manager would;
- hookd stopped (SIGSTOP) and continued: hook-send gives up waiting and uses its inbox;
- Redis shut down (its data saved) and started again;
- hookd's stderr closed (a dead log pipe); at the end of the fault hookd is stopped with
  SIGTERM (SIGKILL if it does not go) and started again, as a service manager would;
- the state directory's filesystem (a tmpfs) filled, then freed: the spool's reserve,
  then ``disk_full`` and the spare inbox (on another filesystem);
- hostile payloads: 2 MiB events of repeated `curl ` sent alongside, made slow to prepare
  (past work_budget_ms) by the test daemon's sitecustomize.

After every few faults, and at the end, a calm stretch longer than the recovery grace.

At the end every event hook-send handed over (acknowledged, or kept in the inbox or the
spare inbox) is in Redis exactly once, each sender's in order, with seq increasing along
the stream; hook-send never said "event lost". Needs root for the tmpfs (CI runs as root).

And `hookd status`, asked every 250 ms throughout (tests/chaos_health.py), said `degraded`
or `stalled` only during a fault or within the recovery grace after it: the breaker's
longest back-off and its trial timeout (set to 1 s each here), the spool reserve's check
period and a sampling margin, 4.5 s in all. One reason is allowed longer: "the event loop
runs late" is the p99 over the last minute, and a stopped hookd's loop is late by the
whole stop, so it may last a minute after a SIGSTOP. It said "not running" or could not
tell only while hookd was killed, stopped or restarted. It said `degraded` at least once
while Redis was down, and `healthy` at the end.
"""

from __future__ import annotations

import collections
import json
import os
import random
import signal
import subprocess
import threading
import time

import chaos_health as health
import pytest
import test_faults as faults
from conftest import BARE_PYTHON, CLIENT, RedisServer, wait_until
from test_disk_full import fill

from hookd.spool.cursor_keeper import RESERVE_CHECK_S

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root (CI runs as root)")

SEED = int(os.environ.get("HOOKD_CHAOS_SEED", "15"))
SECONDS = float(os.environ.get("HOOKD_CHAOS_SECONDS", "60"))
STREAM = "hookd:events"
CALM_EVERY = 3


def client_outcome(daemon, sender: str, n: int) -> str:
    # The real client as daemon.send runs it, at the suite's own priority: niced, it starved
    # behind the other pytest-xdist workers past its 1 s deadline.
    result = subprocess.run(
        [BARE_PYTHON, "-I", "-S", str(CLIENT)],
        input=faults.body(sender, n),
        capture_output=True,
        timeout=30,
        env={**daemon.env, "HOOKD_DEBUG": "1", "HOOKD_SEND_TIMEOUT_MS": "1000"},
    )
    err = result.stderr.decode(errors="replace")
    if result.returncode != 0 or result.stdout:
        return f"exit {result.returncode} stdout {result.stdout[:80]!r}"
    for marker, name in (
        ("event delivered", "delivered"),
        ("saved to spare inbox", "spare"),
        ("saved to inbox", "inbox"),
        ("event lost", "lost"),
    ):
        if marker in err:
            return name
    return f"unexpected {err.strip()[:200]!r}"


class Sender(threading.Thread):
    def __init__(self, daemon, name: str, stop: threading.Event) -> None:
        super().__init__(name=f"chaos-{name}", daemon=True)
        self.daemon_, self.sender, self.stop_event = daemon, name, stop
        self.handed: list[int] = []
        self.outcomes: collections.Counter = collections.Counter()
        self.problems: list[str] = []

    def run(self) -> None:
        n = 0
        while not self.stop_event.is_set():
            outcome = client_outcome(self.daemon_, self.sender, n)
            self.outcomes[outcome] += 1
            if outcome in ("delivered", "inbox", "spare"):
                self.handed.append(n)
            else:
                self.problems.append(f"{self.sender} {n}: {outcome}")
            n += 1


class HostileSender(threading.Thread):
    def __init__(self, daemon, stop: threading.Event) -> None:
        super().__init__(name="chaos-hostile", daemon=True)
        self.daemon_, self.stop_event = daemon, stop
        self.acknowledged = 0

    def run(self) -> None:
        body = json.dumps(
            {
                "hook_event_name": "PreToolUse",
                "tool_name": "Bash",
                "session_id": "hostile",
                # Slow to prepare in a test daemon (tests/process_site/sitecustomize.py): past the budget.
                "tool_input": {"command": "curl " * ((2 << 20) // 5), "description": "hookd-test-slow-payload"},
            }
        ).encode()
        while not self.stop_event.wait(1.0):
            try:
                reply = self.daemon_.request(b"HOOKD/1 %d\n" % len(body) + body, timeout=30)
            except OSError:
                continue
            if reply.startswith(b"OK "):
                self.acknowledged += 1


def published(client) -> tuple[list[tuple[str, int]], int]:
    """(sender, n) of the senders' entries in stream order, and the count of hostile ones."""
    entries, hostile, last_seq, ids = [], 0, 0, set()
    for entry_id, fields in client.xrange(STREAM):
        envelope = json.loads(fields[b"envelope"])
        assert envelope["seq"] > last_seq, f"{entry_id}: seq does not increase"
        last_seq = envelope["seq"]
        assert envelope["event_id"] not in ids, f"{entry_id}: event_id repeated"
        ids.add(envelope["event_id"])
        payload = envelope["payload"]
        if "hookd_withheld" in payload or envelope["session_id"] == "hostile":
            assert "curl curl" not in fields[b"envelope"].decode(), "a hostile payload was kept"
            hostile += 1
            continue
        entries.append((payload["sender"], payload["n"]))
    return entries, hostile


@pytest.mark.process
@pytest.mark.timeout(SECONDS + 240)
def test_random_faults_lose_and_repeat_no_handed_over_event(hookd_factory, tmp_path):
    from test_disk_full import STATE_MOUNT, assert_room_for_the_spool, mount_tmpfs

    rng = random.Random(SEED)
    print(f"chaos seed {SEED} (HOOKD_CHAOS_SEED), {SECONDS:g} s")
    redis = RedisServer(tmp_path / "redis")
    redis.start()
    # Short back-offs and stall time: hookd is back to healthy within a few seconds of a
    # fault's end (health.recovery_grace_s), so that a status stuck unhealthy is seen.
    recovery = {
        "breaker_backoff_max_s": "1",
        "breaker_trial_timeout_s": "1",
        "stall_after_s": "3",
        "redis_timeout_s": "2",
    }
    daemon = hookd_factory(
        redis_url=redis.url,
        start=False,
        spool_reserve_bytes=str(16 << 10),
        spool_segment_bytes=str(1 << 20),
        work_budget_ms="1000",
        test_slow_payload_s="30",  # the hostile sender's payloads (tests/process_site/sitecustomize.py)
        **recovery,
    )
    grace_s = health.recovery_grace_s(recovery, RESERVE_CHECK_S)
    mount_tmpfs(daemon.state_dir, STATE_MOUNT)
    state = {"stderr": None}

    def start_hookd() -> None:
        daemon.log = open(daemon.log_path, "ab")
        # stderr through a pipe the test can close (the "dead log pipe" fault)
        daemon.proc = subprocess.Popen(
            [os.sys.executable, "-m", "hookd", "run"],
            env=daemon.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            cwd=faults.Path(__file__).parent.parent,
        )
        proc = daemon.proc

        def copy() -> None:
            try:
                for line in proc.stderr:
                    if state["stderr"] is proc:
                        daemon.log.write(line)
                        daemon.log.flush()
            except (ValueError, OSError):
                pass  # the test closed the pipe: the fault

        state["stderr"] = proc
        threading.Thread(target=copy, daemon=True).start()
        wait_until(daemon._serving, timeout=30, what="hookd to serve its socket")

    def restart_hookd(sig: int) -> None:
        daemon.proc.send_signal(sig)
        try:
            daemon.proc.wait(15)
        except subprocess.TimeoutExpired:
            daemon.proc.kill()
            daemon.proc.wait()
        start_hookd()

    def fault_kill() -> None:
        restart_hookd(signal.SIGKILL)

    def fault_stop() -> None:
        daemon.proc.send_signal(signal.SIGSTOP)
        time.sleep(rng.uniform(0.5, 2.5))
        daemon.proc.send_signal(signal.SIGCONT)

    def fault_redis() -> None:
        faults.shutdown_keeping_data(redis)
        time.sleep(rng.uniform(0.5, 3))
        redis.start()

    def fault_stderr() -> None:
        proc = daemon.proc
        state["stderr"] = None
        proc.stderr.close()
        time.sleep(rng.uniform(1, 3))
        restart_hookd(signal.SIGTERM)

    def fault_disk() -> None:
        filler = fill(daemon.state_dir)
        time.sleep(rng.uniform(1, 4))
        filler.unlink()

    chosen = os.environ.get("HOOKD_CHAOS_FAULTS", "kill,stop,redis,stderr,disk").split(",")
    mix = {"kill": fault_kill, "stop": fault_stop, "redis": fault_redis, "stderr": fault_stderr, "disk": fault_disk}

    def cleanup() -> None:
        sampler.stop_event.set()
        daemon.proc.send_signal(signal.SIGCONT)
        daemon.proc.kill()
        daemon.proc.wait()
        subprocess.run(["umount", "-l", str(daemon.state_dir)], check=False)
        redis.stop()

    start_hookd()
    stop = threading.Event()
    senders = [Sender(daemon, f"c{i}", stop) for i in range(3)]
    hostile = HostileSender(daemon, stop)
    applied: list[health.Fault] = []
    sampler = health.HealthSampler(daemon.env)
    lateness = health.LatenessProbe()
    origin = time.monotonic()
    try:
        assert_room_for_the_spool(daemon.state_dir)
        for t in senders + [hostile, sampler, lateness]:
            t.start()
        # Calm stretches, longer than the grace, after every few faults and at the end:
        # there hookd must say healthy again, or the health check would have nothing to judge.
        calm_s = grace_s + 2
        end = time.monotonic() + SECONDS - calm_s
        while time.monotonic() < end:
            time.sleep(calm_s if applied and len(applied) % CALM_EVERY == 0 else rng.uniform(0.5, 2.0))
            name = rng.choice(chosen)
            start = time.monotonic()
            mix[name]()
            applied.append(health.Fault(name, start, time.monotonic()))
        time.sleep(calm_s)
    except BaseException:
        cleanup()
        raise
    finally:
        stop.set()
        for t in senders + [hostile]:
            t.join(90)
    print(
        "faults:",
        collections.Counter(f.name for f in applied),
        "outcomes:",
        [dict(s.outcomes) for s in senders],
        "hostile acknowledged:",
        hostile.acknowledged,
    )
    try:
        assert [p for s in senders for p in s.problems] == []
        client = redis.client()
        spare = faults.Path(daemon.env["HOOKD_SPARE_INBOX"])
        wait_until(
            lambda: not daemon.inbox() and not list(spare.glob("*.hookd")), timeout=60, what="both inboxes to be swept"
        )
        n = 10**9
        reply = daemon.request(faults.frame("end", n, time.time_ns()))
        assert reply.startswith(b"OK "), reply

        def closing_event_is_last() -> bool:
            last = client.xrevrange(STREAM, count=1)
            return bool(last) and json.loads(last[0][1][b"envelope"])["payload"].get("sender") == "end"

        wait_until(closing_event_is_last, timeout=90, interval=0.1, what="the closing event")
        entries, hostile_published = published(client)
        assert entries[-1] == ("end", n)
        faults.assert_each_sender_exactly_once_in_order(entries[:-1], {s.sender: s.handed for s in senders})
        assert hostile_published >= hostile.acknowledged
        assert sum(s.outcomes["lost"] for s in senders) == 0
        # Healthy again once the faults are over, and unhealthy only while one was active.
        last = []

        def settled() -> bool:
            last.append(sampler.sample())
            return health.settled(last[-1], applied, list(lateness.starved))

        try:
            wait_until(settled, timeout=grace_s, interval=0.25, what="status to say healthy")
        except AssertionError:
            raise AssertionError(f"not healthy after the faults: {last[-1]}") from None
        finally:
            samples = sampler.finish()
            starved = lateness.finish()
            print(f"health samples: {collections.Counter(s.health for s in samples)}, grace {grace_s:g}s")
            print(f"the test's own sleeps woke {health.STARVED_S:g}s or more late {len(starved)} times")
            print(health.timeline(samples, applied, origin))
        assert health.violations(samples, applied, grace_s, starved) == []
        if any(f.name == "redis" for f in applied):
            assert health.degraded_during(samples, applied, "redis") > 0, "Redis down, never degraded"
    finally:
        cleanup()


def test_the_health_check_finds_a_status_unhealthy_outside_the_faults():
    """The verdict on the samples can fail: degraded after the grace, absent outside a stop or
    a kill, the loop-lag reason beside another one; and it lets each of them pass in its place."""

    def sample(at: float, state: str, *reasons: str) -> health.Sample:
        return health.Sample(at, at + 0.01, state, list(reasons))

    redis_down, late = "redis is down (refused); 3 events spooled", "the event loop runs late: p99 300 ms"
    applied = [health.Fault("redis", 10.0, 12.0), health.Fault("stop", 20.0, 21.0)]
    fine = [
        sample(11.0, "degraded", redis_down),
        sample(15.9, "degraded", redis_down),
        sample(20.5, "unknown", "timed out"),
        sample(30.0, "degraded", late),
        sample(40.0, "healthy"),
    ]
    assert health.violations(fine, applied, grace_s=4.0) == []
    wrong = [
        sample(16.1, "degraded", redis_down),
        sample(5.0, "stalled", "stalled: x"),
        sample(15.0, "not running", "nothing answers"),
        sample(30.0, "degraded", late, redis_down),
        sample(35.0, "degraded", late),
    ]
    assert len(health.violations(wrong, applied, grace_s=4.0)) == len(wrong)
    # The machine starved of CPU (the test's own sleeps woke late) explains a loop-lag reason
    # alone within the lag verdict's window, and nothing else.
    starved_at = [33.0]
    assert health.violations([sample(35.0, "degraded", late)], applied, 4.0, starved_at) == []
    assert len(health.violations([sample(60.0, "degraded", late)], applied, 4.0, starved_at)) == 1
    assert len(health.violations([sample(35.0, "degraded", late, redis_down)], applied, 4.0, starved_at)) == 1
    assert health.degraded_during(fine, applied, "redis") == 1
    assert health.settled(sample(30.0, "degraded", late), applied)
    assert not health.settled(sample(30.0, "degraded", redis_down), applied)
    # A restart (kill, stderr) explains a loop-lag reason alone as a stop does (the new hookd catches up);
    # a starved test explains it in the verdict's window; neither explains it later, nor another reason.
    restarted = [health.Fault("kill", 40.0, 41.0), health.Fault("stderr", 50.0, 52.0)]
    assert health.settled(sample(49.0, "degraded", late), restarted)
    assert health.settled(sample(60.0, "degraded", late), restarted)
    assert not health.settled(sample(70.0, "degraded", late), restarted)
    assert not health.settled(sample(60.0, "degraded", late, redis_down), restarted)
    assert health.settled(sample(80.0, "degraded", late), restarted, [75.0])
    assert not health.settled(sample(90.0, "degraded", late), restarted, [75.0])
