"""A daemon that holds the state directory but listens where this shell does not look.

The default sockets follow XDG_RUNTIME_DIR (else state_dir/run), so a hookd started from a shell
without it (ssh, su, cron) and a `hookd status` from a terminal with it (or the other way round)
share the state directory and miss each other's sockets: "not running" there was wrong, and its
advice (`hookd run`) fails on the state directory's lock. The sockets such a daemon has by default
are asked; one that answers with the lock holder's pid is named.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from hookd.config import Config
from hookd.control.client import CannotTell, NotRunning, request


def _candidates(config: Config) -> list[str]:
    """The control sockets a daemon on this state directory has when started without XDG_RUNTIME_DIR,
    or with the usual one, that this shell does not look at."""
    found = [
        os.path.join(config.state_dir, "run", "control.sock"),
        os.path.join(f"/run/user/{os.getuid()}", "hookd", "control.sock"),
    ]
    return [path for path in found if path != config.control_socket]


def _answering(paths: list[str], pid: int) -> str | None:
    for path in paths:
        try:
            status = request(path, "status", timeout_s=1.0)
        except (NotRunning, CannotTell):
            continue
        if isinstance(status, dict) and status.get("pid") == pid:
            return path
    return None


def held_elsewhere(config: Config, offline: Mapping[str, Any]) -> dict[str, Any] | None:
    """The status document for a hookd that holds ``config``'s state directory without answering
    on its control socket, or None when no hookd holds it (or the lock could not be read: on a
    mount that hung, status's reads of the disk, this one among them, are waited for a while only,
    in control/offline.py)."""
    pid = (offline.get("lock") or {}).get("holder")
    if not isinstance(pid, int):
        return None
    control = _answering(_candidates(config), pid) if pid > 0 else None
    who = f"a hookd (pid {pid})" if pid > 0 else "a hookd"
    where = f"it answers on {control}, so it" if control else "it"
    ask = f"`hookd status --socket {os.path.join(os.path.dirname(control), 'hookd.sock')}` asks it; " if control else ""
    error = (
        f"{who} holds the state directory {config.state_dir} but nothing answers on "
        f"{config.control_socket}: {where} was started with another XDG_RUNTIME_DIR, HOOKD_SOCKET or "
        f"--socket than this shell has. Fix: {ask}to have hooks run from this environment reach it "
        "(not only through the inbox), restart it from here, or give both the same socket setting"
    )
    return {
        "running": None,
        "error": error,
        "pid": pid,
        "state_dir": config.state_dir,
        "control_socket": config.control_socket,
        "answers_on": control,
    }


def foreign_runtime_dir(text: str, environ: Mapping[str, str] = os.environ) -> str:
    """A hint for an error about a path under XDG_RUNTIME_DIR when that directory is not this user's:
    a shell from `su` without `-` (or sudo -u) keeps the other user's, and the default sockets follow
    it. "" when that is not the case."""
    runtime = environ.get("XDG_RUNTIME_DIR", "")
    if not runtime.startswith("/") or runtime.rstrip("/") + "/" not in text:
        return ""
    try:
        owner = os.stat(runtime).st_uid
    except OSError:
        return ""
    if owner == os.getuid():
        return ""
    return (
        f"; XDG_RUNTIME_DIR={runtime} belongs to uid {owner}, not to you (uid {os.getuid()}): a shell from "
        "`su` without `-` or `sudo -u` keeps the other user's. Fix: log in as this user (su - or ssh), "
        "or unset XDG_RUNTIME_DIR, or set the socket setting (HOOKD_SOCKET, --socket)"
    )
