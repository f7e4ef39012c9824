"""The eighty-fourth red-team pass (docs/security.md): the files of the user's that the commands read
and write outside hookd's state (a Claude Code settings file, the service's unit files and drop-ins,
the config file read again for a message) neither hold a command on a FIFO nor change, or take as the
user's, a file or folder another user owns (uid 65534, as the other passes' tests).

Each FIFO case runs the read in a thread: a read held by the FIFO is let go (a writer opens it) so
that the test ends, and fails.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

import pytest

from hookd import config_errors, user_files
from hookd.cli import main
from hookd.hooks import created, settings_write
from hookd.hooks.settings import SettingsError, load
from hookd.service import userns
from hookd.service.managers import UnitFile

NOBODY = 65534
HELD_S = 5


def finished(call: Callable[[], Any], fifo: str) -> dict[str, Any]:
    """What ``call`` returned or raised; fails if the FIFO at ``fifo`` held it."""
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["value"] = call()
        except Exception as exc:
            result["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(HELD_S)
    held = thread.is_alive()
    if held:  # a writer's open lets the reader's open return; its close gives it end of file
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        thread.join(HELD_S)
    assert not held, f"held by the FIFO at {fifo}"
    return result


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A HOME, a project folder (the working directory) and an empty config; the Python client."""
    for name in list(os.environ):
        if name.startswith("HOOKD_") or name in ("CLAUDE_CONFIG_DIR", "XDG_CONFIG_HOME"):
            monkeypatch.delenv(name)
    for name in ("home", "project/.claude", "bin", "state"):
        (tmp_path / name).mkdir(parents=True)
    (tmp_path / "config.toml").write_text("")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HOOKD_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("HOOKD_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("HOOKD_HOOK_CLIENT", "python")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:/usr/bin:/bin")
    monkeypatch.chdir(tmp_path / "project")
    return tmp_path / "project"


@pytest.mark.skipif(os.geteuid() != 0, reason="makes a file of another uid")
def test_install_leaves_another_users_settings_file_as_it_was(project, capsys):
    path = project / ".claude" / "settings.json"
    path.write_text('{"env": {"A": "1"}}\n')
    os.chown(path, NOBODY, NOBODY)
    assert main(["hooks", "install", "--scope", "project"]) != 0
    err = capsys.readouterr().err
    assert str(path) in err and f"uid {NOBODY}" in err and "nothing was changed" in err
    assert path.read_text() == '{"env": {"A": "1"}}\n' and path.stat().st_uid == NOBODY
    assert os.listdir(path.parent) == ["settings.json"]  # no backup, no temporary file


@pytest.mark.skipif(os.geteuid() != 0, reason="makes a folder of another uid")
def test_install_writes_no_settings_file_in_another_users_folder(project, capsys):
    os.chown(project / ".claude", NOBODY, NOBODY)
    assert main(["hooks", "install", "--scope", "project"]) != 0
    err = capsys.readouterr().err
    assert str(project / ".claude") in err and f"uid {NOBODY}" in err
    assert os.listdir(project / ".claude") == []


def test_the_write_does_not_wait_on_a_fifo_swapped_in_after_the_read(project, tmp_path):
    path = str(project / ".claude" / "settings.json")
    with open(path, "w") as fh:
        fh.write("{}\n")
    settings = load(path)
    os.unlink(path)
    os.mkfifo(path, 0o600)
    result = finished(lambda: settings_write.write(settings, '{"hooks": {}}\n', str(tmp_path / "state")), path)
    assert isinstance(result.get("error"), SettingsError), result
    assert path in str(result["error"]) and "FIFO" in str(result["error"])


def test_uninstall_keeps_a_fifo_where_the_file_it_made_was(project, tmp_path):
    path = str(project / ".claude" / "settings.json")
    created.write(str(tmp_path / "state"), path, b"")
    os.mkfifo(path, 0o600)
    assert finished(lambda: created.remove_if_unchanged(str(tmp_path / "state"), path), path) == {"value": False}
    assert os.path.exists(path)


def test_service_status_refuses_a_fifo_at_a_unit_file(project, capsys):
    units = project.parent / "home" / ".config" / "systemd" / "user"
    units.mkdir(parents=True)
    os.mkfifo(units / "hookd.service", 0o600)
    result = finished(lambda: main(["service", "status", "--manager", "systemd"]), str(units / "hookd.service"))
    assert result.get("value") == 1, result
    err = capsys.readouterr().err
    assert f"{units / 'hookd.service'} is not a regular file (a FIFO)" in err and "remove it" in err


def test_a_fifo_among_the_drop_ins_is_named_not_waited_on(tmp_path):
    unit = tmp_path / "hookd.service"
    (tmp_path / "hookd.service.d").mkdir()
    os.mkfifo(tmp_path / "hookd.service.d" / "late.conf", 0o600)
    result = finished(lambda: userns.findings(str(unit), None), str(tmp_path / "hookd.service.d" / "late.conf"))
    assert isinstance(result.get("error"), user_files.UserFileError), result
    assert "late.conf is not a regular file (a FIFO)" in str(result["error"])


@pytest.mark.skipif(os.geteuid() != 0, reason="makes a file of another uid")
def test_a_unit_file_of_another_user_is_not_taken_for_hookds(tmp_path):
    unit = tmp_path / "hookd.service"
    unit.write_text("[Service]\n")
    os.chown(unit, NOBODY, NOBODY)
    with pytest.raises(user_files.UserFileError, match=f"belongs to uid {NOBODY}"):
        UnitFile(str(unit), "[Service]\n").current()


def test_the_config_line_is_not_looked_for_in_a_fifo(tmp_path):
    path = str(tmp_path / "config.toml")
    os.mkfifo(path, 0o600)
    source = f"config file {path}"
    assert finished(lambda: config_errors._file_line(source, "redis_url"), path) == {"value": source}
