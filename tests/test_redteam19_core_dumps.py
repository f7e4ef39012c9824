"""Red team, nineteenth pass: hook-send's memory and core files.

hook-send holds the raw payload (hookd redacts it, later) for as long as it runs. ``hookd run``
turns core files off for itself and its worker (test_redteam2_disk.py); both hook-send clients
kept whatever limit Claude Code passed on, so a crash (SIGSEGV, SIGABRT, SIGXFSZ under a file
size limit, SIGXCPU) wrote the payload, secrets and all, to a core file: with the kernel's
``core_pattern`` of ``core`` into the working directory, which for a hook is the project's
checkout. Both now set their core file size limit to 0 (soft and hard) as they start.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import sys
import subprocess

import pytest

from conftest import CLIENT_ARGV, REPO, wait_until
from hookd.hooks import native

SECRET = "sk-live-19-core-" + "x" * 24


def core_limit(pid: int) -> list[str]:
    with open(f"/proc/{pid}/limits") as fh:
        line = next(line for line in fh if line.startswith("Max core file size"))
    return line.split()[4:6]


def assert_no_core_file_in(directory) -> None:
    """Where the kernel writes cores into the working directory (no ``|`` handler), none is there."""
    with open("/proc/sys/kernel/core_pattern") as fh:
        if not fh.read().startswith("|"):
            assert not [p.name for p in directory.iterdir() if p.name.startswith("core")]


@pytest.fixture(params=["python", "native"])
def client(request, tmp_path) -> list[str]:
    if request.param == "python":
        return list(CLIENT_ARGV)
    out = str(tmp_path / "hook-send-native")
    why = native.compile_to(out, source=str(REPO / "client" / "hook_send.c"))
    if why:
        pytest.skip(f"the native hook-send cannot be built here ({why})")
    return [out]


def test_hook_send_holding_a_payload_never_dumps_core(client, tmp_path):
    hard = resource.getrlimit(resource.RLIMIT_CORE)[1]
    if hard == 0:
        pytest.skip("core dumps are off for this process and cannot be turned on")
    checkout = tmp_path / "checkout"  # a hook's working directory: the project
    checkout.mkdir()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "HOOKD_STATE_DIR": str(tmp_path / "state"),
        "HOOKD_SOCKET": str(tmp_path / "nobody-here.sock"),
        "HOOKD_SPARE_INBOX": str(tmp_path / "spare"),
        "HOOKD_SEND_TIMEOUT_MS": "20000",
    }
    proc = subprocess.Popen(
        [*client, "PreToolUse"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=checkout,
        env=env,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_CORE, (hard, hard)),  # as a shell's `ulimit -c`
    )
    try:
        # Half a payload, the secret in it, and stdin left open: hook-send holds it, waiting for the rest.
        proc.stdin.write(json.dumps({"hook_event_name": "PreToolUse", "tool_input": {"command": SECRET}})[:-2].encode())
        proc.stdin.flush()
        wait_until(lambda: core_limit(proc.pid) == ["0", "0"], timeout=60, what="hook-send to turn core files off")
        proc.send_signal(signal.SIGABRT)
        proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGABRT
    assert_no_core_file_in(checkout)


@pytest.mark.parametrize("command", [["tail"], ["ui", "--addr", "127.0.0.1:0"]], ids=["tail", "ui"])
def test_tail_and_ui_holding_the_redis_password_never_dump_core(command, redis_db, redis_server, tmp_path):
    """They hold the Redis password (and the UI its tokens) for as long as they run."""
    hard = resource.getrlimit(resource.RLIMIT_CORE)[1]
    if hard == 0:
        pytest.skip("core dumps are off for this process and cannot be turned on")
    config = tmp_path / "config.toml"
    config.write_text("")
    config.chmod(0o600)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOOKD_")}
    env.update(HOOKD_REDIS_URL=redis_server.url, HOOKD_CONFIG=str(config), HOOKD_STATE_DIR=str(tmp_path / "state"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "hookd", *command],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd=REPO,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_CORE, (hard, hard)),
    )
    try:
        wait_until(
            lambda: proc.poll() is not None or core_limit(proc.pid) == ["0", "0"],
            timeout=30,
            what=f"hookd {command[0]} to turn core files off",
        )
        assert proc.poll() is None, proc.returncode  # still running: the limit is the running command's
    finally:
        proc.terminate()
        proc.wait(15)
