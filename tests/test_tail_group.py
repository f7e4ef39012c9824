"""hookd tail --group: a consumer group over the stream of real hookd daemons on a real Redis.

The consumers are the real command, run as subprocesses; one is killed with SIGKILL while
its output pipe is full, so that entries were delivered to it but never acknowledged.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading

from conftest import REPO, wait_for_entries, wait_until
from test_faults import ClientSender, running
from test_tail import tail

STREAM = "hookd:events"


def group_tail(hookd, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return tail(hookd, "--json", *args, timeout=timeout)


def envelopes(done: subprocess.CompletedProcess) -> list[dict]:
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def stored(client) -> list[dict]:
    return [json.loads(fields[b"envelope"]) for _, fields in client.xrange(STREAM)]


def pending(client, group: str = "team") -> int:
    return client.xpending(STREAM, group)["pending"]


def publish(daemon, client, sender: str, n: int) -> None:
    start = client.xlen(STREAM)
    for i in range(n):
        assert (
            daemon.send(json.dumps({"hook_event_name": "Stop", "session_id": sender, "n": i}).encode()).returncode == 0
        )
    wait_for_entries(client, start + n)


def test_a_group_reads_every_entry_of_two_hosts_once_and_acknowledges_it(hookd_factory, redis_db):
    daemons = {host: hookd_factory(host=host) for host in ("alpha", "beta")}
    senders = [ClientSender(d, f"{host}-0", count=15) for host, d in daemons.items()]
    with running(*senders):
        wait_until(
            lambda: not any(s.is_alive() for s in senders), timeout=120, interval=0.2, what="the senders to finish"
        )
    wait_for_entries(redis_db, 30)
    done = group_tail(daemons["alpha"], "--group", "team", "--since", "1h", "--count", "30")
    shown = envelopes(done)
    assert shown == stored(redis_db)
    for host in daemons:  # each host's seq, as the consumer saw it, goes up
        seqs = [e["seq"] for e in shown if e["host"] == host]
        assert len(seqs) == 15 and seqs == sorted(set(seqs))
    assert pending(redis_db) == 0
    [group] = redis_db.xinfo_groups(STREAM)
    assert group["last-delivered-id"] == redis_db.xrevrange(STREAM, count=1)[0][0]

    # the group's position holds: the next run shows only what came after
    publish(daemons["beta"], redis_db, "later", 2)
    again = envelopes(group_tail(daemons["alpha"], "--group", "team", "--count", "2"))
    assert [e["payload"]["n"] for e in again] == [0, 1] and {e["host"] for e in again} == {"beta"}
    assert pending(redis_db) == 0


def test_a_new_group_starts_at_new_events_unless_given_since(hookd, redis_db):
    publish(hookd, redis_db, "old", 2)
    proc = subprocess.Popen(
        [sys.executable, "-m", "hookd", "tail", "--group", "fresh", "--count", "1", "--json"],
        env=hookd.env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until(
            lambda: redis_db.exists(STREAM) and any(g["name"] == b"fresh" for g in redis_db.xinfo_groups(STREAM)),
            what="the group",
        )
        publish(hookd, redis_db, "new", 1)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert json.loads(out)["session_id"] == "new"


def test_filters_in_a_group_acknowledge_what_they_leave_out(hookd, redis_db):
    publish(hookd, redis_db, "aaaa", 2)
    publish(hookd, redis_db, "bbbb", 1)
    done = group_tail(hookd, "--group", "team", "--since", "1h", "--session", "bbbb", "--count", "1")
    assert [e["session_id"] for e in envelopes(done)] == ["bbbb"]
    assert pending(redis_db) == 0


def kill_with_entries_pending(hookd, client, consumer: str, events: int) -> None:
    """Start a consumer whose output nobody reads: it blocks writing, holding every entry
    delivered to it unacknowledged; then kill it with SIGKILL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "hookd", "tail", "--group", "team", "--consumer", consumer, "--since", "1h", "--json"],
        env=hookd.env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(
            lambda: client.exists(STREAM) and client.xinfo_groups(STREAM) and pending(client) == events,
            timeout=30,
            what=f"{events} entries delivered to {consumer} and not acknowledged",
        )
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        proc.stdout.close()
    assert pending(client) == events


def big_events(hookd, client, n: int) -> None:
    # envelopes of about 1 KiB: n of them are more than a pipe holds
    start = client.xlen(STREAM)
    for i in range(n):
        assert (
            hookd.send(
                json.dumps(
                    {"hook_event_name": "Notification", "session_id": "big", "n": i, "message": "x" * 1000}
                ).encode()
            ).returncode
            == 0
        )
    wait_for_entries(client, start + n, timeout=60)


def test_a_consumer_killed_before_acknowledging_shows_its_entries_again_when_it_restarts(hookd, redis_db):
    big_events(hookd, redis_db, 150)
    kill_with_entries_pending(hookd, redis_db, "c1", 150)
    done = group_tail(hookd, "--group", "team", "--consumer", "c1", "--count", "150")
    assert envelopes(done) == stored(redis_db)
    assert pending(redis_db) == 0


def test_another_consumer_takes_over_the_entries_a_killed_one_left_pending(hookd, redis_db):
    big_events(hookd, redis_db, 150)
    kill_with_entries_pending(hookd, redis_db, "c1", 150)
    done = group_tail(hookd, "--group", "team", "--consumer", "c2", "--claim-idle", "1", "--count", "150")
    assert envelopes(done) == stored(redis_db)
    assert pending(redis_db) == 0
    consumers = {c["name"]: c["pending"] for c in redis_db.xinfo_consumers(STREAM, "team")}
    assert consumers == {b"c1": 0, b"c2": 0}


def test_two_live_consumers_share_the_entries_without_repeating_one(hookd, redis_db):
    outputs: dict[str, list[str]] = {"c1": [], "c2": []}
    procs = {
        name: subprocess.Popen(
            [sys.executable, "-m", "hookd", "tail", "--group", "team", "--consumer", name, "--json"],
            env=hookd.env,
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in outputs
    }
    readers = [
        threading.Thread(target=lambda n=name: outputs[n].extend(procs[n].stdout), daemon=True) for name in outputs
    ]
    for reader in readers:
        reader.start()
    try:
        wait_until(
            lambda: (
                redis_db.exists(STREAM)
                and {c["name"] for c in redis_db.xinfo_consumers(STREAM, "team")} == {b"c1", b"c2"}
                if redis_db.exists(STREAM)
                else False
            ),
            timeout=30,
            what="both consumers in the group",
        )
        publish(hookd, redis_db, "shared", 40)
        wait_until(lambda: len(outputs["c1"]) + len(outputs["c2"]) >= 40, timeout=30, what="40 entries shown")
        wait_until(lambda: pending(redis_db) == 0, what="every entry acknowledged")
    finally:
        for proc in procs.values():
            proc.send_signal(signal.SIGINT)
        for proc in procs.values():
            proc.wait(30)
    shown = [json.loads(line)["event_id"] for name in outputs for line in outputs[name]]
    assert sorted(shown) == sorted(e["event_id"] for e in stored(redis_db))
    assert all(proc.returncode == 130 for proc in procs.values())  # Ctrl-C, without a traceback


def test_consumer_without_group_is_refused(hookd):
    done = tail(hookd, "--consumer", "c1")
    assert done.returncode == 2 and "--group" in done.stderr


def test_a_group_lost_with_redis_data_is_created_again_and_reading_goes_on(hookd, redis_server, redis_db):
    proc = subprocess.Popen(
        [sys.executable, "-m", "hookd", "tail", "--group", "team", "--count", "1", "--json"],
        env=hookd.env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until(lambda: redis_db.exists(STREAM), what="the group and its stream")
        redis_server.stop()  # the test's Redis keeps nothing: the stream and the group are gone
        redis_server.start()
        wait_until(
            lambda: (
                proc.poll() is not None
                or hookd.send(json.dumps({"hook_event_name": "Stop", "session_id": "after"}).encode()).returncode != 0
            ),
            timeout=60,
            interval=0.3,
            what="tail to show an event after the restart",
        )
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert json.loads(out)["session_id"] == "after"
    assert "created again" in err
