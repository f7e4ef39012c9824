"""`hookd service install | uninstall | status` in a temporary HOME: files written atomically and
only when they change, the service manager's commands run (a recording systemctl) or printed,
and a clear refusal where no service manager can be reached."""

from __future__ import annotations

import os
import plistlib
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

RECORDING_CTL = """#!/bin/sh
echo "$(basename "$0") $*" >> "{log}"
"""


class Home:
    def __init__(self, tmp_path: Path) -> None:
        self.root = tmp_path
        self.home = tmp_path / "home"
        self.home.mkdir()
        self.runtime = tmp_path / "run"
        self.runtime.mkdir(mode=0o700)
        self.bin = tmp_path / "bin"
        self.bin.mkdir()
        self.calls = tmp_path / "calls.log"
        self.units = self.home / ".config" / "systemd" / "user"
        self.state = self.home / ".local" / "state" / "hookd"
        self.path = os.environ["PATH"]

    def env(self) -> dict[str, str]:
        keep = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("HOOKD_", "XDG_", "DBUS_")) and k not in ("HOME", "PATH")
        }
        return {**keep, "HOME": str(self.home), "XDG_RUNTIME_DIR": str(self.runtime), "PATH": self.path}

    def record(self, *commands: str) -> None:
        """Put recording stand-ins for these service manager commands first on PATH."""
        for name in commands:
            script = self.bin / name
            script.write_text(RECORDING_CTL.format(log=self.calls))
            script.chmod(0o755)
        self.path = f"{self.bin}{os.pathsep}{self.path}"

    def without(self) -> None:
        """A PATH with no service manager on it."""
        self.path = str(self.bin)

    def hookd(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "hookd", "service", *args],
            capture_output=True,
            text=True,
            env=self.env(),
            cwd=REPO,
            timeout=60,
        )

    def recorded(self) -> list[str]:
        return self.calls.read_text().splitlines() if self.calls.exists() else []


@pytest.fixture
def home(tmp_path):
    return Home(tmp_path)


def test_dry_run_prints_the_units_and_commands_and_writes_nothing(home):
    result = home.hookd("install", "--dry-run", "--manager", "systemd")
    assert result.returncode == 0, result.stderr
    assert f"# {home.units}/hookd.socket (would create)" in result.stdout
    assert f"# {home.units}/hookd.service (would create)" in result.stdout
    assert "ListenStream=%t/hookd/hookd.sock" in result.stdout
    assert "systemctl --user daemon-reload" in result.stdout
    assert "systemctl --user enable --now hookd.socket hookd.service" in result.stdout
    assert not (home.home / ".config").exists() and not home.state.exists()


def test_install_writes_the_units_runs_systemctl_and_a_second_install_changes_nothing(home):
    home.record("systemctl")
    first = home.hookd("install", "--manager", "systemd")
    assert first.returncode == 0, first.stderr
    socket_unit, service_unit = home.units / "hookd.socket", home.units / "hookd.service"
    assert stat.S_IMODE(service_unit.stat().st_mode) == 0o644
    assert "ExecStart=" + sys.executable in service_unit.read_text()
    assert stat.S_IMODE(home.state.stat().st_mode) == 0o700  # made at install, private
    assert home.recorded() == [
        "systemctl --user show --property=Version",
        "systemctl --user daemon-reload",
        "systemctl --user enable --now hookd.socket hookd.service",
    ]
    mtimes = [p.stat().st_mtime_ns for p in (socket_unit, service_unit)]

    again = home.hookd("install", "--manager", "systemd")
    assert again.returncode == 0, again.stderr
    assert "hookd.socket: unchanged" in again.stdout and "hookd.service: unchanged" in again.stdout
    assert [p.stat().st_mtime_ns for p in (socket_unit, service_unit)] == mtimes
    assert list(home.units.iterdir()) and all(".tmp-" not in p.name for p in home.units.iterdir())

    status = home.hookd("status", "--manager", "systemd")
    assert status.returncode == 0 and status.stdout.count(": up to date") == 2, status.stdout


def test_a_changed_service_is_rewritten_and_restarted(home):
    home.record("systemctl")
    assert home.hookd("install", "--manager", "systemd").returncode == 0
    home.calls.unlink()
    result = home.hookd("install", "--manager", "systemd", "--state-dir", str(home.root / "other"))
    assert result.returncode == 0, result.stderr
    assert f"--state-dir {home.root}/other" in (home.units / "hookd.service").read_text()
    assert home.recorded()[-1] == "systemctl --user try-restart hookd.service"


def test_status_says_when_an_installed_unit_differs(home):
    home.record("systemctl")
    assert home.hookd("install", "--manager", "systemd").returncode == 0
    (home.units / "hookd.service").write_text("[Service]\nExecStart=/bin/true\n")
    status = home.hookd("status", "--manager", "systemd")
    assert status.returncode == 1
    assert f"{home.units}/hookd.service: differs" in status.stdout


def test_uninstall_stops_and_removes_the_units_and_keeps_the_spool(home):
    home.record("systemctl")
    assert home.hookd("install", "--manager", "systemd").returncode == 0
    (home.state / "spool").mkdir()
    home.calls.unlink()
    result = home.hookd("uninstall", "--manager", "systemd")
    assert result.returncode == 0, result.stderr
    assert not (home.units / "hookd.socket").exists() and not (home.units / "hookd.service").exists()
    assert (home.state / "spool").is_dir()
    assert home.recorded() == [
        "systemctl --user show --property=Version",
        "systemctl --user disable --now hookd.socket hookd.service",
        "systemctl --user daemon-reload",
    ]
    again = home.hookd("uninstall", "--manager", "systemd")
    assert again.returncode == 0 and "not installed" in again.stdout


def test_without_a_user_manager_install_writes_the_units_and_says_what_to_run(home):
    # The real systemctl, with a runtime directory in which no user manager listens.
    result = home.hookd("install", "--manager", "systemd")
    assert result.returncode == 1
    assert "user manager is not running" in result.stderr and "--files-only" in result.stderr
    assert "systemctl --user enable --now hookd.socket hookd.service" in result.stdout
    assert (home.units / "hookd.socket").exists() and (home.units / "hookd.service").exists()


def test_without_systemctl_install_says_so_and_files_only_succeeds(home):
    home.without()
    result = home.hookd("install", "--manager", "systemd")
    assert result.returncode == 1 and "systemctl is not installed" in result.stderr
    files_only = home.hookd("install", "--manager", "systemd", "--files-only")
    assert files_only.returncode == 0, files_only.stderr
    assert "to finish, run:" in files_only.stdout


def test_xdg_config_home_decides_where_the_units_go(home):
    config_home = home.root / "xdg-config"
    env = home.env() | {"XDG_CONFIG_HOME": str(config_home)}
    result = subprocess.run(
        [sys.executable, "-m", "hookd", "service", "install", "--files-only", "--manager", "systemd"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert (config_home / "systemd" / "user" / "hookd.service").exists()


def test_launchd_install_writes_the_agent_plist_and_its_log_directory(home):
    home.without()
    result = home.hookd("install", "--manager", "launchd")
    assert result.returncode == 1 and "launchctl is not installed" in result.stderr
    plist_path = home.home / "Library" / "LaunchAgents" / "com.hookd.agent.plist"
    plist = plistlib.loads(plist_path.read_bytes())
    assert plist["Sockets"]["Listeners"]["SockPathName"] == f"{home.runtime}/hookd/hookd.sock"
    assert (home.home / "Library" / "Logs" / "hookd").is_dir()
    assert f"launchctl bootstrap gui/{os.getuid()} {plist_path}" in result.stdout
    assert home.hookd("uninstall", "--manager", "launchd", "--files-only").returncode == 0
    assert not plist_path.exists()


@pytest.mark.parametrize("ui, label", [([], "com.hookd.agent"), (["--ui"], "com.hookd.ui")], ids=["hookd", "ui"])
def test_launchd_reinstall_of_a_changed_plist_boots_the_loaded_agent_out_first(home, ui, label):
    home.record("launchctl")  # answers 0 to everything: the agent is loaded
    assert home.hookd("install", "--manager", "launchd", *ui).returncode == 0
    plist = home.home / "Library" / "LaunchAgents" / f"{label}.plist"
    plist.write_text(plist.read_text() + "<!-- changed -->\n")
    home.calls.write_text("")
    result = home.hookd("install", "--manager", "launchd", *ui)
    assert result.returncode == 0, result.stderr
    target = f"gui/{os.getuid()}/{label}"
    calls = [c for c in home.recorded() if not c.startswith("launchctl print")]
    bootstrap = f"launchctl bootstrap gui/{os.getuid()} {plist}"
    assert calls == [f"launchctl bootout {target}", f"launchctl enable {target}", bootstrap]


def test_settings_the_service_cannot_see_are_pointed_out(home):
    home.record("systemctl")
    env = home.env() | {"HOOKD_REDIS_URL": "redis://127.0.0.1:6390/0"}
    result = subprocess.run(
        [sys.executable, "-m", "hookd", "service", "install", "--dry-run", "--manager", "systemd"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=60,
    )
    assert "the service will not see HOOKD_REDIS_URL" in result.stdout


def test_a_state_directory_that_cannot_be_created_is_a_clear_error(home):
    home.record("systemctl")
    blocker = home.root / "file"
    blocker.write_text("")
    result = home.hookd("install", "--manager", "systemd", "--state-dir", str(blocker / "state"))
    assert result.returncode == 1
    assert result.stderr.startswith("hookd: ") and "Traceback" not in result.stderr
