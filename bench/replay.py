#!/usr/bin/env python3
"""How fast does hookd drain a spooled backlog into a real Redis?

The issue: "Replay: drain a backlog of 200,000 spooled 1 KB events into a real
Redis; events per second. Goal: >= 60,000/s (about what pipelined redis-py
itself reaches on one core)."

A standalone benchmark (not a test). Everything runs from bench/_harness.py
(the same event maker, load generator and processes as bench/throughput.py):

1. fill: ``hookd run`` starts publishing to a loopback port where no Redis
   runs yet, and the load generator (one separate process, uvloop,
   ``--connections`` x ``--window`` frames in flight, as hook-send frames
   them) sends ``--events`` ~1 KB events; every one is acknowledged, so every
   one is in the spool;
2. hookd is stopped with SIGTERM (it cannot publish, so it leaves the backlog
   in the spool and exits 0);
3. redis-server is started on that port (``--save "" --appendonly no``);
4. hookd is started again, and this process polls XLEN every
   ``--poll-interval`` until it reaches ``--events``.

Measured, on CLOCK_MONOTONIC:

- (a) start to end:  events / (Popen of the second hookd -> XLEN == events);
      it includes the interpreter start, the spool's recovery scan and the
      first connection;
- (b) drain:         (events - XLEN at the first poll that saw an entry) /
      (that poll -> the poll that saw XLEN == events);
- and, from Redis's own clock, the stream IDs of the first and last entries.

For reference it then measures what redis-py alone reaches on this machine
against the same redis-server, one process, one connection,
``pipeline(transaction=False)``, ``--ref-batch`` commands per round trip
(default: hookd's batch_max_events), ``--events`` entries each, into scratch
streams deleted afterwards:

- ``XADD <s> MAXLEN ~ 1000000 * payload <the 1 KB body>``: the issue's "same
  1 KB payloads";
- ``XADD`` with the seven fields hookd writes (envelope of the same size as
  hookd's, event_id, hook, session, host, tool, seq);
- hookd's own Lua script (EVALSHA, ``--ref-batch`` events per call, the
  arguments hookd sends), from the synchronous client: what the script costs
  Redis without hookd's event loop around it.

Finally it verifies the stream by content: exactly the events sent, each
once, payload byte for byte, seq and event_id unique and increasing.

Usage:
    .venv/bin/python bench/replay.py [--events 200000] [--set NAME=VALUE ...]
        [--ref-batch N] [--cprofile FILE] [--keep] [--json]

``--cprofile FILE`` runs the draining hookd under cProfile (rates then are
deflated by the profiler; only good for finding hot spots).
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _harness import (  # noqa: E402
    run_to_completion,
    CORPUS_EVENT,
    DEFAULT_STREAM_MAXLEN,
    BenchError,
    EventMaker,
    Processes,
    environment,
    render_environment,
    render_hookd_log,
    render_verification,
    run_generator,
    settings_env,
    verify,
)

GOAL_EVENTS_PER_S = 60_000
DEFAULT_BATCH_MAX_EVENTS = 5000  # hookd's default batch_max_events


def cpu_seconds(proc) -> float:
    t = proc.cpu_times()
    return t.user + t.system


def runqueue_wait_s(pid: int) -> float | None:
    """Seconds the process's main thread has spent runnable but waiting for a CPU (noise)."""
    try:
        with open(f"/proc/{pid}/schedstat") as fh:
            return int(fh.read().split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return None


def iso_to_epoch(text: str) -> float:
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def spool_bytes(state_dir: str) -> int:
    spool = os.path.join(state_dir, "spool")
    return sum(os.path.getsize(os.path.join(spool, n)) for n in os.listdir(spool) if n.endswith(".seg"))


class Replay(Processes):
    def __init__(self, args: argparse.Namespace) -> None:
        super().__init__()
        self.args = args
        self.settings: dict[str, str] = {}
        if args.events > DEFAULT_STREAM_MAXLEN:
            self.settings["HOOKD_STREAM_MAXLEN"] = "0"  # else MAXLEN ~ trims the stream under the count
        self.settings.update(settings_env(args.set))

    def run(self) -> dict:
        import psutil

        a = self.args
        # 1. fill the spool while nothing listens on the Redis port
        self.start_hookd(self.settings)
        gen = run_generator(self, a.events, a.connections, a.window, a.event_bytes)
        fill_s = gen["t_last_ok"] - gen["t_first_send"]
        # 2. stop hookd: it cannot publish, so the backlog stays in the spool
        t = time.monotonic()
        exit_fill = self.stop_hookd(60)
        stop_s = time.monotonic() - t
        stopping = self.log_lines("hookd_stopping")
        spooled_at_stop = stopping[-1].get("spooled") if stopping else None
        if exit_fill != 0:
            raise BenchError(f"hookd (fill) exited with {exit_fill}\n{self.log_tail()}")
        if spooled_at_stop != a.events:
            raise BenchError(f"hookd stopped with {spooled_at_stop} events spooled, not {a.events}")
        backlog_bytes = spool_bytes(self.state_dir)
        # 3. Redis comes up on the port hookd was told about
        self.start_redis(self.port)
        if self.redis.exists(self.stream):
            raise BenchError(f"the stream {self.stream} exists before the replay")
        redis_ps = psutil.Process(self.redis_proc.pid)
        redis_cpu0 = cpu_seconds(redis_ps)
        redis_wait0 = runqueue_wait_s(self.redis_proc.pid)
        # 4. start hookd again and watch the stream fill up
        lines_before = len(self.log_lines())
        wall0 = time.time()
        t0 = time.monotonic()
        self.start_hookd(self.settings, cprofile=a.cprofile, wait=False)
        hookd_ps = psutil.Process(self.hookd_proc.pid)
        samples: list[tuple[float, int]] = []
        last_change, last_len = t0, -1
        hookd_cpu = 0.0
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
            self.check_hookd_alive()
            time.sleep(a.poll_interval)
        t_done = samples[-1][0]
        try:
            hookd_cpu = cpu_seconds(hookd_ps)
            hookd_hwm = peak_rss(self.hookd_proc.pid)
        except psutil.Error:
            hookd_hwm = None
        hookd_wait = runqueue_wait_s(self.hookd_proc.pid)
        redis_cpu = cpu_seconds(redis_ps) - redis_cpu0
        redis_wait = runqueue_wait_s(self.redis_proc.pid)
        if redis_wait is not None and redis_wait0 is not None:
            redis_wait -= redis_wait0
        t_first, n_first = next((t, n) for t, n in samples if n > 0)
        first_id = self.redis.xrange(self.stream, count=1)[0][0].decode()
        last_id = self.redis.xrevrange(self.stream, count=1)[0][0].decode()
        redis_ms = int(last_id.split("-")[0]) - int(first_id.split("-")[0])

        new_lines = self.log_lines()[lines_before:]
        started = next((x for x in new_lines if x.get("event") == "hookd_started"), None)
        up = next((x for x in new_lines if x.get("event") == "redis_up"), None)
        start_to_serving_s = iso_to_epoch(started["timestamp"]) - wall0 if started else None
        start_to_redis_up_s = iso_to_epoch(up["timestamp"]) - wall0 if up else None

        time.sleep(0.2)  # anything extra would show up here
        verification = verify(self.redis, self.stream, a.events, a.event_bytes)
        exit_drain = self.stop_hookd(60)
        self.hookd_log.close()
        log_summary = self.read_log()

        reference = self.reference(
            a.ref_batch or int(self.settings.get("HOOKD_BATCH_MAX_EVENTS", DEFAULT_BATCH_MAX_EVENTS))
        )

        total_s = t_done - t0
        drain_s = t_done - t_first
        drain_rate = (a.events - n_first) / drain_s if drain_s > 0 else None
        return {
            "settings": {
                "events": a.events,
                "event_bytes": a.event_bytes,
                "fill": f"{a.connections} connections x window {a.window}",
                "hookd_env": self.hookd_settings,
                "cprofile": os.path.abspath(a.cprofile) if a.cprofile else None,
            },
            "fill": {
                "events_per_s": round(a.events / fill_s),
                "s": round(fill_s, 3),
                "hookd_stop_s": round(stop_s, 3),
                "hookd_exit_code": exit_fill,
                "spooled_at_stop": spooled_at_stop,
                "spool_bytes": backlog_bytes,
            },
            "start_to_end": {
                "events_per_s": round(a.events / total_s),
                "s": round(total_s, 3),
                "start_to_serving_s": round_or_none(start_to_serving_s),
                "start_to_redis_up_s": round_or_none(start_to_redis_up_s),
                "start_to_first_entry_s": round(t_first - t0, 3),
            },
            "drain": {
                "events_per_s": round(drain_rate) if drain_rate else None,
                "s": round(drain_s, 3),
                "xlen_at_first_poll": n_first,
                "polls": len(samples),
            },
            "redis_clock": {
                "first_id": first_id,
                "last_id": last_id,
                "ms": redis_ms,
                "events_per_s": round((a.events - 1) * 1000 / redis_ms) if redis_ms else None,
            },
            "goal_events_per_s": GOAL_EVENTS_PER_S,
            "goal_met": {
                "start_to_end": a.events / total_s >= GOAL_EVENTS_PER_S,
                "drain": bool(drain_rate and drain_rate >= GOAL_EVENTS_PER_S),
            },
            "cpu_seconds": {
                "hookd (start to end)": round(hookd_cpu, 3),
                "redis-server (start to end)": round(redis_cpu, 3),
            },
            "cpu_percent_of_one_core_over_start_to_end": {
                "hookd": round(100 * hookd_cpu / total_s, 1),
                "redis-server": round(100 * redis_cpu / total_s, 1),
            },
            "runqueue_wait_s_start_to_end": {
                "hookd": round_or_none(hookd_wait),
                "redis-server": round_or_none(redis_wait),
            },
            "hookd_peak_rss_mib": round(hookd_hwm / 2**20, 1) if hookd_hwm else None,
            "reference": reference,
            "verification": verification,
            "hookd_exit_code": exit_drain,
            "hookd_log": log_summary,
            "environment": environment(self.redis_version),
        }

    def reference(self, batch: int) -> dict:
        """What redis-py alone reaches: pipelined XADDs, and hookd's script, same Redis."""
        import psutil

        from hookd.publish.script import PUBLISH_BATCH

        a = self.args
        r = self.redis
        maker = EventMaker(a.event_bytes)
        fields0 = r.xrange(self.stream, count=1)[0][1]
        env0, body0 = fields0[b"envelope"], maker.body(0)
        pre, post = env0.split(body0)
        results = {
            "batch": batch,
            "events": a.events,
            "client": "redis-py (sync), 1 connection, pipeline(transaction=False)",
            "maxlen": "~ 1000000",
        }

        def timed(name: str, send_batch) -> None:
            key = f"bench:ref:{name}"
            r.delete(key)
            redis_ps = psutil.Process(self.redis_proc.pid)
            rc0 = cpu_seconds(redis_ps)
            c0 = time.process_time()
            t0 = time.perf_counter()
            for start in range(0, a.events, batch):
                send_batch(key, start, min(a.events, start + batch))
            elapsed = time.perf_counter() - t0
            cpu = time.process_time() - c0
            rcpu = cpu_seconds(redis_ps) - rc0
            xlen = r.xlen(key)
            r.delete(key, key + ":hwm", key + ":sessions", *r.keys(key + ":session:*"))
            if xlen != a.events:
                raise BenchError(f"reference {name}: XLEN {xlen}, expected {a.events}")
            results[name] = {
                "events_per_s": round(a.events / elapsed),
                "s": round(elapsed, 3),
                "client_cpu_s": round(cpu, 3),
                "redis_cpu_s": round(rcpu, 3),
            }

        def xadd_payload(key: str, lo: int, hi: int) -> None:
            pipe = r.pipeline(transaction=False)
            for i in range(lo, hi):
                pipe.xadd(key, {"payload": maker.body(i)}, maxlen=1_000_000, approximate=True)
            pipe.execute()

        def xadd_fields(key: str, lo: int, hi: int) -> None:
            pipe = r.pipeline(transaction=False)
            for i in range(lo, hi):
                fields = dict(fields0)
                fields[b"envelope"] = pre + maker.body(i) + post
                fields[b"seq"] = b"%d" % (i + 1)
                pipe.xadd(key, fields, maxlen=1_000_000, approximate=True)
            pipe.execute()

        script = r.register_script(PUBLISH_BATCH)

        def lua(key: str, lo: int, hi: int) -> None:
            # As the daemon sends it by default: with the session index, no PUBLISH.
            # The header hookd.publish.script.batch_args sends: maxlen, host, mark check, session
            # retention, session prefix, channel, instance ('': none) and the mark's field (the host).
            host = fields0[b"host"]
            args: list[object] = [1_000_000, host, 0, 7 * 24 * 3600, key + ":session:", "", "", host]
            at_ms = time.time_ns() // 1_000_000
            for i in range(lo, hi):
                args += (
                    i + 1,
                    fields0[b"event_id"],
                    fields0[b"hook"],
                    fields0[b"session"],
                    fields0[b"tool"],
                    pre + maker.body(i) + post,
                    at_ms,
                    "/bench/cwd",
                    "",
                )
            added, skipped = script(keys=[key, key + ":hwm", key + ":sessions"], args=args)
            if added != hi - lo:
                raise BenchError(f"reference script added {added} of {hi - lo}")

        timed("xadd_1kb_payload", xadd_payload)
        timed("xadd_hookd_fields", xadd_fields)
        timed("hookd_lua_script", lua)
        results["envelope_bytes"] = len(pre + body0 + post)
        return results


def peak_rss(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def round_or_none(x: float | None, digits: int = 3) -> float | None:
    return None if x is None else round(x, digits)


# -- output ------------------------------------------------------------------------------


def fmt_rate(rate: int | None) -> str:
    """A rate right-aligned in 9 columns; n/a when the backlog went out in one batch."""
    return f"{rate:>9,}" if rate is not None else f"{'n/a':>9}"


def render(r: dict, argv: list[str]) -> str:
    s, env, v = r["settings"], r["environment"], r["verification"]
    f, se, d, rc, ref = r["fill"], r["start_to_end"], r["drain"], r["redis_clock"], r["reference"]
    cpu, pct = r["cpu_seconds"], r["cpu_percent_of_one_core_over_start_to_end"]
    goal = r["goal_events_per_s"]
    lines = [
        f"hookd replay: a spooled backlog of {s['events']:,} events of {s['event_bytes']} bytes "
        "drained into a real Redis",
        f"  command:     {' '.join([os.path.relpath(sys.executable), 'bench/replay.py'] + argv)}",
    ]
    lines += render_environment(env)
    if s["hookd_env"]:
        lines.append("  hookd env:   " + " ".join(f"{k}={v}" for k, v in sorted(s["hookd_env"].items())))
    if s["cprofile"]:
        lines.append(f"  NOTE: the draining hookd ran under cProfile ({s['cprofile']}); rates are deflated")
    lines += [
        "",
        f"  fill (Redis down): {f['events_per_s']:,} events/s accepted ({s['fill']}), "
        f"{f['spooled_at_stop']:,} events spooled, {f['spool_bytes'] / 2**20:.1f} MiB of segments; "
        f"SIGTERM -> exit {f['hookd_exit_code']} in {f['hookd_stop_s']:.3f} s",
        "",
        f"  (a) start to end:  {se['events_per_s']:>9,} events/s  ({se['s']:.3f} s hookd Popen -> "
        f"XLEN = {s['events']:,})",
        f"        of which:    {se['start_to_serving_s']} s to hookd_started (log), "
        f"{se['start_to_redis_up_s']} s to 'redis is up' (log), "
        f"{se['start_to_first_entry_s']} s to the first entry seen",
        f"  (b) drain:         {fmt_rate(d['events_per_s'])} events/s  ({d['s']:.3f} s from the first poll "
        f"seeing entries (XLEN {d['xlen_at_first_poll']:,}) to XLEN = {s['events']:,}; "
        f"{d['polls']:,} polls)",
        f"      Redis clock:   {fmt_rate(rc['events_per_s'])} events/s  (entry ids {rc['first_id']} .. "
        f"{rc['last_id']}: {rc['ms']} ms)",
        f"  CPU seconds (start to end): hookd {cpu['hookd (start to end)']} ({pct['hookd']}% of a core), "
        f"redis-server {cpu['redis-server (start to end)']} ({pct['redis-server']}%); "
        f"hookd peak RSS {r['hookd_peak_rss_mib']} MiB",
        f"  waiting for a CPU while runnable (machine noise, /proc/<pid>/schedstat): hookd "
        f"{r['runqueue_wait_s_start_to_end']['hookd']} s, redis-server "
        f"{r['runqueue_wait_s_start_to_end']['redis-server']} s; load average "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        "",
        f"  reference, {ref['client']}, {ref['batch']:,} per round trip, "
        f"{ref['events']:,} entries, MAXLEN {ref['maxlen']}:",
    ]
    for name, label in (
        ("xadd_1kb_payload", "XADD, one 1 KB field"),
        ("xadd_hookd_fields", f"XADD, hookd's 7 fields ({ref['envelope_bytes']} B envelope)"),
        ("hookd_lua_script", "hookd's Lua script (EVALSHA)"),
    ):
        x = ref[name]
        lines.append(
            f"    {label + ':':<48} {x['events_per_s']:>9,} events/s  ({x['s']:.3f} s; "
            f"client CPU {x['client_cpu_s']} s, redis-server CPU {x['redis_cpu_s']} s)"
        )
    lines.append("")
    lines += render_verification(v)
    lines += render_hookd_log(r)
    g = r["goal_met"]
    lines.append(
        f"  goal >= {goal:,} events/s: (b) drain {'MET' if g['drain'] else 'NOT MET'}, "
        f"(a) start to end {'MET' if g['start_to_end'] else 'NOT MET'}"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=200_000, help="backlog size (default 200000)")
    parser.add_argument("--event-bytes", type=int, default=1024, help="body size (default 1024)")
    parser.add_argument("--connections", type=int, default=4, help="connections of the fill (default 4)")
    parser.add_argument(
        "--window", type=int, default=64, help="most frames in flight per connection during the fill (default 64)"
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="any hookd setting, as HOOKD_<NAME> (e.g. batch_max_events=1000)",
    )
    parser.add_argument(
        "--ref-batch",
        type=int,
        default=0,
        metavar="N",
        help="commands per round trip of the redis-py reference (default: hookd's batch_max_events)",
    )
    parser.add_argument(
        "--cprofile", metavar="FILE", help="run the draining hookd under cProfile and write its profile to FILE"
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
    if args.events < 2 or args.connections < 1 or args.window < 1 or args.event_bytes < 700:
        parser.error("--events must be >= 2, --connections and --window >= 1, --event-bytes >= 700")
    if not os.path.exists(CORPUS_EVENT):
        parser.error(f"the corpus event {CORPUS_EVENT} is missing")

    bench = Replay(args)
    return run_to_completion(
        bench,
        args.keep,
        args.json,
        lambda result: render(result, argv),
        [sys.executable, os.path.abspath(__file__)] + argv,
    )


if __name__ == "__main__":
    sys.exit(main())
