#!/usr/bin/env python3
"""How long is hookd away when it restarts under socket activation?

systemd-socket-activate holds the event and control sockets; a supervisor loop
(as in tests/test_socket_activation.py) starts hookd again whenever it exits,
passing the same sockets and a NOTIFY_SOCKET this script listens on. Each
round signals hookd (SIGTERM: a graceful stop and drain; SIGKILL: a crash) and
measures, on CLOCK_MONOTONIC:

- signal -> READY=1 from the next hookd (its MAINPID differs): how long no
  hookd serves. For SIGKILL this is, within a few ms of fork and exec in sh,
  the time from exec to serving;
- the wall time of one real hook-send started right after the signal, with a
  deadline long enough not to fall back to the inbox: what a hook waits when
  it lands in the window. With the default 250 ms deadline such a hook would
  leave its event in the inbox (still delivered, later).

Usage:
    .venv/bin/python bench/restart_window.py [--rounds 10]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _harness import REPO, Processes  # noqa: E402

SUPERVISOR = """
stop=$1; shift
while [ ! -e "$stop" ]; do
    sh -c 'export LISTEN_PID=$$; exec "$@"' hookd "$@"
done
"""
CLIENT = os.path.join(REPO, "client", "hook_send.py")


def wait_ready(notify: socket.socket, other_than: int | None, timeout: float = 30) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        notify.settimeout(max(deadline - time.monotonic(), 0.001))
        fields = dict(line.split("=", 1) for line in notify.recv(4096).decode().splitlines())
        if fields.get("READY") == "1" and int(fields["MAINPID"]) != other_than:
            return int(fields["MAINPID"])
    raise TimeoutError("no READY=1 from a new hookd")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10, help="restarts per signal")
    args = parser.parse_args()
    procs = Processes()
    procs.start_redis()
    sock, control = procs.socket, os.path.join(procs.sockdir, "control.sock")
    notify_path = os.path.join(procs.sockdir, "notify.sock")
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(notify_path)
    stop_file = os.path.join(procs.workdir, "stop")
    config = os.path.join(procs.workdir, "config.toml")
    open(config, "w").close()
    hookd = [
        sys.executable,
        "-m",
        "hookd",
        "run",
        "--socket",
        sock,
        "--control-socket",
        control,
        "--state-dir",
        procs.state_dir,
        "--redis-url",
        f"redis://127.0.0.1:{procs.port}/0",
        "--config",
        config,
        "--log-format",
        "json",
        "--spare-inbox",
        os.path.join(procs.workdir, "spare-inbox"),
    ]
    log = open(os.path.join(procs.workdir, "hookd.log"), "ab")
    activator = subprocess.Popen(
        [
            shutil.which("systemd-socket-activate"),
            "-l",
            sock,
            "-l",
            control,
            f"--setenv=NOTIFY_SOCKET={notify_path}",
            "sh",
            "-c",
            SUPERVISOR,
            "supervise",
            stop_file,
            *hookd,
        ],
        stdout=subprocess.DEVNULL,
        stderr=log,
        cwd=REPO,
    )
    client_env = {
        "PATH": os.environ["PATH"],
        "HOOKD_SOCKET": sock,
        "HOOKD_STATE_DIR": procs.state_dir,
        "HOOKD_SEND_TIMEOUT_MS": "30000",
        "HOOKD_DEBUG": "1",
    }
    body = b'{"hook_event_name":"Stop","session_id":"bench-restart"}'
    results: dict[str, list[tuple[float, float]]] = {"SIGTERM": [], "SIGKILL": []}
    try:
        while not os.path.exists(sock):
            time.sleep(0.01)
        with socket.socket(socket.AF_UNIX) as first:
            first.connect(sock)  # the first connection starts hookd
        pid = wait_ready(notify, None)
        for _ in range(args.rounds):
            for sig in (signal.SIGTERM, signal.SIGKILL):
                time.sleep(0.3)
                started = time.monotonic()
                os.kill(pid, sig)
                client = subprocess.Popen(
                    [sys.executable, "-I", "-S", CLIENT], env=client_env, stdin=subprocess.PIPE, stderr=subprocess.PIPE
                )
                pid = wait_ready(notify, pid)
                ready = time.monotonic()
                _, err = client.communicate(body, timeout=60)
                waited = time.monotonic() - started
                if b"event delivered" not in err:
                    raise SystemExit(f"hook-send did not deliver: {err.decode(errors='replace')}")
                results[sig.name].append((ready - started, waited))
    finally:
        open(stop_file, "w").close()
        try:
            os.kill(pid, signal.SIGTERM)
        except (ProcessLookupError, UnboundLocalError):
            pass
        activator.wait(60)
        procs.stop_all()
        procs.cleanup(keep=False)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, {args.rounds} rounds per signal")
    print("| signal | signal -> READY=1, median | max | hook-send in the window, median | max |")
    print("|---|---|---|---|---|")
    for name, rows in results.items():
        down = [r[0] * 1000 for r in rows]
        wait = [r[1] * 1000 for r in rows]
        print(
            f"| {name} | {statistics.median(down):.0f} ms | {max(down):.0f} ms | "
            f"{statistics.median(wait):.0f} ms | {max(wait):.0f} ms |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
