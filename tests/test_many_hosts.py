"""Many hosts, one stream: two real hookd daemons, each with its own host identity, state
directory and socket, publishing to one Redis stream.

Each event body names its sender and a number unique to that sender (as in test_faults);
the real hook-send delivers them. Every handed-over event of each host must be in the
stream exactly once, in send order, with that host's ``seq`` strictly increasing along the
stream, whatever the other host does meanwhile (including being killed with SIGKILL).
"""

from __future__ import annotations

import pytest
import collections
import json
import random
import signal

from conftest import sender_marks, wait_until
from test_faults import SEED, ClientSender, FramedSender, client_send, restart_under_load, running

STREAM = "hookd:events"
HOSTS = ("alpha", "beta")


def host_entries(client) -> dict[str, list[tuple[int, str, int]]]:
    """Per host, (seq, sender, n) of its entries in stream order; each entry checked on the way."""
    by_host: dict[str, list[tuple[int, str, int]]] = collections.defaultdict(list)
    for entry_id, fields in client.xrange(STREAM):
        envelope = json.loads(fields[b"envelope"])
        host = fields[b"host"].decode()
        assert envelope["host"] == host, f"{entry_id}: host field {host} != envelope {envelope['host']}"
        assert int(fields[b"seq"]) == envelope["seq"], f"{entry_id}: seq field != envelope seq"
        payload = envelope["payload"]
        by_host[host].append((envelope["seq"], payload["sender"], payload["n"]))
    return by_host


def finish(daemons: dict, client) -> dict[str, list[tuple[int, str, int]]]:
    """Send each host a closing event and wait until both are published.

    A host's events are published in its spool's order, so once its closing event is in
    the stream, every earlier event of that host that will ever be published is too.
    """
    for host, daemon in daemons.items():
        assert client_send(daemon, f"end-{host}", 0) == "delivered"

    def closed() -> bool:
        entries = host_entries(client)
        return all(any(s == f"end-{h}" for _, s, _ in entries.get(h, [])) for h in daemons)

    wait_until(closed, timeout=60, interval=0.1, what="each host's closing event")
    entries = host_entries(client)
    for host in daemons:
        assert entries[host][-1][1] == f"end-{host}", f"{host}: an event was published after its closing event"
    return {host: rows[:-1] for host, rows in entries.items()}


def assert_exactly_once_in_order(rows: list[tuple[int, str, int]], handed: dict[str, list[int]]) -> None:
    seqs = [seq for seq, _, _ in rows]
    assert all(a < b for a, b in zip(seqs, seqs[1:])), "seq does not increase along the host's entries"
    got: dict[str, list[int]] = collections.defaultdict(list)
    for _, sender, n in rows:
        got[sender].append(n)
    assert set(got) == set(handed), (sorted(got), sorted(handed))
    for sender, numbers in handed.items():
        assert got[sender] == numbers, (
            f"{sender}: {len(numbers)} handed over, {len(got[sender])} published; "
            f"missing {sorted(set(numbers) - set(got[sender]))[:20]}, "
            f"repeated {sorted(n for n, c in collections.Counter(got[sender]).items() if c > 1)[:20]}"
        )


def two_hosts(hookd_factory) -> dict:
    daemons = {host: hookd_factory(host=host) for host in HOSTS}
    assert daemons["alpha"].state_dir != daemons["beta"].state_dir
    assert daemons["alpha"].socket != daemons["beta"].socket
    return daemons


def test_two_hosts_sending_at_once_each_arrive_once_in_their_own_order(hookd_factory, redis_db):
    daemons = two_hosts(hookd_factory)
    senders = [ClientSender(daemons[host], f"{host}-{i}", count=30) for host in HOSTS for i in range(2)]
    with running(*senders):
        wait_until(
            lambda: not any(s.is_alive() for s in senders), timeout=300, interval=0.2, what="the senders to finish"
        )
    assert [p for s in senders for p in s.problems] == []
    entries = finish(daemons, redis_db)
    for host in HOSTS:
        assert_exactly_once_in_order(entries[host], {s.sender: s.handed for s in senders if s.sender.startswith(host)})
    # each host's mark is its own last seq: neither holds the other back
    marks = sender_marks(redis_db)
    assert set(marks) == {f"{h}/{instance_of(daemons[h])}".encode() for h in HOSTS}
    assert {int(marks[f"{h}/{instance_of(daemons[h])}".encode()]) for h in HOSTS} == {
        host_entries(redis_db)[h][-1][0] for h in HOSTS
    }


def instance_of(daemon) -> str:
    # The socket accepts (its backlog holds clients) before start-up has made the instance id.
    path = daemon.state_dir / "sequence.instance"
    wait_until(path.exists, what=f"{path} to be made")
    return path.read_text().strip()


def test_two_daemons_sharing_a_host_name_each_arrive_once_in_their_own_order(hookd_factory, redis_db):
    # Two users on one machine, both with the default identity (the host name): each daemon
    # numbers its events on its own, and neither's numbers may hide the other's events.
    daemons = {name: hookd_factory(host="shared") for name in ("first", "second")}
    instances = {name: instance_of(d) for name, d in daemons.items()}
    assert len(set(instances.values())) == 2
    senders = [ClientSender(daemons[name], f"{name}-{i}", count=30) for name in daemons for i in range(2)]
    with running(*senders):
        wait_until(
            lambda: not any(s.is_alive() for s in senders), timeout=300, interval=0.2, what="the senders to finish"
        )
    assert [p for s in senders for p in s.problems] == []
    for name, daemon in daemons.items():
        assert client_send(daemon, f"end-{name}", 0) == "delivered"
    by_instance: dict[str, list[tuple[int, str, int]]] = collections.defaultdict(list)

    def closed() -> bool:
        by_instance.clear()
        for _, fields in redis_db.xrange(STREAM):
            envelope = json.loads(fields[b"envelope"])
            assert fields[b"host"] == b"shared" and envelope["host"] == "shared"
            assert fields[b"instance"].decode() == envelope["instance"]
            payload = envelope["payload"]
            by_instance[envelope["instance"]].append((envelope["seq"], payload["sender"], payload["n"]))
        return all(any(s == f"end-{n}" for _, s, _ in by_instance.get(i, [])) for n, i in instances.items())

    wait_until(closed, timeout=60, interval=0.1, what="each daemon's closing event")
    for name, instance in instances.items():
        rows = by_instance[instance]
        assert rows[-1][1] == f"end-{name}"
        assert_exactly_once_in_order(rows[:-1], {s.sender: s.handed for s in senders if s.sender.startswith(name)})


@pytest.mark.process
def test_a_host_killed_and_restarted_mid_flow_still_publishes_each_event_once(hookd_factory, redis_db):
    rng = random.Random(SEED)
    daemons = two_hosts(hookd_factory)
    # alpha: the real hook-send and a fast raw sender (which keeps unanswered frames in the
    # inbox, as hook-send does); beta: the real hook-send, undisturbed
    raw = FramedSender(daemons["alpha"], "alpha-raw", chunk=20, rate=1000)
    senders = [
        ClientSender(daemons["alpha"], "alpha-0", interval=0.005),
        ClientSender(daemons["beta"], "beta-0", interval=0.005),
        raw,
    ]
    with running(*senders):
        restart_under_load(daemons["alpha"], [raw], senders[0], signal.SIGKILL, rounds=3, rng=rng)
    assert [p for s in senders for p in s.problems] == []
    print(f"seed {SEED}; raw {raw.oks} OK, {raw.inboxed} inbox; clients {[dict(s.outcomes) for s in senders[:2]]}")
    assert raw.oks and senders[0].handed and senders[1].handed
    entries = finish(daemons, redis_db)
    assert_exactly_once_in_order(entries["alpha"], {"alpha-raw": raw.handed, "alpha-0": senders[0].handed})
    assert_exactly_once_in_order(entries["beta"], {"beta-0": senders[1].handed})
