#!/usr/bin/env python3
"""What `hookd status` and hook-send meet while a real `hookd run` starts on a big state directory.

A spool of ``--events`` events of ``--bytes`` each in segments of ``--segment-bytes`` (Redis not reachable,
so none is published), and ``--inbox`` files in the inbox, as hook-send leaves them. From the process's
spawn, on CLOCK_MONOTONIC: when the control socket's file appears (its bind), when `hookd status --json`
first answers from the start (``starting``), and when the running daemon answers; and what each status asked
meanwhile said (its exit code and health, or "not running"), one after the other. A hook-send is made at the
socket's bind with a 250 ms deadline (the default): where its event went.

Usage:
    .venv/bin/python bench/start_window.py [--events 20000] [--bytes 1000] [--segment-bytes 65536] [--inbox 5000]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

from hookd.hooks.native import binary_path
from hookd.spool import Spool
from hookd.spool.event import Event
from hookd_client.hook_send import make_header


def fill(state: str, events: int, size: int, segment_bytes: int, inbox: int) -> None:
    spool = Spool(os.path.join(state, "spool"), segment_bytes=segment_bytes, fsync="never")
    now = time.time_ns()
    batch = [
        Event(
            n + 1,
            "h",
            f"e{n}",
            "Stop",
            "s",
            "",
            json.dumps({"payload": {"n": n, "pad": "x" * size}}).encode(),
            f"old-{n}",
            now,
        )
        for n in range(events)
    ]
    for at in range(0, events, 1000):
        spool.append_many(batch[at : at + 1000])
    spool.close()
    directory = os.path.join(state, "inbox")
    os.makedirs(directory, mode=0o700, exist_ok=True)
    body = json.dumps({"hook_event_name": "Stop", "session_id": "bench"}).encode()
    for n in range(inbox):
        head, sent_ns, pid, hid = make_header(body, handoff_id=f"in-{n:09d}")
        with open(os.path.join(directory, f"{sent_ns:020d}-{pid}-{hid}.hookd"), "wb") as f:
            f.write(head + body)


def status(env: dict[str, str]) -> tuple[int, str]:
    done = subprocess.run([sys.executable, "-m", "hookd", "status", "--json"], env=env, capture_output=True)
    try:
        document = json.loads(done.stdout)
    except ValueError:
        return done.returncode, "no document"
    if document.get("running") is False:
        return done.returncode, "not running"
    return done.returncode, document.get("health") or str(document.get("error"))[:60]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--bytes", type=int, default=1000)
    parser.add_argument("--segment-bytes", type=int, default=64 << 10)
    parser.add_argument("--inbox", type=int, default=5000)
    args = parser.parse_args()
    base = tempfile.mkdtemp(prefix="hookd-bench-window-")
    sockets = tempfile.mkdtemp(prefix="hookd-w-", dir="/tmp")
    state = os.path.join(base, "state")
    os.makedirs(state, mode=0o700)
    fill(state, args.events, args.bytes, args.segment_bytes, args.inbox)
    segments = len([n for n in os.listdir(os.path.join(state, "spool")) if n.endswith(".seg")])
    print(f"{args.events:,} events in {segments} segments, {args.inbox:,} inbox files")
    control = os.path.join(sockets, "control.sock")
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOOKD_")}
    env |= {
        "HOOKD_STATE_DIR": state,
        "HOOKD_SOCKET": os.path.join(sockets, "hookd.sock"),
        "HOOKD_REDIS_URL": "redis://127.0.0.1:1",
        "HOOKD_CONFIG": os.path.join(base, "config.toml"),
        "HOOKD_SPARE_INBOX": os.path.join(base, "spare"),
        "HOOKD_SPOOL_MAX_BYTES": str(4 << 30),
        "HOOKD_LOG_FORMAT": "json",
    }
    open(env["HOOKD_CONFIG"], "w").close()
    said: list[tuple[float, float, int, str]] = []
    began = time.monotonic()
    log = open(os.path.join(base, "hookd.log"), "wb")
    proc = subprocess.Popen([sys.executable, "-m", "hookd", "run"], env=env, stderr=log)
    served = threading.Event()

    def ask() -> None:
        while not served.is_set() and proc.poll() is None:
            asked = time.monotonic() - began
            code, what = status(env)
            said.append((asked, time.monotonic() - began, code, what))
            if code != 3 and what not in ("not running", "starting", "stalled"):
                served.set()

    asker = threading.Thread(target=ask)
    asker.start()
    while not os.path.exists(control) and proc.poll() is None:
        time.sleep(0.005)
    bound = time.monotonic() - began
    sent_at = time.monotonic()
    native = binary_path(os.path.expanduser("~/.local/state/hookd"))  # as `make setup` built it
    client = [native] if os.access(native, os.X_OK) else [sys.executable, "-m", "hookd_client.hook_send"]
    sent = subprocess.run(
        client,
        input=b'{"hook_event_name": "Stop", "session_id": "bench"}',
        env=env | {"HOOKD_DEBUG": "1", "HOOKD_SEND_TIMEOUT_MS": "250"},
        capture_output=True,
    )
    took = time.monotonic() - sent_at
    asker.join()
    ended = proc.poll()
    proc.terminate()
    proc.wait(60)
    if ended is not None:
        print(f"hookd exited with {ended} during the start:")
        with open(os.path.join(base, "hookd.log"), "rb") as f:
            print(f.read().decode(errors="replace")[-2000:])
    print(f"control socket bound {bound:.2f} s after the spawn")
    print(f"hook-send ({os.path.basename(client[0])}) at the bind: {took * 1000:.0f} ms")
    print("  " + sent.stderr.decode(errors="replace").strip().replace("\n", "\n  "))
    for asked, answered, code, what in said:
        print(f"  status asked at {asked:6.2f} s, answered at {answered:6.2f} s: exit {code}, {what}")
    log.close()
    with open(os.path.join(base, "hookd.log"), "rb") as f:
        events = [json.loads(line).get("event") for line in f if line.startswith(b"{")]
    print(f"the daemon logged: {', '.join(e for e in events if e and not e.startswith('redis_'))[:400]}")
    shutil.rmtree(base)
    shutil.rmtree(sockets, ignore_errors=True)


if __name__ == "__main__":
    main()
