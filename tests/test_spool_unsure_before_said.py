"""A failed fsync is shown (status's flush_error) only once its mark is on the disk.

The flusher marks what a failed fsync left unsure in the spool directory (spool/unsure.py), for a
restart, or `hookd status` of a stopped daemon, to find. It showed the failure first and wrote the
mark after, in a worker thread: a kill in between (CI's clean clone killed hookd as soon as status
named the failure) left a stopped daemon whose status did not name it. Now the flush counts as busy
until the mark is written, and the failure shows after.
"""

from __future__ import annotations

import asyncio
import errno
import threading

from hookd.spool import Spool, flusher
from hookd.spool import unsure as unsure_module
from hookd.spool.unsure_file import read_unsure


def test_the_failure_shows_only_once_its_mark_is_written(tmp_path, monkeypatch):
    spool = Spool(str(tmp_path / "spool"), 1 << 20, "batch")
    flush = flusher.Flusher(spool, "batch", 60)
    writing, release = threading.Event(), threading.Event()
    real_write = unsure_module.write_unsure

    def slow_write(*args, **kwargs):
        writing.set()
        release.wait(10)
        return real_write(*args, **kwargs)

    def failing_sync() -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(unsure_module, "write_unsure", slow_write)
    monkeypatch.setattr(spool, "sync", failing_sync)
    seen: dict[str, object] = {}

    async def run() -> None:
        task = asyncio.ensure_future(flush._flush())
        while not writing.is_set():
            await asyncio.sleep(0.01)
        seen["error while writing"] = flush.progress.flush_error
        seen["busy while writing"] = flush.progress.flush_busy_since is not None
        release.set()
        await task

    asyncio.run(run())
    assert seen == {"error while writing": None, "busy while writing": True}
    assert flush.progress.flush_error == "Input/output error" and flush.progress.flush_busy_since is None
    assert read_unsure(spool.directory, spool.dir_fd) is not None
