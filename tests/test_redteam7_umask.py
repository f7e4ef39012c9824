"""Red team, seventh pass: under umask 000, files that run commands as the user were left open.

Everything hookd keeps in its state directory is made 0600/0700 whatever the umask. Two things
it writes elsewhere were made with the umask's modes: `hookd hooks install` made Claude Code's
settings file (0666) and its directory (`~/.claude`, 0777), and `hookd service install` made
the unit directory and its parents (`~/.config/systemd/user`, 0777). Under umask 000 any other
user could then rewrite the hook commands Claude Code runs, or replace the unit the service
manager starts, as the user. Now a directory hookd makes there is 0700 and a new settings file
0600; what exists already is left as it is.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys

from conftest import REPO


def _run(tmp_path, *args: str) -> subprocess.CompletedProcess:
    home, bin_dir = tmp_path / "home", tmp_path / "bin"
    for d in (home, bin_dir):
        d.mkdir(exist_ok=True)
    ctl = bin_dir / "systemctl"  # a service manager that does nothing
    ctl.write_text("#!/bin/sh\nexit 0\n")
    ctl.chmod(0o755)
    (tmp_path / "run").mkdir(mode=0o700, exist_ok=True)
    (tmp_path / "config.toml").write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOOKD_", "XDG_", "DBUS_", "CLAUDE_"))}
    env.update(
        HOME=str(home),
        PATH=f"{bin_dir}:/usr/bin:/bin",
        XDG_RUNTIME_DIR=str(tmp_path / "run"),
        HOOKD_CONFIG=str(tmp_path / "config.toml"),
        HOOKD_HOOK_CLIENT="python",
    )
    done = subprocess.run(
        ["/bin/sh", "-c", 'umask 000 && exec "$@"', "sh", sys.executable, "-m", "hookd", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done


def _open_to_others(path) -> list[str]:
    """``path`` and each directory above it up to the temporary directory that others can write."""
    found = []
    while path.name not in ("home",):
        if stat.S_IMODE(path.stat().st_mode) & 0o022:
            found.append(f"{path} {stat.S_IMODE(path.stat().st_mode):04o}")
        path = path.parent
    return found


def test_hooks_install_under_umask_000_leaves_nothing_others_can_write(tmp_path):
    _run(tmp_path, "hooks", "install", "--events", "Stop")
    settings = tmp_path / "home" / ".claude" / "settings.json"
    assert "Stop" in settings.read_text()
    assert _open_to_others(settings) == []
    assert stat.S_IMODE(settings.stat().st_mode) == 0o600


def test_hooks_install_keeps_the_mode_of_a_settings_file_that_exists(tmp_path):
    settings = tmp_path / "home" / ".claude" / "settings.json"
    settings.parent.mkdir(parents=True)
    settings.write_text("{}\n")
    settings.chmod(0o644)
    _run(tmp_path, "hooks", "install", "--events", "Stop")
    assert stat.S_IMODE(settings.stat().st_mode) == 0o644  # a guard: this held before


def test_service_install_under_umask_000_leaves_nothing_others_can_write(tmp_path):
    _run(tmp_path, "service", "install", "--manager", "systemd")
    unit = tmp_path / "home" / ".config" / "systemd" / "user" / "hookd.service"
    assert unit.exists()
    assert _open_to_others(unit) == []
