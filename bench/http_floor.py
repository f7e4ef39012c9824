#!/usr/bin/env python3
"""The machine's floor for bench/http_ingest.py: the same paced load against a server that does nothing.

A baseline, not a benchmark of hookd. It starts, in its own process, the least an
HTTP server on this stack can be (uvloop, httptools, an answer of ``200 {}``
written as soon as a request is parsed: no token check, no validation, no
redaction, no spool, no Redis), and drives it with http_ingest.py's load
generator, in a separate process, with the same requests. What this measures is
the loopback, the two processes' wake-ups and the scheduler; hookd's p99 at the
same rate cannot be below it, and the gap between the two is hookd's work.

``--work-us N`` makes the server spin N microseconds of CPU before each answer:
the same server, costing what a real one costs. How the p99 grows with N is what
this machine charges for each microsecond a server spends on a request (on the
2-core VM of bench/README, up to 100 us kept the p99 near 1 ms; 200 us took it
past 2 ms).

Usage:
    .venv/bin/python bench/http_floor.py [--rate 500] [--seconds 20] [--connections 4] [--runs 1]
        [--work-us 0]
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

from _harness import REPO, free_port, steal_percent, wait_until  # noqa: E402

ANSWER = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}"


class NothingServer(asyncio.Protocol):
    work_s = 0.0

    def connection_made(self, transport) -> None:
        import httptools

        self.transport = transport
        self.parser = httptools.HttpRequestParser(self)

    def data_received(self, data: bytes) -> None:
        self.parser.feed_data(data)

    def on_message_complete(self) -> None:
        if self.work_s:
            until = time.perf_counter() + self.work_s
            while time.perf_counter() < until:
                pass
        self.transport.write(ANSWER)


def serve(port: int, work_us: float) -> None:
    import uvloop

    NothingServer.work_s = work_us / 1e6

    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(NothingServer, "127.0.0.1", port)
        async with server:
            await server.serve_forever()

    uvloop.run(main())


def _listening(port: int) -> bool:
    import socket

    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def run_once(args: argparse.Namespace) -> dict:
    import psutil

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, os.path.abspath(__file__), "--serve", str(port), str(args.work_us)], cwd=REPO
    )
    try:
        wait_until(lambda: _listening(port), 10, "the floor server")
        generator = [
            sys.executable,
            os.path.join(REPO, "bench", "http_ingest.py"),
            "--generator",
            "paced",
            str(port),
            "unused-token",
            "0",
            str(args.connections),
            str(args.rate),
            str(args.seconds),
            str(args.event_bytes),
        ]
        cpu = psutil.Process(server.pid)
        cpu0, machine0 = sum(cpu.cpu_times()[:2]), psutil.cpu_times()
        out = subprocess.run(generator, capture_output=True, check=True, cwd=REPO).stdout
        result = json.loads(out.decode().strip().splitlines()[-1])
        result["server_cpu_us"] = round(1e6 * (sum(cpu.cpu_times()[:2]) - cpu0) / result["requests"])
        result["steal_percent"] = steal_percent(machine0, psutil.cpu_times())
        return result
    finally:
        server.terminate()
        server.wait()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--serve"]:
        serve(int(argv[1]), float(argv[2]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=500, help="paced requests/s (default 500)")
    parser.add_argument("--seconds", type=float, default=20, help="length of a run (default 20)")
    parser.add_argument("--connections", type=int, default=4, help="keep-alive connections (default 4)")
    parser.add_argument("--event-bytes", type=int, default=1024, help="body size (default 1024)")
    parser.add_argument("--runs", type=int, default=1, help="runs, one after the other (default 1)")
    parser.add_argument(
        "--work-us", type=float, default=0, help="CPU the server spins before each answer, in microseconds (default 0)"
    )
    args = parser.parse_args(argv)
    work = f", {args.work_us:g} us of CPU spun per request" if args.work_us else ""
    print(
        f"floor: nothing server{work}, paced {args.rate:g}/s over {args.connections} connections, "
        f"{args.seconds:g} s a run"
    )
    print(
        "| run | requests | p50 ms | p90 ms | p99 ms | max ms | server CPU per request | CPU stolen | 1-minute load |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for run in range(1, args.runs + 1):
        result = run_once(args)
        lat = result["latency_ms"]
        print(
            f"| {run} | {result['requests']:,} | {lat['p50']} | {lat['p90']} | {lat['p99']} | "
            f"{lat['max']} | {result['server_cpu_us']} us | {result['steal_percent']}% | "
            f"{os.getloadavg()[0]:.2f} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
