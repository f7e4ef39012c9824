"""Red team, forty-fifth pass: core files of the commands that are not the daemon.

``hookd run``, ``hookd tail`` and ``hookd ui`` turned core files off (the second and nineteenth
passes); the other commands kept whatever limit the shell gave them. ``hookd redact`` holds the raw
document it is given, secrets and all, until it has redacted it; ``hookd replay`` and ``hookd
status`` hold the Redis password. A crash (SIGSEGV, SIGABRT) with the kernel's ``core_pattern`` of
``core`` wrote that memory to a file in the working directory, often a checkout. Every command now
turns core files off (soft and hard) before it reads a setting.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import socket
import subprocess
import sys

import pytest

from conftest import REPO, wait_until
from test_redteam19_core_dumps import assert_no_core_file_in, core_limit

SECRET = "sk-live-45-core-" + "y" * 24


@pytest.fixture
def hard_limit() -> int:
    hard = resource.getrlimit(resource.RLIMIT_CORE)[1]
    if hard == 0:
        pytest.skip("core dumps are off for this process and cannot be turned on")
    return hard


def _env(tmp_path, **extra: str) -> dict[str, str]:
    config = tmp_path / "config.toml"
    config.write_text("")
    config.chmod(0o600)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOOKD_")}
    env.update(HOOKD_CONFIG=str(config), HOOKD_STATE_DIR=str(tmp_path / "state"), **extra)
    return env


def _start(command: list[str], env: dict[str, str], cwd, hard: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "hookd", *command],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**env, "PYTHONPATH": str(REPO)},
        cwd=cwd,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_CORE, (hard, hard)),  # as a shell's `ulimit -c`
    )


def _turns_core_files_off(proc: subprocess.Popen, what: str) -> None:
    wait_until(
        lambda: proc.poll() is not None or core_limit(proc.pid) == ["0", "0"],
        timeout=30,
        what=f"hookd {what} to turn core files off",
    )
    assert proc.poll() is None, f"hookd {what} exited ({proc.returncode}) before its limit could be read"


def test_redact_holding_raw_text_never_dumps_core(hard_limit, tmp_path):
    checkout = tmp_path / "checkout"  # where a script piping through `hookd redact` runs: a project
    checkout.mkdir()
    proc = _start(["redact"], _env(tmp_path), checkout, hard_limit)
    try:
        # Half a document, the secret in it, stdin left open: hookd redact holds it, waiting for the rest.
        assert proc.stdin is not None
        proc.stdin.write(json.dumps({"tool_input": {"command": f"export OPENAI_API_KEY={SECRET}"}})[:-2].encode())
        proc.stdin.flush()
        _turns_core_files_off(proc, "redact")
        proc.send_signal(signal.SIGABRT)
        proc.wait(20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGABRT
    assert_no_core_file_in(checkout)


def test_replay_holding_the_redis_password_turns_core_files_off(hard_limit, tmp_path):
    # A Redis of ours that takes the connection and never answers: replay waits, password in hand.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    envelopes = tmp_path / "events.jsonl"
    envelopes.write_text(json.dumps({"host": "h", "seq": 1, "hook": "Stop", "payload": {}}) + "\n")
    env = _env(
        tmp_path,
        HOOKD_REDIS_URL=f"redis://127.0.0.1:{silent.getsockname()[1]}",
        HOOKD_REDIS_PASSWORD=SECRET,
        HOOKD_REDIS_TIMEOUT_S="30",
        HOOKD_REDIS_CONNECT_TIMEOUT_S="30",
    )
    proc = _start(["replay", "--file", str(envelopes)], env, tmp_path, hard_limit)
    try:
        _turns_core_files_off(proc, "replay")
    finally:
        proc.kill()
        proc.wait()
        silent.close()


def test_status_holding_the_redis_password_turns_core_files_off(hard_limit, tmp_path):
    # A control socket of ours that takes the request and never answers: status waits for it.
    run = tmp_path / "run"
    run.mkdir(mode=0o700)
    silent = socket.socket(socket.AF_UNIX)
    silent.bind(str(run / "control.sock"))
    silent.listen(8)
    env = _env(tmp_path, HOOKD_REDIS_PASSWORD=SECRET)
    proc = _start(["status", "--control-socket", str(run / "control.sock")], env, tmp_path, hard_limit)
    try:
        _turns_core_files_off(proc, "status")
    finally:
        proc.kill()
        proc.wait()
        silent.close()
