"""A Redis busy with a long script is said to be running one, not to refuse batches or hold writes.

A script (or module command) that runs past `busy-reply-threshold` makes Redis answer every other
command with `BUSY`: the batch's EVALSHA, the PING and the one-line script that judge a timeout
(pace.py). hookd said `refusing` ("answers but refuses every batch", the log's
`redis_refused_batch`) with no fix, or `down` ("did not answer"), or, when only the one-line script
got BUSY, a slow link (the rate halved). Now BUSY is `busy_script` (the redis row "answering BUSY,
running a script", the log's `redis_busy_script`) with the fix (SCRIPT KILL), told apart from a
write pause (`CLIENT PAUSE WRITE`, still `holding_writes`). Real redis-server, real `hookd run`.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
import redis
from conftest import log_records, wait_for_entries, wait_until
from test_disk_full import status

pytestmark = pytest.mark.process

# The script reads the clock until a minute has passed; it writes nothing, so SCRIPT KILL ends it.
LONG_SCRIPT = "local s = tonumber(redis.call('TIME')[1]) while tonumber(redis.call('TIME')[1]) < s + 60 do end return 1"


@pytest.fixture
def busy_threshold(redis_db):
    before = redis_db.config_get("busy-reply-threshold")["busy-reply-threshold"]
    redis_db.config_set("busy-reply-threshold", 300)
    yield
    redis_db.config_set("busy-reply-threshold", before)


def _run_long_script(redis_server) -> subprocess.Popen:
    cli = shutil.which("redis-cli") or "/usr/bin/redis-cli"
    return subprocess.Popen(
        [cli, "-p", str(redis_server.port), "EVAL", LONG_SCRIPT, "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait_for_script(redis_server) -> None:
    """Until the script runs: a PING goes unanswered (its first busy-reply-threshold) or is answered
    BUSY. Sent before that, the test's batch could land ahead of the script and nothing be busy."""
    probe = redis.Redis(port=redis_server.port, socket_timeout=0.05, socket_connect_timeout=1)

    def running() -> bool:
        try:
            probe.ping()
        except redis.exceptions.TimeoutError:
            return True
        except redis.exceptions.ResponseError as exc:
            return str(exc).startswith("BUSY")
        return False

    try:
        wait_until(running, what="the long script running")
    finally:
        probe.close()


def _kill_script(redis_db) -> None:
    def killed() -> bool:
        try:
            redis_db.script_kill()
        except Exception as exc:  # NOTBUSY once it has ended
            return "NOTBUSY" in str(exc)
        return True

    wait_until(killed, what="the long script killed")


@pytest.mark.parametrize("timeout_s", ["1", "0.2"])
def test_a_script_past_busy_reply_threshold_is_reported_as_busy_script(
    hookd_process_factory, redis_db, redis_server, busy_threshold, timeout_s
):
    """timeout_s 1: the batch sent during the script's first 300 ms is answered BUSY once they pass;
    0.2: the batch times out first, and the PING that judges the timeout is answered BUSY."""
    daemon = hookd_process_factory(redis_timeout_s=timeout_s)
    daemon.send_stop("before")
    wait_for_entries(redis_db, 1)
    script = _run_long_script(redis_server)
    try:
        _wait_for_script(redis_server)
        daemon.send_stop("during")
        wait_until(
            lambda: status(daemon)[1]["redis"]["state"] == "busy_script", timeout=20, what="redis.state busy_script"
        )
        code, said = status(daemon)
        assert code == 1
        assert "BUSY" in said["redis"]["last_error"] and "SCRIPT KILL" in said["redis"]["last_error"]
        assert any("until the script ends" in reason for reason in said["reasons"]), said["reasons"]
        text = subprocess.run(
            [*daemon.proc.args[:2], "hookd", "status"], env=daemon.env, capture_output=True, text=True, timeout=30
        ).stdout
        assert "answering BUSY, running a script" in text, text
        records = log_records(daemon.log_text())
    finally:
        _kill_script(redis_db)
        script.wait(10)
    entries = wait_for_entries(redis_db, 2)
    assert [json.loads(e[b"envelope"])["session_id"] for e in entries] == ["before", "during"]
    events = {r.get("event") for r in records}
    assert "redis_busy_script" in events
    assert not events & {"redis_refused_batch", "redis_link_slow", "redis_holding_writes"}, events
    wait_until(lambda: status(daemon)[1]["redis"]["state"] == "up", what="redis up again")
