"""Fifteenth red-team pass: an fsync of the spool that fails (EIO from a failing disk, ENOSPC from
a filesystem that allocates at writeback).

On Linux a failed fsync is told once: the next one succeeds, whether or not the pages the failed
one could not write reached the disk. hookd cleared its "written since the last flush" mark
before the fsync, so after one failure its next flush had nothing to do and succeeded: the events
written before the failure counted as on the disk, `hookd status` said healthy, and under
spool_fsync = "batch" the inbox copy hook-send kept of an event refused for that failure was
deleted on the strength of that empty flush, while Redis was down and the spool's copy was the
one whose fsync had failed.

A real `hookd run` whose fsync() fails for the spool's files while a flag file exists: a small
LD_PRELOAD library, built here with the system's C compiler (CPython's os.fsync calls libc's).
"""

from __future__ import annotations

import json
import subprocess
import time

import pytest
from preload_shim import build_shim

from conftest import RedisServer, wait_for_entries
from test_status import live_status, wait_status

SHIM = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* fsync() fails with EIO for a file under HOOKD_TEST_FSYNC_DIR while HOOKD_TEST_FSYNC_FLAG exists. */
int fsync(int fd)
{
    static int (*real)(int);
    if (!real)
        real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    const char *under = getenv("HOOKD_TEST_FSYNC_DIR"), *flag = getenv("HOOKD_TEST_FSYNC_FLAG");
    if (under && flag && access(flag, F_OK) == 0) {
        char link[64], target[4096];
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        ssize_t n = readlink(link, target, sizeof target - 1);
        size_t u = strlen(under);
        if (n > 0) {
            target[n] = 0;
            if (strncmp(target, under, u) == 0 && (target[u] == '/' || target[u] == 0)) {
                errno = EIO;
                return -1;
            }
        }
    }
    return real(fd);
}
"""


@pytest.fixture(scope="module")
def failing_fsync(tmp_path_factory):
    return build_shim(tmp_path_factory, SHIM)


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server the test starts late: Redis is down while the spool's fsync fails."""
    server = RedisServer(tmp_path / "late-redis")
    yield server
    if server.proc is not None:
        server.stop()


def start(hookd_process_factory, own_redis, shim, tmp_path, **settings):
    flag = tmp_path / "disk-fails"
    flag.touch()
    daemon = hookd_process_factory(
        redis_url=own_redis.url, start=False, breaker_backoff_max_s="0.2", inbox_poll_ms="100", **settings
    )
    daemon.env.update(
        LD_PRELOAD=shim,
        HOOKD_TEST_FSYNC_DIR=str(daemon.state_dir / "spool"),
        HOOKD_TEST_FSYNC_FLAG=str(flag),
    )
    daemon.start()
    return daemon, flag


def send(daemon, n: int) -> subprocess.CompletedProcess:
    body = json.dumps({"hook_event_name": "Stop", "session_id": f"s{n}"}).encode()
    sent = daemon.send(body)
    assert (sent.returncode, sent.stdout) == (0, b""), sent
    return sent


def fsync_reason(status: dict) -> list[str]:
    from hookd.control.verdict import verdict

    return [r for r in verdict(status)[1] if "fsync of the spool failed" in r]


def test_a_failed_fsync_is_named_until_redis_has_what_it_left_unsure(
    hookd_process_factory, own_redis, failing_fsync, tmp_path
):
    daemon, flag = start(hookd_process_factory, own_redis, failing_fsync, tmp_path)
    for n in range(3):
        send(daemon, n)
    # The flusher runs every 200 ms: on the code before, its next (empty) flush succeeded and
    # status said nothing but "redis is down".
    status = wait_status(
        daemon, lambda s: s["spool"]["events"] == 3 and s["progress"]["flush_s"] is not None, "spooled"
    )
    time.sleep(1)
    status = live_status(daemon)
    reasons = fsync_reason(status)
    assert reasons and "Input/output error" in reasons[0], status["spool"]
    assert status["spool"]["flush_error"] == "Input/output error"
    flag.unlink()  # the disk answers again; the events are still unsure until Redis has them
    time.sleep(1)
    assert fsync_reason(live_status(daemon))
    own_redis.start()
    wait_for_entries(own_redis.client(), 3)
    status = wait_status(daemon, lambda s: not fsync_reason(s) and s["spool"]["events"] == 0, "the failure settled")
    assert status["spool"]["flush_error"] is None
    assert daemon.log_text().count('"spool_flush_failed"') == 1
    assert '"spool_flush_recovered"' in daemon.log_text()


def test_under_batch_an_inbox_copy_outlives_a_failed_fsync(hookd_process_factory, own_redis, failing_fsync, tmp_path):
    daemon, flag = start(hookd_process_factory, own_redis, failing_fsync, tmp_path, spool_fsync="batch")
    sent = send(daemon, 0)
    assert sent.stderr == b""  # hookd refused it (its flush failed), and hook-send kept it in the inbox
    wait_status(daemon, lambda s: s["counters"]["received"] >= 2, "the inbox copy taken")
    flag.unlink()
    # On the code before, the next flush had nothing to do and succeeded, and the sweep deleted
    # the inbox file (the only copy whose fsync had worked) while Redis was down.
    time.sleep(1.5)
    assert len(daemon.inbox()) == 1
    status = live_status(daemon)
    assert fsync_reason(status)
    # Kept, not taken again on every sweep: no log line and no count per sweep meanwhile.
    assert status["counters"]["received"] == 2
    assert daemon.log_text().count('"inbox_sweep_failed"') <= 1
    own_redis.start()
    entries = wait_for_entries(own_redis.client(), 1)
    wait_status(daemon, lambda s: not fsync_reason(s), "the failure settled")
    wait_status(daemon, lambda s: s["inbox"]["events"] == 0, "the inbox copy removed")
    time.sleep(0.5)
    assert len(own_redis.client().xrange("hookd:events")) == 1 == len(entries)
    for n in (1, 2):  # the disk answers: events are acknowledged again, none left in the inbox
        send(daemon, n)
    wait_for_entries(own_redis.client(), 3)
    assert daemon.inbox() == []


def test_a_disk_that_fails_every_fsync_is_logged_once_a_minute_not_once_a_flush(
    hookd_process_factory, own_redis, failing_fsync, tmp_path
):
    own_redis.start()
    daemon, flag = start(hookd_process_factory, own_redis, failing_fsync, tmp_path)
    for n in range(8):  # each written, its flush failed, then published: the failure over each time
        send(daemon, n)
        time.sleep(0.3)
    wait_for_entries(own_redis.client(), 8)
    wait_status(daemon, lambda s: s["spool"]["events"] == 0, "the spool drained")
    log = daemon.log_text()
    # On the code before, a line per failed flush (8 here, 5 a second under a steady flow).
    assert log.count('"spool_flush_failed"') == 1, log.count('"spool_flush_failed"')
    assert log.count('"spool_flush_recovered"') <= 1
