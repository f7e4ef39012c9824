"""Red team, sixteenth pass: a big inbox while the spool is full.

With Redis down long enough for the spool to fill (``spool_full_policy = "refuse"``, the default),
every new event is refused and hook-send keeps it in the inbox; so are those of a start after days
away. The inbox sweep, every ``inbox_poll_ms``, listed and sorted every name in the inbox on the
event loop and then stopped at the first file, which the spool could still not take: with 200,000
files, 43% of a core and the event loop held for up to 0.75 s at a time, past hook-send's 250 ms
deadline (so each hook-send meanwhile added a file). Now a sweep that stopped there tries that one
file again, and lists the inbox only once it is taken; the files then go in order as before. And
each ``hookd status`` counted those files on the event loop too (0.16 s for 200,000): now in a thread.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import threading
import time

import pytest

from conftest import RedisServer, free_port, wait_for_entries
from hookd.control.client import request
from hookd.envelope import EnvelopeBuilder
from hookd.ingest.inbox import Inbox
from hookd.pipeline import Pipeline
from hookd.sequence import SequenceAllocator
from hookd.spool import Spool
from hookd.spool.flusher import Flusher
from hookd.state import DaemonState

FILES = 200_000
SMALL = b'{"hook_event_name": "Stop", "session_id": "inbox"}'
FRAME = b"HOOKD/1 %d\n%s" % (len(SMALL), SMALL)
FULL = b"ERR unavailable the spool is full"


def _cpu_s(pid: int) -> float:
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _send(daemon, body: bytes) -> bytes:
    with socket.socket(socket.AF_UNIX) as sock:
        sock.connect(str(daemon.socket))
        sock.settimeout(30)
        sock.sendall(b"HOOKD/1 %d\n%s" % (len(body), body))
        return sock.recv(300)


def _full_daemon(hookd_factory, redis_url: str):
    """A daemon whose 1 MiB spool is full of events Redis (down) has not taken: filled with big events, then
    with small ones, so that no room is left even for SMALL. Only the spool's own refusal ends each fill: another
    (a loaded machine's) is not taken for it."""
    daemon = hookd_factory(redis_url=redis_url, spool_max_bytes=str(1 << 20), spool_segment_bytes=str(64 << 10))
    big = b'{"hook_event_name": "Stop", "session_id": "fill", "x": "' + b"y" * 8000 + b'"}'
    small = b'{"hook_event_name": "Stop", "session_id": "fills"}'  # SMALL's size, another session's
    for body in (big, small):
        for _ in range(20_000):
            if _send(daemon, body).startswith(FULL):
                break
        else:
            raise AssertionError("the spool never filled")
    return daemon


def _write_inbox(daemon, count: int) -> None:
    """``count`` inbox files as hook-send leaves them, written while hookd is stopped."""
    inbox = daemon.state_dir / "inbox"
    daemon.proc.send_signal(signal.SIGSTOP)
    try:
        first = time.time_ns()
        for i in range(count):
            fd = os.open(inbox / f"{first + i:020d}-1-{i:016x}.hookd", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            os.write(fd, FRAME)
            os.close(fd)
    finally:
        daemon.proc.send_signal(signal.SIGCONT)


def test_a_sweep_stopped_by_a_full_spool_lists_the_inbox_no_more(tmp_path, monkeypatch):
    """The real Inbox, Pipeline and Spool in-process, the spool bounded: while it stays full, each sweep
    tries only the file the last one stopped at and lists nothing; once it has room, one sweep lists the
    inbox again and takes every file left, in order, once."""
    spool = Spool(str(tmp_path / "spool"), 64 << 10, "batch", max_bytes=128 << 10)
    builder = EnvelopeBuilder("h", SequenceAllocator(str(tmp_path / "seq")))
    inbox = Inbox(str(tmp_path / "inbox"), Pipeline(builder, spool, Flusher(spool, "batch", 0.2), DaemonState()))
    sessions = [f"s{n:03d}" for n in range(100)]
    for n, session in enumerate(sessions):
        body = json.dumps({"hook_event_name": "Stop", "session_id": session, "x": "y" * 4000}).encode()
        name = f"{n + 1:020d}-1-h{n:015d}.hookd"
        (tmp_path / "inbox" / name).write_bytes(b"HOOKD/1 %d sent=%d pid=1 id=h%015d\n" % (len(body), n + 1, n) + body)
    listed: list[object] = []
    real_listdir = os.listdir
    monkeypatch.setattr(os, "listdir", lambda where=None: listed.append(where) or real_listdir(where))

    first = asyncio.run(inbox.sweep())
    assert 0 < first < len(sessions), first
    assert len(listed) == 1
    for _ in range(5):
        assert asyncio.run(inbox.sweep()) == 0
    assert len(listed) == 1, "a sweep listed the inbox while the spool was still full"

    spool._bound.max_bytes = 1 << 30  # what Redis taking the events does: room again
    rest = asyncio.run(inbox.sweep())
    assert first + rest == len(sessions) and real_listdir(tmp_path / "inbox") == []
    assert len(listed) > 1
    spooled = [json.loads(event.envelope)["session_id"] for event in spool.read_batch(1000, 1 << 30).events]
    assert spooled == sessions
    spool.close()


@pytest.mark.process
def test_a_full_spool_with_a_big_inbox_leaves_the_event_loop_free(hookd_factory):
    daemon = _full_daemon(hookd_factory, f"redis://127.0.0.1:{free_port()}/0")
    _write_inbox(daemon, FILES)
    time.sleep(2)  # the sweep after the stop
    cpu, start, worst = _cpu_s(daemon.proc.pid), time.monotonic(), 0.0
    while time.monotonic() - start < 5:
        sent = time.monotonic()
        assert _send(daemon, SMALL).startswith(FULL)
        worst = max(worst, time.monotonic() - sent)
        time.sleep(0.02)
    share = (_cpu_s(daemon.proc.pid) - cpu) / (time.monotonic() - start)
    status = request(str(daemon.socket.parent / "control.sock"), "status", timeout_s=10)
    assert status["inbox"]["events"] >= FILES - 100, status["inbox"]
    # Figures, not assertions (the machine's load moves both): the sweep that relisted the inbox took 43-56% of
    # a core and answered up to 0.75 s late; test_a_sweep_stopped_by_a_full_spool_lists_the_inbox_no_more asserts
    # the behaviour behind them.
    print(f"{share:.0%} of a core, the slowest answer {worst * 1000:.0f} ms")

    # `hookd status` counts those files (0.16 s for 200,000 names): off the event loop, so a
    # request made while it counts is answered first. On the loop, it waited for the count.
    control = str(daemon.socket.parent / "control.sock")
    for _ in range(3):
        done: dict[str, float] = {}

        def ask(command: str) -> None:
            request(control, command, timeout_s=10)
            done[command] = time.monotonic()

        asker = threading.Thread(target=ask, args=("status",))
        asker.start()
        time.sleep(0.03)
        ask("ping")
        asker.join()
        assert done["ping"] < done["status"], done


@pytest.mark.process
def test_once_the_spool_has_room_every_inbox_file_is_taken_once(hookd_factory, tmp_path):
    """A guard of what held (it passed on the code before): the file the sweeps stopped at, taken
    on its own once Redis has made room, is neither taken twice nor left behind."""
    redis = RedisServer(tmp_path / "redis")
    daemon = _full_daemon(hookd_factory, redis.url)
    waiting = request(str(daemon.socket.parent / "control.sock"), "status", timeout_s=10)["spool"]["events"]
    _write_inbox(daemon, 50)
    time.sleep(1.5)  # sweeps that stop at the first file
    redis.start()
    try:
        entries = wait_for_entries(redis.client(), waiting + 50, timeout=60)
        time.sleep(1)
        entries = wait_for_entries(redis.client(), waiting + 50, timeout=60)
    finally:
        redis.stop()
    inbox = [e for e in entries if b'"session_id":"inbox"' in e[b"envelope"]]
    assert len(entries) == waiting + 50 and len(inbox) == 50, (len(entries), len(inbox))
    assert list(daemon.state_dir.joinpath("inbox").glob("*.hookd")) == []
