"""The reply queue the socket and HTTP share: in order, only after durability, the right refusal.

Unit level: the queue alone with plain futures, then the socket's connection over a real
Pipeline, Spool and Flusher with a transport that records what is written.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter

import pytest

from hookd.envelope import EnvelopeBuilder
from hookd.ingest.http_answers import UNFLUSHED, Answer, unflushed
from hookd.ingest.replies import ReplyQueue
from hookd.ingest.server import EventConnection
from hookd.pipeline import Pipeline
from hookd.pipeline.outcome import fail_unflushed
from hookd.sequence import SequenceAllocator
from hookd.spool import Spool, SpoolFull
from hookd.spool.flusher import Flusher
from hookd.spool.spool import DiskFull
from hookd.state import DaemonState


class Sink:
    def __init__(self) -> None:
        self.sent: list[list[str]] = []
        self.closed = 0
        self.drained = 0

    def queue(self) -> ReplyQueue[str]:
        return ReplyQueue(
            self.sent.append, self._close, lambda replies: [f"unflushed({r})" for r in replies], self._drained
        )

    def _close(self) -> None:
        self.closed += 1

    def _drained(self) -> None:
        self.drained += 1


def run(coroutine_function):
    return asyncio.run(coroutine_function())


async def answered(done, timeout_s: float = 10) -> None:
    """Let the loop run until ``done()``: a reply that waits on the spool's write thread comes later."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not done():
        assert asyncio.get_running_loop().time() < deadline, "no reply"
        await asyncio.sleep(0.01)


def test_replies_go_out_in_order_each_after_its_flush():
    async def go():
        sink = Sink()
        queue = sink.queue()
        first, second = asyncio.Future(), asyncio.Future()
        queue.add(["a1", "a2"], False, first)
        queue.add(["b"], False, None)  # needs no flush, but must not overtake a
        queue.add(["c"], False, second)
        assert sink.sent == [] and len(queue) == 3
        second.set_result(None)  # c's flush is done first: still behind a
        await asyncio.sleep(0)
        assert sink.sent == []
        first.set_result(None)
        await asyncio.sleep(0)
        assert sink.sent == [["a1", "a2"], ["b"], ["c"]]
        assert not queue and sink.drained == 1 and sink.closed == 0

    run(go)


def test_replies_wait_for_their_flush():
    async def go():
        sink = Sink()
        queue = sink.queue()
        flushed = asyncio.Future()
        queue.add(["ok"], False, flushed)
        for _ in range(3):
            await asyncio.sleep(0)
        assert sink.sent == [] and queue
        flushed.set_result(None)
        await asyncio.sleep(0)
        assert sink.sent == [["ok"]]

    run(go)


def test_a_failed_flush_refuses_its_replies_and_closes_and_nothing_follows():
    async def go():
        sink = Sink()
        queue = sink.queue()
        flushed, later = asyncio.Future(), asyncio.Future()
        queue.add(["x"], False, flushed)
        queue.add(["y"], False, later)
        flushed.set_exception(OSError(5, "Input/output error"))
        await asyncio.sleep(0)
        assert sink.sent == [["unflushed(x)"]] and sink.closed == 1
        later.set_result(None)
        await asyncio.sleep(0)
        assert sink.sent == [["unflushed(x)"]] and sink.closed == 1 and sink.drained == 0

    run(go)


def test_replies_prepared_later_keep_their_place_and_are_waited_for():
    async def go():
        sink = Sink()
        queue = sink.queue()
        deferred = asyncio.Future()
        queue.add_later(deferred)
        assert queue.after is deferred  # the next take of this connection waits for it
        queue.add(["second"], False, None)
        assert sink.sent == []
        deferred.set_result((["first"], False))
        await asyncio.sleep(0)
        assert sink.sent == [["first"], ["second"]]
        assert queue.after is None

        finished = asyncio.Future()
        queue.add_later(finished, lambda result: ([f"made({result})"], True))
        queue.add(["never"], False, None)
        finished.set_result("r")
        await asyncio.sleep(0)
        assert sink.sent[-1] == ["made(r)"] and sink.closed == 1

    run(go)


def test_a_reply_that_closes_ends_the_queue():
    async def go():
        sink = Sink()
        queue = sink.queue()
        queue.add(["refused"], True, None)
        queue.add(["after"], False, None)
        assert sink.sent == [["refused"]] and sink.closed == 1

    run(go)


def test_each_protocol_turns_acceptances_of_a_failed_flush_into_refusals():
    lines = [b"OK e1\n", b"ERR not_json the body is not JSON\n", b"OK e2\n"]
    refused = fail_unflushed(lines)
    assert refused[1] == lines[1]
    assert refused[0] == refused[2]
    assert refused[0].startswith(b"ERR unavailable the spool could not be flushed to the disk")
    answers = [Answer(200, b"{}", False), Answer(400, b"bad", False)]
    assert unflushed(answers) == [UNFLUSHED, answers[1]]
    assert UNFLUSHED.status == 503 and UNFLUSHED.close


# -- the socket's connection over the real pipeline ----------------------------------------


class Transport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.data = b""
        self.closed = False

    def write(self, data) -> None:
        assert not self.closed
        self.data += bytes(data)

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_write_buffer_size(self) -> int:
        return 0  # written at once: nothing left for the peer to read

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        pass  # nothing is ever buffered here

    def get_extra_info(self, name, default=None):
        return default


def frames(*numbers: int) -> bytes:
    out = b""
    for n in numbers:
        body = json.dumps({"hook_event_name": "Stop", "session_id": f"s{n}"}).encode()
        out += b"HOOKD/1 %d\n" % len(body) + body
    return out


def connection(tmp_path, policy: str):
    spool = Spool(str(tmp_path / "spool"), 1 << 20, policy)
    flusher = Flusher(spool, policy, 60)
    builder = EnvelopeBuilder("h", SequenceAllocator(str(tmp_path / "seq")))
    pipeline = Pipeline(builder, spool, flusher, DaemonState())
    conn = EventConnection(pipeline, 1 << 20, 60, set())
    transport = Transport()
    conn.connection_made(transport)
    return spool, flusher, conn, transport


def test_the_socket_answers_ok_only_after_the_batch_flush(tmp_path):
    async def go():
        spool, flusher, conn, transport = connection(tmp_path, "batch")
        conn.data_received(frames(1, 2))
        await asyncio.sleep(0.05)
        assert transport.data == b""  # spooled, not yet flushed: no OK
        task = asyncio.create_task(flusher.run())
        for _ in range(100):
            if transport.data.count(b"\n") == 2:
                break
            await asyncio.sleep(0.01)
        assert [line[:3] for line in transport.data.splitlines()] == [b"OK ", b"OK "]
        assert flusher.flushed_through == 2
        flusher.stop()
        await task
        spool.close()

    run(go)


def test_the_socket_refuses_the_events_of_a_failed_flush(tmp_path, monkeypatch):
    async def go():
        spool, flusher, conn, transport = connection(tmp_path, "batch")

        def failing_sync() -> None:
            raise OSError(5, "Input/output error")

        monkeypatch.setattr(spool, "sync", failing_sync)
        task = asyncio.create_task(flusher.run())
        conn.data_received(frames(1) + b"HOOKD/1 3\nnot")
        for _ in range(100):
            if transport.closed:
                break
            await asyncio.sleep(0.01)
        lines = transport.data.splitlines()
        assert lines[0].startswith(b"ERR unavailable the spool could not be flushed")
        assert lines[1].startswith(b"ERR not_json")
        assert transport.closed
        flusher.stop()
        await task
        monkeypatch.undo()
        spool.close()

    run(go)


@pytest.mark.parametrize(
    "error, word",
    [
        (DiskFull("disk full: the filesystem has no space left"), "disk_full"),
        (SpoolFull("cannot write to the spool: Input/output error"), "unavailable"),
    ],
)
def test_a_failed_spool_write_answers_the_right_refusal(tmp_path, monkeypatch, error, word):
    async def go():
        spool, flusher, conn, transport = connection(tmp_path, "interval")

        async def failing_write(run, events, records) -> None:
            raise error

        # The write the spool's write thread makes (spool/write_thread.py): the replies come once it fails.
        monkeypatch.setattr(spool._writer, "write_in", failing_write)
        conn.data_received(frames(1, 2))
        await answered(lambda: transport.closed)
        lines = transport.data.splitlines()
        assert [line.split(b" ")[:2] for line in lines] == [[b"ERR", word.encode()]] * 2
        assert str(error) in lines[0].decode()
        assert transport.closed
        assert conn.pipeline.state.rejected[word] == 2
        monkeypatch.undo()
        spool.close()

    run(go)


# -- HTTP's connection over the real pipeline ----------------------------------------------


class Listener:
    """What a HookConnection asks of its listener (http_listener.py), with every request let in."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self.max_body = 1 << 20
        self.timeout_s = 60.0
        self.max_connections = 256
        self.budget = None
        self.connections: set = set()
        self.by_status: Counter[int] = Counter()

    def authorization_problem(self, value):
        return None

    def host_problem(self, value):
        return None

    def log_refusal(self, status, reason, message):
        raise AssertionError("no request here is refused before the pipeline")


def posts(*numbers: int) -> bytes:
    out = b""
    for n in numbers:
        body = json.dumps({"hook_event_name": "Stop", "session_id": f"s{n}"}).encode()
        out += (
            b"POST /hook HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer t\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body)
        ) + body
    return out


def statuses(data: bytes) -> list[int]:
    return [int(status) for status in re.findall(rb"HTTP/1\.1 (\d{3}) ", data)]


def http_connection(tmp_path, policy: str):
    spool, flusher, _, _ = connection(tmp_path, policy)
    from hookd.ingest.http import HookConnection

    listener = Listener(
        Pipeline(EnvelopeBuilder("h", SequenceAllocator(str(tmp_path / "seq2"))), spool, flusher, DaemonState())
    )
    conn = HookConnection(listener)  # type: ignore[arg-type]
    transport = Transport()
    conn.connection_made(transport)
    return spool, flusher, listener, transport, conn


def test_http_answers_200_only_after_the_batch_flush_and_503_when_it_fails(tmp_path, monkeypatch):
    async def go():
        spool, flusher, listener, transport, conn = http_connection(tmp_path, "batch")
        conn.data_received(posts(1, 2))
        await asyncio.sleep(0.05)
        assert transport.data == b""
        task = asyncio.create_task(flusher.run())
        for _ in range(100):
            if len(statuses(transport.data)) == 2:
                break
            await asyncio.sleep(0.01)
        assert statuses(transport.data) == [200, 200] and not transport.closed

        def failing_sync() -> None:
            raise OSError(5, "Input/output error")

        monkeypatch.setattr(spool, "sync", failing_sync)
        conn.data_received(posts(3))
        for _ in range(100):
            if transport.closed:
                break
            await asyncio.sleep(0.01)
        assert statuses(transport.data) == [200, 200, 503] and transport.closed
        assert b"the spool could not be flushed to the disk" in transport.data
        assert listener.by_status == Counter({200: 2, 503: 1})
        flusher.stop()
        await task
        monkeypatch.undo()
        spool.close()

    run(go)


def test_http_answers_507_when_the_disk_is_full(tmp_path, monkeypatch):
    async def go():
        spool, flusher, listener, transport, conn = http_connection(tmp_path, "interval")

        async def full(run, events, records) -> None:
            raise DiskFull("disk full: the filesystem has no space left")

        monkeypatch.setattr(spool._writer, "write_in", full)
        conn.data_received(posts(1))
        await answered(lambda: transport.closed)
        assert statuses(transport.data) == [507] and transport.closed
        assert b'"error":"disk_full"' in transport.data
        monkeypatch.undo()
        spool.close()

    run(go)
