"""Fifth red-team pass, left over: paths that could write lines of their own into the
service manager's files.

`hookd service install` (hookd.socket and hookd.service, or com.hookd.agent.plist) and
`hookd ui --print-service` / `service install --ui` (hookd-ui.service, com.hookd.ui.plist)
write this installation's paths into those files. `%`, `$`, quotes and spaces were escaped
already (the round trip is checked below as a guard), but a newline in a path ended the line
and began one the path chose: a state directory named "x\\nExecStartPre=/bin/sh -c evil"
gave hookd.service (and hookd-ui.service) an ExecStartPre= of its own. In the UI's plist the
URL file's path stood in an XML comment, which "-->" in the state directory ended, letting
the path add keys to the plist. Now a path no unit can hold as one value (a control
character, a backslash at its end, text that is not UTF-8) is refused before anything is
written, naming the setting (exit status 78), and the plist's comment holds no path.
"""

from __future__ import annotations

import os
import plistlib
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from hookd.config import Config
from hookd.service import units

REPO = Path(__file__).resolve().parent.parent
EVIL = "x\nExecStartPre=/bin/sh -c evil"


def run(tmp_path: Path, *args: str, config: str | None = None) -> subprocess.CompletedProcess:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOOKD_", "XDG_")) and k != "HOME"}
    env |= {"HOME": str(home), "XDG_RUNTIME_DIR": str(tmp_path)}
    if config is not None:
        path = tmp_path / "config.toml"
        path.write_text(config)
        path.chmod(0o600)
        args = (*args, "--config", str(path))
    return subprocess.run(
        [sys.executable, "-m", "hookd", *args], capture_output=True, text=True, env=env, cwd=REPO, timeout=60
    )


def unit_keys(text: str) -> list[str]:
    return [line.split("=", 1)[0] for line in text.splitlines() if "=" in line and not line.startswith("#")]


@pytest.mark.parametrize("ui", [(), ("--ui",)], ids=["hookd", "ui"])
def test_a_newline_in_the_state_dir_is_refused_for_systemd_not_a_directive(tmp_path, ui):
    result = run(
        tmp_path, "service", "install", "--dry-run", "--manager", "systemd", *ui, "--state-dir", f"{tmp_path}/{EVIL}"
    )
    assert "ExecStartPre" not in unit_keys(result.stdout), result.stdout
    assert result.returncode == 78, (result.returncode, result.stderr)
    assert "state_dir" in result.stderr and "control character" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_newline_in_the_socket_is_refused_for_systemd_not_a_directive(tmp_path):
    result = run(
        tmp_path,
        "service",
        "install",
        "--dry-run",
        "--manager",
        "systemd",
        config=f'socket = "{tmp_path}/s.sock\\nExecStartPre=/bin/sh -c evil"\n',
    )
    assert "ExecStartPre" not in unit_keys(result.stdout), result.stdout
    assert result.returncode == 78 and "socket" in result.stderr, result.stderr


@pytest.mark.parametrize("ui", [(), ("--ui",)], ids=["hookd", "ui"])
def test_a_newline_in_the_state_dir_is_refused_for_launchd(tmp_path, ui):
    result = run(
        tmp_path, "service", "install", "--dry-run", "--manager", "launchd", *ui, "--state-dir", f"{tmp_path}/{EVIL}"
    )
    assert result.returncode == 78 and "state_dir" in result.stderr, (result.returncode, result.stderr)
    assert "<plist" not in result.stdout


def test_a_state_dir_cannot_end_the_ui_plists_comment_and_add_keys(tmp_path):
    state_dir = f"{tmp_path}/a--><key>Evil</key><string>x</string><!--"
    result = run(tmp_path, "ui", "--print-service", "launchd", config=f'state_dir = "{state_dir}"\n')
    assert result.returncode == 0, result.stderr
    plist = plistlib.loads(result.stdout.encode())  # before: not XML ("--" in a comment) or an Evil key
    assert "Evil" not in plist
    arguments = plist["ProgramArguments"]
    assert arguments[arguments.index("--url-file") + 1] == f"{state_dir}/ui.url"


def test_percent_dollar_quotes_and_spaces_round_trip_in_the_systemd_units(tmp_path):
    """A guard: these were escaped before this change and still are."""
    state_dir = f"{tmp_path}/a %h $HOME \"q\" 'r' b"
    result = run(tmp_path, "service", "install", "--dry-run", "--manager", "systemd", "--state-dir", state_dir)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    exec_start = next(line.split("=", 1)[1] for line in lines if line.startswith("ExecStart="))
    words = [w.replace("$$", "$").replace("%%", "%") for w in shlex.split(exec_start)]
    assert words[words.index("--state-dir") + 1] == state_dir


@pytest.mark.parametrize(
    ("field", "setting"),
    [
        ("python", "Python interpreter"),
        ("config_file", "config file"),
        ("control_socket", "control_socket"),
    ],
)
def test_every_path_a_unit_holds_is_checked(field, setting):
    good = units.Installation.of(Config(state_dir="/tmp/s"), None, {"HOME": "/home/u"})
    for bad in ("/a\nb", "/a\rb", "/a\\", "/a\udcffb"):
        with pytest.raises(units.UnitValueError, match=setting):
            good._replace(**{field: bad}).check()
    with pytest.raises(units.UnitValueError, match="HOME"):
        units.Installation.of(Config(state_dir="/tmp/s"), None, {"HOME": "/home/u\n<key>"})
