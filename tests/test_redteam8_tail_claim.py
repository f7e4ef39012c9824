"""Red team, eighth pass (after): `hookd tail --group` taking over entries (XAUTOCLAIM) whose reply is
too large for the readers' bound, or of a shape Redis never sends.

XAUTOCLAIM takes up to 100 entries another consumer left pending, and Redis gives them to this
consumer whether or not the reply reaches it. A reply past 64 MiB (an entry that large among them)
was dropped and said as Redis lost ("retrying every second", then "redis is back"), though Redis was
there all along; the claimed entries were then read as this consumer's own. Now the claimed entries
are read an entry at a time at once, the one too large skipped and acknowledged, naming it, and
nothing says Redis was lost. A reply of another shape, or one announcing more than memory holds
without naming an entry, is said once as the server not answering as Redis; tail goes on and takes
the entries over once the answers are Redis's.
"""

from __future__ import annotations

import socket

import pytest
from test_redteam7_tail import run_tail, xadd
from test_redteam8_redis_replies import STREAM_LIES, ShapeLiar, finish, start_tail

from conftest import wait_until
from hookd.publish.replies import READER_REPLY_BYTES

STREAM = "hookd:events"


def leave_pending(redis_db, consumer: str, count: int) -> None:
    """Deliver the group's next ``count`` entries to ``consumer``, which never reads them (nor the
    reply: the test's process stays small) and never acknowledges them."""
    kwargs = redis_db.connection_pool.connection_kwargs
    words = [
        b"XREADGROUP",
        b"GROUP",
        b"readers",
        consumer.encode(),
        b"COUNT",
        b"%d" % count,
        b"STREAMS",
        STREAM.encode(),
        b">",
    ]
    with socket.create_connection((kwargs["host"], kwargs["port"])) as sock:
        sock.sendall(b"*%d\r\n" % len(words) + b"".join(b"$%d\r\n%s\r\n" % (len(w), w) for w in words))
        wait_until(lambda: redis_db.xpending(STREAM, "readers")["pending"] == count, what="the entries delivered")


def idle_since_ms(redis_db, ms: int) -> bool:
    rows = redis_db.xpending_range(STREAM, "readers", "-", "+", 100)
    return all(row["time_since_delivered"] >= ms for row in rows)


def test_entries_claimed_in_a_reply_too_large_are_read_one_at_a_time(hookd, redis_db, tmp_path):
    redis_db.xgroup_create(STREAM, "readers", id="0", mkstream=True)
    xadd(redis_db, "before", "echo before")
    huge_id = xadd(redis_db, "huge", "echo huge", padding=READER_REPLY_BYTES + (8 << 20))
    xadd(redis_db, "after", "echo after")
    leave_pending(redis_db, "gone", 3)
    wait_until(lambda: idle_since_ms(redis_db, 200), what="the entries to be idle for the claim")
    args = ("--group", "readers", "--consumer", "one", "--claim-idle", "0.1", "--count", "2")
    done, peak = run_tail(hookd, tmp_path, *args)
    print(f"tail --group peaked at {peak} MB claiming a {(READER_REPLY_BYTES >> 20) + 8} MB entry")
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert "echo before" in done.stdout and "echo after" in done.stdout, (done.stdout, done.stderr)
    assert "echo huge" not in done.stdout
    assert huge_id in done.stderr and "skipped" in done.stderr, done.stderr
    assert "retrying" not in done.stderr and "redis is back" not in done.stderr, done.stderr
    assert redis_db.xpending(STREAM, "readers")["pending"] == 0
    assert peak < 160, f"tail held {peak} MB"


CLAIM_LIES = {
    **{name: (reply, "reply to XAUTOCLAIM is not Redis's") for name, reply in STREAM_LIES.items()},
    "deleted_ids_not_a_list": (b"*3\r\n$3\r\n0-0\r\n*0\r\n:5\r\n", "reply to XAUTOCLAIM is not Redis's"),
    # hiredis asks for the list at once; no entry is named before it
    "more_entries_than_memory_holds": (b"*3\r\n$3\r\n0-0\r\n*4000000000\r\n", "more elements than memory holds"),
}


@pytest.mark.parametrize("lie", sorted(CLAIM_LIES))
def test_a_claim_answered_as_redis_never_does_is_said_and_tail_goes_on(hookd, redis_server, redis_db, lie):
    reply, said = CLAIM_LIES[lie]
    redis_db.xgroup_create(STREAM, "readers", id="0", mkstream=True)
    xadd(redis_db, "left", "echo left")
    leave_pending(redis_db, "gone", 1)
    proxy = ShapeLiar(redis_server.port, {b"XAUTOCLAIM": reply})
    try:
        env = {**hookd.env, "HOOKD_REDIS_URL": f"redis://127.0.0.1:{proxy.port}/0"}
        tail = start_tail(env, "--group", "readers", "--consumer", "one", "--claim-idle", "0.1")
        wait_until(lambda: proxy.lied >= 1 or tail.poll() is not None, timeout=30, what="tail to claim")
        proxy.lies.clear()  # the next claim (a second or so later) is Redis's own
        code, out, err = finish(tail)
    finally:
        proxy.close()
    assert "Traceback" not in err, err
    assert code == 0 and "echo left" in out, (code, out, err)
    assert err.count(said) == 1, err
    assert redis_db.xpending(STREAM, "readers")["pending"] == 0
