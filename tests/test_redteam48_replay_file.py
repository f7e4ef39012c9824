"""Red team, forty-eighth pass: `hookd replay --file` of a file another user could have written.

Every envelope of the file goes to the user's stream as the user's own event, under the host and
seq the file gives (each host's mark raised to its highest seq). A file uid 65534 wrote in a shared
directory (/tmp: where an export the user meant to make may have failed because that name was
taken), or one of the user's that others can write, was read and published all the same. Now the
file is held to what the config file is: ours or root's, writable by no one else, reached through
no directory or link another user can change (hookd/replay/lines.py); standard input is as given.
"""

from __future__ import annotations

import json
import os
import shutil

import pytest

from conftest import free_port
from hookd.cli import main
from other_user import NOBODY, needs_root, run_as_nobody

LINE = json.dumps(
    {
        "v": 1,
        "event_id": "id-h-1",
        "seq": 1,
        "host": "h",
        "hook": "Stop",
        "session_id": "planted-48",
        "tool_name": None,
        "received_at": "2026-01-01T00:00:00.000000Z",
        "sent_at": None,
        "client": None,
        "project_dir": None,
        "payload": {"hook_event_name": "Stop", "session_id": "planted-48"},
    }
)


@pytest.fixture(autouse=True)
def no_hookd_environment(monkeypatch):
    for name in list(os.environ):
        if name.startswith("HOOKD_"):
            monkeypatch.delenv(name)


def _dry_run(capsys, tmp_path, path: str) -> tuple[int, str, str]:
    config = tmp_path / "config.toml"
    config.touch()
    url = f"redis://127.0.0.1:{free_port()}/0"
    args = ["replay", "--config", str(config), "--state-dir", str(tmp_path / "state"), "--redis-url", url]
    code = main([*args, "--file", path, "--dry-run"])
    out, err = capsys.readouterr()
    return code, out, err


def _our_file(path, mode: int) -> str:
    path.write_text(LINE + "\n")
    path.chmod(mode)
    return str(path)


def _write_as_nobody(path: str) -> None:
    with open(path, "w") as fh:
        fh.write(LINE + "\n")


@needs_root
def test_a_file_another_user_wrote_in_a_shared_directory_is_refused(capsys, tmp_path):
    shared = f"/tmp/hookd-rt48-{os.getpid()}"  # as /tmp itself: sticky, every user may add a file
    os.mkdir(shared)
    try:
        os.chmod(shared, 0o1777)
        path = os.path.join(shared, "events.jsonl")
        run_as_nobody(_write_as_nobody, path)
        assert os.stat(path).st_uid == NOBODY
        code, out, err = _dry_run(capsys, tmp_path, path)
    finally:
        shutil.rmtree(shared)
    assert code == 1, (out, err)
    assert f"cannot read {path}" in err and "belongs to another user" in err, err
    assert "envelope read" not in out, out


def test_a_file_of_ours_others_can_write_is_refused(capsys, tmp_path):
    path = _our_file(tmp_path / "events.jsonl", 0o666)
    code, out, err = _dry_run(capsys, tmp_path, path)
    assert code == 1, (out, err)
    assert "is writable by other users" in err and f"chmod go-w {path}" in err, err


@needs_root
def test_a_file_of_ours_under_another_users_directory_is_refused(capsys, tmp_path):
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    path = _our_file(theirs / "events.jsonl", 0o600)
    os.chown(theirs, NOBODY, NOBODY)  # they could swap the file for one of theirs
    code, out, err = _dry_run(capsys, tmp_path, path)
    assert code == 1, (out, err)
    assert f"inside {theirs}" in err and "another user owns" in err, err


def test_a_file_of_ours_is_read(capsys, tmp_path):
    """A guard: the user's own file, readable by others (an export made under umask 022) is read."""
    path = _our_file(tmp_path / "events.jsonl", 0o644)
    code, out, err = _dry_run(capsys, tmp_path, path)
    assert code == 0, (out, err)
    assert "1 envelope read" in out, out
