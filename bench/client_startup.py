#!/usr/bin/env python3
"""How much does hook-send cost Claude Code per hook, compared with a bare interpreter?

Measures whole-process wall time (time.perf_counter_ns around subprocess.run)
of the Python hook command (`hookd print-hook-command --hook-client python`: `python -I -S -c
"import hook_send; ..."`, which loads the client's cached bytecode) against
`python -I -S -c pass` on the same interpreter, runs interleaved in an order shuffled each round (seeded)
so that drift, and what one variant leaves behind (an fsync's writeback), hits all alike, for a small and
a 2 MB payload, in three situations:

- bare:   `python -I -S -c pass`, same stdin
- bare+stdin: a bare interpreter that reads its stdin, for reference: the least
          any hook pays to take a 2 MB payload
- daemon: a listener process reads each frame fully and answers `OK x`,
          so the client does the whole hand-off
- absent: no socket; the client falls back to the inbox in a temporary state
          directory (HOOKD_INBOX_FSYNC left on, so each run fsyncs)

and, for information, the daemon and absent cases again with the client run
as a script (`python -I -S hook_send.py`): Python compiles a script given by
its path on every run, and for this file that is most of the client's cost.

The native client (client/hook_send.c, built here with hookd/hooks/native.py)
is measured in the same run as Claude Code runs every command hook, through
`/bin/sh -c "<command>"`, against the floor of any command hook, `sh -c 'exec
/bin/true'` (sh-true), and so is the Python hook command (py.sh):

- native.sh daemon / absent: `sh -c 'exec <native> PreToolUse'` (the command `hookd hooks install`
  writes), goals 1.3x and 2x of sh-true
- py.sh daemon: `sh -c '<python hook command>'`, for comparison
- sh-cat: `sh -c 'exec cat >/dev/null'`, for reference: what any hook pays to read the payload
- native.sh absent, no fsync: HOOKD_INBOX_FSYNC=0, for reference: what the fsync costs
- true: `/bin/true` spawned directly, the process-spawn floor (the /true column), and
  native daemon / absent: the native client spawned directly, without the shell

Run it with the project's environment (make bench), which has hookd installed. Usage: python3 bench/client_startup.py [--runs N] [--python PY] [--corpus DIR]
"""

import argparse
import math
import multiprocessing
import shlex
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

from hookd.hooks import native
from hookd.hooks.command import hook_command, python_argv

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
CLIENT = os.path.join(REPO, "client", "hook_send.py")
PAYLOADS = [("small", "pre_tool_use_bash.json"), ("huge", "post_tool_use_bash_huge.json")]
GOAL = 1.15
NATIVE_GOALS = {"native.sh daemon": 1.3, "native.sh absent": 2.0}  # median / sh-true


class Listener:
    """Answers every frame with `OK x` from a process of its own, as hookd does; counts what it took."""

    def __init__(self, path):
        ctx = multiprocessing.get_context("fork")
        self._frames = ctx.Value("i", 0)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(64)
        self.proc = ctx.Process(target=self._loop, daemon=True)
        self.proc.start()
        self.sock.close()  # the listener process has its own copy

    @property
    def frames(self):
        return self._frames.value

    def _loop(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            try:
                self._serve(conn)
            except OSError:
                pass
            finally:
                conn.close()

    def _serve(self, conn):
        conn.settimeout(5)
        buf = b""
        while b"\n" not in buf:
            chunk = conn.recv(65536)
            if not chunk:
                return
            buf += chunk
        header, _, rest = buf.partition(b"\n")
        left = int(header.split(b" ")[1]) - len(rest)
        while left > 0:
            chunk = conn.recv(min(left, 1 << 20))
            if not chunk:
                return
            left -= len(chunk)
        with self._frames.get_lock():  # before answering: the run may end as soon as the client has it
            self._frames.value += 1
        conn.sendall(b"OK x\n")

    def close(self):
        self.proc.terminate()
        self.proc.join(5)


def timed(cmd, stdin_path, env):
    with open(stdin_path, "rb") as f:
        t0 = time.perf_counter_ns()
        subprocess.run(cmd, stdin=f, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=True)
        return (time.perf_counter_ns() - t0) / 1e6


def p95(values):
    s = sorted(values)
    return s[max(0, math.ceil(0.95 * len(s)) - 1)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--python",
        default=os.path.realpath(sys.executable),
        help="interpreter to measure (default: this one, resolved)",
    )
    ap.add_argument("--runs", type=int, default=200, help="interleaved runs per variant (default 200)")
    ap.add_argument("--corpus", default=os.path.join(REPO, "tests", "corpus"), help="directory of payload files")
    ap.add_argument("--warmup", type=int, default=5)
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix="hkb", dir="/tmp")  # short: Unix socket paths are limited
    try:
        sock_path = os.path.join(work, "hookd.sock")
        absent_sock = os.path.join(work, "absent.sock")
        state_dir = os.path.join(work, "state")
        inbox = os.path.join(state_dir, "inbox")
        base_env = {"HOME": work, "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        env_daemon = dict(base_env, HOOKD_SOCKET=sock_path, HOOKD_STATE_DIR=os.path.join(work, "state-daemon"))
        env_absent = dict(base_env, HOOKD_SOCKET=absent_sock, HOOKD_STATE_DIR=state_dir)
        listener = Listener(sock_path)

        py = args.python
        bare = [py, "-I", "-S", "-c", "pass"]
        client = [py] + python_argv("PreToolUse")[1:]
        client_script = [py, "-I", "-S", CLIENT, "PreToolUse"]
        # What any hook pays to read its stdin at all: the floor for a 2 MB payload.
        bare_read = [py, "-I", "-S", "-c", "import sys; sys.stdin.buffer.read()"]
        variants = [
            ("bare", bare, base_env),
            ("bare+stdin", bare_read, base_env),
            ("daemon", client, env_daemon),
            ("absent", client, env_absent),
            ("daemon.py", client_script, env_daemon),
            ("absent.py", client_script, env_absent),
        ]
        build = native.ensure(os.path.join(work, "native-state"))
        if build.path:
            sh_native = ["/bin/sh", "-c", shlex.join(hook_command("PreToolUse", native=build.path))]
            variants += [
                ("true", ["/bin/true"], base_env),
                ("native daemon", [build.path, "PreToolUse"], env_daemon),
                ("native absent", [build.path, "PreToolUse"], env_absent),
                ("sh-true", ["/bin/sh", "-c", "exec /bin/true"], base_env),
                ("sh-cat", ["/bin/sh", "-c", "exec cat >/dev/null"], base_env),
                ("native.sh daemon", sh_native, env_daemon),
                ("native.sh absent", sh_native, env_absent),
                ("native.sh absent, no fsync", sh_native, dict(env_absent, HOOKD_INBOX_FSYNC="0")),
                ("py.sh daemon", ["/bin/sh", "-c", shlex.join(client)], env_daemon),
            ]
        else:
            print("native client not measured: %s" % build.reason)

        version = subprocess.run(
            [py, "-c", "import sys; print(sys.version.split()[0])"], capture_output=True, text=True
        ).stdout.strip()
        print(
            "interpreter: %s (Python %s); %d interleaved runs per variant; %d CPUs"
            % (py, version, args.runs, os.cpu_count())
        )
        print("hook command: %s" % " ".join(client))

        results = {}
        inbox_files = 0
        for label, name in PAYLOADS:
            path = os.path.join(args.corpus, name)
            size = os.path.getsize(path)
            times = {v[0]: [] for v in variants}
            frames_before = listener.frames
            order = random.Random(size)  # a fixed order put each variant after the same one (an fsync's writeback)
            for i in range(args.warmup + args.runs):
                for vname, cmd, env in order.sample(variants, len(variants)):
                    ms = timed(cmd, path, env)
                    if i >= args.warmup:
                        times[vname].append(ms)
                    if "absent" in vname:
                        for f in os.listdir(inbox):
                            inbox_files += 1
                            os.unlink(os.path.join(inbox, f))
            delivered = listener.frames - frames_before
            results[(label, name, size)] = (times, delivered)

        listener.close()
        daemon_inbox = os.path.join(work, "state-daemon", "inbox")
        fell_back = len(os.listdir(daemon_inbox)) if os.path.isdir(daemon_inbox) else 0

        print()
        print(
            "%-44s %-27s %9s %9s %13s %13s %9s"
            % ("payload", "variant", "median", "p95", "median/bare", "/sh-true", "/true")
        )
        ok, native_ok = True, {(k, label): True for k in NATIVE_GOALS for label, _ in PAYLOADS}
        daemon_runs = sum(1 for v in variants if "daemon" in v[0]) * (args.warmup + args.runs)
        absent_runs = sum(1 for v in variants if "absent" in v[0]) * (args.warmup + args.runs)
        for (label, name, size), (times, delivered) in results.items():
            bare_med = statistics.median(times["bare"])
            floor = statistics.median(times["sh-true"]) if "sh-true" in times else None
            spawn = statistics.median(times["true"]) if "true" in times else None
            for vname, _, _ in variants:
                med = statistics.median(times[vname])
                ratio = med / bare_med
                sh_ratio = "%12.3fx" % (med / floor) if floor else ""
                spawn_ratio = "%8.3fx" % (med / spawn) if spawn else ""
                print(
                    "%-44s %-27s %7.2fms %7.2fms %12.3fx %s %s"
                    % (
                        "%s: %s (%d B)" % (label, name, size),
                        vname,
                        med,
                        p95(times[vname]),
                        ratio,
                        sh_ratio,
                        spawn_ratio,
                    )
                )
                if vname in ("daemon", "absent") and ratio > GOAL:
                    ok = False
                if vname in NATIVE_GOALS and med / floor > NATIVE_GOALS[vname]:
                    native_ok[(vname, label)] = False
            print("%-44s frames answered OK by the listener: %d of %d" % ("", delivered, daemon_runs))
        print()
        print(
            "daemon runs that fell back to the inbox: %d; absent runs that wrote an inbox file: %d of %d"
            % (fell_back, inbox_files, len(PAYLOADS) * absent_runs)
        )
        print(
            "goal: hook command (daemon and absent) median within %.2fx of bare -> %s"
            % (GOAL, "met" if ok else "NOT met")
        )
        for (vname, label), met in native_ok.items():
            if build.path:
                print(
                    "goal: %s median within %.1fx of sh -c 'exec /bin/true', %s payload -> %s"
                    % (vname, NATIVE_GOALS[vname], label, "met" if met else "NOT met")
                )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
