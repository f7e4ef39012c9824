"""Red team, twenty-third pass: a Redis that refuses writes for its own state, not the stream's.

A Redis made a replica (REPLICAOF, or an old master that came back as one) answers READONLY; one
whose `min-replicas-to-write` is not met answers NOREPLICAS. The publish script added its advice
for a stream key of another type to every refusal but OOM, so status and the log told the user
to "make it a stream hookd can add to (delete or rename what is there), or set stream to another
name": the wrong fix, and one that deletes the stream if followed. Now these refusals say what
the server's state is and what to change there; the events wait in the spool, and reach the stream
once each when the server takes writes again.
"""

from __future__ import annotations

import json

import pytest

from conftest import RedisServer, free_port, stream_entries, wait_until
from test_status import status_json

STOP = json.dumps({"hook_event_name": "Stop", "session_id": "kept"}).encode()
FAULTS = {
    "read_only_replica": (
        lambda client: client.execute_command("REPLICAOF", "127.0.0.1", free_port()),
        lambda client: client.execute_command("REPLICAOF", "NO", "ONE"),
        "read-only replica: point redis_url at its master",
    ),
    "too_few_replicas": (
        lambda client: client.config_set("min-replicas-to-write", 1),
        lambda client: client.config_set("min-replicas-to-write", 0),
        "lower min-replicas-to-write there",
    ),
}


@pytest.fixture
def own_redis(tmp_path):
    server = RedisServer(tmp_path / "own-redis")
    server.start()
    yield server
    server.stop()


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_server_refusing_writes_is_named_with_its_own_fix(hookd_factory, own_redis, fault):
    break_it, mend_it, fix = FAULTS[fault]
    daemon = hookd_factory(redis_url=own_redis.url)
    client = own_redis.client()
    break_it(client)
    assert daemon.request(b"HOOKD/1 %d\n%s" % (len(STOP), STOP)).startswith(b"OK ")

    def refusing() -> dict | None:
        code, status = status_json(daemon)
        return status if code == 1 and status["redis"]["state"] == "refusing" else None

    status = wait_until(refusing, timeout=30, what="status to say Redis refuses the batch")
    said = " ".join(status["reasons"])
    assert fix in said, said
    # Before: the advice for a key of another type, whatever the refusal.
    assert "delete or rename" not in said and "set stream to another name" not in said, said

    mend_it(client)
    wait_until(lambda: len(stream_entries(client)) == 1, timeout=30, what="the event in the stream")
    wait_until(lambda: status_json(daemon)[0] == 0, timeout=30, what="status healthy again")
    assert json.loads(stream_entries(client)[0][b"envelope"])["session_id"] == "kept"
