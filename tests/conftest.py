"""Real processes for the tests: a redis-server on a free loopback port, and hookd daemons."""

from __future__ import annotations

import binascii
import functools
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

from hookd import core_files
from hookd.redact.checksums import base62
from inprocess import InProcessHookd as InProcessMixin


@pytest.fixture(autouse=True)
def _core_files_left_to_started_processes(monkeypatch):
    """cli.main turns core files off for good (hard limit 0) as every command starts. Run in a
    test's own process it would do so for the whole worker, and the tests that start a process
    with core files on to see it turn them off (test_redteam19_core_dumps, test_redteam45_core_files)
    would skip. The processes tests start still turn them off: those tests read their limits."""
    monkeypatch.setattr(core_files, "turn_off", lambda: None)


if os.environ.get("HOOKD_TEST_CPU"):  # where the CPU goes, per test (tests/cpu_profile.py)
    from cpu_profile import pytest_runtest_protocol, pytest_sessionstart, pytest_terminal_summary  # noqa: F401

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "tests" / "corpus"  # the project's own payloads (tests/corpus/generate.py)
# Realistic payloads that may sit beside a checkout: an extra set, run when present, never required.
EXTRA_CORPUS = REPO.parent / "shared" / "corpus"
CORPUS_FILES = sorted(CORPUS.glob("*.json"))
ALL_CORPUS_FILES = CORPUS_FILES + (sorted(EXTRA_CORPUS.glob("*.json")) if EXTRA_CORPUS.is_dir() else [])
CLIENT = REPO / "client" / "hook_send.py"
# The client runs on the bare interpreter, as in a hook; the daemon in this environment.
BARE_PYTHON = os.path.realpath(sys.executable)
# hook-send as `hookd print-hook-command` writes it into the hook (hookd/hooks/command.py): the
# client imported by name, so its cached bytecode is used instead of compiling the file on
# every run. tests/test_client.py runs the file itself (`python hook_send.py`).
CLIENT_ARGV = [
    BARE_PYTHON,
    "-I",
    "-S",
    "-c",
    f"import sys;sys.path[:0]=[{json.dumps(str(CLIENT.parent))}];import hook_send;hook_send.exit_after_main()",
]


_SPARE_BEFORE = pytest.StashKey[set[str]]()


def pytest_configure(config):
    """Children get Ctrl-C as a terminal gives it, however pytest was started.

    A shell starts a background job (`make test &`, nohup) with SIGINT ignored, and an ignored
    signal stays ignored across exec: the tests that press Ctrl-C on a hookd command would then
    see nothing happen. A handled signal is reset to its default at exec instead.
    """
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    config.stash[_SPARE_BEFORE] = _users_spare_inbox()
    _bytecode_caches()
    if _xdist_worker() is None:  # the workers, started after this, inherit it
        import tempfile

        os.environ[_SEEDS] = tempfile.mkdtemp(prefix="hookd-test-scanners-")  # 0700, made for this run


def _bytecode_caches() -> None:
    """The suite's bytecode caches are written even under PYTHONDONTWRITEBYTECODE (a sandbox or
    CI may set it): without them each pytest-xdist worker rewrites the asserts of every test
    module again, and each of the hundreds of hookd processes the tests start compiles the
    modules it imports (bench/README.md, "Suite CPU"). They go where Python keeps them, in
    __pycache__ (ignored by git); a source changed since is compiled again, as always."""
    sys.dont_write_bytecode = False  # this process's: pytest's rewritten test modules
    if _xdist_worker() is None:  # once, before pytest-xdist starts its workers
        import compileall
        import py_compile

        for package in ("hookd", "client"):
            compileall.compile_dir(REPO / package, quiet=1, invalidation_mode=py_compile.PycInvalidationMode.TIMESTAMP)


def _users_spare_inbox() -> set[str]:
    """The files in the spare inbox of the user running the tests (shared by all of their hookd)."""
    from hookd_client.hook_send import spare_inbox_dir

    spare = spare_inbox_dir(dict(os.environ))
    try:
        return {os.path.join(spare, name) for name in os.listdir(spare)} if spare else set()
    except OSError:
        return set()


def pytest_sessionfinish(session, exitstatus):
    """No test may leave an event in the user's own spare inbox: their real hookd would take
    it into their real stream (a test must give hook-send a spare inbox of its own).

    Under pytest-xdist the controller checks, once every worker has finished: its snapshot
    was taken before any of them started."""
    if _xdist_worker() is not None:
        return
    shutil.rmtree(os.environ.pop(_SEEDS, ""), ignore_errors=True)
    left = sorted(_users_spare_inbox() - session.config.stash.get(_SPARE_BEFORE, set()))
    if left:
        print(f"\nthe tests left {len(left)} events in the user's spare inbox: {left[:5]}", file=sys.stderr)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


# Under pytest-xdist (pyproject's addopts) these start first, longest first: a test that runs
# a fixed time (the chaos soak, the fuzzer) or holds a module's Redis topology for a while
# must not be the last thing a worker starts, or the run waits for it alone.
START_FIRST = (
    "test_chaos.py",
    "test_native_sanitizers.py",
    "test_faults.py",
    "test_sentinel_access.py",
    "test_reliability.py",
    "test_cluster.py",
    "test_lifecycle.py",
    "test_sentinel.py",
    "test_cluster_migration.py",
    "test_redis_tls.py",
    "test_packaging.py",
    "test_redact_confirm_parts.py",
    "test_redact_trigger_parts.py",
    "test_redact_view_core.py",
)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session, config, items):
    """Schedule for pytest-xdist's ``--dist loadgroup``: each test is sent to a worker on its own,
    except that the tests of a module that share one of its module-scoped fixtures (a Cluster,
    a sanitizer build, sentinels) go to one worker together, so that it is set up once; and
    START_FIRST's modules are sent first, and the redaction tests that run alone last. In one
    process (-n 0, -p no:xdist) nothing changes."""
    # The items are a worker's: xdist sets its option.dist to "no" and keeps loadgroup (xdist/remote.py's
    # setup_config). Read by dist alone, a worker grouped and ordered nothing: each module-scoped fixture was
    # set up on every worker its tests were scattered to, and the tests ran in file order.
    if not getattr(config.option, "loadgroup", False) and getattr(config.option, "dist", "no") == "no":
        return
    grouped = set()
    for item in items:
        fixtures = getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {})
        if any(d.scope in ("module", "class", "package") for defs in fixtures.values() for d in defs):
            grouped.add(item.nodeid)
    worker = _xdist_worker()
    if worker is not None and os.environ.get(_SEEDS):  # for the controller's ModuleGroups (below)
        mine = os.path.join(os.environ[_SEEDS], f"groups.{worker}")
        with open(mine + ".part", "w") as f:
            f.write("\n".join(sorted(grouped)))
        os.replace(mine + ".part", mine)
    rank = {name: n for n, name in enumerate(START_FIRST)}

    # Most of the suite's tests are short redaction tests that start no process. Sent last, they
    # fill the workers' ends, which the tests that run hookd, Redis and chromium (seconds to a
    # minute each) would otherwise leave to one worker while the others idle.
    def order(item) -> tuple[int, bool]:
        alone = item.path.name.startswith("test_redact") and item.nodeid not in grouped
        return rank.get(item.path.name, len(rank)), alone

    items.sort(key=order)


@pytest.hookimpl(tryfirst=True, optionalhook=True)  # optional: -p no:xdist has no such hook
def pytest_xdist_make_scheduler(config, log):
    """``--dist loadgroup``'s scheduler, grouping by what the workers wrote: pytest 9.2 builds a nodeid from the
    item's _id, so pytest-xdist 3.8's own grouping (it appends "@group" to item._nodeid) no longer shows, and
    each test was sent alone."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ModuleGroups(LoadScopeScheduling):
        grouped: set[str] | None = None

        def _split_scope(self, nodeid: str) -> str:
            if self.grouped is None:  # read once every worker has collected (schedule() calls this)
                self.grouped = set()
                folder = os.environ.get(_SEEDS, "")
                for name in os.listdir(folder) if folder else ():
                    if name.startswith("groups.") and not name.endswith(".part"):
                        self.grouped.update(Path(folder, name).read_text().splitlines())
            return nodeid.split("::", 1)[0] if nodeid in self.grouped else nodeid

    return ModuleGroups(config, log)


def github_token() -> str:
    """A token of GitHub's format (its CRC32 holds), assembled here so no scanner takes the file for a leak."""
    body = "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5"
    return "gh" + "p_" + body + base62(binascii.crc32(body.encode()), 6)


def _xdist_worker() -> int | None:
    """This pytest-xdist worker's number (gw3: 3), or None when the tests run in one process."""
    name = os.environ.get("PYTEST_XDIST_WORKER", "")
    return int(name[2:]) if name.startswith("gw") and name[2:].isdigit() else None


# Under pytest-xdist each worker takes the ports of its own block, below the kernel's ephemeral
# range, in turn: two workers never pick the same port, and no outgoing connection can take a
# port between the moment a test picks it and the moment a server binds it.
_PORT_BLOCK_START = 10000
_PORT_BLOCK_SIZE = 1000
_next_port: list[int] = []


def _ephemeral_ports_start() -> int:
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port() -> int:
    """A loopback TCP port that nothing listens on now."""
    worker = _xdist_worker()
    first = None if worker is None else _PORT_BLOCK_START + worker * _PORT_BLOCK_SIZE
    if first is None or first + _PORT_BLOCK_SIZE > _ephemeral_ports_start():
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]
    if not _next_port:  # a random start: another run of the suite on this machine starts elsewhere
        _next_port.append(random.SystemRandom().randrange(_PORT_BLOCK_SIZE))
    for _ in range(_PORT_BLOCK_SIZE):
        port = first + _next_port[0]
        _next_port[0] = (_next_port[0] + 1) % _PORT_BLOCK_SIZE
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError(f"no free port in {first}..{first + _PORT_BLOCK_SIZE - 1}")


# What a test waits for does happen (no test expects a wait to time out), so the bound is how starved a
# CI worker may be: a daemon's start-up took more than 10 s there while other suites ran.
def wait_until(predicate, timeout: float = 30.0, interval: float = 0.02, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def answers_until_starting(ask) -> list[tuple[int, dict]]:
    """``ask()`` (a status's exit code and document) asked until it says hookd starts: every answer, the last
    saying "starting" (the start-window tests look at all of them: none may say "not running")."""
    answers: list[tuple[int, dict]] = []
    wait_until(
        lambda: answers.append(ask()) or answers[-1][1].get("health") == "starting",
        timeout=60,
        what="status saying hookd starts",
    )
    return answers


class RedisServer:
    """A real redis-server that a test can stop and start again on the same port."""

    def __init__(self, workdir: Path, extra_args: tuple[str, ...] = ()) -> None:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not os.path.exists(binary):
            pytest.fail("redis-server is not installed; run `make test`, which installs it")
        self.binary = binary
        self.workdir = workdir
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.extra_args = extra_args  # e.g. a TLS port (tests/secure_redis.py)
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
                "--logfile",
                str(self.workdir / "redis.log"),
                *self.extra_args,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self._answers, what=f"redis-server on port {self.port}")

    def _answers(self) -> bool:
        try:
            return redis.Redis(port=self.port, socket_timeout=0.5).ping()
        except redis.exceptions.ConnectionError:
            return False

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_db(redis_server):
    """The session's Redis, emptied for this test."""
    client = redis_server.client()
    client.flushall()
    yield client
    client.close()


_SITE = Path(__file__).parent / "process_site"


@pytest.fixture
def no_spare(monkeypatch):
    """Redaction without the spare a text may spend past its chunks' limits (floods.REPORT_SPARE,
    WORD_SPARE, budget.CONFIRM_SPARE): for tests of what one chunk may do."""
    from hookd.redact import budget, floods

    monkeypatch.setattr(floods, "REPORT_SPARE", 0)
    monkeypatch.setattr(floods, "WORD_SPARE", 0)
    monkeypatch.setattr(budget, "CONFIRM_SPARE", 0)


_SEEDS = "HOOKD_TEST_SCANNER_SEEDS"  # the run's directory of seeds, shared by its pytest-xdist workers


@functools.cache
def scanner_seed(redact_rules: str = "", redact_disable: str = "") -> str:
    """A file holding the redaction scanner's compiled databases for ``redact_rules`` and
    ``redact_disable`` (the settings' JSON, as `Hookd` is given them), written once per test run.

    Each `hookd run` of a test starts in a fresh state directory, so it would compile the same
    Hyperscan databases again (most of a second of CPU; the suite starts some 150). The daemons
    started through `Hookd` read them from here instead (tests/process_site/sitecustomize.py
    puts them where hookd keeps the last database it compiled), then save them into their state
    directory as after a compile: what a test sees of the daemon is unchanged. A daemon with rules
    of its own, or with one left out, compiles the databases holding them at every start where its
    state directory does not keep them (a fresh one, or a full disk: scanner_cache.SAVE_ROOM),
    seconds of CPU each time, minutes on a loaded machine: they are compiled here once per set of
    settings and run, whichever worker asks first (the others wait on its lock, then read it).
    """
    import fcntl
    import hashlib
    import pickle
    import tempfile

    import msgspec

    from hookd.config import UserRule
    from hookd.redact import build_redactor, scanner_cache

    seeds = Path(os.environ.get(_SEEDS) or tempfile.mkdtemp(prefix="hookd-test-scanners-"))
    os.environ[_SEEDS] = str(seeds)
    made = os.lstat(seeds)  # made by this run's mkdtemp: this user's, 0700, not a link
    assert made.st_uid == os.getuid() and made.st_mode & 0o777 == 0o700 and not os.path.islink(seeds), seeds
    name = hashlib.sha256(json.dumps([redact_rules, redact_disable]).encode()).hexdigest()[:32]
    path = seeds / f"{name}.pickle"
    with open(seeds / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.exists():
            return str(path)
        rules = msgspec.json.decode(redact_rules, type=list[UserRule]) if redact_rules else []
        disable = json.loads(redact_disable) if redact_disable else []
        before = dict(scanner_cache._LAST)
        try:
            # and the twins a daemon compiles at start (scanner_cache.Twin)
            build_redactor(True, disable, extra=rules)._triggers.compile_twins()
            with open(f"{path}.tmp", "wb") as f:
                pickle.dump(dict(scanner_cache._LAST), f)
            os.rename(f"{path}.tmp", path)
        finally:
            if redact_rules or redact_disable:  # this worker's in-process daemons, with the built-in rules, find theirs
                scanner_cache._LAST.clear()
                scanner_cache._LAST.update(before)
    return str(path)


class Hookd:
    """A real ``hookd run`` process with its own socket and state directory."""

    def __init__(self, base: Path, redis_url: str, **settings: str) -> None:
        # Unix socket paths are limited to about 100 bytes; pytest's tmp paths can be longer.
        self.base = base
        base.mkdir(parents=True, exist_ok=True)
        self.socket = Path(f"/tmp/hookd-test-{os.getpid()}-{id(self):x}") / "hookd.sock"
        self.state_dir = base / "state"
        self.log_path = base / "hookd.log"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("HOOKD_")},
            "HOOKD_SOCKET": str(self.socket),
            "HOOKD_STATE_DIR": str(self.state_dir),
            "HOOKD_REDIS_URL": redis_url,
            "HOOKD_CONFIG": str(base / "config.toml"),
            "HOOKD_LOG_FORMAT": "json",
            # Each test's own: the default (/dev/shm/hookd-$UID/inbox) is shared by every test.
            "HOOKD_SPARE_INBOX": str(base / "spare-inbox"),
            # 1 MiB, not the 64 MiB default: pytest keeps the last runs' directories, and
            # hundreds of daemons' reserves would take gigabytes (test_disk_full sets its own).
            "HOOKD_SPOOL_RESERVE_BYTES": str(1 << 20),
            # hook-send's deadline (250 ms by default): long enough that a loaded CI worker does
            # not turn a slow OK into an inbox copy; tests of the deadline set their own.
            "HOOKD_SEND_TIMEOUT_MS": "2000",
            # A usage event waits this long for its transcript reading (50 ms by default); the envelope's
            # `caught_up` says whether it finished in time, which a loaded worker decided differently
            # from run to run. Tests of a late reading drive UsageTracker themselves.
            "HOOKD_USAGE_BUDGET_MS": "1000",
            **{f"HOOKD_{k.upper()}": str(v) for k, v in settings.items()},
            "PYTHONPATH": os.pathsep.join(filter(None, [str(_SITE), os.environ.get("PYTHONPATH")])),
            "HOOKD_TEST_SCANNER_SEED": scanner_seed(
                settings.get("redact_rules", ""), settings.get("redact_disable", "")
            ),
        }
        (base / "config.toml").write_text("")
        self.proc: subprocess.Popen | None = None

    def start(self, wait: bool = True, timeout: float = 60) -> Hookd:
        """``timeout``: a wait on hookd serving, which a loaded 2-core machine's start of a plain hookd
        has taken past 30 s; more for starts that compile a scanner database of their own (redact_rules)."""
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "hookd", "run"], env=self.env, stdout=subprocess.DEVNULL, stderr=self.log, cwd=REPO
        )
        if wait:
            wait_until(self._serving, timeout=timeout, what="hookd to serve its socket")
        return self

    def _serving(self) -> bool:
        """Start-up done: the control socket answers with the running daemon's document, which it does only
        once the event socket is served (both are bound, and take connections into their backlog, long before;
        during the start a thread answers with what the start does, daemon/start_answers.py)."""
        from hookd.control.client import request

        if self.proc.poll() is not None:
            raise AssertionError(f"hookd exited with {self.proc.returncode}:\n{self.log_text()}")
        control = self.env.get("HOOKD_CONTROL_SOCKET") or str(self.socket.parent / "control.sock")
        try:
            return "starting" not in request(control, "status", timeout_s=0.5)
        except Exception:
            return False

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        self.proc.send_signal(sig)
        code = self.proc.wait(timeout)
        self.log.close()
        return code

    def kill(self) -> None:
        """At the test's end, whatever state it is in."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def send(self, body: bytes, *args: str, **env: str) -> subprocess.CompletedProcess:
        """Run the real client, in its fast form, as Claude Code would."""
        return subprocess.run(
            [*CLIENT_ARGV, *args],
            input=body,
            capture_output=True,
            timeout=30,
            env={**self.env, **env},
        )

    def send_stop(self, session: str) -> None:
        """Hand over a Stop event of ``session`` with a patient deadline (the daemon may be busy
        with a Redis that misbehaves), and hold hook-send to its contract: exit 0, silent."""
        body = json.dumps({"hook_event_name": "Stop", "session_id": session}).encode()
        done = self.send(body, HOOKD_SEND_TIMEOUT_MS="5000")
        assert done.returncode == 0 and done.stdout == b"" and done.stderr == b"", done.stderr

    def request(self, data: bytes, shut_write: bool = True, timeout: float = 10) -> bytes:
        """Send raw bytes on one connection and return everything the daemon answers."""
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(timeout)
            s.connect(str(self.socket))
            s.sendall(data)
            if shut_write:
                s.shutdown(socket.SHUT_WR)
            chunks = []
            while chunk := s.recv(65536):
                chunks.append(chunk)
            return b"".join(chunks)

    def inbox(self) -> list[Path]:
        inbox = self.state_dir / "inbox"
        return sorted(inbox.glob("*.hookd")) if inbox.exists() else []


class InProcessHookd(InProcessMixin, Hookd):
    """The same daemon in the test process (tests/inprocess.py): no interpreter to start."""


def _factory(cls: type[Hookd], tmp_path: Path, redis_server: RedisServer):
    started: list[Hookd] = []

    def make(redis_url: str | None = None, start: bool = True, **settings: str) -> Hookd:
        daemon = cls(tmp_path / f"hookd{len(started)}", redis_url or redis_server.url, **settings)
        started.append(daemon)
        return daemon.start() if start else daemon

    return make, started


@pytest.fixture
def hookd_factory(request, tmp_path, redis_server):
    """Daemons in this process, each on its own event loop in a thread, with real sockets; for a
    test marked ``process``, real ``hookd run`` processes (signals, kills, exit codes, stderr)."""
    process = request.node.get_closest_marker("process") is not None
    make, started = _factory(Hookd if process else InProcessHookd, tmp_path, redis_server)
    yield make
    for daemon in started:
        daemon.kill()
        shutil.rmtree(daemon.socket.parent, ignore_errors=True)


@pytest.fixture
def hookd_process_factory(tmp_path, redis_server):
    """Real ``hookd run`` processes, whatever the test's marks."""
    make, started = _factory(Hookd, tmp_path, redis_server)
    yield make
    for daemon in started:
        daemon.kill()
        shutil.rmtree(daemon.socket.parent, ignore_errors=True)


@pytest.fixture
def hookd(hookd_factory, redis_db):
    return hookd_factory()


@pytest.fixture
def hookd_process(hookd_process_factory, redis_db):
    return hookd_process_factory()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A real three-master Cluster (redis_topologies.Cluster), one per test module."""
    from redis_topologies import Cluster

    cluster = Cluster(tmp_path_factory.mktemp("cluster"))
    cluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture
def empty_cluster(cluster):
    """The module's Cluster with every node flushed, and a client of it."""
    for node in cluster.live():
        node.client().flushall()
    client = cluster.client()
    yield cluster, client
    client.close()


def log_records(text: str) -> list[dict]:
    """A daemon's JSON log lines (anything else, such as a traceback, is skipped)."""
    records = []
    for line in text.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            records.append(record)
    return records


def sender_marks(client: redis.Redis, stream: str = "hookd:events") -> dict[bytes, bytes]:
    """The senders' high-water marks, without the stream identities kept beside them (`` stream``,
    `` stream SENDER``: publish_batch.lua), each of which must name the stream's first entry, and
    the last event hookd added (`` last``)."""
    from hookd.publish.script import LAST_ADDED, THIS_STREAM, marks_key

    marks = client.hgetall(marks_key(stream))
    first = client.xrange(stream, count=1)
    for field in (f for f in marks if f.startswith(THIS_STREAM.encode())):
        assert first and marks[field] == first[0][0], (field, marks[field], first)
    marks.pop(LAST_ADDED.encode(), None)
    return {field: value for field, value in marks.items() if not field.startswith(THIS_STREAM.encode())}


def stream_entries(client: redis.Redis, stream: str = "hookd:events") -> list[dict[str, bytes]]:
    return [fields for _, fields in client.xrange(stream)]


def wait_for_entries(
    client: redis.Redis, count: int, stream: str = "hookd:events", timeout: float = 60
) -> list[dict[bytes, bytes]]:
    wait_until(lambda: client.xlen(stream) >= count, timeout=timeout, what=f"{count} entries in {stream}")
    return stream_entries(client, stream)


# ---------------------------------------------------------------- both hook-send clients


@pytest.fixture(scope="session")
def native_client(tmp_path_factory) -> str:
    """The native hook-send (client/hook_send.c), built once per session with the project's flags."""
    from hookd.hooks import native

    out = str(tmp_path_factory.mktemp("native") / "hook-send-native")
    why = native.compile_to(out)
    if why:
        pytest.skip(f"the native hook-send cannot be built here ({why}); `make setup` installs a C compiler")
    return out


@pytest.fixture(params=["python", "native"])
def client_cmd(request) -> list[str]:
    """The argv of one hook-send, each client in turn: the same tests hold for both."""
    if request.param == "python":
        return list(CLIENT_ARGV)
    return [request.getfixturevalue("native_client")]
