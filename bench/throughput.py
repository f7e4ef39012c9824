#!/usr/bin/env python3
"""How many events per second does hookd take in, and how many reach the Redis Stream?

A standalone benchmark (not a test). It starts its own redis-server (free
loopback port, ``--save "" --appendonly no``, temporary directory) and its own
``hookd run`` (``sys.executable -m hookd run``; socket in a short /tmp path,
state directory in a temporary directory, JSON logs to a file), then runs a
load generator in ONE separate process (asyncio, on uvloop when available):
``--connections`` persistent connections, each keeping up to ``--window``
framed events in flight (``HOOKD/1 <len> sent= pid= ppid= id= project=``, as
hook-send writes them) and reading the ``OK <id>`` replies as they come.

Events are ~1 KB (``--event-bytes``): the corpus event
post_tool_use_bash.json with its ``tool_response.stdout`` padded with more
``git status`` lines, plus a ``bench_seq`` field holding a number unique to
the event (0 .. events-1), so every event in the stream can be checked.

Measured, on the host's CLOCK_MONOTONIC (shared by all processes):

- accept rate:     events / (first frame sent -> last OK received), in the generator;
- end-to-end rate: events / (first frame sent -> XLEN of the stream reaches the
                   total), XLEN polled by this process every ``--poll-interval``.

Then it checks that the stream holds exactly the total, that every bench_seq
appears once, that each payload is byte for byte what was sent, and that the
daemon's seq and event_id are unique and increasing; and it reports the CPU
time hookd, redis-server and the generator used during the run.

hookd is single-threaded (plus a thread for the periodic fsync); on a 2-core
machine the generator and redis-server compete for the other core, which the
output says.

Usage:
    .venv/bin/python bench/throughput.py [--events 200000] [--connections 4] [--window 64]
        [--spool-fsync interval|never] [--set NAME=VALUE ...] [--cprofile FILE] [--json]

``--cprofile FILE`` runs the daemon under ``python -m cProfile -o FILE`` (it
stops on SIGTERM, which hookd handles, so the profile is written); rates measured
that way are inflated by the profiler and only good for finding hot spots.

The event maker, the load generator, the process handling and the verification
live in bench/_harness.py, shared with bench/replay.py and bench/memory.py.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _harness import (  # noqa: E402
    run_to_completion,
    CORPUS_EVENT,
    DEFAULT_STREAM_MAXLEN,
    REPO,
    BenchError,
    Processes,
    environment,
    generator_command,
    generator_main,
    render_hookd_log,
    render_verification,
    settings_env,
    verify,
)

GOAL_EVENTS_PER_S = 20_000


# -- the run -------------------------------------------------------------------------------


class Bench(Processes):
    def __init__(self, args: argparse.Namespace) -> None:
        super().__init__()
        self.args = args

    def start_hookd(self) -> None:  # type: ignore[override]
        settings = {}
        if self.args.spool_fsync:
            settings["HOOKD_SPOOL_FSYNC"] = self.args.spool_fsync
        if self.args.events > DEFAULT_STREAM_MAXLEN:
            settings["HOOKD_STREAM_MAXLEN"] = "0"  # else MAXLEN ~ trims the stream under the count
        settings.update(settings_env(self.args.set))
        super().start_hookd(settings, cprofile=self.args.cprofile, hookd_source=self.args.hookd_source)

    # the run

    def run(self) -> dict:
        import psutil

        a = self.args
        self.start_redis()
        self.start_hookd()
        procs = {"hookd": psutil.Process(self.hookd_proc.pid), "redis-server": psutil.Process(self.redis_proc.pid)}

        def cpu(p: psutil.Process) -> float:
            t = p.cpu_times()
            return t.user + t.system

        cpu0 = {name: cpu(p) for name, p in procs.items()}
        self.gen_proc = subprocess.Popen(
            generator_command(self.socket, a.events, a.connections, a.window, a.event_bytes),
            stdout=subprocess.PIPE,
            cwd=REPO,
        )

        samples: list[tuple[float, int]] = []  # (monotonic, XLEN)
        last_change, last_len = time.monotonic(), -1
        while True:
            n = self.redis.xlen(self.stream)
            now = time.monotonic()
            samples.append((now, n))
            if n >= a.events:
                break
            if n != last_len:
                last_change, last_len = now, n
            elif now - last_change > a.stall_timeout:
                raise BenchError(
                    f"the stream stalled at {n} of {a.events} entries for {a.stall_timeout:g}s\n{self.log_tail()}"
                )
            if self.gen_proc.poll() not in (None, 0):
                out = self.gen_proc.stdout.read().decode(errors="replace")
                raise BenchError(f"the load generator failed: {out.strip()}\n{self.log_tail()}")
            if self.hookd_proc.poll() is not None:
                raise BenchError(f"hookd exited with {self.hookd_proc.returncode}\n{self.log_tail()}")
            time.sleep(a.poll_interval)
        t_published = samples[-1][0]
        cpu1 = {name: cpu(p) for name, p in procs.items()}
        out, _ = self.gen_proc.communicate(timeout=60)
        gen = json.loads(out.decode().strip().splitlines()[-1])
        if gen["error"]:
            raise BenchError(f"the load generator failed: {gen['error']}\n{self.log_tail()}")

        accept_s = gen["t_last_ok"] - gen["t_first_send"]
        e2e_s = t_published - gen["t_first_send"]
        backlog_at_last_ok = a.events - max((n for t, n in samples if t <= gen["t_last_ok"]), default=0)
        time.sleep(0.2)  # anything extra would show up here
        verification = verify(self.redis, self.stream, a.events, a.event_bytes)
        self.stop_hookd(60)
        self.hookd_log.close()
        log_summary = self.read_log()

        window = e2e_s
        return {
            "settings": {
                "events": a.events,
                "connections": a.connections,
                "window": a.window,
                "event_bytes": a.event_bytes,
                "spool_fsync": a.spool_fsync or "interval (default)",
                "hookd_env": self.hookd_settings,
                "cprofile": os.path.abspath(a.cprofile) if a.cprofile else None,
                "hookd_source": os.path.abspath(a.hookd_source),
            },
            "accept_events_per_s": round(a.events / accept_s),
            "accept_s": round(accept_s, 3),
            "end_to_end_events_per_s": round(a.events / e2e_s),
            "end_to_end_s": round(e2e_s, 3),
            "publish_backlog_at_last_ok": backlog_at_last_ok,
            "goal_events_per_s": GOAL_EVENTS_PER_S,
            "goal_met": a.events / e2e_s >= GOAL_EVENTS_PER_S,
            "ack_latency_ms": gen["ack_latency_ms"],
            "cpu_seconds": {
                "hookd": round(cpu1["hookd"] - cpu0["hookd"], 3),
                "redis-server": round(cpu1["redis-server"] - cpu0["redis-server"], 3),
                "generator": gen["cpu_s"],
            },
            "cpu_percent_of_one_core_over_end_to_end": {
                "hookd": round(100 * (cpu1["hookd"] - cpu0["hookd"]) / window, 1),
                "redis-server": round(100 * (cpu1["redis-server"] - cpu0["redis-server"]) / window, 1),
                "generator (over accept)": round(100 * gen["cpu_s"] / accept_s, 1),
            },
            "verification": verification,
            "hookd_exit_code": self.hookd_exit,
            "hookd_log": log_summary,
            "environment": dict(
                {k: v for k, v in environment(self.redis_version, a.hookd_source).items() if k != "packages"},
                generator=f"1 separate process, {gen['loop']}, {a.connections} connections, window {a.window}",
            ),
        }


# -- output ------------------------------------------------------------------------------


def render(r: dict) -> str:
    s, env, v = r["settings"], r["environment"], r["verification"]
    lat, cpu, pct = r["ack_latency_ms"], r["cpu_seconds"], r["cpu_percent_of_one_core_over_end_to_end"]
    lines = [
        f"hookd throughput: {s['events']:,} events of {s['event_bytes']} bytes, "
        f"{s['connections']} connections x window {s['window']}, spool_fsync={s['spool_fsync']}",
        f"  machine:     {env['cpu_count']} cores ({env['cpu_model']}), kernel {env['kernel']}",
        f"  versions:    Python {env['python']}, redis-server {env['redis_server']}, hookd {env['hookd']}"
        f" ({env['hookd_commit'] or 'not a git checkout'})",
        f"  generator:   {env['generator']}; hookd is single-threaded, and the generator and "
        "redis-server share the remaining core(s)",
    ]
    if s["hookd_env"]:
        lines.append("  hookd env:   " + " ".join(f"{k}={v}" for k, v in sorted(s["hookd_env"].items())))
    if s["hookd_source"] != REPO:
        lines.append(f"  hookd from:  {s['hookd_source']}")
    if s["cprofile"]:
        lines.append(f"  NOTE: hookd ran under cProfile ({s['cprofile']}); rates are deflated by the profiler")
    lines += [
        "",
        f"  accept rate:      {r['accept_events_per_s']:>9,} events/s  ({r['accept_s']:.3f} s first send -> last OK)",
        f"  end-to-end rate:  {r['end_to_end_events_per_s']:>9,} events/s  "
        f"({r['end_to_end_s']:.3f} s first send -> XLEN = {s['events']:,})",
        f"  not yet published at the last OK: {r['publish_backlog_at_last_ok']:,} events",
        f"  OK latency (ms):  p50 {lat['p50']}  p90 {lat['p90']}  p99 {lat['p99']}  max {lat['max']}",
        f"  CPU seconds:      hookd {cpu['hookd']} ({pct['hookd']}% of a core), redis-server "
        f"{cpu['redis-server']} ({pct['redis-server']}%), generator {cpu['generator']} "
        f"({pct['generator (over accept)']}% over the accept phase)",
        "",
    ]
    lines += render_verification(v)
    lines += render_hookd_log(r)
    lines.append(f"  goal >= {r['goal_events_per_s']:,} events/s end to end: {'MET' if r['goal_met'] else 'NOT MET'}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--generator"]:
        return generator_main(argv[1:])
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=200_000, help="events to send (default 200000)")
    parser.add_argument("--connections", type=int, default=4, help="concurrent persistent connections (default 4)")
    parser.add_argument("--window", type=int, default=64, help="most frames in flight per connection (default 64)")
    parser.add_argument("--event-bytes", type=int, default=1024, help="body size (default 1024)")
    parser.add_argument(
        "--spool-fsync",
        choices=("interval", "never"),
        help="passed to hookd as HOOKD_SPOOL_FSYNC (default: hookd's, interval)",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="any other hookd setting, as HOOKD_<NAME> (e.g. batch_max_events=1000)",
    )
    parser.add_argument("--cprofile", metavar="FILE", help="run hookd under cProfile and write its profile to FILE")
    parser.add_argument(
        "--hookd-source",
        default=REPO,
        metavar="DIR",
        help="run the hookd package found in DIR (another checkout, for A/B comparisons; default this repository)",
    )
    parser.add_argument("--poll-interval", type=float, default=0.005, help="seconds between XLEN polls (default 0.005)")
    parser.add_argument(
        "--stall-timeout", type=float, default=60, help="give up when XLEN does not move for this long (default 60 s)"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary directory (hookd log, spool, redis dir)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if args.events < 1 or args.connections < 1 or args.window < 1 or args.event_bytes < 700:
        parser.error("--events, --connections and --window must be >= 1, --event-bytes >= 700")
    if not os.path.exists(CORPUS_EVENT):
        parser.error(f"the corpus event {CORPUS_EVENT} is missing")

    bench = Bench(args)
    return run_to_completion(bench, args.keep, args.json, render)


if __name__ == "__main__":
    sys.exit(main())
