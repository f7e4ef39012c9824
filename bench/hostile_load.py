#!/usr/bin/env python3
"""Bounded work per event: other clients' latency while one client sends hostile 8 MiB events.

One client sends, in a loop, 8 MiB events whose Bash command is `git -C (git` repeated (the
costliest command for the command-risk rules, linear since the seventeenth red-team pass: about
4 s for 8 MiB; the daemon prepares each in its worker process and, past work_budget_ms,
withholds the payload). Meanwhile ``--clients`` threads do what hook-send
does, one connection per event (connect, send a ~300-byte frame, read ``OK``), timing each
exchange; and one thread runs the real hook-send (client/hook_send.py, its default 250 ms
deadline) in a loop, counting how often it fell back to the inbox. A baseline phase without
the hostile client runs first, for comparison.

Goal (issue 15): the other clients' OK latency p99 under 50 ms, and no inbox fallback.

    .venv/bin/python bench/hostile_load.py [--seconds 30] [--clients 4] [--hostile-mib 8]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import threading
import time

from _harness import REPO, Processes

CLIENT = os.path.join(REPO, "client", "hook_send.py")


def small_frame(n: int) -> bytes:
    body = json.dumps(
        {
            "hook_event_name": "PreToolUse",
            "session_id": "bench-small",
            "n": n,
            "tool_name": "Bash",
            "tool_input": {"command": f"ls -la /tmp/{n}"},
        }
    ).encode()
    return b"HOOKD/1 %d sent=%d pid=%d ppid=1 id=s%012d\n" % (len(body), time.time_ns(), os.getpid(), n) + body


def hostile_frame(mib: int, n: int) -> bytes:
    size = (mib << 20) - 200
    body = json.dumps(
        {
            "hook_event_name": "PreToolUse",
            "session_id": "bench-hostile",
            "n": n,
            "tool_name": "Bash",
            "tool_input": {"command": "git" + " -C (git" * (size // 8)},
        }
    ).encode()
    return b"HOOKD/1 %d\n" % len(body) + body


def exchange(path: str, data: bytes, timeout: float = 60.0) -> bytes:
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(timeout)
        s.connect(path)
        s.sendall(data)
        reply = b""
        while b"\n" not in reply:
            chunk = s.recv(4096)
            if not chunk:
                break
            reply += chunk
        return reply


class Small(threading.Thread):
    def __init__(self, path: str, stop: threading.Event, base: int) -> None:
        super().__init__(daemon=True)
        self.path, self.stop, self.n = path, stop, base
        self.latencies: list[float] = []
        self.errors: list[str] = []

    def run(self) -> None:
        while not self.stop.is_set():
            frame = small_frame(self.n)
            self.n += 1
            started = time.perf_counter()
            try:
                reply = exchange(self.path, frame)
            except OSError as exc:
                self.errors.append(repr(exc))
                continue
            self.latencies.append(time.perf_counter() - started)
            if not reply.startswith(b"OK "):
                self.errors.append(reply[:100].decode(errors="replace"))
            time.sleep(0.005)


class RealClient(threading.Thread):
    def __init__(self, env: dict, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.env, self.stop = env, stop
        self.outcomes: dict[str, int] = {}

    def run(self) -> None:
        n = 0
        while not self.stop.is_set():
            body = json.dumps({"hook_event_name": "Stop", "session_id": "bench-real", "n": n}).encode()
            result = subprocess.run(
                [sys.executable, "-I", "-S", CLIENT], input=body, env=self.env, capture_output=True, timeout=30
            )
            err = result.stderr.decode(errors="replace")
            key = "delivered" if "event delivered" in err else "inbox" if "saved to" in err else "other"
            self.outcomes[key] = self.outcomes.get(key, 0) + 1
            n += 1


class Hostile(threading.Thread):
    def __init__(self, path: str, mib: int, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.path, self.mib, self.stop = path, mib, stop
        self.sent = 0
        self.replies: list[str] = []
        self.durations: list[float] = []

    def run(self) -> None:
        n = 0
        while not self.stop.is_set():
            frame = hostile_frame(self.mib, n)
            started = time.perf_counter()
            try:
                reply = exchange(self.path, frame, timeout=120)
            except OSError as exc:
                reply = repr(exc).encode()
            self.durations.append(time.perf_counter() - started)
            self.replies.append(reply[:40].decode(errors="replace"))
            self.sent += 1
            n += 1


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)


def phase(procs: Processes, seconds: float, clients: int, hostile_mib: int | None, env: dict) -> dict:
    stop = threading.Event()
    smalls = [
        Small(procs.socket, stop, base=i * 10_000_000 + int(time.time()) % 1_000_000 * 10) for i in range(clients)
    ]
    real = RealClient(env, stop)
    hostile = Hostile(procs.socket, hostile_mib, stop) if hostile_mib else None
    threads = smalls + [real] + ([hostile] if hostile else [])
    if hostile:
        hostile.start()
        time.sleep(1.0)  # the first hostile event is being prepared
    for t in smalls + [real]:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join(180)
    latencies = [x for s in smalls for x in s.latencies]
    return {
        "hostile_mib": hostile_mib,
        "ok_exchanges": len(latencies),
        "ok_latency_ms": {"p50": pct(latencies, 0.5), "p99": pct(latencies, 0.99), "max": pct(latencies, 1.0)},
        "small_errors": sum(len(s.errors) for s in smalls),
        "real_client": real.outcomes,
        "hostile_events": hostile.sent if hostile else 0,
        "hostile_replies": sorted(set(r.split(" ")[0] for r in hostile.replies)) if hostile else [],
        "hostile_s_each": pct(hostile.durations, 0.5) if hostile else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--hostile-mib", type=int, default=8)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    procs = Processes()
    try:
        procs.start_redis()
        spare = os.path.join(procs.workdir, "spare")
        procs.start_hookd({"HOOKD_SPARE_INBOX": spare})
        env = {k: v for k, v in os.environ.items() if not k.startswith("HOOKD_")}
        env.update(
            {
                "HOOKD_SOCKET": procs.socket,
                "HOOKD_STATE_DIR": procs.state_dir,
                "HOOKD_SPARE_INBOX": spare,
                "HOOKD_DEBUG": "1",
            }
        )
        results = [
            phase(procs, args.seconds, args.clients, None, env),
            phase(procs, args.seconds, args.clients, args.hostile_mib, env),
        ]
        status = subprocess.run(
            [sys.executable, "-m", "hookd", "status", "--json"],
            env={**env, "HOOKD_CONFIG": os.path.join(procs.workdir, "config.toml")},
            capture_output=True,
            timeout=30,
        )
        work = json.loads(status.stdout).get("work") if status.stdout else None
        print(
            json.dumps(
                {"cpus": os.cpu_count(), "load_avg_1m": round(os.getloadavg()[0], 1), "phases": results, "work": work},
                indent=2,
            )
        )
        procs.check_hookd_alive()
    finally:
        procs.stop_hookd()
        procs.cleanup(args.keep)
    return 0


if __name__ == "__main__":
    sys.exit(main())
