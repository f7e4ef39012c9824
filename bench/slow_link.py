#!/usr/bin/env python3
"""A large event through a slow link to Redis: how long it takes to land, and how many times it crosses.

Between a hookd of its own and a redis-server of its own sits tests/slow_link_proxy.py (a token
bucket, RATE bytes a second each way). For each case a SIZE event and a small one go in through
hook-send; the script waits until both are in the stream and reports the seconds, the bytes hookd
sent towards Redis (as a number of the big event's envelopes), and the log's Redis events.

    .venv/bin/python bench/slow_link.py [--size 6000000] [--timeout 90] [--source DIR]

``--source``: another tree's hookd (e.g. the base's), to compare; a case that has not landed by
``--timeout`` says so.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

sys.path[:0] = [os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests")]
from _harness import REPO, Processes  # noqa: E402
from slow_link_proxy import RATE, SlowLinkProxy  # noqa: E402

CLIENT = os.path.join(REPO, "client")
CASES = {
    "defaults (redis_timeout_s 5)": {},
    "link 16x slower than redis_min_bytes_per_s": {"HOOKD_REDIS_MIN_BYTES_PER_S": str(16 * RATE)},
}


def send(proc: Processes, body: bytes) -> None:
    argv = [
        sys.executable,
        "-I",
        "-S",
        "-c",
        f"import sys;sys.path[:0]=[{CLIENT!r}];import hook_send;hook_send.exit_after_main()",
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOOKD_")}
    env.update(HOOKD_SOCKET=proc.socket, HOOKD_STATE_DIR=proc.state_dir, HOOKD_SEND_TIMEOUT_MS="20000")
    subprocess.run(argv, input=body, env=env, check=True, timeout=60)


def case(size: int, settings: dict[str, str], timeout: float, source: str) -> dict:
    proc = Processes()
    try:
        proc.start_redis()
        proxy = SlowLinkProxy(("127.0.0.1", proc.port))
        env = {"HOOKD_REDIS_URL": f"redis://127.0.0.1:{proxy.port}/0", "HOOKD_WORK_BUDGET_MS": "30000", **settings}
        proc.start_hookd(env, hookd_source=source)
        words = " ".join(f"line {i} of a long build log" for i in range(size // 28))
        start = time.monotonic()
        send(proc, json.dumps({"hook_event_name": "PostToolUse", "session_id": "big", "tool_response": words}).encode())
        send(proc, json.dumps({"hook_event_name": "Stop", "session_id": "small"}).encode())
        while proc.redis.xlen(proc.stream) < 2 and time.monotonic() - start < timeout:
            time.sleep(0.1)
        landed = time.monotonic() - start
        entries = proc.redis.xrange(proc.stream)
        envelope = max((len(f[b"envelope"]) for _, f in entries), default=size)
        events = [line.get("event") for line in proc.log_lines()]
        proxy.close()
        return {
            "landed_s": round(landed, 1) if len(entries) >= 2 else None,
            "entries": len(entries),
            "crossings": round(proxy.upstream_bytes / envelope, 2),
            "log": sorted({e for e in events if e and e.startswith(("redis_", "breaker_"))}),
        }
    finally:
        proc.stop_all()
        proc.cleanup(False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=6_000_000)
    parser.add_argument("--timeout", type=float, default=90)
    parser.add_argument("--source", default=REPO)
    args = parser.parse_args()
    print(f"link {RATE / 1e6:g} MB/s each way, event {args.size / 1e6:g} MB, hookd from {args.source}")
    for name, settings in CASES.items():
        r = case(args.size, settings, args.timeout, args.source)
        landed = f"landed in {r['landed_s']} s" if r["landed_s"] is not None else f"not landed in {args.timeout:g} s"
        print(f"{name}: {landed}, {r['entries']} entries, {r['crossings']} envelopes sent, log {r['log']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
