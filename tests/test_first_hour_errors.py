"""Errors a newcomer can hit in the first hour name the problem, the setting and the fix, and say
nothing untrue: a redis_url without its scheme's colon, a port held by one of the user's own
processes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys


from conftest import REPO


def run_hookd(tmp_path, **env: str) -> subprocess.CompletedProcess:
    base = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "HOOKD_STATE_DIR": str(tmp_path / "state")}
    return subprocess.run(
        [sys.executable, "-m", "hookd", "run"],
        capture_output=True,
        text=True,
        env=base | env,
        cwd=REPO,
        timeout=60,
    )


def test_a_redis_url_without_a_scheme_is_said_as_such_with_an_example(tmp_path):
    done = run_hookd(tmp_path, HOOKD_REDIS_URL="redis//localhost:6379/0")
    assert done.returncode != 0, done
    assert "HOOKD_REDIS_URL" in done.stderr and "has no scheme" in done.stderr, done.stderr
    assert "for example redis://127.0.0.1:6379/0" in done.stderr, done.stderr
    assert "nothing://" not in done.stderr, done.stderr


def test_a_port_held_by_ones_own_process_names_that_process(tmp_path):
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        done = run_hookd(tmp_path, HOOKD_REDIS_URL="redis://127.0.0.1:1/0", HOOKD_HTTP_ADDR=f"127.0.0.1:{port}")
    assert done.returncode != 0, done
    assert f"cannot listen on 127.0.0.1:{port} for HTTP hooks" in done.stderr, done.stderr
    assert f"pid {os.getpid()} (" in done.stderr and "choose another http_addr" in done.stderr, done.stderr
    assert "not visible to you" not in done.stderr, done.stderr


def hookd_with_home(home: str, *args: str) -> subprocess.CompletedProcess:
    env = {"HOME": home, "PATH": "/usr/bin:/bin", "HOOKD_REDIS_URL": "redis://127.0.0.1:1/0"}
    argv = [sys.executable, "-m", "hookd", *args]
    return subprocess.run(argv, capture_output=True, text=True, env=env, cwd=REPO, timeout=60)


def test_a_home_that_takes_no_directory_names_the_setting_that_moves_it():
    """/proc takes no new directory, even from root (a read-only home does the same to a user):
    hookd run recursed until Python's limit there, a RecursionError traceback."""
    run = hookd_with_home("/proc", "run")
    assert run.returncode != 0 and "Traceback" not in run.stderr, run.stderr[-3000:]
    assert "cannot create the directory /proc/.local/state/hookd" in run.stderr, run.stderr
    assert "the state_dir setting (HOOKD_STATE_DIR, --state-dir" in run.stderr, run.stderr
    install = hookd_with_home("/proc", "hooks", "install", "--events", "Stop")
    assert install.returncode != 0 and "Traceback" not in install.stderr, install.stderr[-3000:]
    assert "cannot write /proc/.claude" in install.stderr, install.stderr
    assert "--settings PATH" in install.stderr and "CLAUDE_CONFIG_DIR" in install.stderr, install.stderr
