"""hook-send's memory is bounded whatever arrives on stdin (fourteenth red-team pass, docs/security.md).

Both clients held all of stdin until their deadline: /dev/zero grew them to hundreds of MB. They
now hold at most HOOKD_MAX_EVENT_BYTES + 1 bytes (hookd's max_event_bytes, 8 MiB by default),
read the rest without holding it, and hand on a small marker in place of the payload, which
hookd counts (status counters.withheld) and publishes. Peak memory is the real process's
(wait4's ru_maxrss), a behaviour, never a time.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import BARE_PYTHON, log_records, wait_for_entries
from hookd.ingest.protocol import Rejected, parse_header
from test_client import env, inbox_files, sockdir  # noqa: F401 -- env and sockdir are fixtures

MiB = 1 << 20
LIMIT = 8 * MiB  # hookd's max_event_bytes and hook-send's default
# Far under what the clients held before: 230 MB (both) at a 1000 ms deadline with /dev/zero,
# and a 64 MiB file held whole (the Python client twice). Now about 18 MB (Python) and 10 MB (C).
RSS_BOUND = 48 * MiB
WHY = "the payload was over max_event_bytes, so hook-send did not keep it"


# Runs argv[2:] and writes its peak RSS in KiB into the file argv[1]; exits with its status. The
# child is forked from this small interpreter, not from pytest: Linux counts the RSS a process had
# before exec() in its ru_maxrss, and pytest's would hide the client's.
MEASURE = (
    "import os,sys\n"
    "pid=os.fork()\n"
    "if pid==0:\n os.execv(sys.argv[2],sys.argv[2:])\n"
    "_,status,usage=os.wait4(pid,0)\n"
    "open(sys.argv[1],'w').write(str(usage.ru_maxrss))\n"
    "sys.exit(os.waitstatus_to_exitcode(status))\n"
)


def run_measured(cmd: list[str], env: dict[str, str], stdin_path: str, tmp: Path) -> tuple[int, bytes, bytes, int]:
    """Run a hook-send with this file as stdin -> (exit code, stdout, stderr, peak RSS in bytes)."""
    rss = tmp / "rss"
    with open(stdin_path, "rb") as stdin:
        done = subprocess.run(
            [BARE_PYTHON, "-I", "-S", "-c", MEASURE, str(rss), *cmd, "PostToolUse"],
            stdin=stdin,
            capture_output=True,
            env=env,
            timeout=60,
        )
    return done.returncode, done.stdout, done.stderr, int(rss.read_text()) * 1024  # KiB on Linux


def kept_frame(state_dir: str) -> tuple[bytes, dict]:
    """The one frame in the inbox -> (its header line, its body as JSON)."""
    files = inbox_files(state_dir)
    assert len(files) == 1, files
    header, _, body = files[0].read_bytes().partition(b"\n")
    return header, json.loads(body)


def payload(size: int, **first: str) -> bytes:
    """A hook event of about ``size`` bytes whose names come first, as Claude Code writes them."""
    head = {"session_id": "s-big", "transcript_path": "/t.jsonl", "hook_event_name": "PostToolUse", **first}
    body = json.dumps({**head, "tool_response": ""}).encode()
    return body[:-2] + b"x" * max(size - len(body), 0) + b'"}'


@pytest.fixture(scope="module")
def big_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("big") / "event.json"
    path.write_bytes(payload(64 * MiB))
    return path


def test_dev_zero_on_stdin_keeps_hook_send_small_and_hands_on_a_marker(client_cmd, env, tmp_path):
    env = {**env, "HOOKD_SEND_TIMEOUT_MS": "1000", "HOOKD_INBOX_FSYNC": "0"}  # no daemon: the inbox keeps it
    code, out, err, rss = run_measured(client_cmd, env, "/dev/zero", tmp_path)
    assert (code, out) == (0, b"")
    assert rss < RSS_BOUND, f"peak RSS {rss / MiB:.1f} MiB"
    header, marker = kept_frame(env["HOOKD_STATE_DIR"])
    assert b" withheld=too_large hook=PostToolUse" in header
    withheld = marker.pop("hookd_withheld")
    assert marker == {}  # no names in zeros
    assert withheld["reason"] == "too_large" and withheld["stdin_ended"] is False
    assert withheld["bytes"] > LIMIT and withheld["max_event_bytes"] == LIMIT
    line = f"hook-send: event over HOOKD_MAX_EVENT_BYTES={LIMIT} ({withheld['bytes']} bytes read, stdin not ended)"
    assert err.decode().startswith(line), err


def test_a_large_file_on_stdin_is_not_held_and_its_marker_names_it(client_cmd, env, tmp_path, big_file):
    env = {**env, "HOOKD_INBOX_FSYNC": "0"}
    code, out, err, rss = run_measured(client_cmd, env, str(big_file), tmp_path)
    assert (code, out) == (0, b"")
    assert rss < RSS_BOUND, f"peak RSS {rss / MiB:.1f} MiB"
    _, marker = kept_frame(env["HOOKD_STATE_DIR"])
    size = big_file.stat().st_size
    assert marker == {
        "hook_event_name": "PostToolUse",
        "session_id": "s-big",
        "hookd_withheld": {
            "reason": "too_large",
            "bytes": size,
            "stdin_ended": True,
            "max_event_bytes": LIMIT,
            "why": WHY,
        },
    }
    assert f"({size} bytes): its payload dropped, a too_large marker handed on in its place;" in err.decode()


@pytest.mark.parametrize(
    "first, named",
    [
        ({}, {"hook_event_name": "PostToolUse", "session_id": "s-big"}),
        ({"hook_event_name": "Not a word"}, {"session_id": "s-big"}),  # only a plain word is copied
        ({"session_id": "s" * 129}, {"hook_event_name": "PostToolUse"}),
        ({"session_id": 'a"b'}, {"hook_event_name": "PostToolUse"}),
    ],
)
def test_both_clients_write_the_same_marker(native_client, env, tmp_path, first, named):
    from conftest import CLIENT_ARGV

    body = tmp_path / "event.json"
    body.write_bytes(payload(3000, **first).replace(b'": ', b'" :  ', 1))  # JSON's blanks around the colon
    env = {**env, "HOOKD_INBOX_FSYNC": "0", "HOOKD_MAX_EVENT_BYTES": "2048"}
    markers = []
    for name, cmd in (("python", CLIENT_ARGV), ("native", [native_client])):
        state = str(tmp_path / name)
        code, out, err, _ = run_measured(cmd, {**env, "HOOKD_STATE_DIR": state}, str(body), tmp_path)
        assert (code, out) == (0, b""), err
        markers.append(kept_frame(state)[1])
        assert markers[-1] == {
            **named,
            "hookd_withheld": {
                "reason": "too_large",
                "bytes": len(body.read_bytes()),
                "stdin_ended": True,
                "max_event_bytes": 2048,
                "why": WHY,
            },
        }
    assert markers[0] == markers[1]


def test_an_event_over_the_limit_reaches_the_stream_as_a_counted_marker(hookd, redis_db, client_cmd):
    from hookd.control.client import request
    from hookd.control.status_text import render

    body = payload(9 * MiB)
    done = subprocess.run([*client_cmd, "PostToolUse"], input=body, capture_output=True, timeout=30, env=hookd.env)
    assert (done.returncode, done.stdout) == (0, b"")
    assert b"its payload dropped, a too_large marker handed on in its place" in done.stderr
    (entry,) = wait_for_entries(redis_db, 1)
    envelope = json.loads(entry[b"envelope"])
    assert envelope["hook"] == "PostToolUse" and envelope["session_id"] == "s-big"
    assert envelope["payload"]["hookd_withheld"]["reason"] == "too_large"
    assert envelope["payload"]["hookd_withheld"]["bytes"] == len(body)
    assert b"xxxx" not in entry[b"envelope"] and hookd.inbox() == []
    # The same marker by way of the inbox (the socket not found), which hookd sweeps
    away = {**hookd.env, "HOOKD_SOCKET": str(hookd.base / "absent" / "hookd.sock")}
    done = subprocess.run([*client_cmd, "Stop"], input=payload(9 * MiB), capture_output=True, timeout=30, env=away)
    assert (done.returncode, done.stdout) == (0, b"")
    entries = wait_for_entries(redis_db, 2)
    assert json.loads(entries[1][b"envelope"])["payload"]["hookd_withheld"]["reason"] == "too_large"
    control = hookd.env.get("HOOKD_CONTROL_SOCKET") or str(hookd.socket.parent / "control.sock")
    status = request(control, "status", timeout_s=10)
    counters = status["counters"]
    assert counters["withheld"] == {"too_large": 2} and counters["rejected"] == {}
    document = {"running": True, "health": "ok", "reasons": [], **status}  # as status.gather makes it
    assert "withheld    too_large 2: payloads the sender dropped, markers kept" in render(document, 0, color=False)
    lines = [r for r in log_records(hookd.log_text()) if r.get("event") == "event_payload_withheld"]
    assert len(lines) == 2 and {r["reason"] for r in lines} == {"too_large"} and lines[0]["by"] == "sender"


def test_the_hook_command_carries_a_max_event_bytes_that_is_not_the_default(hookd_factory, redis_db):
    daemon = hookd_factory(max_event_bytes="4096")
    printed = subprocess.run(
        [sys.executable, "-m", "hookd", "print-hook-command", "Stop"],
        env=daemon.env,
        capture_output=True,
        text=True,
        timeout=30,
    ).stdout.strip()
    assert "HOOKD_MAX_EVENT_BYTES=4096" in shlex.split(printed)
    claude = {k: v for k, v in daemon.env.items() if k != "HOOKD_MAX_EVENT_BYTES"}  # as Claude Code's may be
    sizes = (4096, 4097)
    for size in sizes:
        done = subprocess.run(
            ["/bin/sh", "-c", printed], input=payload(size), capture_output=True, timeout=30, env=claude
        )
        assert done.returncode == 0 and done.stdout == b""
    first, second = (json.loads(e[b"envelope"]) for e in wait_for_entries(redis_db, 2))
    assert "tool_response" in first["payload"] and "hookd_withheld" not in first["payload"]
    assert second["payload"]["hookd_withheld"]["bytes"] == 4097
    assert second["payload"]["hookd_withheld"]["max_event_bytes"] == 4096


def test_the_header_says_why_a_body_is_a_marker():
    line = b"HOOKD/1 2 sent=1 pid=2 ppid=3 id=abc withheld=too_large hook=Stop"
    assert parse_header(line).withheld == "too_large"
    assert parse_header(line.replace(b" withheld=too_large", b"")).withheld is None
    with pytest.raises(Rejected, match="withheld="):
        parse_header(line.replace(b"too_large", b"Too%20large"))


def test_a_reason_hook_send_does_not_send_is_counted_as_other(hookd, redis_db):
    from hookd.control.client import request

    body = b'{"hook_event_name":"Stop","session_id":"s"}'
    for reason in (b"made_up", b"another_one"):
        assert hookd.request(b"HOOKD/1 %d withheld=%s\n" % (len(body), reason) + body).startswith(b"OK ")
    control = hookd.env.get("HOOKD_CONTROL_SOCKET") or str(hookd.socket.parent / "control.sock")
    assert request(control, "status", timeout_s=10)["counters"]["withheld"] == {"other": 2}
