"""Faults on real processes: Redis stopped, wiped or answering errors; hookd killed, absent or
restarted under load; a damaged spool.

Every test checks by content. Each event body carries the name of its sender and a number
unique to that sender; an event counts as handed over when the sender got ``OK`` for it or
when it went to the inbox (hook-send's fallback, which the raw senders here imitate, byte
for byte, with the same hand-off id). The stream must then hold every handed-over event
exactly once, each sender's events in the order they were sent, with ``seq`` strictly
increasing along the stream. A closing event is sent last and waited for: once it is in
the stream, every earlier event that will ever be published is too, so missing events and
late duplicates are both caught without guessing at timings.

The kill and restart tests use a fixed random seed (HOOKD_FAULT_SEED to change it), printed
so that a failure can be replayed.
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import json
import os
import random
import signal
import socket
import struct
import threading
import time
import zlib
from pathlib import Path

import msgspec
import pytest
import redis
from conftest import RedisServer, free_port, wait_until
from conftest import log_records as json_log_records

STREAM = "hookd:events"
SEED = int(os.environ.get("HOOKD_FAULT_SEED", "20251121"))
# The real client's deadline in these tests: generous, so that a busy two-core machine does
# not turn a slow OK into an inbox copy (the client's deadline is not what is tested here).
CLIENT_TIMEOUT_MS = "5000"


# ---------------------------------------------------------------- events and frames


def body(sender: str, n: int) -> bytes:
    return json.dumps(
        {
            "hook_event_name": "PreToolUse",
            "session_id": f"fault-{sender}",
            "tool_name": "Bash",
            "sender": sender,
            "n": n,
        }
    ).encode()


def handoff_id(sender: str, n: int) -> str:
    return f"{sender}-{n:09d}"


def frame(sender: str, n: int, sent_ns: int) -> bytes:
    b = body(sender, n)
    return b"HOOKD/1 %d sent=%d pid=%d id=%s\n" % (len(b), sent_ns, os.getpid(), handoff_id(sender, n).encode()) + b


def write_inbox_file(daemon, sender: str, n: int, sent_ns: int, data: bytes) -> None:
    """What hook-send does when the daemon does not answer: a temporary file, renamed."""
    inbox = daemon.state_dir / "inbox"
    inbox.mkdir(parents=True, exist_ok=True, mode=0o700)
    hid = handoff_id(sender, n)
    tmp = inbox / f".tmp-{hid}"
    tmp.write_bytes(data)
    tmp.rename(inbox / f"{sent_ns:020d}-{os.getpid()}-{hid}.hookd")


# ---------------------------------------------------------------- senders


class FramedSender(threading.Thread):
    """A busy client on one persistent connection at a time: chunks of frames, one reply each.

    Frames the daemon did not answer with OK (the connection broke, or ``ERR unavailable``)
    are written to the inbox with their hand-off id, as hook-send would, before the sender
    connects again; so every number it used is handed over. ``down`` is set while it is not
    connected and has nothing unanswered: a test restarting hookd waits for it, so that the
    inbox copies are there before the new daemon's start-up sweep.
    """

    def __init__(
        self,
        daemon,
        sender: str,
        count: int | None = None,
        chunk: int = 25,
        rate: float | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        super().__init__(name=f"sender-{sender}", daemon=True)
        self.hookd = daemon
        self.sender = sender
        self.count = count  # None: until ``stop`` is set
        self.chunk = chunk
        self.rate = rate  # frames per second, at most
        self.stop_event = stop or threading.Event()
        self.next = 0
        self.last_ns = 0
        self.handed: list[int] = []  # in send order
        self.oks = 0
        self.inboxed = 0
        self.problems: list[str] = []
        self.down = threading.Event()
        self.down.set()
        self.started_at = 0.0

    def more(self) -> bool:
        return not self.stop_event.is_set() and (self.count is None or self.next < self.count)

    def run(self) -> None:
        self.started_at = time.monotonic()
        try:
            while self.more():
                self.down.clear()
                pending: list[tuple[int, int, bytes]] = []
                try:
                    with socket.socket(socket.AF_UNIX) as sock:
                        sock.settimeout(30)
                        try:
                            sock.connect(str(self.hookd.socket))
                        except OSError:
                            self.down.set()
                            time.sleep(0.02)
                            continue
                        self._converse(sock, pending)
                except TimeoutError:
                    self.problems.append(f"no reply within 30 s after {self.oks} OKs")
                except OSError:
                    pass  # the daemon went away: what it did not answer goes to the inbox
                finally:
                    for n, sent_ns, data in pending:
                        write_inbox_file(self.hookd, self.sender, n, sent_ns, data)
                        self.handed.append(n)
                        self.inboxed += 1
                    self.down.set()
        except Exception as exc:  # noqa: BLE001 -- a bug in the test: report it, do not hang
            self.problems.append(f"sender crashed: {exc!r}")
        finally:
            self.down.set()

    def _converse(self, sock: socket.socket, pending: list) -> None:
        buf = b""
        while self.more():
            batch = []
            while len(batch) < self.chunk and self.more():
                n = self.next
                self.next += 1
                self.last_ns = sent_ns = max(self.last_ns + 1, time.time_ns())
                batch.append((n, sent_ns, frame(self.sender, n, sent_ns)))
            pending.extend(batch)
            sock.sendall(b"".join(data for _, _, data in batch))
            while pending:
                while b"\n" not in buf:
                    chunk = sock.recv(65536)
                    if not chunk:
                        return
                    buf += chunk
                line, _, buf = buf.partition(b"\n")
                if line.startswith(b"ERR unavailable"):
                    return  # shutting down: this frame and the rest are to be kept and resent
                n = pending.pop(0)[0]
                if line.startswith(b"OK "):
                    self.handed.append(n)
                    self.oks += 1
                else:
                    self.problems.append(f"{self.sender} {n}: {line[:200]!r}")
            if self.rate:
                ahead = self.started_at + self.next / self.rate - time.monotonic()
                if ahead > 0:
                    time.sleep(ahead)


class ClientSender(threading.Thread):
    """The real hook-send, run again and again; it says (HOOKD_DEBUG=1) where each event went.

    ``paused()`` holds it between two runs: a test restarting hookd does so while no
    hook-send is half-way through, so that an inbox file is never written after the new
    daemon's start-up sweep (which would put it behind later events of the same sender).
    """

    def __init__(
        self, daemon, sender: str, count: int | None = None, interval: float = 0.0, stop: threading.Event | None = None
    ) -> None:
        super().__init__(name=f"client-{sender}", daemon=True)
        self.hookd = daemon
        self.sender = sender
        self.count = count
        self.interval = interval
        self.stop_event = stop or threading.Event()
        self.lock = threading.Lock()
        self.handed: list[int] = []
        self.outcomes: collections.Counter = collections.Counter()
        self.problems: list[str] = []

    def run(self) -> None:
        n = 0
        try:
            while not self.stop_event.is_set() and (self.count is None or n < self.count):
                with self.lock:
                    outcome = client_send(self.hookd, self.sender, n)
                self.outcomes[outcome] += 1
                if outcome in ("delivered", "inbox"):
                    self.handed.append(n)
                else:
                    self.problems.append(f"{self.sender} {n}: {outcome}")
                n += 1
                time.sleep(self.interval or 0.002)  # lets paused() get the lock
        except Exception as exc:  # noqa: BLE001 -- a bug in the test: report it, do not hang
            self.problems.append(f"client sender crashed: {exc!r}")

    @contextlib.contextmanager
    def paused(self):
        with self.lock:
            yield


def client_send(daemon, sender: str, n: int, **env: str) -> str:
    """Run hook-send once: 'delivered', 'inbox', or what went wrong."""
    result = daemon.send(
        body(sender, n),
        HOOKD_DEBUG="1",
        HOOKD_SEND_TIMEOUT_MS=env.pop("HOOKD_SEND_TIMEOUT_MS", CLIENT_TIMEOUT_MS),
        **env,
    )
    err = result.stderr.decode(errors="replace")
    if result.returncode != 0 or result.stdout:
        return f"exit {result.returncode}, stdout {result.stdout[:100]!r}, stderr {err!r}"
    if "event delivered" in err:
        return "delivered"
    if "saved to inbox" in err:
        return "inbox"
    return f"unexpected: {err.strip()!r}"


def send_framed(daemon, sender: str, count: int) -> FramedSender:
    """Send ``count`` framed events on one connection, in the calling thread; all must be OK."""
    sender_ = FramedSender(daemon, sender, count=count, chunk=50)
    sender_.run()
    assert sender_.problems == [] and (sender_.oks, sender_.inboxed) == (count, 0), (
        sender_.problems,
        sender_.oks,
        sender_.inboxed,
    )
    return sender_


def send_with_client(daemon, sender: str, numbers, expect: str) -> list[int]:
    numbers = list(numbers)
    outcomes = [client_send(daemon, sender, n) for n in numbers]
    assert outcomes == [expect] * len(numbers), outcomes
    return numbers


@contextlib.contextmanager
def running(*threads):
    """Start sender threads; on the way out (also on a failure) stop them and wait for them."""
    for t in threads:
        t.start()
    try:
        yield
    finally:
        for t in threads:
            t.stop_event.set()
        for t in threads:
            t.join(60)
            assert not t.is_alive(), f"{t.name} did not stop"


# ---------------------------------------------------------------- reading the stream back


_closing_numbers = itertools.count()


def published(client: redis.Redis) -> list[tuple[str, int]]:
    """(sender, n) of every stream entry in stream order, checking each entry on the way."""
    entries = []
    last_seq = 0
    event_ids = set()
    for entry_id, fields in client.xrange(STREAM):
        envelope = json.loads(fields[b"envelope"])
        seq = envelope["seq"]
        assert int(fields[b"seq"]) == seq, f"{entry_id}: seq field {fields[b'seq']} != envelope {seq}"
        assert seq > last_seq, f"{entry_id}: seq {seq} does not increase (previous {last_seq})"
        last_seq = seq
        assert envelope["event_id"] not in event_ids, f"{entry_id}: event_id repeated"
        event_ids.add(envelope["event_id"])
        payload = envelope["payload"]
        assert payload == json.loads(body(payload["sender"], payload["n"])), payload
        entries.append((payload["sender"], payload["n"]))
    return entries


def finish(daemon, client: redis.Redis, timeout: float = 90) -> list[tuple[str, int]]:
    """Send a closing event, wait until it is published, and return the entries before it.

    Publishing goes in spool order, so once the closing event is in the stream, every
    earlier event that will ever be published is in it too.
    """
    n = next(_closing_numbers)
    reply = daemon.request(frame("end", n, time.time_ns()))
    assert reply.startswith(b"OK "), reply

    def closing_event_is_last() -> bool:
        last = client.xrevrange(STREAM, count=1)
        return bool(last) and json.loads(last[0][1][b"envelope"])["payload"] == json.loads(body("end", n))

    wait_until(closing_event_is_last, timeout=timeout, interval=0.05, what="the closing event to be published")
    entries = published(client)
    assert entries[-1] == ("end", n) and entries.count(("end", n)) == 1
    return entries[:-1]


def assert_each_sender_exactly_once_in_order(
    entries, expected: dict[str, list[int]], lost_with_redis: tuple[str, ...] = ()
) -> None:
    """Each sender's entries are exactly its handed-over numbers, in order.

    ``lost_with_redis``: senders whose events Redis may have lost with its data; they may
    be missing, but none may appear twice.
    """
    by_sender: dict[str, list[int]] = collections.defaultdict(list)
    for sender, n in entries:
        by_sender[sender].append(n)
    unknown = set(by_sender) - set(expected) - set(lost_with_redis)
    assert not unknown, f"entries from senders that sent nothing: {sorted(unknown)}"
    for sender in lost_with_redis:
        repeated = [n for n, c in collections.Counter(by_sender[sender]).items() if c > 1]
        assert not repeated, f"{sender}: published twice: {repeated[:20]}"
    for sender, numbers in expected.items():
        got = by_sender.get(sender, [])
        if got == numbers:
            continue
        counts = collections.Counter(got)
        missing = sorted(set(numbers) - set(got))
        repeated = sorted(n for n, c in counts.items() if c > 1)
        extra = sorted(set(got) - set(numbers))
        first_out_of_order = next((i for i in range(1, len(got)) if got[i] <= got[i - 1]), None)
        pytest.fail(
            f"sender {sender}: {len(numbers)} handed over, {len(got)} published; "
            f"missing {len(missing)} {missing[:20]}, repeated {len(repeated)} {repeated[:20]}, "
            f"never handed over {extra[:20]}, first out of order at position "
            f"{first_out_of_order} "
            f"({got[first_out_of_order - 1 : first_out_of_order + 1] if first_out_of_order else ''})"
            f" (seed {SEED})"
        )


def log_records(daemon) -> list[dict]:
    return json_log_records(daemon.log_text())


def log_mentions(daemon, text: str) -> bool:
    return any(text in json.dumps(r) for r in log_records(daemon))


# ---------------------------------------------------------------- Redis helpers


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server of the test's own, on its own free port, that the test may break."""
    server = RedisServer(tmp_path / "own-redis")
    server.start()
    yield server
    server.stop()


def shutdown_keeping_data(server: RedisServer) -> None:
    """Stop redis-server after it has saved its data, so that a restart loads it back."""
    # On a plain socket: redis-py would retry the command on the connection it closes.
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as conn:
        conn.sendall(b"SHUTDOWN SAVE\r\n")
        assert conn.recv(1024) == b"", "redis-server refused to shut down"
    server.proc.wait(30)
    server.proc = None
    assert (server.workdir / "dump.rdb").exists()


def stop_wiping_data(server: RedisServer) -> None:
    server.stop()  # --save "": nothing is written on the way out
    (server.workdir / "dump.rdb").unlink(missing_ok=True)


# ================================================================ 1. Redis faults


def test_twenty_thousand_events_arrive_once_in_order_across_a_redis_outage(hookd_factory, own_redis):
    daemon = hookd_factory(redis_url=own_redis.url)
    client = own_redis.client()
    real = ClientSender(daemon, "client", count=60, interval=0.12)
    raw_total = 20_000 - real.count
    shares = [raw_total // 3 + (1 if i < raw_total % 3 else 0) for i in range(3)]
    raws = [FramedSender(daemon, f"raw{i}", count=share, chunk=25, rate=share / 8) for i, share in enumerate(shares)]

    with running(real, *raws):
        wait_until(
            lambda: sum(s.oks for s in raws) >= 5_000, timeout=60, what="5,000 events accepted before the outage"
        )
        shutdown_keeping_data(own_redis)
        oks_at_stop = sum(s.oks for s in raws)
        wait_until(
            lambda: log_mentions(daemon, "refused the connection"),
            timeout=30,
            what="the daemon to log that Redis refused the connection",
        )
        time.sleep(3)  # several seconds of outage while events keep coming
        oks_at_restart = sum(s.oks for s in raws)
        print(f"Redis stopped after {oks_at_stop} raw OKs, started again after {oks_at_restart}")
        own_redis.start()
        for t in (real, *raws):
            t.join(120)

    problems = real.problems + [p for s in raws for p in s.problems]
    assert problems == []
    assert [s.oks for s in raws] == shares and all(s.inboxed == 0 for s in raws)
    assert real.outcomes == {"delivered": 60}, "hook-send fell back to the inbox while hookd was up"
    assert oks_at_stop < oks_at_restart < raw_total, "the outage should have come in the middle of the stream of events"
    entries = finish(daemon, client)
    assert len(entries) == 20_000
    assert_each_sender_exactly_once_in_order(entries, {s.sender: s.handed for s in (real, *raws)})
    assert log_mentions(daemon, '"redis_up"')
    assert daemon.stop() == 0


def test_events_spooled_while_redis_restarts_without_its_data_arrive_once_in_order(hookd_factory, own_redis):
    daemon = hookd_factory(redis_url=own_redis.url)
    client = own_redis.client()
    send_framed(daemon, "before", 300)
    send_with_client(daemon, "client-before", range(5), "delivered")
    wait_until(lambda: client.xlen(STREAM) == 305, timeout=30, what="the events before the wipe")

    stop_wiping_data(own_redis)
    during = send_framed(daemon, "during", 400).handed
    during_client = send_with_client(daemon, "client-during", range(5), "delivered")
    wait_until(
        lambda: log_mentions(daemon, "refused the connection"),
        timeout=30,
        what="the daemon to log that Redis refused the connection",
    )
    own_redis.start()
    after = send_framed(daemon, "after", 300).handed
    after_client = send_with_client(daemon, "client-after", range(5), "delivered")

    entries = finish(daemon, client)
    # What Redis had before the wipe is gone with it; a batch whose answer was lost in the
    # wipe may come back once, but nothing from before may come back twice.
    survivors = [e for e in entries if e[0] not in ("before", "client-before")]
    assert survivors == (
        [("during", n) for n in during]
        + [("client-during", n) for n in during_client]
        + [("after", n) for n in after]
        + [("client-after", n) for n in after_client]
    )
    assert_each_sender_exactly_once_in_order(
        entries,
        {"during": during, "client-during": during_client, "after": after, "client-after": after_client},
        lost_with_redis=("before", "client-before"),
    )
    assert daemon.inbox() == []


@pytest.mark.process
def test_redis_out_of_memory_keeps_events_spooled_until_it_has_room(hookd_factory, own_redis):
    daemon = hookd_factory(redis_url=own_redis.url)
    client = own_redis.client()
    sent: dict[str, list[int]] = {}
    sent["before"] = send_framed(daemon, "before", 200).handed
    sent["client-before"] = send_with_client(daemon, "client-before", range(3), "delivered")
    wait_until(lambda: client.xlen(STREAM) == 203, timeout=30, what="the events before the fault")

    client.config_set("maxmemory-policy", "noeviction")
    client.config_set("maxmemory", 1)
    try:
        sent["during"] = send_framed(daemon, "during", 300).handed
        sent["client-during"] = send_with_client(daemon, "client-during", range(5), "delivered")
        # The OOM error, as redis-py words it (it strips the "OOM" code).
        wait_until(
            lambda: log_mentions(daemon, "command not allowed when used memory > 'maxmemory'"),
            timeout=30,
            what="the daemon to log Redis's OOM error",
        )
        assert client.xlen(STREAM) == 203
    finally:
        client.config_set("maxmemory", 0)
    sent["after"] = send_framed(daemon, "after", 200).handed
    sent["client-after"] = send_with_client(daemon, "client-after", range(3), "delivered")

    entries = finish(daemon, client)
    assert entries == [(sender, n) for sender, numbers in sent.items() for n in numbers]
    assert daemon.inbox() == []
    assert daemon.proc.poll() is None


def test_a_read_only_replica_keeps_events_spooled_until_it_is_promoted(hookd_factory, own_redis, tmp_path):
    master = RedisServer(tmp_path / "master")
    master.start()
    master.client().config_set("repl-diskless-sync-delay", 0)  # sync at once, not after 5 s
    daemon = hookd_factory(redis_url=own_redis.url)
    client = own_redis.client()
    try:
        send_framed(daemon, "before", 200)
        wait_until(lambda: client.xlen(STREAM) == 200, timeout=30, what="the events before the fault")

        client.execute_command("REPLICAOF", "127.0.0.1", master.port)
        # Once in sync with its (empty) master, the replica's own data is gone.
        wait_until(
            lambda: client.info("replication").get("master_link_status") == "up",
            timeout=30,
            what="the replica to sync with its master",
        )
        during = send_framed(daemon, "during", 300).handed
        during_client = send_with_client(daemon, "client-during", range(5), "delivered")
        # The READONLY error, as redis-py words it (it strips the "READONLY" code).
        wait_until(
            lambda: log_mentions(daemon, "You can't write against a read only replica"),
            timeout=30,
            what="the daemon to log Redis's READONLY error",
        )
        assert client.xlen(STREAM) == 0

        client.execute_command("REPLICAOF", "NO", "ONE")
        after = send_framed(daemon, "after", 200).handed
        after_client = send_with_client(daemon, "client-after", range(3), "delivered")
        entries = finish(daemon, client)
    finally:
        master.stop()
    survivors = [e for e in entries if e[0] != "before"]
    assert survivors == (
        [("during", n) for n in during]
        + [("client-during", n) for n in during_client]
        + [("after", n) for n in after]
        + [("client-after", n) for n in after_client]
    )
    assert_each_sender_exactly_once_in_order(
        entries,
        {"during": during, "client-during": during_client, "after": after, "client-after": after_client},
        lost_with_redis=("before",),
    )
    assert daemon.inbox() == []


# ================================================================ 2. hookd killed, 6. restarted


def restart_under_load(daemon, raws, real, sig: int, rounds: int, rng: random.Random) -> list[int]:
    """Stop hookd with ``sig`` at random moments while the senders keep going, and start it again."""
    codes = []
    for _ in range(rounds):
        time.sleep(rng.uniform(0.1, 0.9))
        codes.append(daemon.stop(sig))
        time.sleep(rng.uniform(0.0, 0.3))  # senders meet a dead daemon: hook-send uses the inbox
        with real.paused():
            wait_until(
                lambda: all(s.down.is_set() for s in raws),
                timeout=30,
                what="the raw senders to notice and keep their unanswered events",
            )
            daemon.start()
    time.sleep(0.5)
    return codes


@pytest.mark.process
def test_hookd_killed_at_random_moments_under_load_loses_and_repeats_nothing(hookd_factory, redis_db):
    print(f"random seed {SEED} (HOOKD_FAULT_SEED)")
    rng = random.Random(SEED)
    daemon = hookd_factory()
    raws = [FramedSender(daemon, f"raw{i}", chunk=20, rate=1500) for i in range(2)]
    real = ClientSender(daemon, "client", interval=0.005)
    with running(real, *raws):
        restart_under_load(daemon, raws, real, signal.SIGKILL, rounds=12, rng=rng)

    assert real.problems + [p for s in raws for p in s.problems] == []
    print(f"raw: {[(s.oks, s.inboxed) for s in raws]} (OK, inbox); client: {dict(real.outcomes)}")
    assert all(s.oks > 0 for s in raws) and real.outcomes["delivered"] > 0
    entries = finish(daemon, redis_db)
    assert_each_sender_exactly_once_in_order(entries, {s.sender: s.handed for s in (real, *raws)})
    wait_until(lambda: daemon.inbox() == [], timeout=60, what="the inbox to be empty")


def test_graceful_restarts_under_load_exit_0_and_lose_or_repeat_nothing(hookd_factory, redis_db):
    print(f"random seed {SEED} (HOOKD_FAULT_SEED)")
    rng = random.Random(SEED + 6)
    daemon = hookd_factory()
    raws = [FramedSender(daemon, f"raw{i}", chunk=20, rate=1500) for i in range(2)]
    real = ClientSender(daemon, "client", interval=0.005)
    with running(real, *raws):
        codes = restart_under_load(daemon, raws, real, signal.SIGTERM, rounds=3, rng=rng)

    assert codes == [0, 0, 0]
    assert real.problems + [p for s in raws for p in s.problems] == []
    print(f"raw: {[(s.oks, s.inboxed) for s in raws]} (OK, inbox); client: {dict(real.outcomes)}")
    entries = finish(daemon, redis_db)
    assert_each_sender_exactly_once_in_order(entries, {s.sender: s.handed for s in (real, *raws)})
    wait_until(lambda: daemon.inbox() == [], timeout=60, what="the inbox to be empty")
    assert daemon.stop() == 0


# ================================================================ 3. hookd not running


def test_events_sent_while_hookd_never_ran_arrive_in_order_once_it_starts(hookd_factory, redis_db):
    daemon = hookd_factory(start=False)
    waiting = send_with_client(daemon, "client", range(25), "inbox")
    assert len(daemon.inbox()) == 25
    daemon.start()
    direct = send_with_client(daemon, "client", range(25, 30), "delivered")
    entries = finish(daemon, redis_db)
    assert entries == [("client", n) for n in waiting + direct]
    assert daemon.inbox() == []


def test_events_sent_while_hookd_was_stopped_follow_its_spooled_backlog(hookd_factory, tmp_path):
    late_redis = RedisServer(tmp_path / "late-redis")
    daemon = hookd_factory(redis_url=late_redis.url)  # nothing listens there yet
    backlog = send_framed(daemon, "backlog", 200).handed
    direct = send_with_client(daemon, "client", range(5), "delivered")
    assert daemon.stop() == 0
    waiting = send_with_client(daemon, "client", range(5, 25), "inbox")

    late_redis.start()
    try:
        daemon.start()
        later = send_with_client(daemon, "client", range(25, 30), "delivered")
        entries = finish(daemon, late_redis.client())
    finally:
        late_redis.stop()
    assert entries == [("backlog", n) for n in backlog] + [("client", n) for n in direct + waiting + later]
    assert daemon.inbox() == []


# ================================================================ 4. a damaged spool

RECORD_HEADER = struct.Struct("<II")


def spool_records(daemon) -> list[tuple[Path, int, int, int]]:
    """(segment file, record offset, data length, n) of every record, in spool order."""
    records = []
    for path in sorted((daemon.state_dir / "spool").glob("*.seg")):
        data = path.read_bytes()
        pos = 0
        while pos < len(data):
            length, crc = RECORD_HEADER.unpack_from(data, pos)
            payload = data[pos + 8 : pos + 8 + length]
            assert zlib.crc32(payload) == crc
            envelope = msgspec.msgpack.decode(payload)[6]  # the Event's envelope field
            records.append((path, pos, length, json.loads(envelope)["payload"]["n"]))
            pos += 8 + length
    return records


def spool_with_redis_down(hookd_factory, redis_url: str, count: int, **settings):
    """A stopped hookd whose spool holds ``count`` events that never reached Redis."""
    daemon = hookd_factory(redis_url=redis_url, **settings)
    send_framed(daemon, "spooled", count)
    assert daemon.stop() == 0
    records = spool_records(daemon)
    assert [r[3] for r in records] == list(range(count))
    return daemon, records


def start_redis_at(tmp_path, url: str) -> RedisServer:
    server = RedisServer(tmp_path / "late-redis")
    server.port, server.url = int(url.rsplit(":", 1)[1].split("/")[0]), url
    server.start()
    return server


@pytest.mark.process
def test_a_torn_last_record_is_dropped_and_every_other_event_arrives(hookd_factory, tmp_path):
    url = f"redis://127.0.0.1:{free_port()}/0"
    daemon, records = spool_with_redis_down(hookd_factory, url, 40)
    last_path, _, _, torn_n = records[-1]
    assert last_path == max(r[0] for r in records)
    with open(last_path, "r+b") as fh:  # as if hookd had died in the middle of this write
        fh.truncate(last_path.stat().st_size - 5)

    server = start_redis_at(tmp_path, url)
    try:
        daemon.start()
        entries = finish(daemon, server.client())
    finally:
        server.stop()
    assert entries == [("spooled", n) for n in range(40) if n != torn_n]
    assert daemon.proc.poll() is None
    assert any(r.get("event") == "spool_torn_tail_dropped" for r in log_records(daemon))
    assert daemon.stop() == 0


def flip_a_byte_mid_spool(hookd_factory, tmp_path, where: str):
    """Spool 600 events with Redis down, flip one byte of a record in the middle of a segment in
    the middle of the spool (in its data, or in its length field), then start hookd with Redis up.

    Returns the daemon, the published entries and the number of the damaged event.
    """
    url = f"redis://127.0.0.1:{free_port()}/0"
    # Small segments, so that the damage lands inside a segment that is neither first nor last.
    daemon, records = spool_with_redis_down(hookd_factory, url, 600, spool_segment_bytes="65536")
    segments = sorted({r[0] for r in records})
    assert len(segments) >= 3
    middle = [r for r in records if r[0] == segments[len(segments) // 2]]
    path, offset, length, damaged_n = middle[len(middle) // 2]
    target = offset + 8 + length // 2 if where == "data" else offset + 1
    data = bytearray(path.read_bytes())
    data[target] ^= 0xFF
    path.write_bytes(bytes(data))

    server = start_redis_at(tmp_path, url)
    try:
        daemon.start()
        entries = finish(daemon, server.client())
    finally:
        server.stop()
    return daemon, entries, damaged_n


@pytest.mark.process
@pytest.mark.parametrize("where", ["data", "length"])
def test_a_flipped_byte_mid_segment_loses_only_the_damaged_event(hookd_factory, tmp_path, where):
    daemon, entries, damaged_n = flip_a_byte_mid_spool(hookd_factory, tmp_path, where)
    assert entries == [("spooled", n) for n in range(600) if n != damaged_n]
    assert daemon.proc.poll() is None
    assert daemon.stop() == 0


def test_a_flipped_byte_mid_segment_is_reported_in_the_log(hookd_factory, tmp_path):
    daemon, entries, damaged_n = flip_a_byte_mid_spool(hookd_factory, tmp_path, "data")
    assert ("spooled", damaged_n) not in entries and len(entries) == 599
    reports = [
        r
        for r in log_records(daemon)
        if r.get("level") in ("warning", "error")
        and "redis" not in r
        and ("spool" in r.get("event", "") or "segment" in r)
    ]
    assert reports, "the log says nothing about the damaged record that was skipped"


# ================================================================ hookd stalled


@pytest.mark.process
def test_an_event_the_client_gave_up_on_while_hookd_stalled_is_published_once(hookd, redis_db):
    """hook-send times out on a daemon that does not answer (here stopped with SIGSTOP; in life
    a stalled disk, a starved CPU) and keeps its event in the inbox, while its frame waits in
    the socket. When hookd resumes, the inbox sweep is due (the stall outlasted inbox_poll_ms)
    and runs before the connection is read: both copies are spooled."""
    assert client_send(hookd, "client", 0) == "delivered"
    os.kill(hookd.proc.pid, signal.SIGSTOP)
    try:
        # A deadline long enough that a loaded machine still finds time for the inbox write
        # (100 ms kept 20 ms for it, which a busy CI worker overran: the client exited first).
        assert client_send(hookd, "client", 1, HOOKD_SEND_TIMEOUT_MS="1000") == "inbox"
        time.sleep(1.0)  # the stall outlasts the inbox poll interval (0.5 s)
    finally:
        os.kill(hookd.proc.pid, signal.SIGCONT)
    assert client_send(hookd, "client", 2) == "delivered"
    entries = finish(hookd, redis_db)
    assert entries == [("client", 0), ("client", 1), ("client", 2)]
