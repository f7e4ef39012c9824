"""The native hook-send beside the Python one: built without surprises, installed, indistinguishable.

hookd/hooks/native.py builds client/hook_send.c with the system's compiler into
the state directory, keyed by the source's hash, privately, and self-tests it;
`hookd hooks install` writes hooks that run it (or the Python client, saying
why). Then both clients go through a real hookd and Redis: the stream must not
show which client sent an event. The client behaviour both share is tested in
test_client.py and test_client_contract_v2.py (client_cmd runs each test with both).
"""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import subprocess
import time
import tomllib
from pathlib import Path

import pytest

from conftest import CLIENT_ARGV, CORPUS, REPO, wait_for_entries
from hookd.cli import main
from hookd.hooks import entries, native

needs_cc = pytest.mark.skipif(native.compiler() is None, reason="no C compiler (cc) here; `make setup` installs one")
PYTHON_CMD = CLIENT_ARGV


# ---------------------------------------------------------------- the build


@needs_cc
def test_a_build_is_named_by_the_source_hash_private_tested_and_reused(tmp_path):
    state = tmp_path / "state"
    first = native.ensure(str(state))
    assert first.path == str(state / "bin" / f"hook-send-{native.source_id()}"), first.reason
    assert re.fullmatch(r"[0-9a-f]{12}", native.source_id())
    assert "self-tested" in first.reason
    assert stat.S_IMODE((state / "bin").stat().st_mode) == 0o700
    info = os.lstat(first.path)
    assert stat.S_ISREG(info.st_mode) and stat.S_IMODE(info.st_mode) == 0o700 and info.st_uid == os.getuid()
    assert os.listdir(state / "bin") == [os.path.basename(first.path)]  # no temporary file left
    version = subprocess.run([first.path, "--version"], capture_output=True, timeout=10)
    assert native.source_id().encode() in version.stdout and version.returncode == 0
    again = native.ensure(str(state))
    assert again.path == first.path and "already built" in again.reason
    assert os.lstat(first.path).st_ino == info.st_ino  # not built again


@needs_cc
def test_a_changed_source_gets_a_new_binary_beside_the_old_one(tmp_path):
    source = tmp_path / "hook_send.c"
    source.write_bytes(Path(native.source_path()).read_bytes() + b"\n/* changed */\n")
    old = native.ensure(str(tmp_path / "state"))
    new = native.ensure(str(tmp_path / "state"), source=str(source))
    assert old.path and new.path and old.path != new.path
    assert new.path.endswith(native.source_id(str(source))) and os.path.exists(old.path)


@needs_cc
@pytest.mark.parametrize("damage", ["garbage", "group-writable"])
def test_a_damaged_or_open_binary_is_built_again(tmp_path, damage):
    state = str(tmp_path / "state")
    path = native.ensure(state).path
    if damage == "garbage":
        os.unlink(path)
        Path(path).write_bytes(b"#!/bin/sh\necho hello\n")
        os.chmod(path, 0o700)
    else:
        os.chmod(path, 0o770)
    rebuilt = native.ensure(state)
    assert rebuilt.path == path and "self-tested" in rebuilt.reason
    assert stat.S_IMODE(os.lstat(path).st_mode) == 0o700
    assert subprocess.run([path, "--version"], capture_output=True, timeout=10).stdout.startswith(b"hook-send (native)")


@needs_cc
def test_a_prebuilt_binary_beside_the_source_is_used_in_place_without_a_compiler(tmp_path):
    package = tmp_path / "hookd_client"
    package.mkdir()
    source = package / "hook_send.c"
    source.write_bytes(Path(native.source_path()).read_bytes())
    prebuilt = package / f"hook-send-{native.source_id(str(source))}"
    assert native.compile_to(str(prebuilt), source=str(source)) is None  # as a distributor would
    build = native.ensure(str(tmp_path / "state"), source=str(source), environ={"PATH": str(tmp_path)})
    assert build.path == str(prebuilt) and "prebuilt" in build.reason
    assert not (tmp_path / "state" / "bin").exists()
    os.chmod(prebuilt, 0o777)  # one anybody could replace is not used
    assert native.ensure(str(tmp_path / "state"), source=str(source), environ={"PATH": str(tmp_path)}).path is None


def test_without_a_compiler_there_is_no_binary_and_a_reason(tmp_path):
    build = native.ensure(str(tmp_path / "state"), environ={"PATH": str(tmp_path)})
    assert build.path is None and "no C compiler" in build.reason
    assert os.listdir(tmp_path / "state" / "bin") == []


def test_a_failing_compiler_gives_its_first_message(tmp_path):
    cc = tmp_path / "badcc"
    cc.write_text("#!/bin/sh\necho 'badcc: error: this compiler is broken' >&2\nexit 1\n")
    cc.chmod(0o755)
    build = native.ensure(str(tmp_path / "state"), environ={"PATH": os.environ["PATH"], "CC": str(cc)})
    assert build.path is None and "this compiler is broken" in build.reason and "exit 1" in build.reason
    assert os.listdir(tmp_path / "state" / "bin") == []


@needs_cc
def test_a_build_that_fails_its_self_test_is_not_installed(tmp_path):
    source = tmp_path / "hook_send.c"  # builds cleanly, but writes to stdout: a hook must never
    source.write_text('#include <stdio.h>\nint main(void) { puts("hook-send (native) x"); return 0; }\n')
    build = native.ensure(str(tmp_path / "state"), source=str(source))
    assert build.path is None and "--version" in build.reason
    assert os.listdir(tmp_path / "state" / "bin") == []


def test_the_setup_step_builds_it_or_says_why_and_never_fails(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no compiler
    monkeypatch.delenv("CC", raising=False)
    assert native.main([str(tmp_path / "state")]) == 0
    assert "not built (no C compiler" in capsys.readouterr().err
    if native.compiler(os.environ | {"PATH": "/usr/bin:/bin"}):
        monkeypatch.setenv("PATH", "/usr/bin:/bin")
        assert native.main([str(tmp_path / "state")]) == 0
        assert f"bin/hook-send-{native.source_id()} (built from" in capsys.readouterr().err


def test_the_wheel_carries_the_source():
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    tool = config["tool"]["setuptools"]
    assert tool["package-dir"]["hookd_client"] == "client"
    assert "hook_send.c" in tool["package-data"]["hookd_client"]
    assert Path(native.source_path()) == REPO / "client" / "hook_send.c"


# ---------------------------------------------------------------- hooks install and status


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A fresh HOME (and so state dir), no hookd config, no `claude` on PATH."""
    for name in list(os.environ):
        if name.startswith("HOOKD_") or name in ("CLAUDE_CONFIG_DIR", "CC", "XDG_STATE_HOME"):
            monkeypatch.delenv(name)
    (tmp_path / "home").mkdir()
    (tmp_path / "config.toml").write_text("")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HOOKD_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    return tmp_path


def installed(home: Path) -> dict[str, list[dict]]:
    data = json.loads((home / "home" / ".claude" / "settings.json").read_text())
    return {
        event: [h for g in groups for h in g["hooks"] if entries.is_hookd(h)] for event, groups in data["hooks"].items()
    }


@needs_cc
def test_install_writes_the_native_client_and_says_so_and_status_names_it(home, capsys):
    assert main(["hooks", "install", "--events", "PreToolUse,Stop"]) == 0
    out = capsys.readouterr().out
    binary = str(home / "home" / ".local" / "state" / "hookd" / "bin" / f"hook-send-{native.source_id()}")
    assert f"hook client: native hook-send {binary}" in out
    found = installed(home)
    assert found == {e: [entries.command_handler(["exec", binary, e])] for e in ("PreToolUse", "Stop")}
    assert main(["hooks", "status", "--settings", str(home / "home" / ".claude" / "settings.json")]) == 0
    assert "  native hook-send: PreToolUse, Stop" in capsys.readouterr().out
    assert main(["hooks", "status", "--json", "--settings", str(home / "home" / ".claude" / "settings.json")]) == 0
    assert json.loads(capsys.readouterr().out)["files"][0]["clients"] == {"PreToolUse": "native", "Stop": "native"}
    # A binary removed since (a cleaned state dir) is named as a problem.
    os.rename(binary, binary + ".away")
    assert main(["hooks", "status", "--settings", str(home / "home" / ".claude" / "settings.json")]) == 1
    assert f"names paths that no longer exist: {binary}" in capsys.readouterr().out
    os.rename(binary + ".away", binary)
    # Installing again finds it in place; uninstall recognises the native entries as hookd's.
    assert main(["hooks", "install", "--events", "PreToolUse,Stop"]) == 0
    assert "nothing to change" in capsys.readouterr().out
    assert main(["hooks", "uninstall"]) == 0
    assert "removed 2 hookd hook entries" in capsys.readouterr().out


def test_install_without_a_compiler_uses_the_python_client_and_says_why(home, capsys, monkeypatch):
    monkeypatch.setenv("PATH", str(home))  # no cc
    assert main(["hooks", "install", "--events", "Stop"]) == 0
    out = capsys.readouterr().out
    assert "hook client: Python (no C compiler (cc, or $CC) on PATH)" in out
    [handler] = installed(home)["Stop"]
    assert entries.client_of(handler) == "python" and "import hook_send" in handler["command"]
    assert main(["hooks", "status", "--settings", str(home / "home" / ".claude" / "settings.json")]) == 0
    assert "  python hook-send: Stop" in capsys.readouterr().out


def test_hook_client_native_without_a_compiler_changes_nothing(home, capsys, monkeypatch):
    monkeypatch.setenv("PATH", str(home))
    assert main(["hooks", "install", "--events", "Stop", "--hook-client", "native"]) == 1
    assert "hook_client = native" in capsys.readouterr().err
    assert not (home / "home" / ".claude" / "settings.json").exists()


@needs_cc
def test_a_dry_run_builds_nothing(home, capsys):
    assert main(["hooks", "install", "--events", "Stop", "--dry-run"]) == 0
    captured = capsys.readouterr()
    assert f"hook-send-{native.source_id()} Stop" in captured.out and "dry run" in captured.err
    assert not (home / "home" / ".local" / "state" / "hookd" / "bin").exists()


@needs_cc
def test_the_installed_native_command_delivers_through_a_real_daemon(home, hookd, redis_db, capsys):
    assert main(["hooks", "install", "--events", "PreToolUse"]) == 0
    [handler] = installed(home)["PreToolUse"]
    assert entries.client_of(handler) == "native"
    body = b'{"session_id":"s-native","tool_name":"Bash","tool_input":{"command":"ls"}}'
    done = subprocess.run(
        ["/bin/sh", "-c", handler["command"]], input=body, capture_output=True, env=hookd.env, timeout=30
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")
    [entry] = wait_for_entries(redis_db, 1)
    assert entry[b"hook"] == b"PreToolUse" and entry[b"session"] == b"s-native"


# ---------------------------------------------------------------- through a real daemon


BUILT_IN = [
    (
        "PreToolUse",
        b'{"hook_event_name":"PreToolUse","session_id":"s1","tool_name":"Bash",'
        b'"tool_input":{"command":"ls -la"},"tool_use_id":"t1"}',
    ),
    (
        "PostToolUse",
        b'{"hook_event_name":"PostToolUse","session_id":"s1","tool_name":"Bash",'
        b'"tool_input":{"command":"ls -la"},"tool_response":{"stdout":"x"},"tool_use_id":"t1"}',
    ),
    (
        "UserPromptSubmit",
        '{"hook_event_name":"UserPromptSubmit","session_id":"s1","prompt":"caf\u00e9 \u2028 \\t"}'.encode(),
    ),
    ("Stop", b'{"hook_event_name":"Stop","session_id":"s1"}'),
    ("Future", b'{"hook_event_name":"SomethingNew","session_id":"s2","new_field":[1,2,{"x":null}]}'),
]
# Set by each run of the clients, and so different for every event whichever client sent it.
VARYING = {"event_id", "seq", "instance", "received_at", "sent_at", "duration_ms"}
VARYING_CLIENT = {"pid", "ppid", "handoff_id"}


def events_to_send() -> list[tuple[str, bytes]]:
    corpus = [
        (json.loads(p.read_bytes()).get("hook_event_name", "x"), p.read_bytes()) for p in sorted(CORPUS.glob("*.json"))
    ]  # a user's clone has no ../shared
    return BUILT_IN + corpus


def send(cmd, daemon, body, hook, **env):
    return subprocess.run(
        [*cmd, hook],
        input=body,
        capture_output=True,
        timeout=30,
        env={**daemon.env, "CLAUDE_PROJECT_DIR": "/home/me/my project/\u00e9 %41 100%", **env},
    )


def comparable(fields: dict[bytes, bytes]) -> dict:
    envelope = json.loads(fields[b"envelope"])
    for key in VARYING:
        assert key in envelope, key
        envelope.pop(key)
    assert set(envelope["client"]) == VARYING_CLIENT
    envelope.pop("client")
    others = {k: v for k, v in fields.items() if k not in (b"envelope", b"event_id", b"seq", b"instance")}
    return {"envelope": envelope, "fields": others}


def test_the_stream_cannot_tell_which_client_sent_an_event(hookd_factory, redis_db, native_client):
    events = events_to_send()
    seen = {}
    for name, cmd in (("python", PYTHON_CMD), ("native", [native_client])):
        stream = f"hookd:{name}"
        daemon = hookd_factory(stream=stream)
        for hook, body in events:  # a generous deadline: a slow machine must not reorder them via the inbox
            done = send(cmd, daemon, body, hook, HOOKD_SEND_TIMEOUT_MS="10000")
            assert (done.returncode, done.stdout, done.stderr) == (0, b"", b""), (name, hook)
        seen[name] = wait_for_entries(redis_db, len(events), stream=stream)
        assert daemon.inbox() == [] and len(seen[name]) == len(events)
        daemon.stop()
    for (hook, _), py, nat in zip(events, seen["python"], seen["native"]):
        assert comparable(py) == comparable(nat), hook
        py_client, nat_client = json.loads(py[b"envelope"])["client"], json.loads(nat[b"envelope"])["client"]
        assert len(py_client["handoff_id"]) == len(nat_client["handoff_id"]) == 16
        assert py_client["ppid"] == nat_client["ppid"] == os.getpid()


def test_events_both_clients_left_in_the_inbox_arrive_in_send_order(hookd_factory, redis_db, native_client):
    daemon = hookd_factory(start=False)
    for n in range(12):
        cmd = [native_client] if n % 2 else PYTHON_CMD
        done = send(cmd, daemon, json.dumps({"hook_event_name": "Stop", "session_id": f"s{n}"}).encode(), "Stop")
        assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")
    names = [p.name for p in daemon.inbox()]
    assert len(names) == 12 and all(re.fullmatch(r"\d{20}-\d+-[0-9a-f]{16}\.hookd", n) for n in names)
    daemon.start()
    entries_ = wait_for_entries(redis_db, 12)
    assert [json.loads(f[b"envelope"])["session_id"] for f in entries_] == [f"s{n}" for n in range(12)]
    assert daemon.inbox() == []


@pytest.mark.process
def test_an_event_the_native_client_gave_up_on_while_hookd_stalled_is_published_once(hookd, redis_db, native_client):
    def one(n, timeout_ms="10000"):
        body = json.dumps({"hook_event_name": "Stop", "session_id": f"s{n}"}).encode()
        done = send([native_client], hookd, body, "Stop", HOOKD_DEBUG="1", HOOKD_SEND_TIMEOUT_MS=timeout_ms)
        assert (done.returncode, done.stdout) == (0, b"")
        return (
            "delivered"
            if b"event delivered" in done.stderr
            else "inbox"
            if b"saved to inbox" in done.stderr
            else done.stderr
        )

    assert one(0) == "delivered"
    os.kill(hookd.proc.pid, signal.SIGSTOP)
    try:
        # A deadline whose fifth (kept for the inbox) still covers a loaded machine's fsync.
        assert one(1, "1000") == "inbox"  # the frame also waits in the socket: both copies reach hookd
        time.sleep(1.0)
    finally:
        os.kill(hookd.proc.pid, signal.SIGCONT)
    assert one(2) == "delivered"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and (redis_db.xlen("hookd:events") < 3 or hookd.inbox()):
        time.sleep(0.05)
    time.sleep(0.5)  # a duplicate would be published by now
    sessions = [json.loads(f[b"envelope"])["session_id"] for _, f in redis_db.xrange("hookd:events")]
    assert sessions == ["s0", "s1", "s2"]


def test_the_native_client_runs_without_any_environment(native_client, tmp_path):
    # Claude Code passes its environment; a bare one must still give a well-formed run, exit 0.
    done = subprocess.run(
        [native_client, "Stop"],
        input=b"{}",
        capture_output=True,
        timeout=10,
        env={"HOOKD_STATE_DIR": str(tmp_path / "state"), "HOOKD_SPARE_INBOX": str(tmp_path / "spare")},
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")
    assert len(os.listdir(tmp_path / "state" / "inbox")) == 1
