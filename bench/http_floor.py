#!/usr/bin/env python3
"""The machine's floor for bench/http_ingest.py: the same paced load against a server that does nothing.

A baseline, not a benchmark of hookd. It starts, in its own process, the least an
HTTP server on this stack can be (uvloop, httptools, an answer of ``200 {}``
written as soon as a request is parsed: no token check, no validation, no
redaction, no spool, no Redis), and drives it with http_ingest.py's load
generator, in a separate process, with the same requests. What this measures is
the loopback, the two processes' wake-ups and the scheduler; hookd's p99 at the
same rate cannot be below it, and the gap between the two is hookd's work.

Usage:
    .venv/bin/python bench/http_floor.py [--rate 500] [--seconds 20] [--connections 4] [--runs 1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _harness import REPO, free_port, wait_until  # noqa: E402

ANSWER = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}"


class NothingServer(asyncio.Protocol):
    def connection_made(self, transport) -> None:
        import httptools

        self.transport = transport
        self.parser = httptools.HttpRequestParser(self)

    def data_received(self, data: bytes) -> None:
        self.parser.feed_data(data)

    def on_message_complete(self) -> None:
        self.transport.write(ANSWER)


def serve(port: int) -> None:
    import uvloop

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
    port = free_port()
    server = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--serve", str(port)], cwd=REPO)
    try:
        wait_until(lambda: _listening(port), 10, "the floor server")
        generator = [sys.executable, os.path.join(REPO, "bench", "http_ingest.py"), "--generator", "paced",
                     str(port), "unused-token", "0", str(args.connections), str(args.rate),
                     str(args.seconds), str(args.event_bytes)]
        out = subprocess.run(generator, capture_output=True, check=True, cwd=REPO).stdout
        return json.loads(out.decode().strip().splitlines()[-1])
    finally:
        server.terminate()
        server.wait()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--serve"]:
        serve(int(argv[1]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=500, help="paced requests/s (default 500)")
    parser.add_argument("--seconds", type=float, default=20, help="length of a run (default 20)")
    parser.add_argument("--connections", type=int, default=4, help="keep-alive connections (default 4)")
    parser.add_argument("--event-bytes", type=int, default=1024, help="body size (default 1024)")
    parser.add_argument("--runs", type=int, default=1, help="runs, one after the other (default 1)")
    args = parser.parse_args(argv)
    print(f"floor: nothing server, paced {args.rate:g}/s over {args.connections} connections, "
          f"{args.seconds:g} s a run")
    print("| run | requests | p50 ms | p90 ms | p99 ms | max ms | 1-minute load |")
    print("|---|---|---|---|---|---|---|")
    for run in range(1, args.runs + 1):
        result = run_once(args)
        lat = result["latency_ms"]
        print(f"| {run} | {result['requests']:,} | {lat['p50']} | {lat['p90']} | {lat['p99']} | "
              f"{lat['max']} | {os.getloadavg()[0]:.2f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
