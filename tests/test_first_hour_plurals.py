"""Counts a newcomer reads in `hookd status` and `hooks install`: "1 event", "2 events", never
"1 events". A real daemon's status document, every count in it set to 0, 1 and 2 in turn, with the
rows shown only once a count is there (work, frames, a dropped log line, the spare inbox) present."""

from __future__ import annotations

import copy
import re
import subprocess
import sys
from typing import Any

import pytest

from conftest import REPO

from hookd.control import verdict
from hookd.control.client import request
from hookd.control.status_text import render

# "1 events", "1 more inbox files", "1 installed hook groups": a 1 before a noun in the plural.
ONE_PLURAL = re.compile(
    r"(?<![\w.,/:=-])1 (?:more |such |installed |internal |log |session index )*"
    r"(events|batches|failures|losses|connections|times|lines|samples|fds|threads|files|"
    r"keys|errors|groups|strings|segments|handlers)\b"
)
TWO_SINGULAR = re.compile(
    r"(?<![\w.,/:=-])2 (?:more |such |installed |internal |log |session index )*"
    r"(event|batch|failure|loss|connection|time|line|sample|fd|thread|file|key|error|group|"
    r"string|segment|handler)\b(?! \w+s\b)"
)


def with_counts(value: Any, n: int) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return n
    if isinstance(value, dict):
        return {k: with_counts(v, n) for k, v in value.items()}
    if isinstance(value, list):
        return [with_counts(v, n) for v in value]
    return value


def shown(document: dict[str, Any], n: int) -> str:
    doc = with_counts(copy.deepcopy(document), n)
    # The rows a count brings: present in every round, so 0 shows what a newcomer sees too.
    doc["work"] = {"over_budget": n, "worker_failed": n}
    doc["pending_frames"] = {"bytes": 10, "limit": 100, "connections": n, "waiting": n, "pauses": n}
    doc["logging"] = {"file": None, "stderr_error": None, "dropped": n, "blocked_s": 0}
    doc["inbox"].update({"spare": "/tmp/spare", "spare_events": n, "spare_problem": "owned by uid 7"})
    doc["inbox"]["unreadable_count"] = doc["inbox"]["not_removed_count"] = n + verdict.MAX_NAMED_FILES
    doc["spool"].update({"dropped": n, "redacted_on_publish": {"events": n, "error": "ENOSPC"}})
    doc["counters"].update({"skipped_unsent": n, "published": n, "batches": n})
    doc["latency_ms"] = {"publish": {"samples": n, "p50": 1, "p95": 1, "p99": 1}}
    doc["http"] = {"addr": "127.0.0.1:9", "connections": n, "by_status": {}, "refused": {}}
    doc["tasks"] = {"callback_errors": n}
    doc["redis"].update({"state": "down", "last_error": "refused", "down_for_s": 3, "lost": ["gone"] * n})
    doc["breaker"].update({"state": "open", "failures": n, "next_attempt_in_s": 1.0})
    code, reasons = verdict.verdict(doc)
    doc["reasons"] = reasons
    running = render(doc, code, color=False)
    offline = {
        "running": False,
        "error": "no socket",
        "spool": {"events": n, "bytes": n, "oldest_received_at": None},
        "inbox": {"events": n},
        "state_dir": "/tmp/state",
    }
    return running + "\n" + render(offline, verdict.NOT_RUNNING, color=False)


def test_status_counts_0_1_and_2_read_as_english(hookd):
    document = request(str(hookd.socket.parent / "control.sock"), "status")
    document = {"running": True, "health": "healthy", "reasons": [], **document}
    texts = {n: shown(document, n) for n in (0, 1, 2)}
    assert "0 events waiting" in texts[0] and "2 events waiting" in texts[2], texts[2]
    assert "1 event waiting" in texts[1] and "1 event spooled" in texts[1], texts[1]
    assert "in 1 batch," in texts[1] and "1 connection" in texts[1], texts[1]
    for n in (0, 1, 2):
        assert not ONE_PLURAL.findall(texts[n]), (n, ONE_PLURAL.findall(texts[n]), texts[n])
        assert not TWO_SINGULAR.findall(texts[n]), (n, TWO_SINGULAR.findall(texts[n]), texts[n])


@pytest.mark.parametrize("events, said", [("Stop", "1 event"), ("Stop,SessionStart", "2 events")])
def test_hooks_install_counts_its_events(tmp_path, events, said):
    env = {
        "HOME": str(tmp_path),
        "PATH": "/usr/bin:/bin",
        "HOOKD_STATE_DIR": str(tmp_path / "state"),
        "HOOKD_HOOK_CLIENT": "python",
    }
    settings = tmp_path / "settings.json"
    args = [sys.executable, "-m", "hookd", "hooks", "install", "--settings", str(settings), "--events", events]
    first = subprocess.run(args, capture_output=True, text=True, env=env, cwd=REPO, timeout=60)
    again = subprocess.run(args, capture_output=True, text=True, env=env, cwd=REPO, timeout=60)
    assert first.returncode == 0 and f"command mode, {said}" in first.stdout, first
    assert f"command mode, {said});" in again.stdout, again
    status = subprocess.run(
        [sys.executable, "-m", "hookd", "hooks", "status", "--settings", str(settings)],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=60,
    )
    assert f"mode, {said}:" in status.stdout, status
