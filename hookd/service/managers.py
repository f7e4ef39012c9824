"""The service managers hookd installs under (systemd's user manager, launchd): where each keeps
the unit files, whether it can be asked, and the commands that install, uninstall and show them.
`manager.py` runs the commands with them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from typing import NamedTuple

from hookd import user_files
from hookd.home import user_home
from hookd.paths import ensure_private_dir, makedirs_private
from hookd.service import units
from hookd.service.userns import MAX_UNIT_BYTES, UNIT_FIX


class UnitFile(NamedTuple):
    path: str
    text: str

    def current(self) -> str | None:
        """The file's text; None if missing. A FIFO, a device or another user's file there is refused
        (UserFileError, naming it), never waited on or taken for the unit."""
        try:
            data, _ = user_files.read(self.path, MAX_UNIT_BYTES, UNIT_FIX)
        except FileNotFoundError:
            return None
        return data.decode("utf-8", "replace")

    def state(self, current: str | None) -> str:
        """Missing, up to date or differs, by ``current``: the text there, which the caller reads once
        (``current()``) for all it says of the file."""
        return "missing" if current is None else "up to date" if current == self.text else "differs"


class Systemd:
    name = "systemd"

    def __init__(self, installation: units.Installation, environ: Mapping[str, str]) -> None:
        self.installation = installation
        xdg = environ.get("XDG_CONFIG_HOME", "")
        base = xdg if xdg.startswith("/") else os.path.join(home(environ), ".config")
        self.unit_dir = os.path.join(base, "systemd", "user")

    def files(self) -> list[UnitFile]:
        rendered = units.systemd_units(self.installation)
        return [UnitFile(os.path.join(self.unit_dir, name), text) for name, text in rendered.items()]

    def unreachable(self) -> str | None:
        """Why the user manager cannot be asked, or None when it can."""
        if shutil.which("systemctl") is None:
            return "systemctl is not installed: this system does not run systemd"
        probe = run(["systemctl", "--user", "show", "--property=Version"])
        if probe.returncode != 0:
            return (
                "systemd's user manager is not running for this user (a container, CI, or "
                f"a session without one: {first_line(probe)})"
            )
        return None

    def install_commands(self, states: dict[str, str]) -> list[list[str]]:
        ctl = ["systemctl", "--user"]
        commands = [ctl + ["daemon-reload"]]
        if states.get("hookd.socket") == "differs":
            # New socket paths take effect only on a fresh socket unit.
            commands.append(ctl + ["stop", "hookd.service", "hookd.socket"])
        commands.append(ctl + ["enable", "--now", "hookd.socket", "hookd.service"])
        if states.get("hookd.service") == "differs":
            commands.append(ctl + ["try-restart", "hookd.service"])
        return commands

    def uninstall_commands(self) -> tuple[list[list[str]], list[list[str]]]:
        ctl = ["systemctl", "--user"]
        return [ctl + ["disable", "--now", "hookd.socket", "hookd.service"]], [ctl + ["daemon-reload"]]

    def status_commands(self) -> list[list[str]]:
        return [["systemctl", "--user", "--no-pager", "status", "hookd.socket", "hookd.service"]]

    def prepare(self) -> None:
        # Made here so that a state directory hookd cannot have is said now, not at the first start.
        ensure_private_dir(self.installation.state_dir)


class Launchd:
    name = "launchd"

    def __init__(self, installation: units.Installation, environ: Mapping[str, str]) -> None:
        self.installation = installation
        self.home = home(environ)
        self.plist = os.path.join(self.home, "Library", "LaunchAgents", units.LAUNCHD_PLIST)
        self.domain = f"gui/{os.getuid()}"
        self.target = f"{self.domain}/{units.LAUNCHD_LABEL}"

    def files(self) -> list[UnitFile]:
        return [UnitFile(self.plist, units.launchd_plist(self.installation, self.home))]

    def unreachable(self) -> str | None:
        if shutil.which("launchctl") is None:
            return "launchctl is not installed: launchd runs only on macOS"
        probe = run(["launchctl", "print", self.domain])
        if probe.returncode != 0:
            return (
                f"launchd has no {self.domain} domain (no one is logged in at the screen, "
                f"e.g. an ssh session): {first_line(probe)}"
            )
        return None

    def loaded(self) -> bool:
        return shutil.which("launchctl") is not None and run(["launchctl", "print", self.target]).returncode == 0

    def install_commands(self, states: dict[str, str]) -> list[list[str]]:
        commands = []
        loaded = self.loaded()
        if loaded and states.get(os.path.basename(self.plist)) == "differs":  # hookd's plist, or hookd ui's
            commands.append(["launchctl", "bootout", self.target])
            loaded = False
        commands.append(["launchctl", "enable", self.target])
        if not loaded:
            commands.append(["launchctl", "bootstrap", self.domain, self.plist])
        return commands

    def uninstall_commands(self) -> tuple[list[list[str]], list[list[str]]]:
        return ([["launchctl", "bootout", self.target]] if self.loaded() else []), []

    def status_commands(self) -> list[list[str]]:
        return [["launchctl", "print", self.target]]

    def prepare(self) -> None:
        ensure_private_dir(self.installation.state_dir)
        # launchd binds the sockets itself, in a directory that must exist.
        ensure_private_dir(os.path.dirname(self.installation.socket))
        ensure_private_dir(os.path.dirname(self.installation.control_socket))
        makedirs_private(units.launchd_log_dir(self.home))


def manager_for(name: str, installation: units.Installation, environ: Mapping[str, str]) -> Systemd | Launchd:
    if name == "auto":
        name = "launchd" if sys.platform == "darwin" else "systemd"
    return Launchd(installation, environ) if name == "launchd" else Systemd(installation, environ)


def home(environ: Mapping[str, str]) -> str:
    return user_home(environ)  # an absolute $HOME, else the password database's


def run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def first_line(result: subprocess.CompletedProcess[str]) -> str:
    text = (result.stderr or result.stdout).strip()
    return text.splitlines()[0] if text else f"exit status {result.returncode}"
