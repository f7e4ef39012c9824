#!/usr/bin/env python3
"""Pieces the hookd benchmarks share: events, the load generator, the processes, checks.

- ``EventMaker``: ~1 KB bodies (the corpus event post_tool_use_bash.json, padded)
  each with a unique ``bench_seq``, so every event in the stream can be checked.
- The load generator: ONE separate process (asyncio, on uvloop when available),
  ``connections`` persistent connections each keeping up to ``window`` framed
  events in flight (``HOOKD/1 <len> sent= pid= ppid= id= project=``, as hook-send
  writes them), reading the ``OK <id>`` replies as they come. Run it with
  ``generator_command(...)``; it prints one JSON line (rates, latencies, errors).
- ``Processes``: its own redis-server (loopback port, ``--save "" --appendonly
  no``, temporary directory) and its own ``hookd run`` (socket in a short /tmp
  path, state directory in a temporary directory, JSON logs to a file).
- ``verify``: that the stream holds exactly the events sent, each once, each
  payload byte for byte, with unique and increasing seq and event_id.

Not a benchmark itself; bench/throughput.py, bench/replay.py and bench/memory.py
use it.
"""

from __future__ import annotations

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
CORPUS_EVENT = os.path.join(REPO, "tests", "corpus", "post_tool_use_bash.json")
STREAM = "hookd:events"
DEFAULT_STREAM_MAXLEN = 1_000_000

# -- events ----------------------------------------------------------------------

_STATUS_LINES = [
    " M billing/invoices.py",
    " M billing/tax/rates.py",
    "?? billing/refunds_test.py",
    " M billing/api/views.py",
    " D billing/legacy/export.py",
    " M tests/test_ledger.py",
    "?? billing/migrations/0042_refund_reason.py",
    " M pyproject.toml",
    " M README.md",
    "?? docs/refunds.md",
    " M billing/models.py",
    " M billing/serializers.py",
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
        return int(body[start : body.index(b"}", start)])


# -- the load generator (runs in its own process) ------------------------------------


class Generator:
    def __init__(self, total: int, window: int, event_bytes: int, first_seq: int = 0, handoff_ids: bool = True) -> None:
        self.total = total
        self.window = window
        self.maker = EventMaker(event_bytes)
        self.first_seq = first_seq
        self.end_seq = first_seq + total
        self.next_seq = first_seq
        self.handoff_ids = handoff_ids
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
            if seq >= self.end_seq:
                break
            self.next_seq = seq + 1
            body = self.maker.body(seq)
            if self.handoff_ids:
                out.append(
                    b"HOOKD/1 %d sent=%d pid=%d ppid=%d id=b%015x project=%s\n"
                    % (len(body), time.time_ns(), self.pid, self.ppid, seq, self.project)
                )
            else:
                out.append(
                    b"HOOKD/1 %d sent=%d pid=%d ppid=%d project=%s\n"
                    % (len(body), time.time_ns(), self.pid, self.ppid, self.project)
                )
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
        complete, self.buffer = buf[: last + 1], buf[last + 1 :]
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


async def generate(
    socket_path: str,
    total: int,
    connections: int,
    window: int,
    event_bytes: int,
    first_seq: int = 0,
    handoff_ids: bool = True,
) -> dict:
    loop = asyncio.get_running_loop()
    gen = Generator(total, window, event_bytes, first_seq, handoff_ids)
    gen.done = loop.create_future()
    gen.maker.body(first_seq)  # build the templates before the clock starts
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
        "ack_latency_ms": {
            "p50": pct(0.50),
            "p90": pct(0.90),
            "p99": pct(0.99),
            "max": round(lat[-1] * 1000, 3) if lat else None,
        },
    }


def generator_main(argv: list[str]) -> int:
    """``SOCKET TOTAL CONNECTIONS WINDOW EVENT_BYTES [FIRST_SEQ [HANDOFF_IDS(1|0)]]``."""
    socket_path, total, connections, window, event_bytes, *more = argv
    args = (
        socket_path,
        int(total),
        int(connections),
        int(window),
        int(event_bytes),
        int(more[0]) if more else 0,
        more[1:2] != ["0"],
    )
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


def generator_command(
    socket_path: str,
    total: int,
    connections: int,
    window: int,
    event_bytes: int,
    first_seq: int = 0,
    handoff_ids: bool = True,
) -> list[str]:
    """The command line that runs the load generator in its own process."""
    return [
        sys.executable,
        os.path.abspath(__file__),
        "--generator",
        socket_path,
        str(total),
        str(connections),
        str(window),
        str(event_bytes),
        str(first_seq),
        "1" if handoff_ids else "0",
    ]


def settings_env(items: list[str]) -> dict[str, str]:
    """``--set NAME=VALUE`` items as hookd's ``HOOKD_<NAME>`` environment variables."""
    env = {}
    for item in items:
        name, _, value = item.partition("=")
        env[f"HOOKD_{name.upper().replace('-', '_')}"] = value
    return env


class Processes:
    """A redis-server and a hookd of our own, in temporary directories removed by ``cleanup``."""

    def __init__(self) -> None:
        self.workdir = tempfile.mkdtemp(prefix="hookd-bench-")
        self.sockdir = tempfile.mkdtemp(prefix="hookd-bench-", dir="/tmp")
        self.socket = os.path.join(self.sockdir, "hookd.sock")
        self.state_dir = os.path.join(self.workdir, "state")
        self.redis_proc: subprocess.Popen | None = None
        self.hookd_proc: subprocess.Popen | None = None
        self.gen_proc: subprocess.Popen | None = None
        self.hookd_log_path = os.path.join(self.workdir, "hookd.log")
        self.hookd_log = None
        self.hookd_exit: int | None = None
        self.port: int | None = None
        self.stream = STREAM
        self.hookd_settings: dict[str, str] = {}

    # processes

    def start_redis(self, port: int | None = None) -> None:
        """Start redis-server on ``port`` (default: a free one) and wait until it answers."""
        import redis

        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.port = port or self.port or free_port()
        rdir = os.path.join(self.workdir, "redis")
        os.makedirs(rdir, exist_ok=True)
        self.redis_proc = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                rdir,
                "--logfile",
                os.path.join(rdir, "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
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

    def start_hookd(
        self,
        settings: dict[str, str] | None = None,
        cprofile: str | None = None,
        hookd_source: str = REPO,
        wait: bool = True,
    ) -> None:
        """Start ``hookd run`` publishing to port ``self.port`` (redis-server need not run there).

        ``settings`` are ``HOOKD_*`` variables, applied in order after the
        benchmark's own (socket, state directory, Redis URL, JSON logs). With
        ``wait``, return once the socket accepts connections.
        """
        if self.port is None:
            self.port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("HOOKD_")}
        config_path = os.path.join(self.workdir, "config.toml")
        open(config_path, "w").close()
        env.update(
            {
                "HOOKD_SOCKET": self.socket,
                "HOOKD_STATE_DIR": self.state_dir,
                "HOOKD_REDIS_URL": f"redis://127.0.0.1:{self.port}/0",
                "HOOKD_CONFIG": config_path,
                "HOOKD_LOG_FORMAT": "json",
                # Its own: the default spare inbox (/dev/shm/hookd-$UID/inbox) is shared.
                "HOOKD_SPARE_INBOX": os.path.join(self.workdir, "spare-inbox"),
            }
        )
        env.update(settings or {})
        self.stream = env.get("HOOKD_STREAM") or STREAM
        self.hookd_settings = {
            k: v
            for k, v in env.items()
            if k.startswith("HOOKD_") and k not in ("HOOKD_SOCKET", "HOOKD_STATE_DIR", "HOOKD_CONFIG")
        }
        cmd = [sys.executable]
        if cprofile:
            cmd += ["-m", "cProfile", "-o", os.path.abspath(cprofile)]
        cmd += ["-m", "hookd", "run"]
        source = os.path.abspath(hookd_source)
        if source != REPO:
            env["PYTHONPATH"] = source + os.pathsep + env.get("PYTHONPATH", "")
        self.hookd_command = cmd
        if self.hookd_log is None or self.hookd_log.closed:
            self.hookd_log = open(self.hookd_log_path, "ab")
        self.hookd_exit = None
        self.hookd_proc = subprocess.Popen(
            cmd, env=env, cwd=source, stdout=subprocess.DEVNULL, stderr=self.hookd_log, start_new_session=True
        )
        if wait:
            wait_until(self.hookd_serving, 20, "hookd to serve its socket")

    def hookd_serving(self) -> bool:
        """Whether hookd's socket accepts a connection (raises if hookd exited)."""
        if self.hookd_proc.poll() is not None:
            raise BenchError(f"hookd exited with {self.hookd_proc.returncode}:\n{self.log_tail()}")
        try:
            with socket.socket(socket.AF_UNIX) as s:
                s.connect(self.socket)
            return True
        except OSError:
            return False

    def stop_hookd(self, timeout: float = 60) -> int | None:
        """SIGTERM hookd and wait for it; its exit code (None if it had to be killed)."""
        self.hookd_exit = stop_process(self.hookd_proc, signal.SIGTERM, timeout)
        return self.hookd_exit

    def check_hookd_alive(self) -> None:
        if self.hookd_proc is not None and self.hookd_proc.poll() is not None:
            raise BenchError(f"hookd exited with {self.hookd_proc.returncode}\n{self.log_tail()}")

    def log_tail(self, lines: int = 20) -> str:
        try:
            with open(self.hookd_log_path, "rb") as fh:
                return b"".join(fh.readlines()[-lines:]).decode(errors="replace")
        except OSError:
            return ""

    def log_lines(self, event: str | None = None) -> list[dict]:
        """hookd's JSON log lines so far (those whose ``event`` starts with ``event``, if given)."""
        found = []
        try:
            with open(self.hookd_log_path, "rb") as fh:
                for raw in fh:
                    try:
                        line = json.loads(raw)
                    except ValueError:
                        continue
                    if event is None or str(line.get("event", "")).startswith(event):
                        found.append(line)
        except OSError:
            pass
        return found

    def stop_all(self) -> None:
        stop_process(self.gen_proc, signal.SIGTERM, 5)
        if self.hookd_proc is not None and self.hookd_proc.poll() is None:
            self.hookd_exit = stop_process(self.hookd_proc, signal.SIGTERM, 60)
        if self.hookd_log is not None:
            self.hookd_log.close()
        stop_process(self.redis_proc, signal.SIGTERM, 10)

    def cleanup(self, keep: bool) -> None:
        shutil.rmtree(self.sockdir, ignore_errors=True)
        if not keep:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def read_log(self) -> dict:
        return read_log(self.hookd_log_path)


def run_generator(
    procs: Processes,
    total: int,
    connections: int,
    window: int,
    event_bytes: int,
    first_seq: int = 0,
    handoff_ids: bool = True,
    timeout: float = 3600,
) -> dict:
    """Run the load generator to completion against ``procs``' hookd; its result (raises on error)."""
    procs.gen_proc = subprocess.Popen(
        generator_command(procs.socket, total, connections, window, event_bytes, first_seq, handoff_ids),
        stdout=subprocess.PIPE,
        cwd=REPO,
    )
    deadline = time.monotonic() + timeout
    while procs.gen_proc.poll() is None:
        procs.check_hookd_alive()
        if time.monotonic() > deadline:
            raise BenchError(f"the load generator did not finish within {timeout:g}s")
        time.sleep(0.05)
    out = procs.gen_proc.stdout.read().decode(errors="replace").strip()
    try:
        gen = json.loads(out.splitlines()[-1])
    except (ValueError, IndexError):
        raise BenchError(f"the load generator failed: {out!r}\n{procs.log_tail()}") from None
    if gen["error"]:
        raise BenchError(f"the load generator failed: {gen['error']}\n{procs.log_tail()}")
    return gen


# -- checks ------------------------------------------------------------------------------


def verify(client, stream: str, total: int, event_bytes: int) -> dict:
    """Whether ``stream`` holds exactly bench_seq 0 .. total-1, each once, byte for byte."""
    decoder = msgspec.json.Decoder(StreamEnvelope)
    maker = EventMaker(event_bytes)
    xlen = client.xlen(stream)
    seen = bytearray(total)
    problems: list[str] = []
    duplicates = unknown = mismatched = out_of_order = 0
    count = 0
    last_seq = -1
    event_ids: set[str] = set()
    start = "-"
    while True:
        page = client.xrange(stream, min=start, max="+", count=10_000)
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
    ok = (
        xlen == total
        and count == total
        and duplicates == 0
        and unknown == 0
        and mismatched == 0
        and missing == 0
        and out_of_order == 0
        and len(event_ids) == total
    )
    return {
        "ok": ok,
        "xlen": xlen,
        "entries_read": count,
        "missing": missing,
        "duplicates": duplicates,
        "unknown": unknown,
        "payload_mismatches": mismatched,
        "seq_not_increasing": out_of_order,
        "unique_event_ids": len(event_ids),
        "problems": problems,
    }


def render_verification(v: dict) -> list[str]:
    lines = [
        f"  verification: {'OK' if v['ok'] else 'FAILED'}: XLEN {v['xlen']:,}, read {v['entries_read']:,}, "
        f"missing {v['missing']}, duplicates {v['duplicates']}, unknown {v['unknown']}, "
        f"payload mismatches {v['payload_mismatches']}, seq not increasing {v['seq_not_increasing']}, "
        f"unique event_ids {v['unique_event_ids']:,}",
    ]
    lines += [f"    {p}" for p in v["problems"]]
    return lines


def render_hookd_log(r: dict) -> list[str]:
    """hookd's exit code, its log lines by level, and its warnings and errors, for a report."""
    log = r["hookd_log"]
    lines = [f"  hookd: exit code {r['hookd_exit_code']}, log lines {log['lines_by_level']}"]
    lines += [f"    {w}" for w in log["warnings_and_errors"]]
    return lines


def read_log(path: str) -> dict:
    levels: collections.Counter = collections.Counter()
    notable = []
    stopped = None
    with open(path, "rb") as fh:
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


def steal_percent(before, after) -> float | None:
    """The share of the machine's CPU time that the hypervisor gave to other guests meanwhile.

    On a virtual machine a stolen slice stops whichever process was on that core, for
    milliseconds at a time: the p99 of a run with steal is not the p99 of hookd.
    """
    if not hasattr(before, "steal"):
        return None
    total = sum(after) - sum(before)
    return round(100 * (after.steal - before.steal) / total, 1) if total > 0 else None


# -- the environment ----------------------------------------------------------------------


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
        out = subprocess.run(
            ["git", "-C", directory, "describe", "--always", "--dirty"], capture_output=True, text=True, timeout=10
        )
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


def package_versions() -> dict[str, str]:
    """Versions of the Python packages the daemon and the benchmarks use."""
    from importlib import metadata

    out = {}
    for name in ("redis", "hiredis", "msgspec", "uvloop", "psutil", "structlog"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def environment(redis_version: str | None, hookd_source: str = REPO) -> dict:
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu_model(),
        "python": platform.python_version(),
        "python_executable": sys.executable,
        "redis_server": redis_version,
        "hookd": hookd_version(hookd_source),
        "hookd_commit": git_commit(hookd_source),
        "packages": package_versions(),
        "kernel": platform.release(),
    }


def render_environment(env: dict) -> list[str]:
    return [
        f"  machine:     {env['cpu_count']} cores ({env['cpu_model']}), kernel {env['kernel']}",
        f"  versions:    Python {env['python']}, redis-server {env['redis_server']}, hookd {env['hookd']}"
        f" ({env['hookd_commit'] or 'not a git checkout'}); "
        + ", ".join(f"{k} {v}" for k, v in env["packages"].items()),
    ]


if __name__ == "__main__":
    if sys.argv[1:2] != ["--generator"]:
        sys.exit(
            "usage: _harness.py --generator SOCKET TOTAL CONNECTIONS WINDOW EVENT_BYTES "
            "[FIRST_SEQ [HANDOFF_IDS]]  (the benchmarks run this; see bench/*.py)"
        )
    sys.exit(generator_main(sys.argv[2:]))


def run_to_completion(bench, keep: bool, as_json: bool, render, command=None) -> int:
    """Run a benchmark object and print its result; stop and clean up whatever happens.

    SIGTERM and SIGINT stop it like Ctrl-C (exit 130); a failed verification
    exits 1 and keeps the work directory for a look.
    """

    def on_term(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started with SIGINT ignored
    failed, interrupted = True, False
    try:
        result = bench.run()
        verification = result.get("verification")
        failed = bool(verification) and not verification["ok"]
    except KeyboardInterrupt:
        interrupted = True
        print("interrupted; stopping hookd and redis-server", file=sys.stderr)
        return 130
    except BenchError as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        return 1
    finally:
        bench.stop_all()
        kept = keep or (failed and not interrupted)
        bench.cleanup(keep=kept)
        if kept:
            print(f"(kept {bench.workdir}: hookd.log, state/, redis/)", file=sys.stderr)
    result["workdir"] = bench.workdir if keep else None
    if command is not None:
        result["command"] = command
    print(json.dumps(result, indent=2) if as_json else render(result))
    return 1 if failed else 0
