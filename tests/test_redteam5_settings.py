"""Fifth red-team pass: Claude Code settings files that are not files.

`hookd status`, `hookd run` (its check of the installed hooks at start) and
`hookd hooks ...` read the settings of every scope, the project's
`.claude/settings.json` in the current directory among them: a checkout of
someone else's repository. A settings file that was a link to a FIFO, to a
terminal or to /dev/zero was opened and read to its end: `hookd status` run in
such a checkout waited for good (a FIFO nobody writes to) or read until memory
ran out (/dev/zero). Now a settings file must be a regular file of bounded
size; anything else is refused with its name, without being read.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys

import pytest

from conftest import REPO


def _limited():  # the old code read /dev/zero until memory ran out: keep that from the machine
    resource.setrlimit(resource.RLIMIT_AS, (1 << 31, 1 << 31))


def hookd(args, cwd, home, timeout=60):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOOKD_", "CLAUDE_"))}
    env.update(
        HOME=str(home),
        HOOKD_STATE_DIR=str(home / "state"),
        HOOKD_SOCKET=str(home / "run" / "hookd.sock"),
        HOOKD_CONFIG=str(home / "config.toml"),
        PYTHONPATH=str(REPO),
    )
    (home / "config.toml").write_text("")
    return subprocess.run(
        [sys.executable, "-m", "hookd", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=_limited,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture
def checkout(tmp_path):
    """A directory like a cloned repository's, with a .claude/ of its own; and a HOME."""
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    repo = tmp_path / "repo"
    (repo / ".claude").mkdir(parents=True)
    return home, repo


def plant(repo, kind, tmp_path):
    target = repo / ".claude" / "settings.json"
    if kind == "fifo-link":
        os.mkfifo(tmp_path / "pipe")
        target.symlink_to(tmp_path / "pipe")
    elif kind == "fifo":
        os.mkfifo(target)
    elif kind == "dev-zero":
        target.symlink_to("/dev/zero")
    return target


KINDS = ["fifo", "fifo-link", "dev-zero"]


@pytest.mark.parametrize("kind", KINDS)
def test_status_in_a_checkout_whose_settings_are_not_a_file_answers(checkout, tmp_path, kind):
    home, repo = checkout
    plant(repo, kind, tmp_path)
    try:
        done = hookd(["status", "--json"], repo, home, timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail(f"hookd status still reads a settings file that is a {kind} after 30 s")
    assert done.returncode in (0, 1, 2), done.stderr  # 2: no daemon running here
    assert "Traceback" not in done.stderr, done.stderr
    json.loads(done.stdout)


@pytest.mark.parametrize("kind", KINDS)
def test_hooks_install_refuses_settings_that_are_not_a_file(checkout, tmp_path, kind):
    home, repo = checkout
    target = plant(repo, kind, tmp_path)
    try:
        done = hookd(["hooks", "install", "--scope", "project", "--events", "Stop"], repo, home, timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail(f"hookd hooks install still reads a settings file that is a {kind} after 30 s")
    assert done.returncode != 0
    assert "Traceback" not in done.stderr, done.stderr
    assert str(target) in done.stderr and "not a regular file" in done.stderr, done.stderr
    assert os.path.islink(target) or kind == "fifo"  # left as it was


def test_a_settings_file_too_large_to_be_one_is_refused_unread(checkout, tmp_path):
    home, repo = checkout
    target = repo / ".claude" / "settings.json"
    with open(target, "wb") as fh:
        fh.truncate(3 << 30)  # sparse: 3 GiB that take no disk
    done = hookd(["hooks", "install", "--scope", "project", "--events", "Stop"], repo, home, timeout=60)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr, done.stderr
    assert str(target) in done.stderr and "too large" in done.stderr, done.stderr


# ---------------------------------------------------------------- what a settings file says, shown


def hostile_settings(repo):
    """A hookd-looking hook whose event name, socket and paths carry escape sequences."""
    bad = "\x1b]0;owned\x07\x1b[2J\u009b2J\u202e"
    # Quoted: the shell reads the ; of the OSC sequence as the end of a command, and the line unquoted
    # would run a program named "owned..." (not hookd's: hookd/hooks/shell.py reads it so).
    command = (
        f"HOOKD_SOCKET='/tmp/x{bad}/s.sock' '/nonexistent{bad}/python3' -I -S '/nonexistent{bad}/hook_send.py' Stop"
    )
    handler = {"type": "command", "command": command}
    data = {"hooks": {f"Stop{bad}": [{"hooks": [handler]}], "Stop": [{"hooks": [handler]}]}}
    (repo / ".claude" / "settings.json").write_text(json.dumps(data))


@pytest.mark.parametrize("command", [["status"], ["hooks", "status"]])
def test_status_shows_a_checkouts_settings_without_their_control_characters(checkout, command):
    home, repo = checkout
    hostile_settings(repo)
    done = hookd(command, repo, home, timeout=60)
    assert "Traceback" not in done.stderr, done.stderr
    assert "nonexistent" in done.stdout, done.stdout  # the problem is shown
    for c in ("\x1b", "\x07", "\u009b", "\u202e"):
        assert c not in done.stdout + done.stderr, (c, done.stdout)


@pytest.mark.parametrize(
    "command", [["status", "--json"], ["hooks", "status"], ["hooks", "install", "--scope", "project"]]
)
def test_settings_nested_too_deep_to_read_are_refused_not_a_traceback(checkout, command):
    home, repo = checkout
    (repo / ".claude" / "settings.json").write_text('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}")
    done = hookd(command, repo, home, timeout=60)
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    if command[0] == "hooks":
        assert done.returncode != 0 and "nested too deeply" in done.stdout + done.stderr, done.stdout + done.stderr
