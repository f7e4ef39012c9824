#!/usr/bin/env python3
"""hook-send against a hookd that never answers (stopped), and a client the scheduler leaves waiting.

Three figures per client, HOOKD_SEND_TIMEOUT_MS=300 (as the guard test that failed once under load):

- stopped: wall time of a run whose frame a listening socket takes but never answers, so the client
  waits out its socket share and keeps the event in the inbox (p50, p99 over --runs);
- no hookd: wall time of a run with no socket, which keeps the event in the inbox at once (its fsync
  in a child process since h288);
- stall a..b: the client SIGSTOPped from a to b ms after its start, a scheduler that leaves it
  unscheduled as its wait for the answer ends: how many runs the inbox still kept (the rest said
  "not acknowledged"; hookd here never takes the frame, so those events are gone).

Usage: python3 bench/send_under_load.py [--runs N] CLIENT [ARG...]   (the native binary, or
`python3 client/hook_send.py`)
"""

import argparse
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

TIMEOUT_MS = 300
STALLS = ((230, 330), (190, 330), (150, 330))


def one(client, base, i, stall=None, absent=False):
    """-> (wall seconds, kept in the inbox); absent: no socket at all (the inbox at once, with its fsync)"""
    state, sock = base / f"s{i}", base / f"{i}.sock"
    srv = socket.socket(socket.AF_UNIX)
    if not absent:
        srv.bind(str(sock))
        srv.listen(4)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOOKD_")}
    env.update(
        HOOKD_SOCKET=str(sock),
        HOOKD_STATE_DIR=str(state),
        HOOKD_SPARE_INBOX=str(base / f"spare{i}"),
        HOOKD_SEND_TIMEOUT_MS=str(TIMEOUT_MS),
    )
    t0 = time.monotonic()
    proc = subprocess.Popen([*client, "Stop"], stdin=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    proc.stdin.write(json.dumps({"hook_event_name": "Stop", "session_id": "s"}).encode())
    proc.stdin.close()
    if stall:
        time.sleep(max(0.0, stall[0] / 1000 - (time.monotonic() - t0)))
        proc.send_signal(signal.SIGSTOP)
        time.sleep(max(0.0, stall[1] / 1000 - (time.monotonic() - t0)))
        proc.send_signal(signal.SIGCONT)
    proc.wait(30)
    wall = time.monotonic() - t0
    srv.close()
    return wall, any((state / "inbox").glob("*.hookd"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("client", nargs="+")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="hookd-bench-", dir="/tmp") as tmp:
        base = Path(tmp)
        walls = sorted(one(args.client, base, i)[0] for i in range(args.runs))
        p50, p99 = walls[len(walls) // 2], walls[min(len(walls) - 1, int(len(walls) * 0.99))]
        print(f"stopped hookd: wall p50 {p50 * 1e3:.1f} ms, p99 {p99 * 1e3:.1f} ms ({args.runs} runs)")
        walls = sorted(one(args.client, base, 50_000 + i, absent=True)[0] for i in range(args.runs))
        p50, p99 = walls[len(walls) // 2], walls[min(len(walls) - 1, int(len(walls) * 0.99))]
        print(f"no hookd (inbox, fsync): wall p50 {p50 * 1e3:.2f} ms, p99 {p99 * 1e3:.2f} ms ({args.runs} runs)")
        n = max(10, args.runs // 5)
        for k, stall in enumerate(STALLS):
            kept = sum(one(args.client, base, 10_000 * (k + 1) + i, stall)[1] for i in range(n))
            print(f"stall {stall[0]}..{stall[1]} ms: kept {kept}/{n}")


if __name__ == "__main__":
    main()
