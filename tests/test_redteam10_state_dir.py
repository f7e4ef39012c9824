"""Red team, tenth pass: hookd's own directories held open, so that one swapped in gets nothing.

The ninth pass made `hookd status` name a state directory opened to others, or a spool moved
aside and replaced by another user's, but hookd went on using them by path: it wrote its
cursor, and made its next segment, in the directory uid 65534 had put in place of the spool.
Now hookd holds its state directory and spool open from the start and makes, reads, renames
and removes its files relative to them; the inbox's sweep holds each directory it takes files
from, passes over one another user put in place of it, and refuses a file others could write.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time

import pytest

from conftest import wait_for_entries, wait_until
from other_user import needs_root, run_as_nobody
from test_redteam4_status import status

PAD = "word " * 2000  # 10 KB an event: ten of them fill a 64 KiB segment and start the next


@pytest.fixture
def state_dir():
    path = tempfile.mkdtemp(prefix="hk10state", dir="/tmp")  # in /tmp, so that nobody can reach it
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _swap_as_nobody(state: str, name: str, planted: dict[str, str]) -> list[str]:
    """As another user: hookd's ``name`` moved aside to ``name.hidden``, and a directory of
    theirs (0777, holding ``planted``) put in its place."""
    os.rename(os.path.join(state, name), os.path.join(state, f"{name}.hidden"))
    theirs = os.path.join(state, name)
    os.mkdir(theirs)
    os.chmod(theirs, 0o777)
    for file, text in planted.items():
        with open(os.path.join(theirs, file), "w") as fh:
            fh.write(text)
    return sorted(os.listdir(theirs))


def _segments(directory: str) -> list[str]:
    return sorted(n for n in os.listdir(directory) if n.endswith(".seg"))


def _cursor_at_end(directory: str) -> bool:
    """The cursor file in ``directory`` names the end of its newest segment: all published."""
    try:
        with open(os.path.join(directory, "cursor")) as fh:
            seg, offset = (int(x) for x in fh.read().split())
    except FileNotFoundError:
        return False
    newest = _segments(directory)[-1]
    return seg == int(newest.removesuffix(".seg")) and offset == os.path.getsize(os.path.join(directory, newest))


@needs_root
def test_a_spool_another_user_put_in_place_gets_none_of_hookds_files(hookd_factory, redis_db, state_dir):
    daemon = hookd_factory(state_dir=state_dir, spool_segment_bytes=str(64 * 1024))
    daemon.send_stop("before")
    wait_for_entries(redis_db, 1)
    os.chmod(state_dir, 0o777)  # opened to others after the start: a chmod, a restored backup
    # Their own segment and cursor, for hookd to pick up if it went by path.
    planted = {"00000000000000000002.seg": "theirs", "cursor": "2 0\n"}
    assert run_as_nobody(_swap_as_nobody, state_dir, "spool", planted) == sorted(planted)
    for n in range(10):
        body = json.dumps({"hook_event_name": "Stop", "session_id": f"after{n}", "note": PAD}).encode()
        done = daemon.send(body, HOOKD_SEND_TIMEOUT_MS="5000")
        assert done.returncode == 0 and done.stderr == b"", done.stderr
    wait_for_entries(redis_db, 11)
    ours, theirs = os.path.join(state_dir, "spool.hidden"), os.path.join(state_dir, "spool")
    wait_until(lambda: _cursor_at_end(ours), what="hookd's cursor to reach its last event in its own spool")
    assert len(_segments(ours)) >= 2, "the events went on in hookd's own spool, into a new segment"
    assert sorted(os.listdir(theirs)) == sorted(planted), "hookd wrote in the directory put in place of its spool"
    with open(os.path.join(theirs, "cursor")) as fh:
        assert fh.read() == "2 0\n"
    code, document = status(daemon)
    assert code == 1 and "replaced" in document["directories"][theirs], document.get("directories")
    assert "keeps its files in the one it opened" in document["directories"][theirs]


def _frame(session: str, sent_ns: int) -> bytes:
    body = json.dumps({"hook_event_name": "Stop", "session_id": session}).encode()
    return b"HOOKD/1 %d sent=%d pid=1 ppid=1 id=h%s hook=Stop\n" % (len(body), sent_ns, session.encode()) + body


def _name(sent_ns: int, session: str) -> str:
    return "%020d-1-h%s.hookd" % (sent_ns, session)


@needs_root
def test_an_inbox_another_user_put_in_place_is_not_read(hookd_factory, redis_db, state_dir):
    daemon = hookd_factory(state_dir=state_dir, inbox_poll_ms="50")
    daemon.send_stop("before")
    wait_for_entries(redis_db, 1)
    os.chmod(state_dir, 0o777)
    now = time.time_ns()
    planted = {_name(now, "theirs"): _frame("theirs", now).decode()}
    assert run_as_nobody(_swap_as_nobody, state_dir, "inbox", planted) == sorted(planted)
    time.sleep(1.5)  # about 30 sweeps
    theirs = os.path.join(state_dir, "inbox")
    assert sorted(os.listdir(theirs)) == sorted(planted)
    # Neither taken nor refused (the old sweep opened it, refused it and tried to set it aside).
    assert "theirs" not in daemon.log_text()
    assert len(redis_db.xrange("hookd:events")) == 1
    code, document = status(daemon)
    assert code == 1 and theirs in document["directories"], document.get("directories")


def test_an_inbox_file_others_can_write_is_refused(hookd, redis_db):
    """A frame of the owner's that any user can write (a restored backup, a copy under umask 000)
    may hold another user's words: refused and set aside, not published as the owner's."""
    inbox = hookd.state_dir / "inbox"
    now = time.time_ns()
    staged = inbox / ".staged"
    staged.write_bytes(_frame("rewritten", now))
    os.chmod(staged, 0o666)
    os.rename(staged, inbox / _name(now, "rewritten"))
    hookd.send_stop("after")
    wait_for_entries(redis_db, 1)
    wait_until(lambda: (inbox / "rejected" / _name(now, "rewritten")).exists(), what="the file to be set aside")
    sessions = [json.loads(f[b"envelope"])["session_id"] for _, f in redis_db.xrange("hookd:events")]
    assert sessions == ["after"]
    assert "writable by other users" in hookd.log_text()
