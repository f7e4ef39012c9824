"""hook-send (Python) lost an event without a word when its state directory lay under a symbolic
link to nothing (a dotfile manager's link whose target is gone) or in /proc: mkdir answered ENOENT
with the parent there, `_makedirs` made the parent and tried again without end, and the
RecursionError, no OSError, went past both inboxes to main's catch-all, which said it only under
HOOKD_DEBUG=1. The native client took the spare inbox and said why; both do now, and an unexpected
error that leaves the event neither acknowledged nor kept is said on stderr like any other loss.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import CLIENT

BODY = b'{"hook_event_name":"Stop","session_id":"rt32"}'


def clean_env(tmp_path: Path, **more: str) -> dict[str, str]:
    private = tmp_path / "run"
    private.mkdir(mode=0o700, exist_ok=True)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "HOOKD_SOCKET": str(private / "nothing.sock"),  # no daemon: the event goes to an inbox
        "HOOKD_SPARE_INBOX": str(tmp_path / "spare"),
        "HOOKD_SEND_TIMEOUT_MS": "5000",
    }
    env.update(more)
    return env


def test_a_state_directory_under_a_link_to_nothing_sends_the_event_to_the_spare_inbox(client_cmd, tmp_path):
    (tmp_path / "state").symlink_to(tmp_path / "gone")
    state = tmp_path / "state" / "hookd"
    proc = subprocess.run(
        client_cmd, input=BODY, env=clean_env(tmp_path, HOOKD_STATE_DIR=str(state)), capture_output=True, timeout=30
    )
    assert proc.returncode == 0 and proc.stdout == b""
    (kept,) = (tmp_path / "spare").glob("*.hookd")
    assert kept.read_bytes().endswith(BODY)
    (line,) = proc.stderr.decode().splitlines()
    assert line == f"hook-send: cannot write to {state}/inbox (ENOENT); event kept in {kept}"


INJECTED = """
import sys
sys.path[:0] = [sys.argv[1]]
import hook_send

def keep(*args):
    raise RuntimeError("no inbox today")

hook_send.keep = keep
hook_send.exit_after_main()
"""


@pytest.mark.parametrize("debug", ["0", "1"])
def test_an_unexpected_error_with_the_event_in_hand_is_said_whatever_hookd_debug_says(tmp_path, debug):
    env = clean_env(tmp_path, HOOKD_STATE_DIR=str(tmp_path / "state"), HOOKD_DEBUG=debug)
    argv = [sys.executable, "-I", "-S", "-c", INJECTED, str(CLIENT.parent)]
    proc = subprocess.run(argv, input=BODY, env=env, capture_output=True, timeout=30)
    assert proc.returncode == 0 and proc.stdout == b""
    lines = proc.stderr.decode().splitlines()
    assert lines[-1] == (
        "hook-send: event lost: unexpected RuntimeError: no inbox today; "
        "fix: run it again with HOOKD_DEBUG=1 and report what it says"
    ), lines
