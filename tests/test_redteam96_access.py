"""The ninety-sixth red-team pass (docs/security.md): who gets in or out, what the ninety-second left.

A taken inbox frame with another name (a hard link) is emptied as hookd deletes its own; that count
was only logged, and is shown by `hookd status` now. A frame the user made read-only could not be
opened to be emptied, and went with its raw event still at the other name: it is made 0600 again
through a descriptor hookd holds, then emptied. The spool's reserve linked while whole and idle was
seen only at the next write or start. A Redis password file was judged by path and read by path
again: it is judged by the descriptor it is read through.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import tempfile


from conftest import wait_for_entries, wait_until
from hookd.ingest.inbox_files import remove_each
from other_user import NOBODY, needs_root, run_as_nobody

SECRET = "AKIAIOSFODNN7EXAMPLE"


def body(n: int) -> bytes:
    return json.dumps({"hook_event_name": "PreToolUse", "session_id": f"s{n}", "tool_input": SECRET}).encode()


def test_status_counts_the_inbox_files_emptied_for_another_name(hookd_factory, redis_db):
    from hookd.control.status import gather
    from hookd.control.status_text import render

    daemon = hookd_factory(start=False)
    daemon.send(body(0))
    (frame,) = daemon.inbox()
    os.link(frame, daemon.base / "copy.hookd")
    daemon.start()
    wait_for_entries(redis_db, 1)
    wait_until(lambda: daemon.inbox() == [], timeout=60, what="the inbox file deleted")
    code, status = gather(daemon.config)
    assert status["inbox"]["linked"] == 1, status["inbox"]
    inbox_row = [line for line in render(status, code, color=False).splitlines() if "inbox" in line]
    assert any("1 linked file emptied" in line for line in inbox_row), inbox_row


def _read_only_frame_emptied(base: str) -> dict:
    """As the user (nobody): an inbox with one frame made 0400 and a second name of it; the frame
    taken and deleted -> what the other name holds and its mode."""
    inbox = os.path.join(base, "inbox")
    os.mkdir(inbox, 0o700)
    frame, copy = os.path.join(inbox, "a.hookd"), os.path.join(base, "a-copy")
    with open(frame, "wb") as fh:
        fh.write(b"HOOKD/1 20\n" + SECRET.encode())
    os.chmod(frame, 0o400)
    os.link(frame, copy)
    fd = os.open(inbox, os.O_RDONLY | os.O_DIRECTORY)
    try:
        failed, linked = remove_each([(frame, fd)])
    finally:
        os.close(fd)
    with open(copy, "rb") as fh:
        return {
            "failed": [str(e) for _, e in failed],
            "linked": linked,
            "left": os.listdir(inbox),
            "copy": fh.read().decode(),
            "mode": stat.S_IMODE(os.stat(copy).st_mode),
        }


@needs_root
def test_a_frame_the_user_made_read_only_is_emptied_too():
    # As root every file opens for writing; the user's hookd (nobody here) is the one a 0400 frame stopped.
    base = tempfile.mkdtemp(prefix="h96-")
    try:
        os.chown(base, NOBODY, NOBODY)
        got = run_as_nobody(_read_only_frame_emptied, base)
    finally:
        shutil.rmtree(base)
    frame = os.path.join(base, "inbox", "a.hookd")
    assert got == {"failed": [], "linked": [[frame, 1]], "left": [], "copy": "", "mode": 0o600}, got


# A password file swapped for another at the moment it is opened (an audit hook on the open does
# the swap, as a racing rename would): the file read must be the file judged.
SWAP_AT_OPEN = r"""
import os, sys
from hookd.config_errors import SettingError
from hookd.publish.access import read_password_file
path, other = sys.argv[1], sys.argv[2]
swapped = []
def swap(event, args):
    if event == "open" and not swapped and args and args[0] == path:
        swapped.append(path)
        os.rename(other, path)
sys.addaudithook(swap)
try:
    print("read", read_password_file(path))
except SettingError as exc:
    print("refused", exc)
print("swapped", len(swapped))
"""


def test_a_password_file_swapped_at_its_open_is_judged_as_opened(tmp_path):
    import subprocess
    import sys

    path, other = tmp_path / "password", tmp_path / "other"
    path.write_text("judged\n")
    path.chmod(0o600)
    other.write_text("swapped-in\n")
    other.chmod(0o644)  # open to other users: refused as a password file
    done = subprocess.run([sys.executable, "-c", SWAP_AT_OPEN, str(path), str(other)], capture_output=True, timeout=60)
    out = done.stdout.decode()
    assert done.returncode == 0 and out.endswith("swapped 1\n"), (out, done.stderr.decode())
    assert out.startswith(f"refused redis_password_file {path} is open to other users"), out
    assert "swapped-in" not in out


def _reserve_taken_back(copy) -> bool:
    info = copy.stat()
    return (info.st_size, info.st_blocks) == (0, 0)


def test_a_reserve_linked_while_whole_and_idle_is_left_when_events_move(hookd_factory, redis_db):
    daemon = hookd_factory()
    reserve, copy = daemon.state_dir / "spool" / "reserve", daemon.base / "reserve-copy"
    os.link(reserve, copy)  # whole (1 MiB), the disk not full: nothing writes it
    daemon.send(body(0))
    wait_for_entries(redis_db, 1)
    wait_until(lambda: _reserve_taken_back(copy), timeout=60, what="the other name emptied")
    wait_until(lambda: reserve.stat().st_size == 1 << 20, timeout=60, what="a new reserve refilled")
    assert reserve.stat().st_nlink == 1 and reserve.stat().st_ino != copy.stat().st_ino
    assert "spool_reserve_linked" in daemon.log_text()


def test_a_reserve_linked_while_idle_does_not_stop_the_next_start(hookd_factory, redis_db):
    daemon = hookd_factory()
    reserve, copy = daemon.state_dir / "spool" / "reserve", daemon.base / "reserve-copy"
    os.link(reserve, copy)
    assert daemon.stop() == 0
    assert reserve.stat().st_nlink == 1 and _reserve_taken_back(copy), "the stop left a linked reserve"
    daemon.start()  # before: refused, `spool/reserve has 2 names (hard links)`
    daemon.send(body(1))
    wait_for_entries(redis_db, 1)
