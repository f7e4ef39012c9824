"""Red team: hostile payloads and frame headers against a real hookd, Redis and `hookd tail`."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import REPO, wait_for_entries

SECRET = "glpat-" + "A1b2C3d4E5f6G7h8I9j0"  # a GitLab token: redacted before and after issue 16


def test_a_secret_in_the_frame_headers_hook_or_project_is_redacted_before_redis(hookd, redis_db):
    """hook= (used when the payload names no hook) and project= come from the sender like the
    body does; a secret in them must not reach Redis (stream, envelope, session index)."""
    body = json.dumps({"session_id": "s-hdr", "note": "nothing here"}).encode()
    header = (f"HOOKD/1 {len(body)} sent=1 pid=1 ppid=1 id=abc hook={SECRET} project=/home/u/{SECRET}\n").encode()
    assert hookd.request(header + body).startswith(b"OK ")
    wait_for_entries(redis_db, 1)
    for key in redis_db.keys("*"):
        kind = redis_db.type(key)
        if kind == b"stream":
            dumped = repr(redis_db.xrange(key))
        elif kind == b"hash":
            dumped = repr(redis_db.hgetall(key))
        elif kind == b"zset":
            dumped = repr(redis_db.zrange(key, 0, -1))
        else:
            dumped = repr(redis_db.get(key)) if kind == b"string" else ""
        assert SECRET not in dumped and SECRET not in key.decode(errors="replace"), key
    envelope = json.loads(redis_db.xrange("hookd:events")[0][1][b"envelope"])
    assert "[REDACTED:" in envelope["hook"] and "[REDACTED:" in envelope["project_dir"]


def test_hookd_tail_shows_a_session_id_s_control_characters_not_their_effect(hookd, redis_db):
    """A payload's session_id reaches the terminal through `hookd tail`: an escape sequence in
    it (clear screen, reset, retitle) must be shown, not sent to the terminal."""
    for session in ("\x1bc\x1b[2J", "\x1b]0;x\x07"):
        body = json.dumps({"hook_event_name": "Stop", "session_id": session}).encode()
        assert hookd.send(body).returncode == 0
    wait_for_entries(redis_db, 2)
    tail = subprocess.run(
        [sys.executable, "-m", "hookd", "tail", "--since", "1h", "--count", "2"],
        env=hookd.env,
        capture_output=True,
        cwd=REPO,
        timeout=30,
    )
    assert tail.returncode == 0, tail.stderr
    lines = tail.stdout.decode().splitlines()
    assert len(lines) == 2 and all("Stop" in line for line in lines), lines
    assert b"\x1b" not in tail.stdout and b"\x07" not in tail.stdout, tail.stdout


def test_hookd_status_shows_hook_names_from_payloads_as_text(hookd, redis_db):
    """The per-hook counts in `hookd status` are named by payloads: an escape sequence must not
    reach the terminal, and a newline must not forge a row of the table."""
    name = "X\x1b]0;pwn\x07\x1bc\nhealth      healthy"
    body = json.dumps({"hook_event_name": name, "session_id": "s"}).encode()
    assert hookd.request(f"HOOKD/1 {len(body)}\n".encode() + body).startswith(b"OK ")
    wait_for_entries(redis_db, 1)
    status = subprocess.run(
        [sys.executable, "-m", "hookd", "status"], env=hookd.env, capture_output=True, cwd=REPO, timeout=30
    )
    assert status.returncode == 0, status.stderr
    assert b"\x1b" not in status.stdout and b"\x07" not in status.stdout, status.stdout
    assert not any(line.startswith(b"health ") for line in status.stdout.splitlines())
