"""Red team, sixteenth pass: hookd's hooks in a settings file another user can change.

Claude Code runs the commands in its settings files as the user. ``hookd hooks install`` makes a
new settings file 0600 and its directory 0700 (the seventh pass), but leaves an existing one's mode
as it is: one made under umask 000, or a checkout in a directory others can write, gets hookd's
hook commands written into it without a word, and ``hooks status`` and ``hookd status`` said the
hooks were sound while anyone on the machine could replace hook-send with any command. Now both
name the file, what is open and the fix (``chmod go-w``), as the config file's check does.
"""

from __future__ import annotations

import json
import os
import shutil

from conftest import CLIENT
from hookd.hooks import reach

from test_hooks_install import home, run_hooks, user_settings  # noqa: F401 - fixture
from test_redteam14_left_hooks import problems


def test_a_settings_file_others_can_write_is_named_with_the_fix(home, capsys):  # noqa: F811
    assert run_hooks("install", "--scope", "user", "--events", "PreToolUse,Stop") == 0
    assert problems(capsys) == []  # as installed: 0600 in 0700
    path = user_settings(home)
    os.chmod(path, 0o666)
    [line] = problems(capsys)
    assert "another user can change" in line and f"chmod go-w {path}" in line, line
    assert run_hooks("status") == 1
    # What `hookd run` at its start and `hookd status` say (hooks/reach.py).
    found = reach.check([path], "/nowhere/hookd.sock", "/nowhere")
    assert any("another user can change" in f.problem for f in found.findings), found
    os.chmod(path, 0o600)
    os.chmod(os.path.dirname(path), 0o777)  # the directory: the file can be replaced
    [line] = problems(capsys)
    assert "another user can change" in line and os.path.dirname(path) in line, line
    os.chmod(os.path.dirname(path), 0o700)
    assert problems(capsys) == [] and run_hooks("status") == 0


def test_a_hook_client_others_can_change_is_named(home, capsys):  # noqa: F811
    """The same for what the hook runs: hook_send.py (or its directory) others can write."""
    assert run_hooks("install", "--scope", "user", "--events", "PreToolUse,Stop") == 0
    path = user_settings(home)
    shared = home / "shared"
    shared.mkdir()
    shutil.copy(CLIENT, shared / "hook_send.py")
    path.write_text(path.read_text().replace(json.dumps(str(CLIENT.parent))[1:-1], str(shared)))
    assert str(shared) in path.read_text()
    assert problems(capsys) == []
    os.chmod(shared, 0o777)
    [line] = problems(capsys)
    assert "run a file another user can change" in line and f"inside {shared}" in line, line
    found = reach.check([path], "/nowhere/hookd.sock", "/nowhere")
    assert any("run a file another user can change" in f.problem for f in found.findings), found
    os.chmod(shared, 0o755)
    assert problems(capsys) == []
