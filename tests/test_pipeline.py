"""The pipeline's replies to a run of frames: one each, in order, whether prepared inline or later.

Unit level, over a real Spool, Flusher and EnvelopeBuilder. Large frames go to a stand-in for the
worker process (hookd/worker.py) that prepares them with the same builder after a pause, so
that the later path (``_take_later``) runs with the loop free meanwhile.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from hookd.envelope import EnvelopeBuilder
from hookd.ingest.protocol import Header
from hookd.pipeline import Pipeline
from hookd.sequence import SequenceAllocator
from hookd.spool import Spool
from hookd.spool.flusher import Flusher
from hookd.spool.spool import DiskFull
from hookd.state import DaemonState
from hookd.worker import INLINE_BYTES
from pipeline_replies import take


class SlowWorker:
    def __init__(self, builder: EnvelopeBuilder) -> None:
        self.builder = builder
        self.hold = asyncio.Event()
        self.hold.set()

    async def prepare(self, body: bytes):
        await self.hold.wait()
        return self.builder.prepare(body)


def body(n: int, pad: int = 0) -> bytes:
    return json.dumps({"hook_event_name": "Stop", "session_id": f"s{n}", "pad": "x" * pad}).encode()


LARGE = INLINE_BYTES + 1


def make(tmp_path, policy: str = "interval", worker: bool = True):
    spool = Spool(str(tmp_path / "spool"), 1 << 22, policy)
    flusher = Flusher(spool, policy, 60)
    builder = EnvelopeBuilder("h", SequenceAllocator(str(tmp_path / "seq")))
    slow = SlowWorker(builder) if worker else None
    return Pipeline(builder, spool, flusher, DaemonState(), slow), spool, slow  # type: ignore[arg-type]


def words(replies: list[bytes]) -> list[str]:
    return [line.split(b" ")[1 if line.startswith(b"ERR") else 0].decode() for line in replies]


def test_inline_replies_keep_the_frames_order_and_an_earlier_copy_gets_its_id(tmp_path):
    async def go():
        pipeline, spool, _ = make(tmp_path)
        first = pipeline.take_all([(Header(handoff_id="a1"), body(1))])
        assert first.replies is None  # known once the spool's write thread wrote the event
        ((ok,), _) = await asyncio.wait_for(first.durable, 60)
        replies, close = await take(
            pipeline,
            [(Header(), body(2)), (Header(handoff_id="a1"), body(1)), (Header(), b"not json"), (Header(), body(3))],
        )
        assert words(replies) == ["OK", "OK", "not_json", "OK"]
        assert replies[1] == ok  # the earlier copy's event id, not spooled again
        assert not close  # interval: nothing to wait for
        assert spool.appended == 3
        spool.close()

    asyncio.run(go())


def test_a_large_frame_defers_the_run_and_the_next_run_waits_for_it(tmp_path):
    async def go():
        pipeline, spool, worker = make(tmp_path)
        worker.hold.clear()
        deferred = pipeline.take_all([(Header(), body(1)), (Header(), body(2, pad=LARGE))])
        assert deferred.replies is None and deferred.durable is not None
        later = pipeline.take_all([(Header(), body(3))], deferred.durable)
        assert later.replies is None  # behind the deferred run, to keep the order
        await asyncio.sleep(0.05)
        assert spool.appended == 0
        worker.hold.set()
        first, second = await asyncio.wait_for(asyncio.gather(deferred.durable, later.durable), 60)
        assert words(first[0]) == ["OK", "OK"] and not first[1]
        assert words(second[0]) == ["OK"]
        ids = [line.split()[1] for line in first[0] + second[0]]
        assert ids == sorted(ids)  # event ids, like the spool, in the frames' order
        assert spool.appended == 3
        spool.close()

    asyncio.run(go())


def test_an_inbox_copy_taken_while_a_large_frame_is_prepared_is_not_spooled_twice(tmp_path):
    async def go():
        pipeline, spool, worker = make(tmp_path)
        worker.hold.clear()
        large = body(1, pad=LARGE)
        deferred = pipeline.take_all([(Header(handoff_id="dup"), large), (Header(), b"[]")])
        await asyncio.sleep(0.01)
        worker.hold.set()
        inbox_id = await pipeline.take_async(Header(handoff_id="dup"), large)  # meanwhile
        replies, close = await asyncio.wait_for(deferred.durable, 60)
        assert replies[0] == b"OK %s\n" % inbox_id.encode()
        assert words(replies) == ["OK", "not_object"] and not close
        assert spool.appended == 1 and pipeline.state.deduplicated_handoffs == 1
        spool.close()

    asyncio.run(go())


@pytest.mark.parametrize("large", [False, True])
def test_a_spool_that_cannot_write_refuses_every_event_of_the_run(tmp_path, monkeypatch, large):
    async def go():
        pipeline, spool, _ = make(tmp_path)

        def full(events) -> asyncio.Future[None]:
            written: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            written.set_exception(DiskFull("disk full: no space left"))
            return written

        monkeypatch.setattr(spool, "append_queued", full)
        frames = [(Header(), body(1, pad=LARGE if large else 0)), (Header(), b"not json"), (Header(), body(2))]
        replies, close = await take(pipeline, frames)
        assert words(replies) == ["disk_full", "not_json", "disk_full"] and close
        assert pipeline.state.rejected["disk_full"] == 2
        monkeypatch.undo()
        spool.close()

    asyncio.run(go())


def test_a_failed_flush_refuses_the_deferred_runs_events(tmp_path, monkeypatch):
    async def go():
        pipeline, spool, _ = make(tmp_path, "batch")

        def failing_sync() -> None:
            raise OSError(5, "Input/output error")

        monkeypatch.setattr(spool, "sync", failing_sync)
        task = asyncio.create_task(pipeline.flusher.run())
        deferred = pipeline.take_all([(Header(), body(1, pad=LARGE)), (Header(), b"")])
        replies, close = await asyncio.wait_for(deferred.durable, 60)
        assert words(replies) == ["unavailable", "empty"] and close
        assert b"could not be flushed" in replies[0]
        pipeline.flusher.stop()
        await task
        monkeypatch.undo()
        spool.close()

    asyncio.run(go())


def test_a_copy_of_an_event_whose_first_copy_is_unsure_is_said_taken_once(tmp_path, monkeypatch):
    """Checked before and after its preparation (inbox, a large frame), such a copy was said taken twice."""
    import structlog

    import hookd.spool.spool as spool_module
    from hookd.spool.recent import RecentEvents

    monkeypatch.setattr(spool_module, "RecentEvents", lambda: RecentEvents(300, 1 << 20))

    async def go():
        pipeline, spool, _ = make(tmp_path)
        first, _ = await take(pipeline, [(Header(handoff_id="a1"), body(1)), (Header(handoff_id="a2"), body(2))])
        await take(pipeline, [(Header(), body(n)) for n in range(3, 8)])
        # No flush has covered the first copies, and memory let them go: a flush may yet lose them.
        assert spool.copy_may_be_lost("a1", first[0].split()[1].decode())
        with structlog.testing.capture_logs() as logs:
            assert await pipeline.take_async(Header(handoff_id="a1"), body(1)) is not None
            replies, _ = await take(pipeline, [(Header(handoff_id="a2"), body(2, pad=LARGE))])
        assert words(replies) == ["OK"]
        said = [(e["event"], e.get("handoff_id")) for e in logs if e["event"] == "handoff_copy_taken_spool_unsure"]
        assert said == [("handoff_copy_taken_spool_unsure", "a1"), ("handoff_copy_taken_spool_unsure", "a2")]
        assert spool.appended == 9  # both copies taken again
        spool.close()

    asyncio.run(go())
