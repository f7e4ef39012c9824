"""Sixty-third pass: hookd killed (SIGKILL) at random moments across many starts of the spool's new
start read (spool/cursor_segment.py), with Redis down for some rounds and up for others, and the
spool's files damaged between some of them: every event hook-send handed over reaches the stream
once, in order per session."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import threading
import time

import pytest
from conftest import CLIENT_ARGV, free_port, wait_until

ROUNDS = int(os.environ.get("HOOKD_TEST_KILL_ROUNDS", "6"))
# Opt-in variations for longer runs: the spool's fsync mode, a segment size that rotates more often,
# the inbox swept more often (seventy-third pass).
FSYNC = os.environ.get("HOOKD_TEST_KILL_FSYNC")
SEGMENT_BYTES = os.environ.get("HOOKD_TEST_KILL_SEGMENT_BYTES", str(64 << 10))
INBOX_POLL_MS = os.environ.get("HOOKD_TEST_KILL_INBOX_POLL_MS")


def _send_loop(daemon, session: str, sent: list[int], stop: threading.Event) -> None:
    n = len(sent)
    while not stop.is_set():
        body = json.dumps({"hook_event_name": "Stop", "session_id": session, "n": n, "pad": "p" * 3000}).encode()
        done = subprocess.run(
            CLIENT_ARGV,
            input=body,
            capture_output=True,
            timeout=30,
            env={**daemon.env, "HOOKD_SEND_TIMEOUT_MS": "3000"},
        )
        assert done.returncode == 0 and done.stdout == b"", done.stderr
        sent.append(n)  # handed over: an OK, or an inbox file (hook-send exits 0 either way)
        n += 1


def _damage(spool, rng: random.Random, how: str) -> None:
    segs = sorted(spool.glob("*.seg"))
    if how == "torn_tail" and segs:
        with open(segs[-1], "ab") as f:
            f.write(os.urandom(rng.randrange(1, 40)))
    elif how == "empty_newest" and segs:
        last = int(segs[-1].name[:-4])
        path = spool / f"{last + 1:020d}.seg"
        path.touch()
        os.chmod(path, 0o600)
    elif how == "count_wrong":
        counts = sorted(spool.glob("*.count"))
        if counts:
            path = rng.choice(counts)
            path.write_bytes(b"%d\n" % rng.randrange(0, 5))
    elif how == "cursor_cut" and (spool / "cursor").exists():
        data = (spool / "cursor").read_bytes()
        (spool / "cursor").write_bytes(data[: rng.randrange(0, len(data))])


@pytest.mark.process
@pytest.mark.parametrize("seed", [int(x) for x in os.environ.get("HOOKD_TEST_KILL_SEEDS", "1").split(",")])
def test_kill_at_random_moments_loses_and_repeats_nothing(hookd_factory, redis_server, redis_db, seed):
    rng = random.Random(seed)
    nowhere = f"redis://127.0.0.1:{free_port()}/0"
    extra = {"spool_fsync": FSYNC} if FSYNC else {}
    if INBOX_POLL_MS:
        extra["inbox_poll_ms"] = INBOX_POLL_MS
    daemon = hookd_factory(redis_url=nowhere, spool_segment_bytes=SEGMENT_BYTES, **extra)
    spool = daemon.state_dir / "spool"
    sent: dict[str, list[int]] = {"a": [], "b": []}
    damages = os.environ.get("HOOKD_TEST_KILL_DAMAGES", "none,torn_tail,empty_newest,cursor_cut,count_wrong").split(",")
    for round_ in range(ROUNDS):
        stop = threading.Event()
        threads = [threading.Thread(target=_send_loop, args=(daemon, s, sent[s], stop)) for s in sent]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(0.2, 2.0))
        daemon.proc.send_signal(signal.SIGKILL)
        daemon.proc.wait()
        daemon.log.close()
        time.sleep(rng.uniform(0, 0.3))  # some sends land in the inbox while it is down
        stop.set()
        for t in threads:
            t.join(60)
        _damage(spool, rng, damages[round_ % len(damages)])
        daemon.env["HOOKD_REDIS_URL"] = redis_server.url if round_ % 2 else nowhere
        daemon.start()
    daemon.env["HOOKD_REDIS_URL"] = redis_server.url
    daemon.stop(signal.SIGKILL)
    daemon.start()
    total = sum(len(v) for v in sent.values())
    wait_until(lambda: redis_db.xlen("hookd:events") >= total, timeout=120, what=f"{total} events in Redis")
    time.sleep(1)
    arrived: dict[str, list[int]] = {s: [] for s in sent}
    for _, f in redis_db.xrange("hookd:events"):
        payload = json.loads(f[b"envelope"])["payload"]
        arrived[payload["session_id"]].append(payload["n"])
    for s in sent:
        assert sorted(arrived[s]) == sent[s], (s, len(arrived[s]), len(sent[s]))
        assert arrived[s] == sent[s], (s, [x for i, x in enumerate(arrived[s]) if i and x < arrived[s][i - 1]][:10])
