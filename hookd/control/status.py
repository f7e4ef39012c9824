"""`hookd status`: ask the daemon, or say it is not running and show what the disk holds.

The document as text is status_text.py.

Exit codes: 0 healthy, 1 degraded or stalled (docs/reliability.md), 2 not running, 3 could not tell (also
while the daemon starts: nothing is served yet).
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any, Callable, TextIO

from hookd.child_read import Answers, NotAnswering
from hookd.config import Config
from hookd.control import verdict
from hookd.control.client import CannotTell, NotRunning, request
from hookd.control.offline import offline
from hookd.control.status_text import render


def gather(config: Config) -> tuple[int, dict[str, Any]]:
    """(exit code, status document) for the daemon this config points at."""
    try:  # a connect's timeout does not bound the lookup of its path, on a mount that hung
        Answers().check(config.control_socket)
    except NotAnswering as exc:
        untold = f"whether hookd runs cannot be told: {exc}"
        return verdict.UNKNOWN, {"running": None, "error": untold, "control_socket": config.control_socket}
    try:
        status = request(config.control_socket, "status")
    except NotRunning as exc:
        answered, document = offline(config, str(exc))  # a disk that does not answer: what waits is not known
        return (verdict.NOT_RUNNING if answered else verdict.UNKNOWN), document
    except CannotTell as exc:
        return verdict.UNKNOWN, {"running": None, "error": str(exc), "control_socket": config.control_socket}
    if isinstance(status, dict) and isinstance(status.get("starting"), dict):
        return starting(config, status)
    if not isinstance(status, dict) or "error" in status:
        error = status.get("error") if isinstance(status, dict) else None
        return verdict.UNKNOWN, {
            "running": None,
            "control_socket": config.control_socket,
            "error": error or "the answer is not a status document",
        }
    try:
        code, reasons = verdict.verdict(status)
        document = {"running": True, "health": verdict.health(status, code), "reasons": reasons, **status}
        render(document, code, color=False)  # a document it cannot show is not a status
    except (KeyError, TypeError, ValueError, AttributeError):
        return verdict.UNKNOWN, {
            "running": None,
            "control_socket": config.control_socket,
            "error": "the answer is not a status document (a daemon of another hookd version?)",
        }
    return code, document


def starting(config: Config, status: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """A daemon answering from its start (daemon/start_answers.py): stalled when the start has made no progress
    for stall_after_s (exit 1), else starting: nothing is served yet, its health not known (exit 3)."""
    reasons = [f"stalled: {reason}" for reason in status.get("stalled") or ()]
    step = status["starting"]
    document = {
        "running": None,
        "health": "stalled" if reasons else "starting",
        "reasons": reasons,
        "error": f"hookd (pid {status.get('pid')}) is starting, for {step.get('for_s')}s: {step.get('doing')} "
        f"({step.get('path')}, on the mount {step.get('mount')}); events are taken once the start ends",
        "control_socket": config.control_socket,
        **status,
    }
    return (verdict.DEGRADED if reasons else verdict.UNKNOWN), document


def run(
    config: Config,
    as_json: bool,
    watch_s: float | None,
    out: TextIO | None = None,
    check: Callable[[int, dict[str, Any]], tuple[int, dict[str, Any]]] | None = None,
) -> int:
    """Print the daemon's status (``watch_s``: again and again); ``check`` may add findings
    of the caller's, such as installed hooks that would miss this daemon."""
    from hookd.terminal.color import enabled

    out = out or sys.stdout
    color = enabled(out)
    while True:
        code, status = gather(config)
        if check is not None:
            code, status = check(code, status)
        text = json.dumps(status) if as_json else render(status, code, color)
        if watch_s is None:
            print(text, file=out)
            return code
        if as_json:  # one document per line and refresh, for a script
            print(text, file=out)
        else:
            out.write("\x1b[H\x1b[2J" + text + f"\n\n(every {watch_s:g}s; Ctrl-C to stop)\n")
        out.flush()
        time.sleep(watch_s)  # Ctrl-C ends it: 130, as for any command
