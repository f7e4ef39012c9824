#!/usr/bin/env python3
"""The spool's reserve on a full disk: how many events hookd still takes, and how fast.

Mounts a tmpfs (needs root) as hookd's state directory, with no Redis to publish to,
fills the filesystem, then sends ~1 KiB framed events on one connection (in chunks of
100, one reply each) until hookd refuses with ``disk_full``. Reports how many events the
reserve took, at what rate compared with the same sending before the disk filled, and
the time from the first ENOSPC to the first refusal.

    sudo .venv/bin/python bench/disk_reserve.py [--reserve-mib 64] [--tmpfs-mib 160]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time

from _harness import EventMaker, Processes


def send_until_refused(path: str, maker: EventMaker, first: int, limit: int) -> tuple[int, float, bytes]:
    """Events OK'd before the first refusal (or ``limit``), the seconds it took, the refusal."""
    sent = 0
    started = time.perf_counter()
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(60)
        s.connect(path)
        reader = s.makefile("rb")
        while sent < limit:
            chunk = b""
            for i in range(100):
                body = maker.body(first + sent + i)
                chunk += b"HOOKD/1 %d\n" % len(body) + body
            s.sendall(chunk)
            for _ in range(100):
                line = reader.readline()
                if not line.startswith(b"OK "):
                    return sent, time.perf_counter() - started, line
                sent += 1
    return sent, time.perf_counter() - started, b""


def fill(directory: str) -> str:
    path = os.path.join(directory, "filler")
    with open(path, "wb") as fh:
        try:
            while True:
                fh.write(b"\0" * (1 << 20))
                fh.flush()
        except OSError:
            pass
    for size in (4096, 1):
        try:
            with open(path, "ab") as fh:
                while True:
                    fh.write(b"\0" * size)
                    fh.flush()
        except OSError:
            pass
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reserve-mib", type=int, default=64)
    parser.add_argument("--tmpfs-mib", type=int, default=160)
    parser.add_argument("--event-bytes", type=int, default=1024)
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("needs root (mount -t tmpfs)", file=sys.stderr)
        return 2
    procs = Processes()
    os.makedirs(procs.state_dir, mode=0o700)
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={args.tmpfs_mib}m,mode=0700", "tmpfs", procs.state_dir], check=True
    )
    try:
        procs.start_hookd(
            {
                "HOOKD_SPOOL_RESERVE_BYTES": str(args.reserve_mib << 20),
                "HOOKD_SPARE_INBOX": os.path.join(procs.workdir, "spare"),
            }
        )
        maker = EventMaker(args.event_bytes)
        before, before_s, _ = send_until_refused(procs.socket, maker, 0, 20_000)
        fill(procs.state_dir)
        after, after_s, refusal = send_until_refused(procs.socket, maker, before, 10**9)
        print(
            json.dumps(
                {
                    "cpus": os.cpu_count(),
                    "load_avg_1m": round(os.getloadavg()[0], 1),
                    "reserve_mib": args.reserve_mib,
                    "event_bytes": args.event_bytes,
                    "before_full": {"events": before, "events_per_s": round(before / before_s)},
                    "after_full": {
                        "events": after,
                        "events_per_s": round(after / after_s) if after else 0,
                        "seconds_to_refusal": round(after_s, 2),
                        "refusal": refusal.decode(errors="replace").strip()[:160],
                    },
                    "reserve_given_back_times": sum(
                        1 for line in open(procs.hookd_log_path, "rb") if b'"spool_disk_full"' in line
                    ),
                },
                indent=2,
            )
        )
    finally:
        procs.stop_hookd()
        subprocess.run(["umount", "-l", procs.state_dir], check=False)
        procs.cleanup(False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
