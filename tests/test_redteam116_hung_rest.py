"""Hundred-sixteenth red-team pass: the rest of the commands, on a state directory whose mount hung.

The hundred-eleventh pass moved `hookd status`'s and `hooks status`'s reads of the lock and the mark into
a child waited 2 s. The other lookups a command made there were still made in the command itself, and a
mount that hung (tests/faultfs.py, every call on it held) held the command until it answered: `hooks
install`, `uninstall` and `print-hook-command` (the mark's removal, the record of a file hookd created,
the native client built into state_dir/bin), `replay` (the spool), and `hooks status` (its probe's
connect to a socket under the state directory; the comparison of a state directory spelled otherwise).
Each now asks the mount first (hookd/child_read.py's Answers: one statvfs in a child, waited 2 s) and
says what did not answer, changing nothing.
"""

from __future__ import annotations

import json
import os
import select
import subprocess

import pytest
from faultfs_daemon import NEEDS_FAULTFS, faulty_daemon  # noqa: F401
from test_redteam111_hung_commands import ASK_S, HELD_S, _ask, mounted  # noqa: F401

pytestmark = [pytest.mark.process, *NEEDS_FAULTFS]

# Every call the mount answers, held: a network mount that stopped answering.
HUNG = [
    {"op": op, "path": "*", "delay_s": HELD_S, "count": -1}
    for op in ("getattr", "readdir", "statfs", "read", "write", "unlink", "rename", "fsync", "flush")
]


def _hookd(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess:
    """``hookd ARGV`` while the mount answers."""
    done = subprocess.run(
        [os.sys.executable, "-m", "hookd", *argv], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done
    return done


def _said_hung(daemon, fs, code: int, err: str, verb: str = "read") -> None:
    assert fs.faults(), "the mount's delay never fired"
    assert code == 1, (code, err)
    assert f"cannot {verb} " in err and "(waited" in err, err
    assert f"mounted at {daemon.state_dir}, does not answer" in err and "check that mount" in err, err


def test_hooks_install_is_refused_not_held_and_writes_nothing(mounted, tmp_path):
    daemon, fs, _ = mounted
    settings = tmp_path / "settings.json"
    fs.set_rules(HUNG)
    code, _, err = _ask({**daemon.env, "HOOKD_HOOK_CLIENT": "python"}, "hooks", "install", "--settings", str(settings))
    _said_hung(daemon, fs, code, err, "write to")
    assert "nothing was changed" in err, err
    assert not settings.exists()


def test_hooks_uninstall_is_refused_not_held_and_changes_nothing(mounted, tmp_path):
    daemon, fs, _ = mounted
    settings = tmp_path / "settings.json"
    env = {**daemon.env, "HOOKD_HOOK_CLIENT": "python"}
    _hookd(env, "hooks", "install", "--settings", str(settings))
    before = settings.read_bytes()
    fs.set_rules(HUNG)
    code, _, err = _ask(env, "hooks", "uninstall", "--settings", str(settings))
    _said_hung(daemon, fs, code, err, "write to")
    assert settings.read_bytes() == before


def test_print_hook_command_does_not_wait_on_the_native_clients_directory(mounted):
    daemon, fs, _ = mounted
    fs.set_rules(HUNG)
    # hook_client auto: the native client is looked for, and built, in state_dir/bin.
    code, out, err = _ask(daemon.env, "print-hook-command")
    _said_hung(daemon, fs, code, err, "use")
    assert out == ""


def test_replay_does_not_wait_on_the_spool(mounted):
    daemon, fs, _ = mounted
    fs.set_rules(HUNG)
    code, out, err = _ask(daemon.env, "replay", "--json")
    _said_hung(daemon, fs, code, err)
    assert out == ""


def test_hooks_status_does_not_connect_to_a_socket_on_a_hung_mount(mounted, tmp_path):
    daemon, fs, _ = mounted
    settings = tmp_path / "settings.json"
    # No XDG_RUNTIME_DIR: the socket in the state directory, where the probe's connect looks it up.
    env = {**daemon.env, "HOOKD_HOOK_CLIENT": "python", "HOOKD_SOCKET": str(daemon.state_dir / "hookd.sock")}
    _hookd(env, "hooks", "install", "--settings", str(settings))
    fs.set_rules(HUNG)
    code, out, err = _ask(env, "hooks", "status", "--settings", str(settings), "--json")
    assert fs.faults() and out, (code, err)
    (found,) = [f for f in json.loads(out)["files"] if f.get("path") == str(settings)]
    assert code == 1 and "hookd's hooks in it cannot be checked: cannot read" in found["error"], (code, found, err)
    assert f"mounted at {daemon.state_dir}, does not answer" in found["error"], found


def test_hooks_status_does_not_compare_a_state_directory_on_a_hung_mount_spelled_through_a_link(mounted, tmp_path):
    daemon, fs, _ = mounted
    settings = tmp_path / "settings.json"
    spelled = tmp_path / "a-link"
    spelled.symlink_to(daemon.state_dir)
    # The hooks name a state directory through a link, into the mount; this config's is elsewhere: whether
    # they are one is told by a stat of each (the link's path alone does not say its mount).
    hooked = {**daemon.env, "HOOKD_HOOK_CLIENT": "python", "HOOKD_STATE_DIR": str(spelled)}
    _hookd(hooked, "hooks", "install", "--settings", str(settings))
    (tmp_path / "elsewhere").mkdir(mode=0o700)
    env = {**daemon.env, "HOOKD_STATE_DIR": str(tmp_path / "elsewhere")}
    fs.set_rules(HUNG)
    code, out, err = _ask(env, "hooks", "status", "--settings", str(settings), "--json")
    assert fs.faults() and out, (code, err)
    (found,) = [f for f in json.loads(out)["files"] if f.get("path") == str(settings)]
    assert code == 1 and f"cannot be checked: cannot read {spelled} (waited" in found["error"], (code, found, err)
    assert "check that mount" in found["error"], found


def test_status_does_not_connect_to_a_control_socket_on_a_hung_mount(mounted):
    daemon, fs, _ = mounted
    # No XDG_RUNTIME_DIR: the control socket in state_dir/run, where its connect looks it up.
    env = {**daemon.env, "HOOKD_CONTROL_SOCKET": str(daemon.state_dir / "run" / "control.sock")}
    fs.set_rules(HUNG)
    code, out, err = _ask(env, "status", "--json")
    assert fs.faults(), "the mount's delay never fired"
    said = json.loads(out)
    assert code == 3 and said["running"] is None, (code, out, err)
    assert said["error"].startswith("whether hookd runs cannot be told: cannot read "), said
    assert f"mounted at {daemon.state_dir}, does not answer" in said["error"], said


def test_service_install_is_refused_not_held(mounted, tmp_path):
    daemon, fs, _ = mounted
    env = {**daemon.env, "HOME": str(tmp_path / "home"), "XDG_CONFIG_HOME": str(tmp_path / "home" / ".config")}
    fs.set_rules(HUNG)
    code, _, err = _ask(env, "service", "install", "--files-only")
    _said_hung(daemon, fs, code, err, "write to")
    assert "nothing was changed" in err and not (tmp_path / "home").exists(), err


def test_status_does_not_compare_a_hooks_state_directory_on_a_hung_mount(mounted, tmp_path):
    daemon, fs, _ = mounted
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    spelled = tmp_path / "a-link"
    spelled.symlink_to(daemon.state_dir)
    # The user's settings (status reads them) hold hooks naming this state directory through a link.
    env = {**daemon.env, "HOME": str(home), "HOOKD_HOOK_CLIENT": "python"}
    env.pop("CLAUDE_CONFIG_DIR", None)
    _hookd({**env, "HOOKD_STATE_DIR": str(spelled)}, "hooks", "install")
    fs.set_rules(HUNG)
    code, out, err = _ask(env, "status", "--json")
    assert fs.faults() and out, (code, err)
    said = json.loads(out)
    untold = [p for p in said["hooks_problems"] if "cannot be checked (whether they run and reach this daemon)" in p]
    assert untold and f"cannot read {spelled} (waited" in untold[0] and "check that mount" in untold[0], said


def test_ui_does_not_wait_on_its_url_file_in_a_hung_state_directory(mounted):
    daemon, fs, redis = mounted
    redis.start()
    fs.set_rules(HUNG)
    # The ui service's url file is state_dir/ui.url (service/ui_units.py), written before the URL is printed:
    # a ui held there neither prints its URL nor ends (one that served would print it, and run on).
    url_file = daemon.state_dir / "ui.url"
    asked = subprocess.Popen(
        [os.sys.executable, "-m", "hookd", "ui", "--addr", "127.0.0.1:0", "--url-file", str(url_file)],
        env=daemon.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        ready, _, _ = select.select([asked.stdout], [], [], ASK_S)
        if not ready:
            pytest.fail(f"hookd ui had neither printed its URL nor ended {ASK_S} s after it was asked")
        out, err = asked.communicate(timeout=ASK_S)
    finally:
        if asked.poll() is None:
            asked.kill()
    _said_hung(daemon, fs, asked.returncode, err, "write to")
    assert out == ""
