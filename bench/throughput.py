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
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import msgspec

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
CORPUS_EVENT = os.path.join(os.path.dirname(REPO), "shared", "corpus", "post_tool_use_bash.json")
STREAM = "hookd:events"
GOAL_EVENTS_PER_S = 20_000
DEFAULT_STREAM_MAXLEN = 1_000_000

# -- events ----------------------------------------------------------------------

_STATUS_LINES = [
    " M billing/invoices.py", " M billing/tax/rates.py", "?? billing/refunds_test.py",
    " M billing/api/views.py", " D billing/legacy/export.py", " M tests/test_ledger.py",
    "?? billing/migrations/0042_refund_reason.py", " M pyproject.toml", " M README.md",
    "?? docs/refunds.md", " M billing/models.py", " M billing/serializers.py",
]


class EventMaker:
    """Bodies of exactly ``size`` bytes: the corpus event, padded, with a unique bench_seq."""

    def __init__(self, size: int, corpus_path: str = CORPUS_EVENT) -> None:
        with open(corpus_path, "rb") as fh:
            self.base = json.load(fh)
        self.size = size
        self._templates: dict[int, tuple[bytes, bytes]] = {}

    def body(self, seq: int) -> bytes:
        digits = b"%d" % seq
        template = self._templates.get(len(digits))
        if template is None:
            template = self._templates[len(digits)] = self._template(len(digits))
        return template[0] + digits + template[1]

    def _template(self, ndigits: int) -> tuple[bytes, bytes]:
        def encode(stdout: str) -> bytes:
            doc = dict(self.base)
            doc["tool_response"] = dict(self.base["tool_response"], stdout=stdout)
            doc["bench_seq"] = "@SEQ@"
            return json.dumps(doc, ensure_ascii=False).encode()

        def size_of(stdout: str) -> int:
            return len(encode(stdout)) - len(b'"@SEQ@"') + ndigits

        stdout = self.base["tool_response"]["stdout"]
        i = 0
        while True:  # whole git-status lines while they fit, leaving room for the last one
            line = _STATUS_LINES[i % len(_STATUS_LINES)] + "\n"
            if size_of(stdout + line + "?? notes/.md\n") > self.size:
                break
            stdout += line
            i += 1
        tail = "?? notes/.md\n"
        fill = max(0, self.size - size_of(stdout + tail))
        stdout += "?? notes/" + "n" * fill + ".md\n"
        prefix, suffix = encode(stdout).split(b'"@SEQ@"')
        return prefix, suffix

    @staticmethod
    def seq_of(body: bytes) -> int:
        start = body.rindex(b'"bench_seq": ') + len(b'"bench_seq": ')
        return int(body[start:body.index(b"}", start)])


# -- the load generator (runs in its own process) ------------------------------------


class Generator:
    def __init__(self, total: int, window: int, event_bytes: int) -> None:
        self.total = total
        self.window = window
        self.maker = EventMaker(event_bytes)
        self.next_seq = 0
        self.acked = 0
        self.pid = os.getpid()
        self.ppid = os.getppid()
        self.project = b"/home/dev/src/acme-billing"
        self.latencies: list[float] = []
        self.t_first_send: float | None = None
        self.t_last_ok: float | None = None
        self.error: str | None = None
        self.done: asyncio.Future | None = None

    def frames(self, n: int, sent: collections.deque) -> bytes:
        out = []
        now = time.monotonic()
        for _ in range(n):
            seq = self.next_seq
            if seq >= self.total:
                break
            self.next_seq = seq + 1
            body = self.maker.body(seq)
            out.append(b"HOOKD/1 %d sent=%d pid=%d ppid=%d id=b%015x project=%s\n"
                       % (len(body), time.time_ns(), self.pid, self.ppid, seq, self.project))
            out.append(body)
            sent.append(now)
        return b"".join(out)

    def fail(self, message: str) -> None:
        if self.error is None:
            self.error = message
        if not self.done.done():
            self.done.set_result(None)


class Connection(asyncio.Protocol):
    def __init__(self, gen: Generator) -> None:
        self.gen = gen
        self.buffer = b""
        self.sent: collections.deque = collections.deque()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def start(self) -> None:
        data = self.gen.frames(self.gen.window, self.sent)
        if data:
            self.transport.write(data)

    def data_received(self, data: bytes) -> None:
        buf = self.buffer + data
        last = buf.rfind(b"\n")
        if last < 0:
            self.buffer = buf
            return
        complete, self.buffer = buf[:last + 1], buf[last + 1:]
        n = complete.count(b"\n")
        if complete.count(b"OK ") != n or b"ERR " in complete:
            bad = next(line for line in complete.split(b"\n") if not line.startswith(b"OK "))
            self.gen.fail(f"daemon replied {bad[:300]!r}")
            return
        now = time.monotonic()
        sent, lat = self.sent, self.gen.latencies
        for _ in range(n):
            lat.append(now - sent.popleft())
        gen = self.gen
        gen.acked += n
        if gen.acked >= gen.total:
            gen.t_last_ok = now
            if not gen.done.done():
                gen.done.set_result(None)
            return
        more = gen.frames(n, self.sent)
        if more:
            self.transport.write(more)

    def connection_lost(self, exc) -> None:
        if self.gen.acked < self.gen.total:
            self.gen.fail(f"the daemon closed a connection ({exc}) after {self.gen.acked} OKs")


async def generate(socket_path: str, total: int, connections: int, window: int,
                   event_bytes: int) -> dict:
    loop = asyncio.get_running_loop()
    gen = Generator(total, window, event_bytes)
    gen.done = loop.create_future()
    gen.maker.body(0)  # build the templates before the clock starts
    conns = []
    for _ in range(connections):
        _, proto = await loop.create_unix_connection(lambda: Connection(gen), socket_path)
        conns.append(proto)
    r0 = os.times()
    gen.t_first_send = time.monotonic()
    for conn in conns:
        conn.start()
    await gen.done
    r1 = os.times()
    for conn in conns:
        conn.transport.close()
    lat = sorted(gen.latencies)

    def pct(p: float) -> float | None:
        return round(lat[min(len(lat) - 1, int(p * len(lat)))] * 1000, 3) if lat else None

    return {
        "error": gen.error,
        "acked": gen.acked,
        "t_first_send": gen.t_first_send,
        "t_last_ok": gen.t_last_ok,
        "cpu_s": round((r1.user - r0.user) + (r1.system - r0.system), 3),
        "ack_latency_ms": {"p50": pct(0.50), "p90": pct(0.90), "p99": pct(0.99),
                           "max": round(lat[-1] * 1000, 3) if lat else None},
    }


def generator_main(argv: list[str]) -> int:
    socket_path, total, connections, window, event_bytes = argv
    args = (socket_path, int(total), int(connections), int(window), int(event_bytes))
    try:
        import uvloop
        result = uvloop.run(generate(*args))
        result["loop"] = f"uvloop {uvloop.__version__}"
    except ImportError:
        result = asyncio.run(generate(*args))
        result["loop"] = "asyncio"
    sys.stdout.write(json.dumps(result) + "\n")
    return 0 if result["error"] is None else 1


# -- the processes under test ----------------------------------------------------------


class StreamEnvelope(msgspec.Struct):
    """The envelope fields the verification reads."""

    seq: int
    event_id: str
    payload: msgspec.Raw


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise BenchError(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(0.02)


class BenchError(Exception):
    pass


def stop_process(proc: subprocess.Popen | None, sig: int = signal.SIGTERM, timeout: float = 30) -> int | None:
    if proc is None or proc.poll() is not None:
        return None if proc is None else proc.returncode
    proc.send_signal(sig)
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return None


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.workdir = tempfile.mkdtemp(prefix="hookd-bench-")
        self.sockdir = tempfile.mkdtemp(prefix="hookd-bench-", dir="/tmp")
        self.socket = os.path.join(self.sockdir, "hookd.sock")
        self.redis_proc: subprocess.Popen | None = None
        self.hookd_proc: subprocess.Popen | None = None
        self.gen_proc: subprocess.Popen | None = None
        self.hookd_log_path = os.path.join(self.workdir, "hookd.log")
        self.hookd_exit: int | None = None

    # processes

    def start_redis(self) -> None:
        import redis

        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.port = free_port()
        rdir = os.path.join(self.workdir, "redis")
        os.mkdir(rdir)
        self.redis_proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", rdir, "--logfile", os.path.join(rdir, "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        self.redis = redis.Redis(port=self.port, socket_timeout=30)

        def answers() -> bool:
            if self.redis_proc.poll() is not None:
                raise BenchError(f"redis-server exited with {self.redis_proc.returncode}")
            try:
                return self.redis.ping()
            except redis.exceptions.ConnectionError:
                return False

        wait_until(answers, 10, f"redis-server on port {self.port}")
        self.redis_version = self.redis.info("server")["redis_version"]

    def start_hookd(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("HOOKD_")}
        config_path = os.path.join(self.workdir, "config.toml")
        open(config_path, "w").close()
        env.update({
            "HOOKD_SOCKET": self.socket,
            "HOOKD_STATE_DIR": os.path.join(self.workdir, "state"),
            "HOOKD_REDIS_URL": f"redis://127.0.0.1:{self.port}/0",
            "HOOKD_CONFIG": config_path,
            "HOOKD_LOG_FORMAT": "json",
        })
        if self.args.spool_fsync:
            env["HOOKD_SPOOL_FSYNC"] = self.args.spool_fsync
        if self.args.events > DEFAULT_STREAM_MAXLEN:
            env["HOOKD_STREAM_MAXLEN"] = "0"  # else MAXLEN ~ trims the stream under the count
        for item in self.args.set:
            name, _, value = item.partition("=")
            env[f"HOOKD_{name.upper().replace('-', '_')}"] = value
        self.stream = env.get("HOOKD_STREAM") or STREAM
        self.hookd_settings = {k: v for k, v in env.items() if k.startswith("HOOKD_")
                               and k not in ("HOOKD_SOCKET", "HOOKD_STATE_DIR", "HOOKD_CONFIG")}
        cmd = [sys.executable]
        if self.args.cprofile:
            cmd += ["-m", "cProfile", "-o", os.path.abspath(self.args.cprofile)]
        cmd += ["-m", "hookd", "run"]
        source = os.path.abspath(self.args.hookd_source)
        if source != REPO:
            env["PYTHONPATH"] = source + os.pathsep + env.get("PYTHONPATH", "")
        self.hookd_log = open(self.hookd_log_path, "ab")
        self.hookd_proc = subprocess.Popen(cmd, env=env, cwd=source, stdout=subprocess.DEVNULL,
                                           stderr=self.hookd_log, start_new_session=True)

        def serving() -> bool:
            if self.hookd_proc.poll() is not None:
                raise BenchError(f"hookd exited with {self.hookd_proc.returncode}:\n{self.log_tail()}")
            try:
                with socket.socket(socket.AF_UNIX) as s:
                    s.connect(self.socket)
                return True
            except OSError:
                return False

        wait_until(serving, 20, "hookd to serve its socket")

    def log_tail(self, lines: int = 20) -> str:
        try:
            with open(self.hookd_log_path, "rb") as fh:
                return b"".join(fh.readlines()[-lines:]).decode(errors="replace")
        except OSError:
            return ""

    def stop_all(self) -> None:
        stop_process(self.gen_proc, signal.SIGTERM, 5)
        if self.hookd_proc is not None and self.hookd_proc.poll() is None:
            self.hookd_exit = stop_process(self.hookd_proc, signal.SIGTERM, 60)
        if getattr(self, "hookd_log", None):
            self.hookd_log.close()
        stop_process(self.redis_proc, signal.SIGTERM, 10)

    def cleanup(self, keep: bool) -> None:
        shutil.rmtree(self.sockdir, ignore_errors=True)
        if not keep:
            shutil.rmtree(self.workdir, ignore_errors=True)

    # the run

    def run(self) -> dict:
        import psutil

        a = self.args
        self.start_redis()
        self.start_hookd()
        procs = {"hookd": psutil.Process(self.hookd_proc.pid),
                 "redis-server": psutil.Process(self.redis_proc.pid)}

        def cpu(p: psutil.Process) -> float:
            t = p.cpu_times()
            return t.user + t.system

        cpu0 = {name: cpu(p) for name, p in procs.items()}
        self.gen_proc = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--generator", self.socket, str(a.events),
             str(a.connections), str(a.window), str(a.event_bytes)],
            stdout=subprocess.PIPE, cwd=REPO)

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
                raise BenchError(f"the stream stalled at {n} of {a.events} entries for "
                                 f"{a.stall_timeout:g}s\n{self.log_tail()}")
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
        backlog_at_last_ok = a.events - max(
            (n for t, n in samples if t <= gen["t_last_ok"]), default=0)
        time.sleep(0.2)  # anything extra would show up here
        verification = self.verify()
        self.hookd_exit = stop_process(self.hookd_proc, signal.SIGTERM, 60)
        self.hookd_log.close()
        log_summary = self.read_log()

        window = e2e_s
        return {
            "settings": {
                "events": a.events, "connections": a.connections, "window": a.window,
                "event_bytes": a.event_bytes, "spool_fsync": a.spool_fsync or "interval (default)",
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
            "environment": {
                "cpu_count": os.cpu_count(),
                "cpu_model": cpu_model(),
                "python": platform.python_version(),
                "python_executable": sys.executable,
                "redis_server": self.redis_version,
                "hookd": hookd_version(a.hookd_source),
                "hookd_commit": git_commit(a.hookd_source),
                "generator": f"1 separate process, {gen['loop']}, {a.connections} connections, "
                             f"window {a.window}",
                "kernel": platform.release(),
            },
        }

    def verify(self) -> dict:
        decoder = msgspec.json.Decoder(StreamEnvelope)
        maker = EventMaker(self.args.event_bytes)
        total = self.args.events
        xlen = self.redis.xlen(self.stream)
        seen = bytearray(total)
        problems: list[str] = []
        duplicates = unknown = mismatched = out_of_order = 0
        count = 0
        last_seq = -1
        event_ids: set[str] = set()
        start = "-"
        while True:
            page = self.redis.xrange(self.stream, min=start, max="+", count=10_000)
            if not page:
                break
            for entry_id, fields in page:
                count += 1
                env = decoder.decode(fields[b"envelope"])
                body = bytes(env.payload)
                try:
                    bseq = maker.seq_of(body)
                except ValueError:
                    bseq = -1
                if not 0 <= bseq < total:
                    unknown += 1
                    if len(problems) < 5:
                        problems.append(f"entry {entry_id!r}: no valid bench_seq")
                    continue
                if seen[bseq]:
                    duplicates += 1
                    if len(problems) < 5:
                        problems.append(f"bench_seq {bseq} appears again at {entry_id!r}")
                seen[bseq] = 1
                if body != maker.body(bseq):
                    mismatched += 1
                    if len(problems) < 5:
                        problems.append(f"bench_seq {bseq}: payload differs from what was sent")
                if env.seq <= last_seq or int(fields[b"seq"]) != env.seq:
                    out_of_order += 1
                last_seq = env.seq
                event_ids.add(env.event_id)
            start = "(" + page[-1][0].decode()
        missing = total - sum(seen)
        ok = (xlen == total and count == total and duplicates == 0 and unknown == 0
              and mismatched == 0 and missing == 0 and out_of_order == 0
              and len(event_ids) == total)
        return {"ok": ok, "xlen": xlen, "entries_read": count, "missing": missing,
                "duplicates": duplicates, "unknown": unknown, "payload_mismatches": mismatched,
                "seq_not_increasing": out_of_order, "unique_event_ids": len(event_ids),
                "problems": problems}

    def read_log(self) -> dict:
        levels: collections.Counter = collections.Counter()
        notable = []
        stopped = None
        with open(self.hookd_log_path, "rb") as fh:
            for raw in fh:
                try:
                    line = json.loads(raw)
                except ValueError:
                    levels["unparsed"] += 1
                    if len(notable) < 5:
                        notable.append(raw.decode(errors="replace").strip()[:300])
                    continue
                levels[line.get("level", "?")] += 1
                if line.get("event") == "hookd_stopped":
                    stopped = line
                if line.get("level") in ("warning", "error", "critical") and len(notable) < 5:
                    notable.append(json.dumps(line)[:300])
        return {"lines_by_level": dict(levels), "warnings_and_errors": notable, "stopped": stopped}


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def git_commit(directory: str) -> str | None:
    try:
        out = subprocess.run(["git", "-C", directory, "describe", "--always", "--dirty"],
                             capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def hookd_version(directory: str) -> str:
    try:
        with open(os.path.join(directory, "hookd", "__init__.py")) as fh:
            found = re.search(r"__version__\s*=\s*[\"']([^\"']+)", fh.read())
    except OSError:
        found = None
    return found.group(1) if found else "unknown"


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
        f"  accept rate:      {r['accept_events_per_s']:>9,} events/s  "
        f"({r['accept_s']:.3f} s first send -> last OK)",
        f"  end-to-end rate:  {r['end_to_end_events_per_s']:>9,} events/s  "
        f"({r['end_to_end_s']:.3f} s first send -> XLEN = {s['events']:,})",
        f"  not yet published at the last OK: {r['publish_backlog_at_last_ok']:,} events",
        f"  OK latency (ms):  p50 {lat['p50']}  p90 {lat['p90']}  p99 {lat['p99']}  max {lat['max']}",
        f"  CPU seconds:      hookd {cpu['hookd']} ({pct['hookd']}% of a core), redis-server "
        f"{cpu['redis-server']} ({pct['redis-server']}%), generator {cpu['generator']} "
        f"({pct['generator (over accept)']}% over the accept phase)",
        "",
        f"  verification: {'OK' if v['ok'] else 'FAILED'}: XLEN {v['xlen']:,}, read {v['entries_read']:,}, "
        f"missing {v['missing']}, duplicates {v['duplicates']}, unknown {v['unknown']}, "
        f"payload mismatches {v['payload_mismatches']}, seq not increasing {v['seq_not_increasing']}, "
        f"unique event_ids {v['unique_event_ids']:,}",
    ]
    lines += [f"    {p}" for p in v["problems"]]
    log = r["hookd_log"]
    lines.append(f"  hookd: exit code {r['hookd_exit_code']}, log lines {log['lines_by_level']}")
    lines += [f"    {w}" for w in log["warnings_and_errors"]]
    lines.append(f"  goal >= {r['goal_events_per_s']:,} events/s end to end: "
                 f"{'MET' if r['goal_met'] else 'NOT MET'}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--generator"]:
        return generator_main(argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=200_000, help="events to send (default 200000)")
    parser.add_argument("--connections", type=int, default=4,
                        help="concurrent persistent connections (default 4)")
    parser.add_argument("--window", type=int, default=64,
                        help="most frames in flight per connection (default 64)")
    parser.add_argument("--event-bytes", type=int, default=1024, help="body size (default 1024)")
    parser.add_argument("--spool-fsync", choices=("interval", "never"),
                        help="passed to hookd as HOOKD_SPOOL_FSYNC (default: hookd's, interval)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="any other hookd setting, as HOOKD_<NAME> (e.g. batch_max_events=1000)")
    parser.add_argument("--cprofile", metavar="FILE",
                        help="run hookd under cProfile and write its profile to FILE")
    parser.add_argument("--hookd-source", default=REPO, metavar="DIR",
                        help="run the hookd package found in DIR (another checkout, for A/B "
                        "comparisons; default this repository)")
    parser.add_argument("--poll-interval", type=float, default=0.005,
                        help="seconds between XLEN polls (default 0.005)")
    parser.add_argument("--stall-timeout", type=float, default=60,
                        help="give up when XLEN does not move for this long (default 60 s)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary directory (hookd log, spool, redis dir)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if args.events < 1 or args.connections < 1 or args.window < 1 or args.event_bytes < 700:
        parser.error("--events, --connections and --window must be >= 1, --event-bytes >= 700")
    if not os.path.exists(CORPUS_EVENT):
        parser.error(f"the corpus event {CORPUS_EVENT} is missing")

    def on_term(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started with SIGINT ignored
    bench = Bench(args)
    failed = True
    interrupted = False
    try:
        result = bench.run()
        failed = not result["verification"]["ok"]
    except KeyboardInterrupt:
        interrupted = True
        print("interrupted; stopping hookd and redis-server", file=sys.stderr)
        return 130
    except BenchError as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        return 1
    finally:
        bench.stop_all()
        keep = args.keep or (failed and not interrupted)
        bench.cleanup(keep=keep)
        if keep:
            print(f"(kept {bench.workdir}: hookd.log, state/, redis/)", file=sys.stderr)
    result["workdir"] = bench.workdir if args.keep else None
    print(json.dumps(result, indent=2) if args.json else render(result))
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
