#!/usr/bin/env python3
"""HTTP hooks: request latency at a paced 500 requests/s, and the highest sustained rate.

A standalone benchmark (not a test). It starts its own redis-server and its own
``hookd run`` with ``http_addr`` on a free loopback port (bench/_harness.py),
reads the token hookd created, and runs a load generator in a separate process
(asyncio on uvloop, httptools to read the answers) twice:

1. paced: ``--rate`` requests/s (default 500) for ``--seconds`` (20), spread
   round-robin over ``--connections`` (4) keep-alive connections, one request
   in flight per connection, as a hook sends them; each request is sent at its
   scheduled time, or as soon as its connection's previous answer is back (the
   output counts how often that made it late);
2. closed loop: ``--max-connections`` (8) keep-alive connections, each sending
   its next request as soon as the answer to the last one arrives, for
   ``--max-seconds`` (10): the highest rate hookd sustains this way.

Each request is ``POST /hook`` with the headers Node's fetch sends plus
``Authorization: Bearer <token>`` and a ~1 KB body (the corpus event
post_tool_use_bash.json, padded, with a unique ``bench_seq``). Latency is from
just before the request is written to the answer (``200`` and ``{}``) having
been read, on CLOCK_MONOTONIC; every answer is checked. Afterwards the stream
must hold every event exactly once, byte for byte (the harness's ``verify``).

Goal (issue 5): p99 <= 1 ms at 500 requests/s.

Usage:
    .venv/bin/python bench/http_ingest.py [--rate 500] [--seconds 20] [--connections 4]
        [--max-connections 8] [--max-seconds 10] [--set NAME=VALUE ...] [--json] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _harness import (  # noqa: E402
    CORPUS_EVENT,
    REPO,
    BenchError,
    EventMaker,
    Processes,
    environment,
    free_port,
    render_hookd_log,
    render_verification,
    run_to_completion,
    settings_env,
    steal_percent,
    verify,
    wait_until,
)

GOAL_P99_MS = 1.0
HEADERS = (
    b"POST /hook HTTP/1.1\r\nhost: 127.0.0.1:%d\r\nconnection: keep-alive\r\n"
    b"content-type: application/json\r\nauthorization: Bearer %s\r\naccept: */*\r\n"
    b"accept-language: *\r\nsec-fetch-mode: cors\r\nuser-agent: node\r\n"
    b"accept-encoding: gzip, deflate\r\ncontent-length: %d\r\n\r\n"
)


# -- the load generator (its own process) --------------------------------------------------


class Client:
    """One keep-alive connection, one request at a time."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        import httptools

        self.reader, self.writer = reader, writer
        self.parser = httptools.HttpResponseParser(self)
        self.body = b""
        self.done = False

    def on_body(self, chunk: bytes) -> None:
        self.body += chunk

    def on_message_complete(self) -> None:
        self.done = True

    async def request(self, data: bytes) -> tuple[int, bytes]:
        self.body, self.done = b"", False
        self.writer.write(data)
        while not self.done:
            chunk = await self.reader.read(65536)
            if not chunk:
                raise BenchError("hookd closed a keep-alive connection")
            self.parser.feed_data(chunk)
        return self.parser.get_status_code(), self.body


async def generate(
    phase: str, port: int, token: bytes, first_seq: int, connections: int, rate: float, seconds: float, event_bytes: int
) -> dict:
    maker = EventMaker(event_bytes)
    clients = [Client(*await asyncio.open_connection("127.0.0.1", port)) for _ in range(connections)]
    latencies: list[float] = []
    late = 0
    next_seq = first_seq
    errors: list[str] = []

    def request(seq: int) -> bytes:
        body = maker.body(seq)
        return HEADERS % (port, token, len(body)) + body

    async def send(client: Client, seq: int) -> None:
        data = request(seq)
        started = time.perf_counter()
        status, body = await client.request(data)
        latencies.append(time.perf_counter() - started)
        if (status, body) != (200, b"{}") and len(errors) < 5:
            errors.append(f"bench_seq {seq}: {status} {body[:200]!r}")

    request(first_seq)  # build the body templates before the clock starts
    t0 = time.perf_counter() + 0.05
    total = int(rate * seconds) if phase == "paced" else 0

    async def paced(k: int) -> None:
        nonlocal late
        for i in range(k, total, connections):
            delay = t0 + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            elif delay < -0.001:
                late += 1
            await send(clients[k], first_seq + i)

    async def closed(k: int) -> None:
        nonlocal next_seq
        while time.perf_counter() < t0 + seconds:
            seq, next_seq = next_seq, next_seq + 1
            await send(clients[k], seq)

    await asyncio.sleep(max(0.0, t0 - time.perf_counter()))
    started_mono = time.monotonic()
    r0 = os.times()
    await asyncio.gather(*((paced if phase == "paced" else closed)(k) for k in range(connections)))
    elapsed = time.perf_counter() - t0
    r1 = os.times()
    for client in clients:
        client.writer.close()
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 3)

    return {
        "requests": len(latencies),
        "elapsed_s": round(elapsed, 3),
        "rate": round(len(latencies) / elapsed, 1),
        "late_sends": late,
        "t_first_send": started_mono,
        "t_last_answer": time.monotonic(),
        "latency_ms": {"p50": pct(0.50), "p90": pct(0.90), "p99": pct(0.99), "max": round(ordered[-1] * 1000, 3)},
        "generator_cpu_s": round((r1.user - r0.user) + (r1.system - r0.system), 3),
        "errors": errors,
    }


def generator_main(argv: list[str]) -> int:
    phase, port, token, first_seq, connections, rate, seconds, event_bytes = argv
    import uvloop

    result = uvloop.run(
        generate(
            phase,
            int(port),
            token.encode(),
            int(first_seq),
            int(connections),
            float(rate),
            float(seconds),
            int(event_bytes),
        )
    )
    sys.stdout.write(json.dumps(result) + "\n")
    return 0 if not result["errors"] else 1


# -- the run ---------------------------------------------------------------------------------


class Bench(Processes):
    def __init__(self, args: argparse.Namespace) -> None:
        super().__init__()
        self.args = args

    def run(self) -> dict:
        import psutil

        a = self.args
        self.start_redis()
        http_port = free_port()
        settings = {"HOOKD_HTTP_ADDR": f"127.0.0.1:{http_port}"}
        settings.update(settings_env(a.set))
        self.start_hookd(settings, hookd_source=a.hookd_source)
        load_before = os.getloadavg()
        token = wait_until(lambda: _read(os.path.join(self.state_dir, "http.token")), 10, "hookd's HTTP token")
        hookd = psutil.Process(self.hookd_proc.pid)
        phases = []
        sent = 0
        for phase, connections, rate, seconds in (
            ("paced", a.connections, a.rate, a.seconds),
            ("closed", a.max_connections, 0, a.max_seconds),
        ):
            cpu0 = sum(hookd.cpu_times()[:2])
            machine0 = psutil.cpu_times()
            result = self._generate(phase, http_port, token, sent, connections, rate, seconds)
            hookd_cpu_s = sum(hookd.cpu_times()[:2]) - cpu0
            result["hookd_cpu_percent"] = round(100 * hookd_cpu_s / result["elapsed_s"], 1)
            result["hookd_cpu_us_per_request"] = round(1e6 * hookd_cpu_s / result["requests"])
            result["steal_percent"] = steal_percent(machine0, psutil.cpu_times())
            result.update(phase=phase, connections=connections, hookd_accept_ms=self._accept_latency())
            sent += result["requests"]
            phases.append(result)
        wait_until(lambda: self.redis.xlen(self.stream) >= sent, 120, f"{sent} entries in the stream")
        published_at = time.monotonic()
        closed_loop = phases[1]
        time.sleep(0.2)
        verification = verify(self.redis, self.stream, sent, a.event_bytes)
        self.stop_hookd(60)
        self.hookd_log.close()
        p99 = phases[0]["latency_ms"]["p99"]
        return {
            "settings": {
                "rate": a.rate,
                "seconds": a.seconds,
                "event_bytes": a.event_bytes,
                "hookd_env": self.hookd_settings,
                "hookd_source": os.path.abspath(a.hookd_source),
            },
            "load_average_before_after": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
            "phases": phases,
            "closed_loop_all_published_after_s": round(published_at - closed_loop["t_first_send"], 3),
            "goal_p99_ms": GOAL_P99_MS,
            "goal_met": p99 <= GOAL_P99_MS,
            "verification": verification,
            "hookd_exit_code": self.hookd_exit,
            "hookd_log": self.read_log(),
            "environment": {k: v for k, v in environment(self.redis_version).items()},
        }

    def _generate(
        self, phase: str, port: int, token: str, first_seq: int, connections: int, rate: float, seconds: float
    ) -> dict:
        command = [
            sys.executable,
            os.path.abspath(__file__),
            "--generator",
            phase,
            str(port),
            token,
            str(first_seq),
            str(connections),
            str(rate),
            str(seconds),
            str(self.args.event_bytes),
        ]
        self.gen_proc = subprocess.Popen(command, stdout=subprocess.PIPE, cwd=REPO)
        out, _ = self.gen_proc.communicate(timeout=seconds + 120)
        self.check_hookd_alive()
        try:
            result = json.loads(out.decode().strip().splitlines()[-1])
        except (ValueError, IndexError):
            raise BenchError(f"the load generator failed: {out[-2000:]!r}\n{self.log_tail()}") from None
        if result["errors"]:
            raise BenchError(f"hookd answered: {result['errors']}\n{self.log_tail()}")
        return result

    def _accept_latency(self) -> dict:
        """hookd's own time per read of requests (parse, validate, redact, envelope, spool
        write), over its last 2048 reads: what is left of the latency is waiting and the wire."""
        sys.path.insert(0, self.args.hookd_source)
        from hookd.control.client import request

        status = request(os.path.join(os.path.dirname(self.socket), "control.sock"), "status")
        return status["latency_ms"]["accept"]


def _read(path: str) -> str | None:
    try:
        with open(path) as fh:
            return fh.read().strip() or None
    except FileNotFoundError:
        return None


# -- output ----------------------------------------------------------------------------------


def render(r: dict) -> str:
    s, env = r["settings"], r["environment"]
    lines = [
        f"hookd HTTP ingest: POST /hook, {s['event_bytes']}-byte events, bearer token, keep-alive",
        f"  machine:     {env['cpu_count']} cores ({env['cpu_model']}), kernel {env['kernel']}",
        f"  versions:    Python {env['python']}, redis-server {env['redis_server']}, hookd "
        f"{env['hookd']} ({env['hookd_commit'] or 'not a git checkout'}); "
        + ", ".join(f"{k} {v}" for k, v in env["packages"].items()),
        "  generator:   1 separate process (uvloop, httptools); hookd is single-threaded and "
        "shares the machine with it and redis-server",
    ]
    if s["hookd_env"]:
        lines.append("  hookd env:   " + " ".join(f"{k}={v}" for k, v in sorted(s["hookd_env"].items())))
    if s["hookd_source"] != REPO:
        lines.append(f"  hookd from:  {s['hookd_source']}")
    before, after = r["load_average_before_after"]
    lines.append(
        f"  load:        1-minute load average {before} before, {after} after "
        "(other work on this machine competes for its cores)"
    )
    lines += [
        "",
        "  | load | requests | rate | p50 ms | p90 ms | p99 ms | max ms | hookd CPU "
        "| hookd CPU per request | hookd's own p50 / p99 ms | CPU stolen |",
        "  |---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for p in r["phases"]:
        load = (
            f"paced {s['rate']:g}/s, {p['connections']} connections"
            if p["phase"] == "paced"
            else f"closed loop, {p['connections']} connections"
        )
        lat = p["latency_ms"]
        lines.append(
            f"  | {load} | {p['requests']:,} | {p['rate']:,.0f}/s | {lat['p50']} | "
            f"{lat['p90']} | {lat['p99']} | {lat['max']} | {p['hookd_cpu_percent']}% | "
            f"{p['hookd_cpu_us_per_request']} us | "
            f"{p['hookd_accept_ms']['p50']} / {p['hookd_accept_ms']['p99']} | "
            f"{'n/a' if p['steal_percent'] is None else str(p['steal_percent']) + '%'} |"
        )
    paced, closed = r["phases"]
    lines += [
        "",
        "  latency: from writing the request to reading the answer, in the generator; hookd's own:",
        "  its time handling a read of requests (parse, validate, redact, envelope, spool write),",
        "  from `hookd status` over its last 2048 reads; CPU stolen: the machine's CPU time that",
        "  the hypervisor gave to other guests during the phase (each stolen slice stalls a core)",
        f"  paced sends that left late because the connection was still busy: {paced['late_sends']}",
        f"  closed loop: every event in the stream {r['closed_loop_all_published_after_s']} s after "
        f"its first request ({closed['elapsed_s']} s of requests)",
    ]
    lines += render_verification(r["verification"])
    lines += render_hookd_log(r)
    lines.append(
        f"  goal p99 <= {r['goal_p99_ms']} ms at {s['rate']:g} requests/s: "
        f"{'MET' if r['goal_met'] else 'NOT MET'} (p99 {paced['latency_ms']['p99']} ms)"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--generator"]:
        return generator_main(argv[1:])
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rate", type=float, default=500, help="paced requests/s (default 500)")
    parser.add_argument("--seconds", type=float, default=20, help="paced phase length (default 20)")
    parser.add_argument(
        "--connections", type=int, default=4, help="keep-alive connections in the paced phase (default 4)"
    )
    parser.add_argument(
        "--max-connections", type=int, default=8, help="keep-alive connections in the closed loop (default 8)"
    )
    parser.add_argument("--max-seconds", type=float, default=10, help="closed-loop phase length (default 10)")
    parser.add_argument("--event-bytes", type=int, default=1024, help="body size (default 1024)")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="any other hookd setting, as HOOKD_<NAME> (e.g. spool_fsync=batch)",
    )
    parser.add_argument(
        "--hookd-source",
        default=REPO,
        metavar="DIR",
        help="run the hookd package found in DIR (another checkout, for A/B comparisons; default this repository)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary directory (hookd log, spool, redis dir)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if args.rate <= 0 or args.connections < 1 or args.max_connections < 1 or args.event_bytes < 700:
        parser.error("--rate must be > 0, the connections >= 1, --event-bytes >= 700")
    if not os.path.exists(CORPUS_EVENT):
        parser.error(f"the corpus event {CORPUS_EVENT} is missing")
    command = "bench/http_ingest.py " + " ".join(argv)
    return run_to_completion(Bench(args), args.keep, args.json, render, command=command.strip())


if __name__ == "__main__":
    sys.exit(main())
