#!/usr/bin/env python3
"""A seeded fuzz of every input a real hookd takes, after each batch asking invariant 4.

Against its own redis-server and ``hookd run`` (http_addr on), ``--rounds`` rounds each send:
mutated frames on the event socket (headers, lengths, pipelined, cut at random bytes, half-closed
or left open), HTTP requests (random heads, chunked bodies with bad sizes, Content-Length lies,
a slow body, bare garbage), inbox files (truncated, a wrong header, past max_event_bytes, odd
names, a directory and a FIFO named as a frame), and control requests (garbage, over the limit,
never finished). After each round: hookd still running, a good event through the socket and
one over HTTP reach the stream, the counters add up (received = accepted + rejected), and the
process's RSS. The docs/security.md "Fifty-fifth" pass has its figures; the tests'
derandomized cases are tests/test_redteam55_fuzz.py.

    nice .venv/bin/python bench/fuzz_inputs.py [--rounds 30] [--seed 55] [--keep] [--hookd-source DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import sys
import threading
import time

from _harness import REPO, Processes, free_port, wait_until

sys.path.insert(0, REPO)
from hookd.control.client import request  # noqa: E402

GOOD = b'{"hook_event_name":"Stop","session_id":"fuzz-good"}'


def _exchange(family: int, address: object, pieces: list[bytes], half_close: bool, pause_s: float = 0.0) -> bytes:
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.settimeout(15)
        s.connect(address)
        try:
            for piece in pieces:
                s.sendall(piece)
                if pause_s:
                    time.sleep(pause_s)
            if half_close:
                s.shutdown(socket.SHUT_WR)
            chunks = []
            while chunk := s.recv(65536):
                chunks.append(chunk)
        except TimeoutError:
            return b"<timeout>"
        except OSError:  # reset, or closed by hookd before all was sent
            return b"<reset>"
        return b"".join(chunks)


def _cut(rng: random.Random, data: bytes) -> list[bytes]:
    cuts = sorted(rng.randrange(len(data) + 1) for _ in range(rng.randrange(6)))
    return [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)]) if b > a] or [data]


def _body(rng: random.Random) -> bytes:
    return rng.choice(
        [
            GOOD,
            bytes(rng.randrange(256) for _ in range(rng.randrange(200))),
            b"[" * rng.randrange(10, 100000),
            b'{"hook_event_name":' + b'"' + b"x" * rng.randrange(100000) + b'"}',
            b"{}",
            b"\xef\xbb\xbf" + GOOD,
            b'{"a":' + b"9" * 6000 + b"}",
        ]
    )


def frames(rng: random.Random) -> tuple[list[bytes], bool]:
    data = b""
    for _ in range(rng.randrange(1, 6)):
        body = _body(rng)
        length = rng.choice(
            [b"%d" % len(body), b"%d" % (len(body) + rng.randrange(-5, 6)), b"-1", b"-", b"9" * 18, b"", b"x", b"0"]
        )
        items = rng.sample([b"id=a", b"id=" + b"a" * 65, b"hook=Stop", b"hook=\x1b", b"pid=1", b"Q=1", b"=", b"%"], 2)
        magic = rng.choice([b"HOOKD/1"] * 4 + [b"HOOKD/2", b""])
        data += b" ".join([magic, length, *items]) + b"\n" + body
    return _cut(rng, data), rng.random() < 0.8


def http_request(rng: random.Random, port: int, token: str) -> tuple[list[bytes], bool, float]:
    body = _body(rng)
    head = [b"POST /hook HTTP/1.1", b"Host: 127.0.0.1:%d" % port]
    if rng.random() < 0.9:
        head.append(b"Authorization: Bearer " + token.encode())
    kind = rng.choice(["length", "lie", "chunked", "badchunk", "both", "garbage", "headers"])
    if kind == "length":
        head.append(b"Content-Length: %d" % len(body))
        tail = body
    elif kind == "lie":
        head.append(b"Content-Length: %d" % (len(body) + rng.choice([-3, 5, 10**12])))
        tail = body
    elif kind in ("chunked", "badchunk", "both"):
        head.append(b"Transfer-Encoding: chunked")
        if kind == "both":
            head.append(b"Content-Length: 3")
        size = b"%x" % len(body) if kind != "badchunk" else rng.choice([b"-1", b"fffffffffffffffff", b"zz", b""])
        tail = size + b"\r\n" + body + b"\r\n0\r\n\r\n"
    elif kind == "headers":
        head += [b"X-%d: %s" % (i, b"v" * rng.randrange(2000)) for i in range(rng.randrange(100))]
        head.append(b"Content-Length: %d" % len(body))
        tail = body
    else:
        return _cut(rng, bytes(rng.randrange(256) for _ in range(rng.randrange(500)))), True, 0.0
    data = b"\r\n".join(head) + b"\r\n\r\n" + tail
    slow = 0.05 if rng.random() < 0.1 else 0.0
    return _cut(rng, data), rng.random() < 0.7, slow


def inbox_files(rng: random.Random, inbox: str, max_bytes: int) -> int:
    os.makedirs(inbox, mode=0o700, exist_ok=True)
    made = 0
    for i in range(rng.randrange(1, 6)):
        kind = rng.choice(["truncated", "header", "huge", "odd", "dir", "fifo", "good"])
        name = f"{time.time_ns()}-{os.getpid()}-{i}.hookd"
        body = GOOD
        data = b"HOOKD/1 %d\n" % len(body) + body
        if kind == "truncated":
            data = data[: rng.randrange(len(data))]
        elif kind == "header":
            data = b"HOOKD/9 x\n" + body
        elif kind == "huge":
            data = b"HOOKD/1 -\n" + b"x" * (max_bytes + 10)
        elif kind == "odd":
            name = rng.choice(["\n\x1b[2J", "a b", "-", "..x", "\udcff"]) + name
        path = os.path.join(inbox, name)
        try:
            if kind == "dir":
                os.mkdir(path)
            elif kind == "fifo":
                os.mkfifo(path, 0o600)
            else:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
            made += 1
        except (OSError, UnicodeEncodeError):
            pass
    return made


def control_requests(rng: random.Random) -> tuple[list[bytes], bool]:
    data = rng.choice(
        [b"status\n", b"ping\n", b"\x00\xff\n", b"x" * rng.randrange(100, 200000), b"sta", b"", b"PING\n" * 3]
    )
    return _cut(rng, data), rng.random() < 0.7


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--seed", type=int, default=55)
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs)")
    parser.add_argument("--hookd-source", default=REPO, help="run the hookd of this tree (a copy of the base)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    procs = Processes()
    port = free_port()
    failures: list[str] = []
    try:
        procs.start_redis()
        procs.start_hookd(
            {"HOOKD_HTTP_ADDR": f"127.0.0.1:{port}", "HOOKD_CLIENT_TIMEOUT_S": "1"}, hookd_source=args.hookd_source
        )
        control = os.path.join(procs.sockdir, "control.sock")
        token_path = os.path.join(procs.state_dir, "http.token")
        wait_until(lambda: os.path.exists(token_path), 20, "the HTTP token")
        token = open(token_path).read().strip()
        inbox = os.path.join(procs.state_dir, "inbox")
        rss: list[float] = []
        fds: list[int] = []
        started = time.monotonic()
        for n in range(args.rounds):
            threads = []
            for _ in range(8):
                pieces, half = frames(rng)
                threads.append(threading.Thread(target=_exchange, args=(socket.AF_UNIX, procs.socket, pieces, half)))
            for _ in range(8):
                pieces, half, slow = http_request(rng, port, token)
                args_ = (socket.AF_INET, ("127.0.0.1", port), pieces, half, slow)
                threads.append(threading.Thread(target=_exchange, args=args_))
            for _ in range(4):
                pieces, half = control_requests(rng)
                threads.append(threading.Thread(target=_exchange, args=(socket.AF_UNIX, control, pieces, half)))
            for t in threads:
                t.start()
            inbox_files(rng, inbox, 8 << 20)
            for t in threads:
                t.join()
            if procs.hookd_proc.poll() is not None:
                failures.append(f"round {n}: hookd exited with {procs.hookd_proc.returncode}")
                break
            seen = procs.redis.xlen(procs.stream)
            answer = _exchange(socket.AF_UNIX, procs.socket, [b"HOOKD/1 %d\n" % len(GOOD) + GOOD], True)
            if not answer.startswith(b"OK "):
                failures.append(f"round {n}: the good frame was answered {answer[:80]!r}")
            head = b"POST /hook HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAuthorization: Bearer %s\r\n" % (port, token.encode())
            http = head + b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(GOOD) + GOOD
            answer = _exchange(socket.AF_INET, ("127.0.0.1", port), [http], True)
            if not answer.startswith(b"HTTP/1.1 200"):
                failures.append(f"round {n}: the good POST was answered {answer[:80]!r}")
            try:
                wait_until(lambda: procs.redis.xlen(procs.stream) >= seen + 2, 30, "the good events")
            except Exception as exc:
                failures.append(f"round {n}: {exc}")
            status = request(control, "status", timeout_s=10)
            counters = status["counters"]
            # Framing refusals (a bad header, a timeout) are rejected without being frames received.
            if counters["received"] > counters["accepted"] + sum(counters["rejected"].values()):
                failures.append(f"round {n}: counters do not add up: {counters}")
            rss.append(round(status["process"]["rss_bytes"] / 2**20, 1))
            fds.append(status["process"]["open_fds"])
        status = request(control, "status", timeout_s=10)
        records = procs.read_log()
        summary = {
            "rounds": args.rounds,
            "seed": args.seed,
            "seconds": round(time.monotonic() - started, 1),
            "load": os.getloadavg()[0],
            "counters": {k: status["counters"].get(k) for k in ("received", "accepted", "rejected", "control_refused")},
            "http": status.get("http"),
            "inbox": {k: status["inbox"].get(k) for k in ("events", "taken", "unreadable_count")},
            "rss_mb_first_last_max": [rss[0], rss[-1], max(rss)] if rss else None,
            "open_fds_first_last_max": [fds[0], fds[-1], max(fds)] if fds else None,
            "log_lines": records["lines_by_level"],
            "log_warnings": records["warnings_and_errors"],
            "log_bytes": os.path.getsize(procs.hookd_log_path),
            "tracebacks": open(procs.hookd_log_path, errors="replace").read().count("Traceback"),
            "failures": failures,
        }
        print(json.dumps(summary, indent=1, default=str))
    finally:
        procs.stop_all()
        procs.cleanup(args.keep)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
