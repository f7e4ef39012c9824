"""`hookd status` with hookd stopped counts the spare inbox too: hook-send keeps events there when the
inbox cannot be written (a read-only home, a full disk, an inbox that is not the user's), and the
status read "0 events waiting" beside them."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import CLIENT_ARGV, REPO


def test_a_stopped_hookds_status_counts_the_spare_inbox(tmp_path):
    state, elsewhere = tmp_path / "state", tmp_path / "elsewhere"
    state.mkdir(mode=0o700)
    elsewhere.mkdir(mode=0o700)
    os.symlink(elsewhere, state / "inbox")  # refused by hook-send: a symbolic link
    env = {
        "HOME": str(tmp_path),
        "PATH": "/usr/bin:/bin",
        "HOOKD_STATE_DIR": str(state),
        "HOOKD_SOCKET": str(tmp_path / "none.sock"),
        "HOOKD_SPARE_INBOX": str(tmp_path / "spare"),
    }
    body = json.dumps({"hook_event_name": "Stop", "session_id": "s-spare"}).encode()
    sent = subprocess.run([*CLIENT_ARGV, "Stop"], input=body, capture_output=True, env=env, timeout=30)
    assert sent.returncode == 0 and sent.stdout == b"" and b"event kept in" in sent.stderr, sent
    status = [sys.executable, "-m", "hookd", "status"]
    shown = subprocess.run(status, capture_output=True, text=True, env=env, cwd=REPO, timeout=60)
    assert shown.returncode == 2, shown
    assert f"spare inbox  {tmp_path / 'spare'}: 1 event waiting" in shown.stdout, shown.stdout
    document = subprocess.run([*status, "--json"], capture_output=True, text=True, env=env, cwd=REPO, timeout=60)
    assert json.loads(document.stdout)["inbox"]["spare_events"] == 1, document.stdout
