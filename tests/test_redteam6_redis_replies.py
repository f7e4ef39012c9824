"""Red team, sixth pass: a Redis that answers the publish script wrongly.

Between hookd and a real redis-server sits a proxy that reads hookd's commands one by one.
While it ``lies``, it answers each EVALSHA itself with a reply of the wrong shape or count
(``+OK``, an integer, ``{0, 0}`` for a batch of several events), and never passes it on; every
other command goes to Redis as sent. A reply that does not account for every event of the
batch must not be taken as Redis having them: hookd must keep the batch in its spool, say it
is not healthy, stay up, and once Redis's own replies come back every event must reach the
stream, once.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

from redis_proxy import ConnectionDone, RedisProxy, read_command

from conftest import REPO, free_port, stream_entries, wait_for_entries, wait_until
from hookd import config as hookd_config
from hookd.control import status


class LyingProxy(RedisProxy):
    """TCP proxy to ``target``; while ``lie`` is set (bytes), EVALSHA is answered with it."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.lie: bytes | None = None
        self.lied = 0
        super().__init__(target)

    def intercept(self, command: bytes, client: socket.socket, server: socket.socket, lock: threading.Lock) -> bool:
        lie = self.lie
        if lie is None or b"\r\nEVALSHA\r\n" not in command[:40].upper():
            return False
        self.lied += 1
        if lie == DROP_REPLY:  # Redis runs it; its reply never reaches hookd
            self.lie = None
            client.shutdown(socket.SHUT_RDWR)
            self.answered.clear()
            server.sendall(command)
            # Shut at once, the connection to Redis could go before Redis read the command,
            # and the batch was then never run: no repeat to skip.
            self.answered.wait(10)
            raise ConnectionDone
        with lock:
            if lie == FLOOD:
                self._flood(client)
            else:
                client.sendall(lie)
        return True

    def _flood(self, client: socket.socket) -> None:
        """A bulk string of 4 GB, sent as fast as hookd reads it, until hookd lets go."""
        client.sendall(b"$4000000000\r\n")
        blob = b"x" * (1 << 20)
        while self.lie == FLOOD:
            client.sendall(blob)
        raise OSError("the flood was called off")  # the reply is unfinished: this connection is done


FLOOD = b"flood"  # not a reply: the proxy sends a reply without end instead (LyingProxy._flood)
DROP_REPLY = b"drop"  # once: the command goes to Redis, the connection to hookd is cut before the reply

LIES = {
    "simple_string": b"+OK\r\n",  # two bytes: unpacked as two numbers, 79 added and 75 skipped
    "nothing_added": b"*2\r\n:0\r\n:0\r\n",  # a batch of several events, none accounted for
    "integer": b":1\r\n",  # not a pair at all
    "three_numbers": b"*3\r\n:1\r\n:0\r\n:0\r\n",
    "negative_skipped": b"*2\r\n:5\r\n:-3\r\n",
}


@pytest.mark.parametrize("lie", sorted(LIES))
def test_a_reply_that_does_not_account_for_the_batch_keeps_it_spooled(hookd_factory, redis_server, redis_db, lie):
    proxy = LyingProxy(("127.0.0.1", redis_server.port))
    try:
        daemon = hookd_factory(
            redis_url=f"redis://127.0.0.1:{proxy.port}/0",
            redis_timeout_s="1",
            breaker_backoff_max_s="0.5",
            publish_linger_ms="200",
        )

        daemon.send_stop("before")
        wait_for_entries(redis_db, 1)
        proxy.lie = LIES[lie]
        for i in range(6):
            daemon.send_stop(f"during-{i}")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and proxy.lied < 1:
            time.sleep(0.05)
        assert proxy.lied >= 1, "hookd sent no batch while the proxy lied"
        time.sleep(1)  # the breaker's trials, if it opened, meet the same lie
        code, document = status.gather(hookd_config.load(environ=daemon.env))
        assert document.get("health") != "healthy" and code != 0, (
            f"status said healthy while Redis answered {LIES[lie]!r} to every batch: "
            f"{document.get('health')} {document.get('reasons')}"
        )
        assert document["spool"]["events"] >= 1, ("the lied-to batches left the spool", document["spool"])
        # What answers is up, and answers wrong: not "down", which sends the reader to start a server.
        assert document["redis"]["state"] == "refusing", document["redis"]
        proxy.lie = None
        wait_for_entries(redis_db, 7, timeout=30)
        time.sleep(0.5)  # a repeat, if any, would land meanwhile
        sessions = [json.loads(e[b"envelope"])["session_id"] for e in stream_entries(redis_db)]
        assert sorted(sessions) == sorted(["before"] + [f"during-{i}" for i in range(6)]), sessions
        assert daemon.inbox() == []
        assert "does not account for" in daemon.log_text(), "the log does not say what Redis answered"
    finally:
        proxy.close()


def _rss_mb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) // 1024


def assert_a_flooding_proxy_leaves_hookd_small(hookd_process_factory, redis_db, proxy: LyingProxy) -> None:
    """hookd behind ``proxy``, which floods every reply while its lie is FLOOD: hookd stays up and under
    200 MB more, says Redis is down, and once the replies are Redis's own every event lands once."""
    try:
        daemon = hookd_process_factory(
            redis_url=f"redis://127.0.0.1:{proxy.port}/0", redis_timeout_s="5", breaker_backoff_max_s="1"
        )
        daemon.send_stop("before")
        wait_for_entries(redis_db, 1)
        before = _rss_mb(daemon.proc.pid)
        proxy.lie = FLOOD
        for i in range(3):
            daemon.send_stop(f"during-{i}")
        peak, unhealthy = before, None
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:
            assert daemon.proc.poll() is None, f"hookd exited:\n{daemon.log_text()[-3000:]}"
            peak = max(peak, _rss_mb(daemon.proc.pid))
            if unhealthy is None:
                code, document = status.gather(hookd_config.load(environ=daemon.env))
                if code != 0 and document.get("health") != "healthy":
                    unhealthy = document.get("reasons")
            time.sleep(0.1)
        print(f"RSS {before} MB before the flood, {peak} MB at most during it; proxy flooded {proxy.lied} times")
        assert proxy.lied >= 1
        assert peak - before < 200, f"hookd grew from {before} MB to {peak} MB on one reply without end"
        assert unhealthy is not None, "status said healthy while every reply was endless"
        proxy.lie = None
        wait_for_entries(redis_db, 4, timeout=30)
        time.sleep(0.5)
        sessions = sorted(json.loads(e[b"envelope"])["session_id"] for e in stream_entries(redis_db))
        assert sessions == ["before", "during-0", "during-1", "during-2"], sessions
    finally:
        proxy.close()


def test_a_reply_without_end_does_not_take_hookds_memory(hookd_process_factory, redis_server, redis_db):
    """A 4 GB bulk string, sent as fast as hookd reads it: hookd drops the connection long before."""
    proxy = LyingProxy(("127.0.0.1", redis_server.port))
    assert_a_flooding_proxy_leaves_hookd_small(hookd_process_factory, redis_db, proxy)


def _status(daemon) -> tuple[int, dict]:
    return status.gather(hookd_config.load(environ=daemon.env))


def _three_sent_past_a_mark_set_ahead(daemon, redis_db) -> bytes:
    """One event published, then its sender's mark set far ahead, then three more sent: the
    mark's field."""
    daemon.send_stop("before")
    [entry] = wait_for_entries(redis_db, 1)
    field = entry[b"host"] + b"/" + entry[b"instance"]
    redis_db.hset("{hookd:events}:hwm", field, 2**53 - 1)
    for i in range(3):
        daemon.send_stop(f"during-{i}")
    return field


def test_events_the_mark_skips_on_their_first_send_are_not_called_repeats(hookd_factory, redis_db):
    """The mark of this daemon's host and instance set far ahead (by hand, by a hostile peer
    with the shared ACL user, or by a second daemon from a copied state directory): every event
    after was skipped as 'already in the stream', counted among the repeats, status healthy."""
    metrics_port = free_port()
    daemon = hookd_factory(metrics_addr=f"127.0.0.1:{metrics_port}")
    _three_sent_past_a_mark_set_ahead(daemon, redis_db)

    def committed() -> bool:
        document = _status(daemon)[1]
        return document["spool"]["events"] == 0 and document["counters"]["deduplicated"] >= 3

    wait_until(committed, timeout=60, what="the 3 events to leave the spool")
    code, document = _status(daemon)
    assert code != 0 and document["health"] != "healthy", (
        "status said healthy while the stream skipped events hookd had never sent",
        document["reasons"],
    )
    assert document["counters"]["skipped_unsent"] == 3
    assert any("high-water mark" in reason for reason in document["reasons"]), document["reasons"]
    assert redis_db.xlen("hookd:events") == 1
    assert "events_skipped_unsent" in daemon.log_text()
    with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10) as answer:
        scraped = answer.read().decode()
    assert "hookd_events_skipped_unsent_total 3.0" in scraped, [
        line for line in scraped.splitlines() if "skipped" in line
    ]


def test_events_the_mark_skips_on_their_first_send_are_kept_for_replay(hookd_factory, redis_db):
    """They were counted and said, but gone: the spool moved past them. Now they are appended
    to unsent.jsonl in the state directory, and `hookd replay --file` publishes them once the
    mark is put right."""
    daemon = hookd_factory()
    field = _three_sent_past_a_mark_set_ahead(daemon, redis_db)
    unsent = daemon.state_dir / "unsent.jsonl"
    wait_until(lambda: unsent.exists() and len(unsent.read_bytes().splitlines()) == 3, timeout=60, what="3 kept")
    assert stat.S_IMODE(os.lstat(unsent).st_mode) == 0o600
    kept = [json.loads(line) for line in unsent.read_bytes().splitlines()]
    assert [e["session_id"] for e in kept] == ["during-0", "during-1", "during-2"]
    assert redis_db.xlen("hookd:events") == 1
    redis_db.hdel("{hookd:events}:hwm", field)  # the fix the log names
    done = subprocess.run(
        [sys.executable, "-m", "hookd", "replay", "--file", str(unsent)],
        env=daemon.env,
        capture_output=True,
        timeout=60,
        cwd=REPO,
    )
    assert done.returncode == 0, done.stderr.decode()
    sessions = sorted(json.loads(e[b"envelope"])["session_id"] for e in stream_entries(redis_db))
    assert sessions == ["before", "during-0", "during-1", "during-2"], sessions


def test_a_repeat_after_a_lost_reply_is_still_a_repeat(hookd_factory, redis_server, redis_db):
    """Guard: a batch Redis ran whose reply was lost is sent again and skipped; that is the
    mark doing its work, not events lost."""
    proxy = LyingProxy(("127.0.0.1", redis_server.port))
    try:
        daemon = hookd_factory(redis_url=f"redis://127.0.0.1:{proxy.port}/0", breaker_backoff_max_s="0.5")
        daemon.send_stop("before")
        wait_for_entries(redis_db, 1)
        proxy.lie = DROP_REPLY
        daemon.send_stop("lost-reply")
        wait_for_entries(redis_db, 2)

        def settled() -> bool:
            document = _status(daemon)[1]
            return document["spool"]["events"] == 0 and document["counters"]["deduplicated"] >= 1

        wait_until(settled, timeout=20, what="the repeat to be skipped")
        assert proxy.lied == 1
        document = _status(daemon)[1]
        assert document["counters"]["skipped_unsent"] == 0
        assert not (daemon.state_dir / "unsent.jsonl").exists(), "a repeat was kept as unsent"
        assert not any("high-water mark" in reason for reason in document["reasons"]), document["reasons"]
        sessions = sorted(json.loads(e[b"envelope"])["session_id"] for e in stream_entries(redis_db))
        assert sessions == ["before", "lost-reply"], sessions
    finally:
        proxy.close()


class FloodingServer:
    """A TCP server that answers every command but PING with ``head`` and then ``blob`` without end,
    sent as fast as the client reads it: a hostile Sentinel. By default a bulk string of 4 GB."""

    def __init__(self, head: bytes = b"$4000000000\r\n", blob: bytes = b"x" * (1 << 20)) -> None:
        self.head, self.blob = head, blob
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.floods = 0
        self.stopped = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        stream = conn.makefile("rb")
        try:
            while (command := read_command(stream)) is not None:
                if b"PING" in command.upper():
                    conn.sendall(b"+PONG\r\n")
                    continue
                self.floods += 1
                conn.sendall(self.head)
                while not self.stopped.is_set():
                    conn.sendall(self.blob)
        except (OSError, ValueError):
            pass
        finally:
            conn.close()

    def close(self) -> None:
        self.stopped.set()
        self.listener.close()


def assert_a_flooding_sentinel_leaves_hookd_small(hookd_process_factory, sentinel: FloodingServer) -> None:
    """hookd behind ``sentinel``, an event sent: 8 s later it has not grown by 200 MB, the event spooled."""
    try:
        daemon = hookd_process_factory(
            redis_url="redis://127.0.0.1:1/0",
            redis_sentinel=f"127.0.0.1:{sentinel.port}",
            redis_sentinel_master="mymaster",
            redis_timeout_s="5",
            breaker_backoff_max_s="1",
        )
        before = _rss_mb(daemon.proc.pid)
        daemon.send_stop("s")
        peak = before
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:
            assert daemon.proc.poll() is None, f"hookd exited:\n{daemon.log_text()[-3000:]}"
            peak = max(peak, _rss_mb(daemon.proc.pid))
            time.sleep(0.1)
        print(f"RSS {before} MB before, {peak} MB at most; the sentinel flooded {sentinel.floods} times")
        assert sentinel.floods >= 1
        assert peak - before < 200, f"hookd grew from {before} MB to {peak} MB on a sentinel's reply without end"
        assert daemon.inbox() == [], "the event was not spooled"
    finally:
        sentinel.close()


def test_a_sentinel_reply_without_end_does_not_take_hookds_memory(hookd_process_factory):
    assert_a_flooding_sentinel_leaves_hookd_small(hookd_process_factory, FloodingServer())
