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
import sys
from collections.abc import Mapping
from typing import TextIO

from hookd.paths import UnsafePathError, makedirs_private, ours_or_roots, replace_file
from hookd.service import userns
from hookd.service.managers import Launchd, Systemd, first_line, run

ENABLE_HINT = "hookd.socket and hookd.service"
SETTINGS_IN_UNITS = {"HOOKD_SOCKET", "HOOKD_CONTROL_SOCKET", "HOOKD_STATE_DIR", "HOOKD_CONFIG"}


# -- the three commands ---------------------------------------------------------------


def install(
    manager: Systemd | Launchd,
    *,
    dry_run: bool,
    files_only: bool,
    environ: Mapping[str, str],
    out: TextIO | None = None,
) -> int:
    out = sys.stdout if out is None else out  # the stdout of the call, not of the import
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


def uninstall(manager: Systemd | Launchd, *, dry_run: bool, files_only: bool, out: TextIO | None = None) -> int:
    out = sys.stdout if out is None else out  # the stdout of the call, not of the import
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


def status(manager: Systemd | Launchd, out: TextIO | None = None) -> int:
    """Are the files installed and current; what the service manager says of them."""
    out = sys.stdout if out is None else out  # the stdout of the call, not of the import
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
            result = run(command)
            print(result.stdout.rstrip() or first_line(result), file=out)
    return 0 if all(state == "up to date" for state in states) else 1


# -- plumbing -------------------------------------------------------------------------


def write_atomically(path: str, text: str) -> None:
    """Write through a temporary file in the same directory and a rename: never half a file."""
    # 0700 whatever the umask: a unit directory others could write in would let them replace
    # the unit, and so the command the service manager runs as the user
    directory = os.path.dirname(path)
    makedirs_private(directory)
    info = os.stat(directory)
    if not ours_or_roots(info):
        # As a settings file's folder (hooks/settings_write.py): a unit made there would be theirs to
        # replace, and the service manager of that user, not this one's, would read it.
        raise UnsafePathError(
            f"{directory} belongs to uid {info.st_uid}, not to you (uid {os.getuid()}): hookd does not write "
            f"a unit file in another user's folder: run this as the user it belongs to, or set HOME to your "
            f"own home; {path} was not written"
        )
    replace_file(path, text.encode("utf-8"), 0o644)  # a unit file holds no secret


def _would(state: str) -> str:
    return {"missing": "would create", "differs": "would replace", "up to date": "unchanged"}[state]


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
        result = run(command)
        if result.returncode != 0:
            print(f"hookd: `{shlex.join(command)}` failed: {first_line(result)}", file=sys.stderr)
            return 1
    return 0
