"""The spool's write thread's appends (spool/write_thread.py): a failure of the bookkeeping after a
write neither leaves the appends' futures waiting nor stops the appends queued behind it."""

from __future__ import annotations

import asyncio

from test_spool import drain, event, open_spool

from hookd.spool import Spool, SpoolFull


def test_a_failed_bookkeeping_settles_its_appends_and_the_next_are_written(tmp_path):
    spool = open_spool(tmp_path)
    written = spool.appends._on_written
    calls = []

    def fails_once(events):
        calls.append(len(events))
        if len(calls) == 1:
            raise RuntimeError("bookkeeping")
        written(events)

    spool.appends._on_written = fails_once
    errors = []

    async def main():
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(lambda _, context: errors.append(context.get("exception")))
        first = spool.append_queued([event(0)])
        await asyncio.sleep(0)  # the first write under way: the next two wait behind it
        later = [spool.append_queued([event(n)]) for n in (1, 2)]
        await asyncio.wait_for(asyncio.gather(first, *later), 60)
        await asyncio.sleep(0)

    try:
        asyncio.run(main())
        assert calls[0] == 1 and sum(calls) == 3, calls
        assert drain(spool) == [0, 1, 2]
    finally:
        spool.close()


def test_appends_written_together_are_each_judged_against_a_full_spool(tmp_path):
    # Under spool_full_policy=refuse an append that fits is written though the one queued after it
    # does not fit: the two are one write, but not one verdict.
    spool = Spool(str(tmp_path), 64 * 1024, "never", max_bytes=1 << 20, full_policy="refuse")
    n = 0
    while spool.disk_bytes + 4096 < 1 << 20:
        spool.append(event(n, size=1000))
        n += 1
    kept = n

    async def main():
        first = spool.append_queued([event(n)])
        await asyncio.sleep(0)  # its write under way: the next two are queued and written together
        small = spool.append_queued([event(n + 1)])
        big = spool.append_queued([event(n + 2, size=64 * 1024)])
        return await asyncio.gather(first, small, big, return_exceptions=True)

    try:
        first, small, big = asyncio.run(main())
        assert first is None and small is None, (first, small)
        assert isinstance(big, SpoolFull)
        assert drain(spool) == list(range(kept + 2))
    finally:
        spool.close()
