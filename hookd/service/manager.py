"""`hookd service install | uninstall | status`: the unit files and the commands around them.

Install renders the files, writes those that differ (atomically, through a
temporary file and a rename), then runs the service manager's commands, which
are all safe to repeat. Where the manager cannot be reached (no systemctl or
launchctl, or no user manager running: containers, CI, ssh without lingering)
the files are still written, the commands are printed, and the exit status is
1, unless --files-only asked for exactly that. --dry-run writes and runs
nothing and prints what it would.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Mapping
from typing import NamedTuple, TextIO

from hookd.home import user_home
from hookd.paths import ensure_private_dir, makedirs_private, replace_file
from hookd.service import units, userns

ENABLE_HINT = "hookd.socket and hookd.service"
SETTINGS_IN_UNITS = {"HOOKD_SOCKET", "HOOKD_CONTROL_SOCKET", "HOOKD_STATE_DIR", "HOOKD_CONFIG"}


class UnitFile(NamedTuple):
    path: str
    text: str

    def current(self) -> str | None:
        try:
            with open(self.path, encoding="utf-8") as fh:
                return fh.read()
        except FileNotFoundError:
            return None

    def state(self, current: str | None) -> str:
        """Missing, up to date or differs, by ``current``: the text there, which the caller reads once
        (``current()``) for all it says of the file."""
        return "missing" if current is None else "up to date" if current == self.text else "differs"


class Systemd:
    name = "systemd"

    def __init__(self, installation: units.Installation, environ: Mapping[str, str]) -> None:
        self.installation = installation
        xdg = environ.get("XDG_CONFIG_HOME", "")
        base = xdg if xdg.startswith("/") else os.path.join(_home(environ), ".config")
        self.unit_dir = os.path.join(base, "systemd", "user")

    def files(self) -> list[UnitFile]:
        rendered = units.systemd_units(self.installation)
        return [UnitFile(os.path.join(self.unit_dir, name), text) for name, text in rendered.items()]

    def unreachable(self) -> str | None:
        """Why the user manager cannot be asked, or None when it can."""
        if shutil.which("systemctl") is None:
            return "systemctl is not installed: this system does not run systemd"
        probe = _run(["systemctl", "--user", "show", "--property=Version"])
        if probe.returncode != 0:
            return (
                "systemd's user manager is not running for this user (a container, CI, or "
                f"a session without one: {_first_line(probe)})"
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
        self.home = _home(environ)
        self.plist = os.path.join(self.home, "Library", "LaunchAgents", units.LAUNCHD_PLIST)
        self.domain = f"gui/{os.getuid()}"
        self.target = f"{self.domain}/{units.LAUNCHD_LABEL}"

    def files(self) -> list[UnitFile]:
        return [UnitFile(self.plist, units.launchd_plist(self.installation, self.home))]

    def unreachable(self) -> str | None:
        if shutil.which("launchctl") is None:
            return "launchctl is not installed: launchd runs only on macOS"
        probe = _run(["launchctl", "print", self.domain])
        if probe.returncode != 0:
            return (
                f"launchd has no {self.domain} domain (no one is logged in at the screen, "
                f"e.g. an ssh session): {_first_line(probe)}"
            )
        return None

    def loaded(self) -> bool:
        return shutil.which("launchctl") is not None and _run(["launchctl", "print", self.target]).returncode == 0

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


# -- the three commands ---------------------------------------------------------------


def install(
    manager: Systemd | Launchd, *, dry_run: bool, files_only: bool, environ: Mapping[str, str], out: TextIO = sys.stdout
) -> int:
    files = manager.files()
    installed = {f.path: f.current() for f in files}
    states = {os.path.basename(f.path): f.state(installed[f.path]) for f in files}
    unseen = sorted(k for k in environ if k.startswith("HOOKD_") and k not in SETTINGS_IN_UNITS)
    if unseen:
        print(
            f"note: the service will not see {', '.join(unseen)} from this shell; put those "
            "settings in the config file",
            file=out,
        )
    socket = manager.installation.socket
    fallback = os.path.join(manager.installation.state_dir, "run", "hookd.sock")
    if manager.installation.runtime_dir is None and isinstance(manager, Systemd) and socket == fallback:
        # The unit pins the socket this shell finds; a Claude Code with XDG_RUNTIME_DIR looks elsewhere.
        print(
            f"note: this shell has no XDG_RUNTIME_DIR, so the service serves {socket}; hooks that find "
            "the socket themselves send, from a Claude Code started where XDG_RUNTIME_DIR is set (a "
            "desktop or ssh login), to $XDG_RUNTIME_DIR/hookd/hookd.sock, reaching the service only at "
            f"its inbox sweeps; install them with: hookd hooks install --socket {socket}",
            file=out,
        )
    if dry_run:
        for f in files:
            print(f"# {f.path} ({_would(states[os.path.basename(f.path)])})\n{f.text}", file=out)
        _print_commands("would run", manager.install_commands(states), out)
        return 0
    reason = None if files_only else manager.unreachable()
    manager.prepare()
    for f in files:
        state = states[os.path.basename(f.path)]
        old = userns.namespace_settings([installed[f.path] or ""]) if state == "differs" else []
        if state != "up to date":
            write_atomically(f.path, f.text)
        print(f"{f.path}: {'unchanged' if state == 'up to date' else 'written'}", file=out)
        if old:
            print(f"  it replaces a unit that set {', '.join(old)}, {userns.WHY}; the new one sets none", file=out)
        for path, settings in userns.findings(f.path, None):
            print(f"hookd: {path} sets {', '.join(settings)}, {userns.WHY}; fix: remove them from it", file=sys.stderr)
    commands = manager.install_commands(states)
    if files_only or reason:
        return _not_run(commands, reason, out)
    return _run_all(commands, out)


def uninstall(manager: Systemd | Launchd, *, dry_run: bool, files_only: bool, out: TextIO = sys.stdout) -> int:
    files = [f for f in manager.files() if f.current() is not None]
    before, after = manager.uninstall_commands()
    if dry_run:
        for f in files:
            print(f"would remove {f.path}", file=out)
        _print_commands("would run", before + after if files else [], out)
        return 0
    if not files:
        print(f"hookd's {manager.name} files are not installed; nothing to do", file=out)
        return 0
    reason = None if files_only else manager.unreachable()
    if not (files_only or reason) and _run_all(before, out):
        return 1
    for f in files:
        os.unlink(f.path)
        print(f"{f.path}: removed", file=out)
    print(f"the state directory (spool, inbox) is kept: {manager.installation.state_dir}", file=out)
    if files_only or reason:
        return _not_run(before + after, reason, out)
    return _run_all(after, out)


def status(manager: Systemd | Launchd, out: TextIO = sys.stdout) -> int:
    """Are the files installed and current; what the service manager says of them."""
    hint = {
        "missing": " (run hookd service install)",
        "differs": " (not what this installation renders: run hookd service install)",
    }
    states = []
    for f in manager.files():
        current = f.current()  # once: the state shown, the options named and the exit status agree
        states.append(state := f.state(current))
        print(f"{f.path}: {state}{hint.get(state, '')}", file=out)
        for path, settings in userns.findings(f.path, current):
            fix = "run hookd service install" if path == f.path else "remove them from it"
            print(f"  {path} sets {', '.join(settings)}, {userns.WHY}; fix: {fix}", file=out)
    reason = manager.unreachable()
    if reason:
        print(f"{manager.name}: cannot ask: {reason}", file=out)
    else:
        for command in manager.status_commands():
            result = _run(command)
            print(result.stdout.rstrip() or _first_line(result), file=out)
    return 0 if all(state == "up to date" for state in states) else 1


# -- plumbing -------------------------------------------------------------------------


def _home(environ: Mapping[str, str]) -> str:
    return user_home(environ)  # an absolute $HOME, else the password database's


def write_atomically(path: str, text: str) -> None:
    """Write through a temporary file in the same directory and a rename: never half a file."""
    # 0700 whatever the umask: a unit directory others could write in would let them replace
    # the unit, and so the command the service manager runs as the user
    makedirs_private(os.path.dirname(path))
    replace_file(path, text.encode("utf-8"), 0o644)  # a unit file holds no secret


def _would(state: str) -> str:
    return {"missing": "would create", "differs": "would replace", "up to date": "unchanged"}[state]


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def _first_line(result: subprocess.CompletedProcess[str]) -> str:
    text = (result.stderr or result.stdout).strip()
    return text.splitlines()[0] if text else f"exit status {result.returncode}"


def _print_commands(title: str, commands: list[list[str]], out: TextIO) -> None:
    if commands:
        print(f"{title}:", file=out)
        for command in commands:
            print(f"  {shlex.join(command)}", file=out)


def _not_run(commands: list[list[str]], reason: str | None, out: TextIO) -> int:
    if reason:
        print(
            f"hookd: {reason}; nothing was started or stopped (--files-only does just this without the error).",
            file=sys.stderr,
        )
    _print_commands("run these where the service manager runs" if reason else "to finish, run", commands, out)
    return 1 if reason else 0


def _run_all(commands: list[list[str]], out: TextIO) -> int:
    for command in commands:
        print(f"$ {shlex.join(command)}", file=out)
        result = _run(command)
        if result.returncode != 0:
            print(f"hookd: `{shlex.join(command)}` failed: {_first_line(result)}", file=sys.stderr)
            return 1
    return 0
