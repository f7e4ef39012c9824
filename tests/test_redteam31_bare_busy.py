"""A BUSY answer with no words after it (a proxy's own, or a module's empty busy reply) is said as BUSY.

pace.is_busy took an error for BUSY only when the code was followed by a space and words, as Redis's
own reply is: a bare `-BUSY` made hookd say `refusing` ("answers but refuses every batch", the log's
`redis_refused_batch`) while its message gave BUSY's fix (SCRIPT KILL). Now the error's first word
decides. Real redis-server behind tests/redis_proxy.py, real `hookd run`.
"""

from __future__ import annotations

import json

import pytest
from conftest import log_records, wait_for_entries, wait_until
from test_disk_full import status

from redis_proxy import RedisProxy

pytestmark = pytest.mark.process


class BareBusy(RedisProxy):
    """Answers every EVALSHA, EVAL and PING with a bare `-BUSY` while ``busy``."""

    busy = True

    def intercept(self, command, client, server, lock) -> bool:
        if self.busy and any(word in command.upper() for word in (b"EVALSHA", b"EVAL", b"PING")):
            with lock:
                client.sendall(b"-BUSY\r\n")
            return True
        return False


def test_a_bare_busy_answer_is_busy_script_not_refusing(hookd_process_factory, redis_server, redis_db):
    proxy = BareBusy(("127.0.0.1", redis_server.port))
    try:
        daemon = hookd_process_factory(redis_url=f"redis://127.0.0.1:{proxy.port}/0", breaker_backoff_max_s="1")
        daemon.send_stop("waiting")
        wait_until(lambda: status(daemon)[1]["redis"]["state"] != "unknown", what="redis.state known")
        code, said = status(daemon)
        assert (code, said["redis"]["state"]) == (1, "busy_script"), said["redis"]
        events = {r.get("event") for r in log_records(daemon.log_text())}
        assert "redis_busy_script" in events and "redis_refused_batch" not in events, events
        proxy.busy = False
        entries = wait_for_entries(redis_db, 1)
        assert [json.loads(e[b"envelope"])["session_id"] for e in entries] == ["waiting"]
    finally:
        proxy.close()
