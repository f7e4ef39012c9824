"""The native hook-send under AddressSanitizer (with LeakSanitizer) and UndefinedBehaviorSanitizer.

The client is built once with -fsanitize=address,undefined on top of the project's
flags and run through the situations of the client suite, then fuzzed for a fixed
time (HOOKD_FUZZ_SECONDS, default 20): random and mutated stdin, header values and
settings, against a stand-in daemon that answers with random bytes, partial lines,
nothing, or closes or resets the connection. Every run must exit 0, write nothing
to stdout and leave no sanitizer report on stderr. A failing fuzz run names its
seed; HOOKD_FUZZ_SEED=<seed> replays it first.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

import fake_peer
from conftest import CORPUS
from hookd.hooks import native

SANITIZE = ("-O1", "-g", "-fno-omit-frame-pointer", "-fsanitize=address,undefined", "-fno-sanitize-recover=all")
SAN_ENV = {"ASAN_OPTIONS": "detect_leaks=1:abort_on_error=1", "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1"}
REPORTS = (b"AddressSanitizer", b"LeakSanitizer", b"UndefinedBehaviorSanitizer", b"runtime error:", b"SUMMARY:")
BODY = b'{"hook_event_name":"PreToolUse","session_id":"s1","tool_name":"Bash","tool_input":{"command":"ls"}}'


@pytest.fixture(scope="module")
def sanitized(tmp_path_factory) -> str:
    if native.compiler() is None:
        pytest.skip("no C compiler (cc) here; `make setup` installs one")
    out = str(tmp_path_factory.mktemp("asan") / "hook-send-asan")
    why = native.compile_to(out, extra_flags=SANITIZE)
    if why:
        pytest.skip(f"cannot build with the sanitizers here: {why}")
    return out


@pytest.fixture
def work():
    d = tempfile.mkdtemp(prefix="hkz", dir="/tmp")  # short: Unix socket paths are limited
    yield Path(d)
    shutil.rmtree(d, ignore_errors=True)


def check(done: subprocess.CompletedProcess, what: str) -> None:
    found = [r for r in REPORTS if r in done.stderr]
    assert not found, f"{what}: sanitizer report:\n{done.stderr.decode(errors='replace')[-4000:]}"
    assert done.returncode == 0, f"{what}: exit {done.returncode}\n{done.stderr.decode(errors='replace')[-2000:]}"
    assert done.stdout == b"", f"{what}: wrote to stdout: {done.stdout[:200]!r}"


def answer(reply: bytes, early: bool = False):
    return fake_peer.answer(reply, read=200 if early else "frame")


hold = fake_peer.hold(idle=0.5)  # read the frame, never answer; let go when the client does, or after 0.5 s
reset = fake_peer.reset()


def serve(path: str, behave) -> fake_peer.FakePeer:
    return fake_peer.FakePeer(path, behave, conn_timeout=3)


SCENARIOS = {
    "delivered": dict(daemon=answer(b"OK 1\n")),
    "rejected": dict(daemon=answer(b"ERR not_json x\n"), env={"HOOKD_DEBUG": "1"}),
    "retry": dict(daemon=answer(b"ERR unavailable x\n"), env={"HOOKD_DEBUG": "1"}),
    "closed": dict(daemon=fake_peer.close_at_once),
    "never-answers": dict(daemon=hold, env={"HOOKD_SEND_TIMEOUT_MS": "150"}),
    "long-line": dict(daemon=answer(b"X" * 5000), env={"HOOKD_DEBUG": "1"}),
    "odd-answer": dict(daemon=answer(b"'\"\\\t\x00\x7f\xc2\x85\xff\xe2\x82 caf\xc3\xa9\n"), env={"HOOKD_DEBUG": "1"}),
    "reset": dict(daemon=reset, env={"HOOKD_DEBUG": "1"}),
    "early-too-large": dict(
        daemon=answer(b"ERR too_large x\n", early=True),
        stdin=b"[" + b"1," * 1_500_000 + b"1]",
        env={"HOOKD_SEND_TIMEOUT_MS": "10000"},
    ),
    "absent-huge": dict(stdin=b'{"x":"' + b"y" * 2_000_000 + b'"}', env={"HOOKD_SEND_TIMEOUT_MS": "10000"}),
    "absent-empty": dict(stdin=b""),
    # Over HOOKD_MAX_EVENT_BYTES: the marker's names read from the prefix, one cut at the prefix's end.
    "over-limit": dict(
        stdin=b'{"hook_event_name" : "Stop","session_id":"' + b"s" * 128 + b'","x":"' + b"y" * 20000 + b'"}',
        env={"HOOKD_MAX_EVENT_BYTES": "1024", "HOOKD_SEND_TIMEOUT_MS": "10000"},
        expect=b"a too_large marker handed on",
    ),
    "over-limit-cut-name": dict(
        stdin=b" " * 1000 + b'{"session_id": "abcdefghijklmnopqrstuvwxyz0123456789"}' * 3,
        env={"HOOKD_MAX_EVENT_BYTES": "1024", "HOOKD_SEND_TIMEOUT_MS": "10000"},
        expect=b"a too_large marker handed on",
    ),
    "stuck-stdin": dict(stdin=None, env={"HOOKD_SEND_TIMEOUT_MS": "100", "HOOKD_DEBUG": "1"}),
    "lost": dict(env={"HOOKD_STATE_DIR": "/dev/null", "HOOKD_SPARE_INBOX": "/dev/null/x"}),
    # No spare inbox set: the default one, under XDG_RUNTIME_DIR (the test's own, never the user's).
    "no-spare": dict(env={"HOOKD_STATE_DIR": "/dev/null", "HOOKD_SPARE_INBOX": ""}, runtime_dir=True),
    "refused-dir": dict(daemon=answer(b"OK 1\n"), open_dir=True),
    "state-open-inbox-link": dict(
        setup=lambda w: ((w / "state").mkdir(), os.chmod(w / "state", 0o777), (w / "spare").symlink_to(w))
    ),
    "peer-refused": dict(
        daemon=answer(b"OK 1\n"), env={"HOOKD_DEBUG": "1"}, peer_nobody=True, expect=b"(peer uid 65534)"
    ),
    "inbox-link-expect": dict(
        setup=lambda w: ((w / "state").mkdir(mode=0o700), (w / "state" / "inbox").symlink_to(w)),
        expect=b"a symbolic link",
    ),
    "long-values": dict(daemon=answer(b"OK 1\n"), args=["H" * 5000], env={"CLAUDE_PROJECT_DIR": "/p" * 3000}),
    "long-paths": dict(
        env={
            "HOOKD_SOCKET": "/" + "s" * 5000,
            "HOOKD_STATE_DIR": "/" + "d" * 5000,
            "HOOKD_SPARE_INBOX": "/" + "e/" * 3000,
            "HOOKD_DEBUG": "1",
        }
    ),
    "no-env": dict(bare=True),
    "help": dict(args=["--help"]),
    "version": dict(args=["--version"]),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_the_client_suite_situations_leave_no_sanitizer_report(sanitized, work, name):
    s = SCENARIOS[name]
    sock_dir = work / "run"
    sock_dir.mkdir(mode=0o777 if s.get("open_dir") else 0o700)
    if s.get("open_dir"):
        os.chmod(sock_dir, 0o777)
    env = {
        "HOME": str(work),
        "HOOKD_SOCKET": str(sock_dir / "hookd.sock"),
        "HOOKD_STATE_DIR": str(work / "state"),
        "HOOKD_SPARE_INBOX": str(work / "spare"),
        "CLAUDE_PROJECT_DIR": "/home/me/my project",
        **SAN_ENV,
        **s.get("env", {}),
    }
    if s.get("runtime_dir"):
        env["XDG_RUNTIME_DIR"] = str(work / "runtime")
    if "setup" in s:
        s["setup"](work)
    if s.get("bare"):
        env = {**SAN_ENV, "HOOKD_STATE_DIR": str(work / "state")}
    if s.get("peer_nobody"):
        if os.getuid() != 0:
            pytest.skip("needs root, to listen as uid 65534")
        os.chmod(work, 0o755)  # let nobody reach the socket's directory... which stays ours
    daemon = None
    if s.get("peer_nobody"):
        daemon = fake_peer.ListensAsNobody(env["HOOKD_SOCKET"])
    elif "daemon" in s:
        daemon = serve(env["HOOKD_SOCKET"], s["daemon"])
    try:
        if s.get("stdin", BODY) is None:  # a pipe nobody writes to or closes: only the deadline ends it
            read_end, write_end = os.pipe()
            try:
                done = subprocess.run(
                    [sanitized, *s.get("args", ["PreToolUse"])],
                    stdin=read_end,
                    capture_output=True,
                    env=env,
                    timeout=30,
                )
            finally:
                os.close(read_end)
                os.close(write_end)
        else:
            done = subprocess.run(
                [sanitized, *s.get("args", ["PreToolUse"])],
                input=s.get("stdin", BODY),
                capture_output=True,
                env=env,
                timeout=30,
            )
    finally:
        if daemon:
            daemon.close()
    if name in ("help", "version"):
        assert done.stdout.strip() and done.returncode == 0
        done = subprocess.CompletedProcess(done.args, 0, b"", done.stderr)
    check(done, name)
    assert s.get("expect", b"") in done.stderr, done.stderr


# ---------------------------------------------------------------- fuzzing


SEEDS = [p.read_bytes() for p in sorted(CORPUS.glob("*.json"))[:8]] + [BODY, b"{}", b""]
TIMEOUTS = [
    "",
    "abc",
    "-1",
    "0",
    "1_0_0",
    " 120 ",
    "99999999999999999999999",
    "0x10",
    "+80",
    "1e3",
    "1__0",
    "_1",
    "\t90\n",
    "-",
    "60",
]


def mutate(rng: random.Random, data: bytes) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        op = rng.randrange(5)
        at = rng.randint(0, len(b))
        if op == 0 and b:
            b[min(at, len(b) - 1)] = rng.randrange(256)
        elif op == 1:
            b[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        elif op == 2:
            del b[at : at + rng.randint(1, 64)]
        elif op == 3:
            b[at:at] = b[max(0, at - 64) : at] * rng.randint(1, 50)
        else:
            b[at:at] = rng.choice([b"\n", b"\x00", b"%", b"\xff", b"\xc3", b"HOOKD/1 ", b"\\u0000"])
    return bytes(b)


def random_bytes(rng: random.Random, n: int, forbid: bytes = b"") -> bytes:
    return bytes(c for c in (rng.randrange(1, 256) for _ in range(n)) if c not in forbid)


def random_daemon(rng: random.Random):
    kind = rng.randrange(10)
    blob = random_bytes(rng, rng.choice([0, 1, 5, 100, 4095, 4096, 6000]))
    words = [b"OK", b"ERR", b"empty", b"too_large", b"not_json", b"unavailable", b"", b"\xff", b"\t", b"  "]
    line = b" ".join(rng.choice(words) for _ in range(rng.randint(0, 5)))
    pieces = [(line + b"\n")[i : i + 2] for i in range(0, len(line) + 1, 2)]
    return kind, [
        lambda: None,  # no daemon at all
        lambda: fake_peer.close_at_once,  # accept and close
        lambda: fake_peer.answer(b"", read=rng.randint(1, 300)),  # read part of the frame, close
        lambda: answer(blob),  # random bytes
        lambda: fake_peer.in_turn(answer(line), hold),  # a partial line, held open
        lambda: answer(line + b"\n" + blob),  # a line of random words
        lambda: hold,  # never answers
        lambda: fake_peer.stream(pieces, every=0.002),  # the answer two bytes at a time
        lambda: reset,  # connection reset
        lambda: answer(b"ERR too_large x\n", early=True),  # answers before reading the body
    ][kind]()


def one_fuzz_run(sanitized: str, work: Path, seed: int) -> None:
    rng = random.Random(seed)
    box = work / f"r{seed % 1000}"
    box.mkdir(mode=0o700)
    try:
        stdin_kind = rng.randrange(4)
        if stdin_kind == 0:
            stdin = random_bytes(rng, rng.choice([0, 1, 100, 5000, 70000]))
        elif stdin_kind == 3 and rng.random() < 0.1:
            stdin = b"[" + b"0," * rng.randint(100_000, 1_500_000) + b"0]"
        else:
            stdin = mutate(rng, rng.choice(SEEDS))
        env = {
            "HOME": str(box),
            "HOOKD_SOCKET": str(box / "s"),
            "HOOKD_STATE_DIR": str(box / "st"),
            "HOOKD_SPARE_INBOX": str(box / "sp"),
            "HOOKD_INBOX_FSYNC": rng.choice(["0", "0", "1"]),
            "HOOKD_SEND_TIMEOUT_MS": rng.choice(TIMEOUTS + [str(rng.randint(10, 400))] * 5),
            "HOOKD_DEBUG": rng.choice(["1", "0"]),
            **SAN_ENV,
        }
        if rng.random() < 0.7:
            env["CLAUDE_PROJECT_DIR"] = random_bytes(rng, rng.choice([1, 20, 2000, 5000]), b"\x00").decode(
                "utf-8", "surrogateescape"
            )
        if rng.random() < 0.1:
            env["HOOKD_STATE_DIR"] = rng.choice(["/dev/null", "/proc/nope", str(box / "s"), ""])
        args = (
            []
            if rng.random() < 0.2
            else [random_bytes(rng, rng.choice([1, 12, 300, 5000]), b"\x00").decode("utf-8", "surrogateescape")]
        )
        kind, behave = random_daemon(rng)
        daemon = serve(env["HOOKD_SOCKET"], behave) if behave else None
        try:
            done = subprocess.run([sanitized, *args], input=stdin, capture_output=True, env=env, timeout=60)
        finally:
            if daemon:
                daemon.close()
        check(done, f"fuzz seed {seed} (daemon kind {kind}, stdin {len(stdin)} bytes; replay: HOOKD_FUZZ_SEED={seed})")
    finally:
        shutil.rmtree(box, ignore_errors=True)


def test_fuzzed_stdin_settings_and_daemon_answers_leave_no_sanitizer_report(sanitized, work, record_property):
    seconds = float(os.environ.get("HOOKD_FUZZ_SECONDS", "20"))
    seeds = [int(os.environ["HOOKD_FUZZ_SEED"])] if os.environ.get("HOOKD_FUZZ_SEED") else []
    master = random.Random()
    runs = 0
    end = time.monotonic() + seconds
    while seeds or time.monotonic() < end:
        one_fuzz_run(sanitized, work, seeds.pop() if seeds else master.randrange(1 << 32))
        runs += 1
    record_property("fuzz_runs", runs)
    print(f"fuzz: {runs} runs in {seconds:g} s")
    assert runs > 0
