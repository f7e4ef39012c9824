"""Events Redis loses while hookd's connection to it stays open are said.

h142's check (publish/lost.py) read the senders' marks only on a connection that connected since: a
`FLUSHALL`, a `FLUSHDB`, a `DEBUG RELOAD` of an older dump or the marks' key deleted (as an eviction
under allkeys-lru does) took events hookd had let go, the connection stayed open, the next batches
landed, and nothing was said, ever: no `redis_lost_events`, status healthy without a word. Now each
batch that is the first on its way names the seq its sender's last batch landed at (the script's
ARGV[3], as a batch sent behind another does), and a mark found below it is the loss, said and sent
past. Real redis-server (its own, so that it may be flushed), real `hookd run`.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import RedisServer, log_records, stream_entries, wait_until

pytestmark = pytest.mark.process

STREAM = "hookd:events"
MARKS = "{hookd:events}:hwm"


def _flushall(db):
    db.flushall()


def _flushdb(db):
    db.flushdb()


def _older_dump(db):
    db.execute_command("DEBUG", "RELOAD", "NOSAVE")  # the snapshot taken after the first 10


def _marks_gone(db):
    db.delete(MARKS)  # what an eviction of the marks under allkeys-lru leaves


def _stream_gone(db):
    db.delete(STREAM)  # by a client, or evicted: the marks stay


LOSSES = {
    "flushall": _flushall,
    "flushdb": _flushdb,
    "debug_reload": _older_dump,
    "marks_gone": _marks_gone,
    "stream_gone": _stream_gone,
}


@pytest.mark.parametrize("loss", list(LOSSES))
def test_a_loss_on_an_open_connection_is_said(hookd_process_factory, tmp_path, loss):
    server = RedisServer(tmp_path / "redis", extra_args=("--enable-debug-command", "yes"))
    server.start()
    db = server.client()
    try:
        daemon = hookd_process_factory(redis_url=server.url, redis_timeout_s="2")
        for i in range(10):
            daemon.send_stop(f"kept-{i}")
        wait_until(lambda: db.xlen(STREAM) == 10, timeout=30, what="the first 10 events")
        db.save()  # the older dump DEBUG RELOAD loads
        for i in range(10):
            daemon.send_stop(f"lost-{i}")
        wait_until(lambda: db.xlen(STREAM) == 20, timeout=30, what="the next 10 events")
        landed = [int(e[b"seq"]) for e in stream_entries(db)]
        clients = {c["id"] for c in db.client_list() if c["name"] == "hookd"}
        LOSSES[loss](db)
        # The loss drops none of hookd's connections: no reconnect tells it.
        assert clients and clients <= {c["id"] for c in db.client_list() if c["name"] == "hookd"}
        before = db.xlen(STREAM)
        for i in range(5):
            daemon.send_stop(f"after-{i}")
        wait_until(lambda: db.xlen(STREAM) == before + 5, timeout=30, what="the events after the loss")

        records = log_records(daemon.log_text())
        pair = ("redis_stream_gone", "redis_lost_events")
        event, other = pair if loss == "stream_gone" else pair[::-1]
        lost = [r for r in records if r.get("event") == event]
        assert len(lost) == 1 and not [r for r in records if r.get("event") == other], daemon.log_text()[-3000:]
        assert lost[0]["landed_seq"] == landed[-1], (lost[0], landed)
        if loss == "stream_gone":
            assert lost[0]["stream"] == STREAM, lost[0]
        else:
            assert lost[0]["mark"] == (landed[9] if loss == "debug_reload" else None), (lost[0], landed)
        assert not [r for r in records if r.get("event") == "redis_down"], daemon.log_text()[-3000:]
        # Sent past the loss, once each, in order.
        seqs = [int(e[b"seq"]) for e in stream_entries(db)]
        assert len(seqs) == before + 5 and seqs == sorted(seqs) and seqs[-5] > landed[-1], seqs
        status = subprocess.run(
            [sys.executable, "-m", "hookd", "status"], env=daemon.env, capture_output=True, text=True, timeout=30
        )
        said = "was gone, its marks kept" if loss == "stream_gone" else "Redis lost events it had taken"
        assert status.returncode == 0 and said in status.stdout, status.stdout
    finally:
        server.stop()


def test_events_evicted_under_allkeys_lru_are_said(hookd_process_factory, tmp_path):
    """A real eviction: 120 events of 60 KB into a Redis of 4 MB under allkeys-lru. The stream cannot hold
    them all, so it (or the marks with it) is evicted along the way; before, 80-odd events were gone and
    nothing was said."""
    server = RedisServer(tmp_path / "redis", extra_args=("--maxmemory", "4mb", "--maxmemory-policy", "allkeys-lru"))
    server.start()
    db = server.client()
    try:
        daemon = hookd_process_factory(redis_url=server.url, redis_timeout_s="2")
        pad = "x" * 60_000
        for i in range(120):
            body = json.dumps({"hook_event_name": "Stop", "session_id": f"s{i % 3}", "note": f"{pad}{i}"})
            done = daemon.send(body.encode(), "Stop", HOOKD_SEND_TIMEOUT_MS="5000")
            assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")
        status = wait_until(
            lambda: (s := _status(daemon))["spool"]["events"] == 0 and s, timeout=60, what="the spool drained"
        )
        assert db.xlen(STREAM) < 120 and db.info("stats")["evicted_keys"] > 0
        said = [
            r for r in log_records(daemon.log_text()) if r.get("event") in ("redis_lost_events", "redis_stream_gone")
        ]
        assert said, daemon.log_text()[-3000:]
        assert status["redis"]["lost"], status["redis"]
    finally:
        server.stop()


def _status(daemon) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "hookd", "status", "--json"], env=daemon.env, capture_output=True, text=True, timeout=30
    )
    return json.loads(done.stdout)
