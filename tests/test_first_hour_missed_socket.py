"""hook-send that cannot reach the running hookd's socket keeps the event in the inbox, silently (it
must: exit 0, nothing on stdout); `hookd status` says so with the repair, and the repair works end to
end: the hooks `hooks install --socket` writes reach the socket from Claude Code's environment."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from conftest import REPO, wait_for_entries


def hookd_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "hookd", *args], capture_output=True, text=True, env=env, cwd=REPO, timeout=60
    )


def status_reasons(env: dict[str, str]) -> tuple[int, list[str]]:
    done = hookd_cli(env, "status", "--json")
    assert done.stdout, done.stderr
    return done.returncode, json.loads(done.stdout).get("reasons", [])


@pytest.mark.process
def test_status_names_a_hook_send_that_missed_the_socket_and_the_repair_reaches_it(
    hookd_process, redis_db, tmp_path, client_cmd
):
    home = tmp_path / "home"
    home.mkdir()
    runtime = tmp_path / "xdg"
    runtime.mkdir(mode=0o700)
    env = {**hookd_process.env, "HOME": str(home), "HOOKD_HOOK_CLIENT": "python"}
    # Claude Code's environment: a runtime directory hookd's does not have, no HOOKD_SOCKET.
    claude = {k: v for k, v in env.items() if k != "HOOKD_SOCKET"} | {"XDG_RUNTIME_DIR": str(runtime)}
    body = json.dumps({"hook_event_name": "Stop", "session_id": "s-missed"}).encode()
    sent = subprocess.run([*client_cmd, "Stop"], input=body, capture_output=True, env=claude, timeout=30)
    assert (sent.returncode, sent.stdout, sent.stderr) == (0, b"", b"")
    wait_for_entries(redis_db, 1)  # kept, and taken from the inbox

    code, reasons = status_reasons(env)
    said = [r for r in reasons if r.startswith("hook-send could not reach this daemon")]
    assert code == 1 and len(said) == 1, reasons
    assert f"it tried {runtime}/hookd/hookd.sock (unreachable (ENOENT))" in said[0], said
    repair = f"hookd hooks install --socket {hookd_process.socket}"
    assert repair in said[0], said

    settings = home / ".claude" / "settings.json"
    done = hookd_cli(
        env, "hooks", "install", "--settings", str(settings), "--events", "Stop", "--socket", str(hookd_process.socket)
    )
    assert done.returncode == 0, done.stderr
    [group] = json.loads(settings.read_text())["hooks"]["Stop"]
    [handler] = group["hooks"]
    ran = subprocess.run(["/bin/sh", "-c", handler["command"]], input=body, capture_output=True, env=claude, timeout=30)
    assert (ran.returncode, ran.stdout, ran.stderr) == (0, b"", b"")
    wait_for_entries(redis_db, 2)
    assert not (hookd_process.state_dir / "hook-send-missed").exists()  # delivered live: no new mark
    code, reasons = status_reasons(env)
    assert not [r for r in reasons if "could not reach" in r or "only through its inbox" in r], reasons


@pytest.mark.process
def test_a_mark_left_while_hookd_was_stopped_is_not_said_once_it_runs(hookd_process_factory, redis_db, tmp_path):
    daemon = hookd_process_factory(start=False)
    body = json.dumps({"hook_event_name": "Stop", "session_id": "s-stopped"}).encode()
    sent = daemon.send(body, "Stop")
    assert (sent.returncode, sent.stdout, sent.stderr) == (0, b"", b"")
    assert (daemon.state_dir / "hook-send-missed").exists()  # hookd stopped: its own socket was missing
    daemon.start()
    wait_for_entries(redis_db, 1)
    code, reasons = status_reasons({**daemon.env, "HOME": str(tmp_path)})
    assert not [r for r in reasons if "hook-send could not reach" in r], reasons


@pytest.mark.process
def test_hooks_installed_without_xdg_runtime_dir_are_said_and_the_repair_pins_the_socket(
    redis_server, redis_db, tmp_path
):
    """A service installed from a shell without XDG_RUNTIME_DIR serves <state_dir>/run/hookd.sock, which
    is also what `hooks install` there leaves hook-send to find, unpinned; a Claude Code started from a
    session with XDG_RUNTIME_DIR then sends elsewhere."""
    from conftest import Hookd

    state = Path(tempfile.mkdtemp(prefix="h160-"))  # short: a socket path holds about 100 bytes
    daemon = Hookd(tmp_path / "hookd", redis_server.url)
    daemon.state_dir, daemon.socket = state, state / "run" / "hookd.sock"
    daemon.env = {k: v for k, v in daemon.env.items() if k not in ("HOOKD_SOCKET", "XDG_RUNTIME_DIR")}
    daemon.env |= {"HOOKD_STATE_DIR": str(state), "HOME": str(tmp_path), "HOOKD_HOOK_CLIENT": "python"}
    runtime = tmp_path / "xdg"
    runtime.mkdir(mode=0o700)
    claude = daemon.env | {"XDG_RUNTIME_DIR": str(runtime)}
    settings = tmp_path / "settings.json"
    body = json.dumps({"hook_event_name": "Stop", "session_id": "s-unpinned"}).encode()

    def run_hook() -> subprocess.CompletedProcess:
        [group] = json.loads(settings.read_text())["hooks"]["Stop"]
        command = group["hooks"][0]["command"]
        return subprocess.run(["/bin/sh", "-c", command], input=body, capture_output=True, env=claude, timeout=30)

    try:
        daemon.start()
        done = hookd_cli(daemon.env, "hooks", "install", "--settings", str(settings), "--events", "Stop")
        repair = f"hookd hooks install --socket {daemon.socket}"
        assert done.returncode == 0 and "this shell has no XDG_RUNTIME_DIR" in done.stderr, done
        assert repair in done.stderr, done.stderr
        ran = run_hook()
        assert (ran.returncode, ran.stdout, ran.stderr) == (0, b"", b"")
        wait_for_entries(redis_db, 1)
        code, reasons = status_reasons(daemon.env)
        said = [r for r in reasons if r.startswith("hook-send could not reach this daemon")]
        assert code == 1 and len(said) == 1 and repair in said[0], reasons

        done = hookd_cli(daemon.env, *repair.split()[1:], "--settings", str(settings), "--events", "Stop")
        assert done.returncode == 0 and "no XDG_RUNTIME_DIR" not in done.stderr, done
        assert f"HOOKD_SOCKET={daemon.socket}" in settings.read_text()
        ran = run_hook()
        assert (ran.returncode, ran.stdout, ran.stderr) == (0, b"", b"")
        wait_for_entries(redis_db, 2)
        assert not (state / "hook-send-missed").exists()  # delivered live
        code, reasons = status_reasons(daemon.env)
        assert not [r for r in reasons if "could not reach" in r or "only through its inbox" in r], reasons
    finally:
        daemon.kill()
        shutil.rmtree(state, ignore_errors=True)


def test_service_install_without_xdg_runtime_dir_names_the_hooks_repair(tmp_path):
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "HOOKD_STATE_DIR": str(tmp_path / "state")}
    done = hookd_cli(env, "service", "install", "--files-only")
    socket = tmp_path / "state" / "run" / "hookd.sock"
    assert done.returncode == 0, done
    assert "this shell has no XDG_RUNTIME_DIR, so the service serves" in done.stdout, done.stdout
    assert f"hookd hooks install --socket {socket}" in done.stdout, done.stdout
    with_runtime = hookd_cli(env | {"XDG_RUNTIME_DIR": str(tmp_path)}, "service", "install", "--files-only")
    assert with_runtime.returncode == 0 and "no XDG_RUNTIME_DIR" not in with_runtime.stdout, with_runtime


def test_a_shorter_mark_written_over_a_longer_one_reads_as_itself(tmp_path):
    """The mark is written over in place (no truncation: ext4 would flush it at each close)."""
    from hookd.hooks import missed
    from hookd_client import hook_send

    state = tmp_path / "state"
    hook_send.mark_missed(str(state), "/a/much/longer/path/to/a/socket/than/the/next/one/hookd.sock", "refused")
    hook_send.mark_missed(str(state), "/run/user/7/hookd/hookd.sock", "unreachable (ENOENT)")
    mark = missed.read(str(state))
    assert mark is not None and (mark.socket, mark.why) == ("/run/user/7/hookd/hookd.sock", "unreachable (ENOENT)")
    assert (state / "hook-send-missed").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("why", ["gave no reply", "unreachable (EAGAIN)", "unreachable (ECONNREFUSED)", "refused"])
def test_a_miss_of_the_running_daemons_own_socket_leaves_status_healthy(tmp_path, why):
    """A miss of the socket the daemon serves is a moment (binding it, too busy within hook-send's
    deadline): the inbox keeps the event and status counts it while it waits; a daemon that answers
    again is not degraded for it until someone runs `hooks install`."""
    from hookd.hooks import missed
    from hookd_client import hook_send

    state, socket = tmp_path / "state", str(tmp_path / "state" / "hookd.sock")
    hook_send.mark_missed(str(state), socket, why)
    running = {"running": True, "socket": socket, "state_dir": str(state), "uptime_s": 60}
    assert missed.annotate(0, dict(running), None) == (0, running)
    elsewhere = str(tmp_path / "other" / "hookd.sock")
    hook_send.mark_missed(str(state), elsewhere, why)
    code, said = missed.annotate(0, dict(running), None)
    assert code == 1 and elsewhere in said["reasons"][0] and f"--socket {socket}" in said["reasons"][0]
