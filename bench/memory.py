#!/usr/bin/env python3
"""Does hookd's memory stay flat while a large backlog waits on disk?

The issue: "Memory: RSS with a 1,000,000-event backlog on disk stays within
10 MB of RSS with an empty spool." (10 MB is taken as 10 MiB, 10,485,760 bytes;
every figure is also given in bytes in --json.)

A standalone benchmark (not a test), built on bench/_harness.py (the same
event maker, load generator and processes as bench/throughput.py). hookd
publishes to a loopback port where no Redis runs, with
``HOOKD_SPOOL_MAX_BYTES=3221225472`` (3 GiB) so that the backlog fits and
``HOOKD_STREAM_MAXLEN=0`` so that the final check sees every event. hookd's
memory is read with psutil from its pid (RSS, USS, PSS) and from
/proc/<pid>/status (RssAnon, RssFile, VmHWM = peak RSS):

- (a) empty:    hookd started, ``--warm-events`` events sent (warm), then
                ``--settle`` seconds;
- (b) backlog:  the same hookd after ``--events`` more events were accepted
                (the load generator: one process, uvloop, ``--connections`` x
                ``--window`` frames in flight, framed as hook-send frames them,
                with a hand-off id unless ``--no-handoff-ids``), then
                ``--settle`` seconds after the last OK;
- (c) restart:  hookd stopped (SIGTERM) and started again on that backlog,
                measured once startup has settled (``--settle`` seconds after
                its hookd_started log line, and RSS steady for 2 s);
- (c2)          the restarted hookd after ``--warm-events`` more events (warm,
                like (a)).

The goal is met when (b) - (a) and (c) - (a) are both within 10 MiB of RSS.
Then (unless ``--no-verify``) redis-server is started on the port, hookd
publishes the backlog, and the stream is checked by content: exactly the
events sent, each once, payload byte for byte, seq and event_id unique and
increasing. The temporary directories (about 1.6 GB of spool) are removed at
the end, on failure too (``--keep`` keeps them).

Usage:
    .venv/bin/python bench/memory.py [--events 1000000] [--warm-events 100] [--settle 5]
        [--no-handoff-ids] [--no-verify] [--set NAME=VALUE ...] [--keep] [--json]
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _harness import (  # noqa: E402
    run_to_completion,
    CORPUS_EVENT,
    BenchError,
    Processes,
    environment,
    render_environment,
    render_verification,
    run_generator,
    settings_env,
    verify,
)

MiB = 2**20
GOAL_BYTES = 10 * MiB
SPOOL_MAX_BYTES = "3221225472"


def memory(pid: int) -> dict:
    """hookd's memory now, in bytes."""
    import psutil

    proc = psutil.Process(pid)
    full = proc.memory_full_info()
    out = {"rss": full.rss, "uss": getattr(full, "uss", None), "pss": getattr(full, "pss", None)}
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            key, _, value = line.partition(":")
            if key in ("RssAnon", "RssFile", "VmHWM"):
                out[key] = int(value.split()[0]) * 1024
    out["threads"] = proc.num_threads()
    return out


class Sampler(threading.Thread):
    """RSS of a process every ``interval`` seconds, in the background."""

    def __init__(self, pid: int, interval: float = 0.25) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.samples: list[tuple[float, int]] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        import psutil

        proc = psutil.Process(self.pid)
        while not self.stopped.is_set():
            try:
                self.samples.append((time.monotonic(), proc.memory_info().rss))
            except psutil.Error:
                return
            self.stopped.wait(self.interval)

    def stop(self) -> list[tuple[float, int]]:
        self.stopped.set()
        self.join()
        return self.samples


def settle(pid: int, seconds: float, steady_s: float = 0.0, limit_s: float = 120.0) -> dict:
    """Wait ``seconds`` (and, with ``steady_s``, until RSS moved < 256 KiB over that long); measure."""
    import psutil

    proc = psutil.Process(pid)
    t0 = time.monotonic()
    samples: list[tuple[float, int]] = []
    while True:
        now = time.monotonic()
        samples.append((now, proc.memory_info().rss))
        if now - t0 >= seconds:
            recent = [rss for t, rss in samples if t >= now - steady_s]
            if not steady_s or (samples[0][0] <= now - steady_s and max(recent) - min(recent) < 256 * 1024):
                break
            if now - t0 > limit_s:
                break
        time.sleep(0.25)
    m = memory(pid)
    m["waited_s"] = round(time.monotonic() - t0, 2)
    window = [rss for _, rss in samples]
    m["rss_min_while_waiting"], m["rss_max_while_waiting"] = min(window), max(window)
    return m


def iso_to_epoch(text: str) -> float:
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def du(directory: str) -> int:
    total = 0
    for root, _, files in os.walk(directory):
        for name in files:
            try:
                total += os.path.getsize(os.path.join(root, name))
            except OSError:
                pass
    return total


class MemoryBench(Processes):
    def __init__(self, args: argparse.Namespace) -> None:
        super().__init__()
        self.args = args
        self.settings = {"HOOKD_SPOOL_MAX_BYTES": SPOOL_MAX_BYTES, "HOOKD_STREAM_MAXLEN": "0"}
        self.settings.update(settings_env(args.set))

    def wait_started(self, wall0: float, lines_before: int, timeout: float = 600) -> float:
        """Seconds from Popen to hookd's hookd_started log line."""
        deadline = time.monotonic() + timeout
        while True:
            self.check_hookd_alive()
            started = [x for x in self.log_lines()[lines_before:] if x.get("event") == "hookd_started"]
            if started:
                return iso_to_epoch(started[0]["timestamp"]) - wall0
            if time.monotonic() > deadline:
                raise BenchError(f"hookd did not log hookd_started within {timeout:g}s")
            time.sleep(0.05)

    def run(self) -> dict:
        a = self.args
        W, N = a.warm_events, a.events
        handoff = not a.no_handoff_ids
        result: dict = {}

        # (a) empty spool, warm
        wall0 = time.time()
        self.start_hookd(self.settings)
        startup_empty_s = self.wait_started(wall0, 0)
        pid = self.hookd_proc.pid
        run_generator(self, W, 1, min(16, a.window), a.event_bytes, 0, handoff)
        mem_a = settle(pid, a.settle)

        # (b) the same daemon after N more events, Redis still down
        sampler = Sampler(pid)
        sampler.start()
        gen = run_generator(self, N, a.connections, a.window, a.event_bytes, W, handoff)
        fill_series = sampler.stop()
        mem_b = settle(pid, a.settle)
        spool_disk = du(os.path.join(self.state_dir, "spool"))

        # (c) restart on the backlog
        t = time.monotonic()
        exit_first = self.stop_hookd(120)
        stop_s = time.monotonic() - t
        stopping = self.log_lines("hookd_stopping")
        spooled_at_stop = stopping[-1].get("spooled") if stopping else None
        if exit_first != 0:
            raise BenchError(f"hookd exited with {exit_first} on SIGTERM\n{self.log_tail()}")
        if spooled_at_stop != W + N:
            raise BenchError(f"hookd stopped with {spooled_at_stop} events spooled, not {W + N}")
        lines_before = len(self.log_lines())
        wall0 = time.time()
        self.start_hookd(self.settings)
        startup_backlog_s = self.wait_started(wall0, lines_before)
        pid = self.hookd_proc.pid
        started_line = [x for x in self.log_lines()[lines_before:] if x.get("event") == "hookd_started"][0]
        mem_c = settle(pid, a.settle, steady_s=2.0)

        # (c2) and a few events again
        run_generator(self, W, 1, min(16, a.window), a.event_bytes, W + N, handoff)
        mem_c2 = settle(pid, a.settle)
        total = 2 * W + N

        # the check: Redis comes up, the backlog is published, the stream is read back
        verification = drain = None
        if not a.no_verify:
            sampler = Sampler(pid, 0.5)
            sampler.start()
            self.start_redis(self.port)
            t0 = time.monotonic()
            last_change, last_len, n = t0, -1, 0
            first = None
            while n < total:
                n = self.redis.xlen(self.stream)
                now = time.monotonic()
                if n and first is None:
                    first = (now, n)
                if n != last_len:
                    last_change, last_len = now, n
                elif now - last_change > a.stall_timeout:
                    raise BenchError(f"the stream stalled at {n} of {total} entries\n{self.log_tail()}")
                self.check_hookd_alive()
                time.sleep(0.05)
            t_done = time.monotonic()
            drain_series = sampler.stop()
            drain = {
                "s": round(t_done - t0, 3),
                "events_per_s_first_entry_to_last": round((total - first[1]) / (t_done - first[0]))
                if t_done > first[0]
                else None,
                "hookd_rss_max_while_draining": max(rss for _, rss in drain_series),
                "hookd_after_drain": settle(pid, 1.0),
            }
            time.sleep(0.2)
            verification = verify(self.redis, self.stream, total, a.event_bytes)
        exit_last = self.stop_hookd(120)
        self.hookd_log.close()

        result = {
            "settings": {
                "events": N,
                "warm_events": W,
                "event_bytes": a.event_bytes,
                "fill": f"{a.connections} connections x window {a.window}",
                "handoff_ids": handoff,
                "settle_s": a.settle,
                "hookd_env": self.hookd_settings,
            },
            "empty": dict(mem_a, startup_s=round(startup_empty_s, 3)),
            "backlog": dict(
                mem_b,
                accept_events_per_s=round(N / (gen["t_last_ok"] - gen["t_first_send"])),
                rss_max_while_filling=max(rss for _, rss in fill_series),
                spool_bytes_on_disk=spool_disk,
            ),
            "restart": dict(
                mem_c,
                startup_s=round(startup_backlog_s, 3),
                stop_s=round(stop_s, 3),
                spooled_at_start=started_line.get("spooled"),
            ),
            "restart_warm": mem_c2,
            "goal_bytes": GOAL_BYTES,
            "diff": {
                name: {
                    k: m[k] - mem_a[k]
                    for k in ("rss", "uss", "pss", "RssAnon")
                    if m.get(k) is not None and mem_a.get(k) is not None
                }
                for name, m in (("backlog", mem_b), ("restart", mem_c), ("restart_warm", mem_c2))
            },
            "drain": drain,
            "verification": verification,
            "hookd_exit_codes": [exit_first, exit_last],
            "hookd_log": self.read_log(),
            "environment": environment(getattr(self, "redis_version", None) or redis_server_version()),
        }
        d = result["diff"]
        result["goal_met"] = {
            "backlog": d["backlog"]["rss"] <= GOAL_BYTES,
            "restart": d["restart"]["rss"] <= GOAL_BYTES,
        }
        return result


def redis_server_version() -> str | None:
    import shutil
    import subprocess

    binary = shutil.which("redis-server")
    if not binary:
        return None
    out = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout
    for word in out.split():
        if word.startswith("v="):
            return word[2:]
    return None


# -- output ------------------------------------------------------------------------------


def mib(x: int | None) -> str:
    return "n/a" if x is None else f"{x / MiB:.1f}"


def signed_mib(x: int | None) -> str:
    return "n/a" if x is None else f"{x / MiB:+.1f}"


def render(r: dict, argv: list[str]) -> str:
    s, env = r["settings"], r["environment"]
    lines = [
        f"hookd memory: RSS with a {s['events']:,}-event backlog on disk against an empty spool "
        f"({s['event_bytes']} B events, Redis down)",
        f"  command:     {' '.join([os.path.relpath(sys.executable), 'bench/memory.py'] + argv)}",
    ]
    lines += render_environment(env)
    lines.append("  hookd env:   " + " ".join(f"{k}={v}" for k, v in sorted(s["hookd_env"].items())))
    lines.append(
        f"  events:      framed as hook-send frames them, "
        f"{'with' if s['handoff_ids'] else 'WITHOUT'} a hand-off id (id=); "
        f"fill {s['fill']}; measured {s['settle_s']:g} s after the last OK / startup"
    )
    lines += ["", f"  {'':34} {'RSS':>8} {'USS':>8} {'PSS':>8} {'RssAnon':>8} {'peak RSS':>9}  (MiB)"]
    rows = (
        ("(a) empty spool, warm", r["empty"]),
        ("(b) backlog, same daemon", r["backlog"]),
        ("(c) restarted on the backlog", r["restart"]),
        ("(c2) restarted, warm", r["restart_warm"]),
    )
    for label, m in rows:
        lines.append(
            f"  {label:34} {mib(m['rss']):>8} {mib(m['uss']):>8} {mib(m['pss']):>8} "
            f"{mib(m.get('RssAnon')):>8} {mib(m.get('VmHWM')):>9}"
        )
    lines.append("")
    for name, label in (("backlog", "(b) - (a)"), ("restart", "(c) - (a)"), ("restart_warm", "(c2) - (a)")):
        d = r["diff"][name]
        verdict = ""
        if name in r["goal_met"]:
            verdict = f"  goal <= {mib(r['goal_bytes'])} MiB: {'MET' if r['goal_met'][name] else 'NOT MET'}"
        lines.append(
            f"  {label:11} RSS {signed_mib(d['rss'])} MiB, USS {signed_mib(d.get('uss'))} MiB, "
            f"RssAnon {signed_mib(d.get('RssAnon'))} MiB{verdict}"
        )
    b, c = r["backlog"], r["restart"]
    lines += [
        "",
        f"  fill: {b['accept_events_per_s']:,} events/s accepted; RSS at most {mib(b['rss_max_while_filling'])} "
        f"MiB while filling; spool on disk {b['spool_bytes_on_disk'] / 2**30:.2f} GiB",
        f"  restart: SIGTERM -> exit in {c['stop_s']} s; Popen -> hookd_started {c['startup_s']} s with "
        f"{c['spooled_at_start']:,} events spooled (empty spool: {r['empty']['startup_s']} s); "
        f"settled after {c['waited_s']} s",
    ]
    if r["drain"]:
        dr = r["drain"]
        lines.append(
            f"  then Redis up: backlog published in {dr['s']} s "
            f"({dr['events_per_s_first_entry_to_last']:,} events/s first entry -> last), "
            f"hookd RSS at most {mib(dr['hookd_rss_max_while_draining'])} MiB while publishing, "
            f"{mib(dr['hookd_after_drain']['rss'])} MiB after"
        )
        lines.append("")
        lines += render_verification(r["verification"])
    else:
        lines.append("  (not verified: --no-verify)")
    log = r["hookd_log"]
    lines.append(f"  hookd: exit codes {r['hookd_exit_codes']}, log lines {log['lines_by_level']}")
    g = r["goal_met"]
    lines.append(
        f"  goal: RSS within {mib(r['goal_bytes'])} MiB of the empty spool's: "
        f"(b) backlog {'MET' if g['backlog'] else 'NOT MET'}, "
        f"(c) restart {'MET' if g['restart'] else 'NOT MET'}"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000_000, help="backlog size (default 1000000)")
    parser.add_argument(
        "--warm-events", type=int, default=100, help="events sent before measuring the empty spool (default 100)"
    )
    parser.add_argument("--event-bytes", type=int, default=1024, help="body size (default 1024)")
    parser.add_argument("--connections", type=int, default=4, help="connections of the fill (default 4)")
    parser.add_argument(
        "--window", type=int, default=64, help="most frames in flight per connection during the fill (default 64)"
    )
    parser.add_argument("--settle", type=float, default=5.0, help="seconds to wait before each measurement (default 5)")
    parser.add_argument(
        "--no-handoff-ids", action="store_true", help="frames without the id= hand-off id hook-send sends"
    )
    parser.add_argument(
        "--no-verify", action="store_true", help="skip publishing the backlog to Redis and checking the stream"
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="any hookd setting, as HOOKD_<NAME> (e.g. batch_max_events=1000)",
    )
    parser.add_argument(
        "--stall-timeout", type=float, default=60, help="give up when XLEN does not move for this long (default 60 s)"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary directory (hookd log, spool, redis dir: GBs)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if args.events < 1 or args.warm_events < 1 or args.event_bytes < 700:
        parser.error("--events and --warm-events must be >= 1, --event-bytes >= 700")
    if not os.path.exists(CORPUS_EVENT):
        parser.error(f"the corpus event {CORPUS_EVENT} is missing")

    bench = MemoryBench(args)
    return run_to_completion(
        bench,
        args.keep,
        args.json,
        lambda result: render(result, argv),
        [sys.executable, os.path.abspath(__file__)] + argv,
    )


if __name__ == "__main__":
    sys.exit(main())
