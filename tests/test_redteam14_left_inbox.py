"""The fourteenth pass's Left: an inbox file hook-send is writing was told from an abandoned one by its
age against the wall clock, so a clock set forward while a hook-send wrote one could have hookd read it
half-written (and set it aside as a bad frame) and move it from under its writer. hook-send now holds a
lock on the file from its creation to its rename; hookd takes only one it can lock.

A real hook-send (each client) is held mid-write by strace (its write of the body delayed at the
syscall's entry) and the clock's step is its file's times set an hour back (os.utime: the clock itself
is every process's on the machine)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from conftest import wait_for_entries, wait_until

STRACE = shutil.which("strace")
pytestmark = pytest.mark.skipif(STRACE is None, reason="strace holds hook-send mid-write (apt-get install strace)")
HOLD_S = 3


def body(session: str) -> bytes:
    return json.dumps({"hook_event_name": "Stop", "session_id": session}).encode()


def sessions(redis_db) -> list[str]:
    return [json.loads(f[b"envelope"])["session_id"] for _, f in redis_db.xrange("hookd:events")]


def held_writer(
    cmd: list[str], env: dict[str, str], tmp: Path, syscall: str, pattern: str, after: int = 0, hold_s: int = HOLD_S
):
    """hook-send writing to the inbox (no daemon at env's socket), held ``hold_s`` at the entry of its
    first ``syscall`` whose strace line matches ``pattern`` (``after`` calls later): the call's index
    is counted in a run with a scratch state directory, the client's bytecode cached by a run before."""
    scratch = tmp / "scratch"
    scratch.mkdir(mode=0o700)
    dry_env = {**env, "HOOKD_STATE_DIR": str(scratch / "state"), "HOOKD_SPARE_INBOX": str(scratch / "spare")}
    trace = scratch / "trace"
    for _ in range(2):
        subprocess.run(
            [STRACE, "-f", "-qq", "-e", f"trace={syscall}", "-o", str(trace), *cmd],
            input=body("dry"),
            env=dry_env,
            check=True,
            timeout=30,
        )
    lines = [line for line in trace.read_text().splitlines() if re.search(rf"\b{syscall}\(", line)]
    nth = next(i for i, line in enumerate(lines, 1) if re.search(pattern, line)) + after
    inject = f"inject={syscall}:delay_enter={hold_s}s:when={nth}"
    writer = subprocess.Popen(
        [STRACE, "-f", "-qq", "-o", "/dev/null", "-e", f"trace={syscall}", "-e", inject, *cmd],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    return writer


def tracee(writer: subprocess.Popen) -> int:
    [pid] = Path(f"/proc/{writer.pid}/task/{writer.pid}/children").read_text().split()
    return int(pid)


def kill_tracee(writer: subprocess.Popen) -> None:
    """SIGKILL the hook-send strace holds (strace killed instead would let it go on)."""
    os.kill(tracee(writer), 9)
    writer.wait(timeout=60)


def let_go(writer: subprocess.Popen) -> int:
    """End the hold now: strace killed lets the hook-send it held go on (the kernel detaches it).
    -> the hook-send's pid, no longer strace's child (its exit code is its new parent's)."""
    pid = tracee(writer)
    writer.kill()
    writer.wait(timeout=60)
    return pid


def gone(pid: int) -> bool:
    """The process has exited (a zombie counts: the container's init may not reap it)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except (FileNotFoundError, ProcessLookupError):
        return True


def writing_env(daemon) -> dict[str, str]:
    return {
        **daemon.env,
        "HOOKD_SOCKET": str(daemon.socket.parent / "nobody.sock"),  # so that it writes the inbox
        "HOOKD_SEND_TIMEOUT_MS": "60000",  # the hold is strace's, not the deadline's
    }


def temporary_files(inbox: Path) -> list[Path]:
    return [p for p in inbox.iterdir() if p.name.startswith(".tmp-")] if inbox.is_dir() else []


def set_back(path: Path, seconds: float = 3600) -> None:
    old = time.time() - seconds
    os.utime(path, (old, old))


def writer_held_after_its_header(hookd, client_cmd: list[str], tmp: Path, session: str):
    """A hook-send that has written its inbox file's header and is held before the body's write: the
    writer, its ``.tmp-`` file and what that holds."""
    writer = held_writer(client_cmd, writing_env(hookd), tmp, "write", r'"HOOKD/1 ', after=1)
    writer.stdin.write(body(session))
    writer.stdin.close()
    inbox = hookd.state_dir / "inbox"
    [held] = wait_until(lambda: [p for p in temporary_files(inbox) if p.stat().st_size], timeout=60, what="the header")
    return writer, held, held.read_bytes()


def test_a_file_being_written_is_left_to_its_writer_however_old_the_clock_makes_it(
    hookd, redis_db, client_cmd, tmp_path
):
    inbox = hookd.state_dir / "inbox"
    writer, tmp, written = writer_held_after_its_header(hookd, client_cmd, tmp_path, "held")
    assert written.startswith(b"HOOKD/1 ") and written.endswith(b"\n"), written  # the header, no body yet
    set_back(tmp)
    time.sleep(HOLD_S - 1)  # some four sweeps (inbox_poll_ms 500) while the body's write is held
    assert tmp.exists() and tmp.read_bytes() == written, "the file was taken from under its writer"
    assert not (inbox / "rejected").exists(), "the half-written file was read as a bad frame"
    assert redis_db.xlen("hookd:events") == 0
    assert writer.wait(timeout=30) == 0
    assert (writer.stdout.read(), writer.stderr.read()) == (b"", b"")
    wait_for_entries(redis_db, 1)
    wait_until(lambda: not any(inbox.glob("*.hookd")), timeout=60, what="the inbox file to be taken")
    time.sleep(1)
    assert sessions(redis_db) == ["held"]
    assert not (inbox / "rejected").exists()
    assert not Path(hookd.env["HOOKD_SPARE_INBOX"]).exists() or not any(Path(hookd.env["HOOKD_SPARE_INBOX"]).iterdir())


def test_a_writer_that_died_mid_write_leaves_a_file_set_aside_never_read_as_an_event(
    hookd, redis_db, client_cmd, tmp_path
):
    """Its lock ends with it: the half-written file is moved away and set aside in rejected/, as a bad
    frame (it still holds what was written); the events after it are taken."""
    inbox = hookd.state_dir / "inbox"
    writer, tmp, written = writer_held_after_its_header(hookd, client_cmd, tmp_path, "died")
    kill_tracee(writer)
    set_back(tmp)
    rejected = inbox / "rejected"
    wait_until(lambda: rejected.is_dir() and any(rejected.iterdir()), timeout=60, what="the file to be set aside")
    [kept] = list(rejected.iterdir())
    assert kept.read_bytes() == written
    assert not temporary_files(inbox)
    assert hookd.send(body("after")).returncode == 0
    wait_for_entries(redis_db, 1)
    time.sleep(1)
    assert sessions(redis_db) == ["after"]


def test_a_writer_that_died_before_writing_leaves_nothing_behind(hookd, redis_db, client_cmd, tmp_path):
    """An empty temporary file holds no event: removed, not set aside as a bad frame."""
    inbox = hookd.state_dir / "inbox"
    writer = held_writer(client_cmd, writing_env(hookd), tmp_path, "write", r'"HOOKD/1 ')
    writer.stdin.write(body("empty"))
    writer.stdin.close()
    [tmp] = wait_until(lambda: temporary_files(inbox), timeout=60, what="the temporary file")
    kill_tracee(writer)
    set_back(tmp)
    wait_until(lambda: not tmp.exists(), timeout=60, what="the empty file to be removed")
    assert not (inbox / "rejected").exists()
    assert redis_db.xlen("hookd:events") == 0


def test_a_file_moved_away_before_its_writer_locked_it_is_made_again(hookd, redis_db, client_cmd, tmp_path):
    """Between hook-send's create and its lock the file is not yet held: hookd (the clock stepped)
    may take it as abandoned. The writer finds it gone from its name once it holds the lock, makes it
    again, and its event arrives once, from the inbox (not the spare one)."""
    inbox = hookd.state_dir / "inbox"
    # Held until hookd has taken the file (a condition, not a window: a loaded machine's sweep came
    # after a fixed hold's end, the lock then taken and the case not reached), then let go.
    writer = held_writer(client_cmd, writing_env(hookd), tmp_path, "fcntl", r"F_SETLKW", hold_s=600)
    writer.stdin.write(body("again"))
    writer.stdin.close()
    [tmp] = wait_until(lambda: temporary_files(inbox), timeout=60, what="the temporary file")
    set_back(tmp)
    wait_until(lambda: not tmp.exists(), timeout=60, what="hookd to take the unlocked file away")
    sender = let_go(writer)
    wait_until(lambda: gone(sender), timeout=30, what="the hook-send to finish")
    assert (writer.stdout.read(), writer.stderr.read()) == (b"", b"")
    wait_for_entries(redis_db, 1)
    time.sleep(1)
    assert sessions(redis_db) == ["again"]
    assert not (inbox / "rejected").exists()
    spare = Path(hookd.env["HOOKD_SPARE_INBOX"])
    assert not spare.exists() or not any(spare.iterdir())
