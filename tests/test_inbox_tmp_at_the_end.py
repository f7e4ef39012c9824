"""An inbox file hook-send is writing when SIGTERM or its deadline ends the run: kept whole, or removed.

The end's handler renamed the temporary file only once the run had noted it written whole, a note
made after the write. A SIGTERM or deadline that comes during a large write runs the handler as the
write returns, before that note: the file, whole, was left under its temporary name, the run said
"event lost", and a minute later hookd's abandoned-file rule took it (an event said lost reached the
stream; a part of one was set aside in inbox/rejected/). Now the handler looks at the file itself:
whole, it is renamed into the inbox (kept, nothing said); not whole, it is removed (said lost). Both
clients (client_cmd); the files are then swept by a real `hookd run`.
"""

from __future__ import annotations

import ctypes
import json
import os
import select
import signal
import subprocess
from pathlib import Path

import pytest
from conftest import wait_for_entries, wait_until
from handoff_helpers import frame_head, published_handoff, write_inbox_file

pytestmark = pytest.mark.process

IN_CREATE = 0x100
BODY_BYTES = 24 << 20  # a write long enough that the signal comes during it


def created(fd: int, timeout: float) -> list[str]:
    """Names of files created in the watched directory, waiting up to ``timeout`` for the first."""
    if not select.select([fd], [], [], timeout)[0]:
        return []
    data, names, at = os.read(fd, 65536), [], 0
    while at < len(data):
        length = int.from_bytes(data[at + 12 : at + 16], "little")
        names.append(data[at + 16 : at + 16 + length].rstrip(b"\0").decode())
        at += 16 + length
    return names


def test_sigterm_during_the_inbox_write_leaves_no_temporary_file(hookd_process_factory, redis_db, client_cmd, tmp_path):
    daemon = hookd_process_factory(start=False, max_event_bytes=str(32 << 20), work_budget_ms="20000")
    box = daemon.state_dir / "inbox"
    box.mkdir(parents=True, mode=0o700)
    daemon.state_dir.chmod(0o700)
    libc = ctypes.CDLL(None, use_errno=True)
    watch = libc.inotify_init1(os.O_CLOEXEC)
    assert watch >= 0 and libc.inotify_add_watch(watch, str(box).encode(), IN_CREATE) >= 0
    err = tmp_path / "err"
    payload = b'{"hook_event_name":"Stop","session_id":"big","pad":"' + b"p" * BODY_BYTES + b'"}'
    try:
        with open(err, "wb") as e:
            proc = subprocess.Popen(
                [*client_cmd, "Stop"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=e,
                env={
                    **daemon.env,  # hookd not started: the socket is absent, the event goes to the inbox
                    "HOOKD_SEND_TIMEOUT_MS": "30000",
                    "HOOKD_MAX_EVENT_BYTES": str(32 << 20),
                },
            )
        try:
            proc.stdin.write(payload)
            proc.stdin.close()
            names = created(watch, 20)
            assert any(n.startswith(".tmp-") for n in names), names
            proc.send_signal(signal.SIGTERM)  # while the file is written (or, at the latest, made durable)
            out = proc.stdout.read()
            code = proc.wait(20)
        finally:
            proc.kill()
            proc.wait()
    finally:
        os.close(watch)
    assert (code, out) == (0, b"")
    left = sorted(p.name for p in box.iterdir())
    assert not [n for n in left if n.startswith(".")], left  # no temporary file for a sweep to guess at
    lines = err.read_text(errors="replace").splitlines()
    if left:  # whole: kept, and nothing to say
        assert len(left) == 1 and lines == [], (left, lines)
    else:  # not whole: removed, and said lost
        assert len(lines) == 1 and lines[0].startswith("hook-send: event lost: ended by SIGTERM"), lines
    daemon.start()
    if left:
        wait_for_entries(redis_db, 1, timeout=60)
    wait_until(lambda: not list(box.glob("*.hookd")), timeout=60, what="the inbox swept")
    assert redis_db.xlen("hookd:events") == len(left)
    assert not Path(box / "rejected").exists() or not list((box / "rejected").iterdir())


def test_a_whole_temporary_file_a_killed_hook_send_left_is_not_a_second_event(hookd_process_factory, redis_db):
    """SIGKILL has no handler: a hook-send killed between writing its inbox file whole and renaming it
    leaves the file under its temporary name, and its event may have reached hookd by the socket too
    (handed whole, not yet answered). The sweep takes such a file once it is a minute old; hookd
    remembered hand-off ids for a minute, so the copy came through as a second event. Written here as
    the killed client leaves it, just after the socket copy was taken. The minute and the three
    minutes of memory are scaled down together (tests/process_site, HOOKD_TEST_ABANDONED_TMP_S):
    with a memory as long as the wait ("3,3") the copy still comes through as a second event."""
    daemon = hookd_process_factory(start=False)
    daemon.env["HOOKD_TEST_ABANDONED_TMP_S"] = "3,9"
    daemon.start()
    payload = b'{"hook_event_name":"Stop","session_id":"killed-client"}'
    handoff = published_handoff(daemon, redis_db, payload)
    write_inbox_file(daemon.state_dir / "inbox" / f".tmp-{handoff}", frame_head(handoff, payload) + payload)
    wait_until(
        lambda: not [p for p in (daemon.state_dir / "inbox").iterdir() if p.name.startswith(".")],
        timeout=150,
        interval=0.5,
        what="the abandoned temporary file taken",
    )
    daemon.send_stop("after")  # its entry follows the copy's, were the copy published
    entries = wait_for_entries(redis_db, 3)
    assert [e[b"session"] for e in entries] == [b"before", b"killed-client", b"after"]


def _abandoned(daemon, handoff: str, payload: bytes, keep: int) -> Path:
    """An inbox file a killed hook-send left after ``keep`` bytes of its body, as a sweep that then
    stopped had claimed it (.abandoned-<id>: taken at the next sweep, without the minute's wait)."""
    path = daemon.state_dir / "inbox" / f".abandoned-{handoff}"
    write_inbox_file(path, frame_head(handoff, payload) + payload[:keep])
    return path


def test_a_cut_off_copy_of_an_event_hookd_has_is_removed_not_set_aside(hookd_process, redis_db):
    """A hook-send killed mid-write leaves part of a frame; when the event reached hookd by the socket
    (its hand-off id is known), that part is a copy of an event hookd has: removed, not refused as
    not_json and kept in inbox/rejected/. One whose event hookd does not have is still set aside (a
    guard: the trace of a lost event stays)."""
    daemon = hookd_process
    payload = b'{"hook_event_name":"Stop","session_id":"cut-copy"}'
    assert daemon.send(payload, "Stop").returncode == 0
    entries = wait_for_entries(redis_db, 1)
    handoff = json.loads(entries[0][b"envelope"])["client"]["handoff_id"]
    copy = _abandoned(daemon, handoff, payload, 20)
    unknown = _abandoned(daemon, "0123456789abcdef", payload, 20)
    rejected = daemon.state_dir / "inbox" / "rejected"
    wait_until(lambda: not copy.exists() and not unknown.exists(), timeout=30, what="both files swept")
    assert sorted(p.name for p in rejected.iterdir()) == ["abandoned-0123456789abcdef"]
    assert [fields[b"session"] for fields in wait_for_entries(redis_db, 1)] == [b"cut-copy"]
