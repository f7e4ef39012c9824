"""A crash at any step between appending, publishing, recording the position and deleting
segments loses no acknowledged event and puts none in the stream twice.

The real Spool and Publisher run against the real redis-server. Every step that changes
state outside the process is a numbered crash point:

- the spool's system calls: ``os.write`` of an append (the crash may leave any prefix of
  the bytes in the file, down to a torn record), ``os.ftruncate`` after a failed write,
  ``os.open`` of a new segment, the write of ``cursor.tmp``, ``os.replace`` of the cursor,
  each ``os.unlink`` of a published segment, ``os.truncate`` of a torn tail at recovery (by fd);
  the cursor file is written only by ``save_cursor`` (the daemon's keep_cursor task, some
  time after a commit; a history saves after some publishes and not after others);
- the publish script: before it is sent, and after Redis applied it but before the reply
  arrived (Redis has the batch, the process never learns it).

A crash is a kill -9 at that point: the step raises ``Crash`` (a BaseException, so no
``except Exception`` in hookd sees it), nothing after it runs, the process's files are closed
as the kernel would close them (no flush, no commit), and a new Spool and Publisher open the
same directory, then carry on with the remaining operations.

The model is what the senders were told. An append that returned is acknowledged: its events
must reach the stream exactly once. An append refused with SpoolFull must never appear. An
append cut short by a crash was never acknowledged (hook-send keeps its inbox copy): any
prefix of its events may appear, whole, but never a torn record. The stream must hold events
in append order, each once, byte for byte as appended.

``test_every_crash_point_*`` runs a fixed scenario once to number its steps, then once per
step (and per cut of each write) with a crash there. ``test_random_*`` runs random
operations with random crashes, several per run, over fixed seeds.
"""

from __future__ import annotations

import asyncio
import errno
import itertools
import json
import os
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis.exceptions
from structlog.testing import capture_logs

import hookd.paths as paths_module
import hookd.spool.files as files_module
import hookd.spool.recovery as recovery_module
import hookd.spool.segments as segments_module
import hookd.spool.spool as spool_module
import hookd.spool.writer as writer_module
from hookd.config import Config
from hookd.spool.event import Event
from hookd.publish.connection import connect
from hookd.publish.publisher import Publisher
from hookd.publish.script import marks_key
from hookd.publish.settings import PublishSettings, RedisSettings
from hookd.spool import Spool, SpoolFull
from hookd.spool.inspect import waiting_events
from hookd.spool.records import HEADER
from hookd.spool.segments import list_segments
from hookd.state import DaemonState

# Records here are 100-350 bytes: a segment fills after two or three of them, so
# commits delete several segments at once and crashes fall between those deletions.
SEGMENT_BYTES = 600
HOSTS = ("laptop", "ci")
RETAIN_FOREVER = 3600.0
HAND_OUT_TIMEOUT_S = 60.0  # what a loaded machine may hold the spool's read thread; a hang is still caught


class Crash(BaseException):
    """kill -9 at this point: nothing after it runs."""


def record_ends(data: bytes) -> list[int]:
    """Offsets just after each record in the bytes of one append."""
    ends, pos = [], 0
    while pos < len(data):
        length, _ = HEADER.unpack_from(data, pos)
        pos += HEADER.size + length
        ends.append(pos)
    return ends


def write_cuts(data: bytes) -> tuple[int, ...]:
    """How much of one append may be in the file when the process dies in its write."""
    ends = record_ends(data)
    cuts = {0, 3, ends[0] - 1, len(data) - 1, len(data)}
    if len(ends) > 1:
        cuts.add(ends[0] + 5)  # one whole record, then a torn one
    return tuple(sorted(c for c in cuts if 0 <= c <= len(data)))


@dataclass
class Faults:
    """Numbers every crash point passed, and crashes at the chosen ones.

    ``crash_at``/``cut``: crash at those steps, the first write cut ``cut`` bytes in
    (systematic runs). ``rng``/``rate``: crash at each step with that probability (random
    runs). Neither: only count.
    """

    crash_at: tuple[int, ...] = ()
    cut: int | None = None
    rng: random.Random | None = None
    rate: float = 0.0
    armed: bool = True
    steps: list[tuple[str, tuple[int, ...]]] = field(default_factory=list)
    crashes: list[tuple[int, str, int]] = field(default_factory=list)
    # Failures that are not crashes, set by the operations.
    enospc_after: int | None = None  # the next write fails with ENOSPC after this many bytes
    refuse_next_script: bool = False
    lose_next_reply: bool = False
    # Bytes of an incomplete record at the end of the last segment, which the next
    # successful recovery must cut off and count.
    tail_garbage: int = 0

    def step(self, name: str, cuts: tuple[int, ...] = (0,)) -> int | None:
        """Number this step; the cut to crash with if the process dies here, else None."""
        index = len(self.steps)
        self.steps.append((name, cuts))
        if not self.armed:
            return None
        if self.crash_at:
            if index not in self.crash_at:
                return None
            cut = self.cut if self.cut is not None and index == self.crash_at[0] else cuts[0]
        elif self.rng is not None and self.rng.random() < self.rate:
            cut = self.rng.choice(cuts)
        else:
            return None
        self.crashes.append((index, name, cut))
        return cut

    def leave_partial_write(self, fd: int, data: bytes, cut: int) -> None:
        if cut:
            os.write(fd, data[:cut])
        self.tail_garbage = cut - max([0] + [end for end in record_ends(data) if end <= cut])


class FaultyOs:
    """The spool module's ``os``: its state-changing calls are crash points."""

    def __init__(self, faults: Faults) -> None:
        self._faults = faults

    def __getattr__(self, name):
        return getattr(os, name)

    def write(self, fd, data):
        data = bytes(data)
        faults = self._faults
        cut = faults.step("os.write (append)", write_cuts(data))
        if cut is not None:
            faults.leave_partial_write(fd, data, cut)
            raise Crash
        if faults.enospc_after is not None:
            cut, faults.enospc_after = min(faults.enospc_after, len(data) - 1), None
            faults.leave_partial_write(fd, data, cut)
            raise OSError(errno.ENOSPC, "No space left on device")
        return os.write(fd, data)

    def ftruncate(self, fd, length):
        if self._faults.step("os.ftruncate (undo a failed write)") is not None:
            raise Crash
        os.ftruncate(fd, length)
        self._faults.tail_garbage = 0

    def open(self, path, flags, mode=0o777, **kwargs):
        if str(path).endswith("cursor.tmp"):  # hookd.paths.replace_private's temporary file
            cut = self._faults.step("write cursor.tmp", (0, 1))
            if cut is not None:
                if cut:  # created and half written
                    fd = os.open(path, flags, mode, **kwargs)
                    os.write(fd, b"9")
                    os.close(fd)
                raise Crash
        elif flags & os.O_CREAT and self._faults.step("os.open (new segment)") is not None:
            raise Crash
        return os.open(path, flags, mode, **kwargs)

    def replace(self, src, dst, **kwargs):
        if self._faults.step("os.replace (cursor.tmp -> cursor)") is not None:
            raise Crash
        os.replace(src, dst, **kwargs)

    def unlink(self, path, **kwargs):
        if str(path).endswith(".tmp"):  # a temporary file cleared before it is made: no state changes
            return os.unlink(path, **kwargs)
        if self._faults.step("os.unlink (published segment)") is not None:
            raise Crash
        os.unlink(path, **kwargs)

    def truncate(self, path, length):
        if self._faults.step("os.truncate (torn tail, at recovery)") is not None:
            raise Crash
        os.truncate(path, length)


def faulty_open(faults: Faults):
    """The spool module's ``open``: writing ``cursor.tmp`` is a crash point."""

    def _open(file, mode="r", *args, **kwargs):
        if str(file).endswith("cursor.tmp") and "w" in mode:
            cut = faults.step("write cursor.tmp", (0, 1))
            if cut is not None:
                if cut:  # created and half written
                    with open(file, "wb") as fh:
                        fh.write(b"9")
                raise Crash
        return open(file, mode, *args, **kwargs)

    return _open


class FaultyScript:
    """The publish script: crash before sending, or after Redis applied it (reply lost)."""

    def __init__(self, script, faults: Faults) -> None:
        self.script = script
        self.faults = faults

    async def __call__(self, keys, args, ask=None, timeout_s=None):
        faults = self.faults
        if faults.step("publish script, not yet sent") is not None:
            raise Crash
        if faults.refuse_next_script:
            faults.refuse_next_script = False
            raise redis.exceptions.ConnectionError("injected: connection reset before sending")
        result = await self.script(keys=keys, args=args, ask=ask, timeout_s=timeout_s)
        if faults.step("publish script applied in Redis, reply lost") is not None:
            raise Crash
        if faults.lose_next_reply:
            faults.lose_next_reply = False
            raise redis.exceptions.TimeoutError("injected: the reply never came")
        return result


@dataclass
class Model:
    """What the senders were told about each event."""

    events: dict[int, Event] = field(default_factory=dict)
    acked: set[int] = field(default_factory=set)
    refused: set[int] = field(default_factory=set)
    unanswered: list[list[int]] = field(default_factory=list)  # appends cut short by a crash
    seqs: dict[str, int] = field(default_factory=lambda: dict.fromkeys(HOSTS, 0))

    def new_events(self, host: str, pads: list[int]) -> list[Event]:
        events = []
        for pad in pads:
            n = len(self.events)
            self.seqs[host] += 1  # like SequenceAllocator: never reused, gaps allowed
            seq = self.seqs[host]
            envelope = json.dumps({"n": n, "host": host, "seq": seq, "pad": "x" * pad}).encode()
            event = Event(seq, host, f"id-{n}", "PreToolUse", "sess", "Bash", envelope)
            self.events[n] = event
            events.append(event)
        return events


def number(event: Event) -> int:
    return json.loads(event.envelope)["n"]


def kill_files(directory: str) -> None:
    """Close every descriptor open on the directory or under it, as the kernel does for kill -9."""
    prefix = os.path.realpath(directory) + os.sep
    for name in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{name}")
        except OSError:
            continue
        if target.startswith(prefix) or target == prefix[:-1]:  # the spool holds its directory open
            os.close(int(name))


class Run:
    """One process history: operations, crashes, recoveries, on one spool directory."""

    def __init__(
        self, directory: Path, redis_url: str, stream: str, faults: Faults, retain_s: float, fsync: str
    ) -> None:
        self.directory = str(directory)
        self.config = Config(
            redis_url=redis_url,
            state_dir=str(directory.parent),
            stream=stream,
            stream_maxlen=0,
            redis_timeout_s=5,
            redis_connect_timeout_s=2,
        )
        self.faults = faults
        self.retain_s = retain_s
        self.fsync = fsync
        self.model = Model()
        self.redis = None
        self.client = None
        self.spool: Spool | None = None
        self.publisher: Publisher | None = None

    # -- process lifecycle ----------------------------------------------------

    def open(self) -> None:
        """Start a process on the directory; a crash during recovery starts another."""
        for _ in range(20):
            try:
                spool = Spool(
                    self.directory, segment_bytes=SEGMENT_BYTES, fsync=self.fsync, retain_published_s=self.retain_s
                )
            except Crash:
                kill_files(self.directory)
                continue
            break
        else:
            raise AssertionError("recovery crashed 20 times in a row")
        # The constructor keeps segments at 64 KiB or more; these tests want them tiny.
        spool.segment_bytes = SEGMENT_BYTES
        assert spool.torn_bytes == self.faults.tail_garbage, (
            "recovery must cut off exactly the torn record a crash mid-write left "
            f"({self.faults.tail_garbage} bytes), not {spool.torn_bytes}"
        )
        self.faults.tail_garbage = 0
        self.spool = spool
        self.publisher = Publisher(
            PublishSettings.from_config(self.config),
            RedisSettings.from_config(self.config),
            spool,
            self.client,
            DaemonState(),
        )
        self.publisher.send = FaultyScript(self.publisher.send, self.faults)

    def kill(self) -> None:
        """kill -9: abandon the objects, close their files, flush and commit nothing."""
        self.spool = self.publisher = None
        kill_files(self.directory)

    # -- operations -------------------------------------------------------------

    async def apply(self, op: tuple) -> None:
        kind = op[0]
        if kind == "append":
            self.append(op[1], op[2])
        elif kind == "append_full":
            self.faults.enospc_after = op[3]
            self.append(op[1], op[2], expect_full=True)
        elif kind == "publish":
            await self.publish(*op[1:])
        elif kind == "save_cursor":
            self.spool.save_cursor()
        elif kind == "restart":
            self.spool.close()
            self.spool = self.publisher = None
            self.open()
        elif kind == "kill":
            raise Crash
        else:
            raise ValueError(op)

    def append(self, host: str, pads: list[int], expect_full: bool = False) -> None:
        events = self.model.new_events(host, pads)
        numbers = [number(e) for e in events]
        self.model.unanswered.append(numbers)  # until append_many answers
        try:
            self.spool.append_many(events)
        except SpoolFull:
            assert expect_full, "an append without a write error was refused"
            self.model.unanswered.pop()
            self.model.refused.update(numbers)
            return
        assert not expect_full, "a write error (ENOSPC) must refuse the append with SpoolFull"
        self.model.unanswered.pop()
        self.model.acked.update(numbers)

    async def next_batch(self, max_events: int, max_bytes: int):
        try:
            return await asyncio.wait_for(self.spool.next_batch(max_events, max_bytes), HAND_OUT_TIMEOUT_S)
        except TimeoutError:
            raise AssertionError(
                f"the spool says {self.spool.pending_events} events are pending but hands none out"
            ) from None

    async def publish(self, max_events: int, max_bytes: int, failure: str | None = None, then: str = "retry") -> None:
        if self.spool.pending_events <= 0:
            return
        batch = await self.next_batch(max_events, max_bytes)
        assert batch.events, "next_batch returned an empty batch"
        if failure is not None:
            if failure == "refused":
                self.faults.refuse_next_script = True
            else:
                self.faults.lose_next_reply = True
            assert not await self.publisher.publish(batch)
            if then == "rewind":  # as Publisher.drain does
                self.spool.rewind()
                return
            # as Publisher.run does: the same batch again
        assert await self.publisher.publish(batch), self.publisher.state.redis.last_error

    async def drain(self) -> None:
        while self.spool.pending_events > 0:
            await self.publish(7, 1 << 20)
        self.spool.save_cursor()

    async def hands_out_nothing(self) -> bool:
        try:
            batch = await asyncio.wait_for(self.spool.next_batch(1000, 1 << 30), 0.001)
        except TimeoutError:
            return True
        raise AssertionError(f"a reopened, fully committed spool handed out {[number(e) for e in batch.events]} again")

    # -- the whole history --------------------------------------------------------

    async def play(self, ops: list[tuple]) -> None:
        self.redis = redis.Redis.from_url(self.config.redis_url)
        self.client = connect(RedisSettings.from_config(self.config))
        try:
            self.open()
            for op in ops:
                try:
                    await self.apply(op)
                except Crash:
                    # Failures set up for the operation that died die with it.
                    self.faults.enospc_after = None
                    self.faults.refuse_next_script = self.faults.lose_next_reply = False
                    self.kill()
                    self.open()
                    self.check()
            await self.finish()
        finally:
            await self.client.aclose()
            self.redis.close()
            kill_files(self.directory)

    async def finish(self) -> None:
        self.scenario_steps = len(self.faults.steps)
        self.faults.armed = False
        await self.drain()
        self.check(final=True)
        # Recovery after everything was committed hands out nothing, however often it runs.
        for _ in range(2):
            self.kill()
            self.open()
            assert self.spool.pending_events == 0, (
                f"{self.spool.pending_events} events pending after a reopen, all were committed"
            )
            assert await self.hands_out_nothing()
        if self.retain_s == 0:
            # Segments a crash left behind go at the next save of the cursor.
            self.append(HOSTS[0], [5])
            await self.drain()
            segments = list_segments(self.directory)
            assert len(segments) <= 2, f"published segments left behind: {segments}"
        self.check(final=True)

    # -- the invariant ----------------------------------------------------------------

    def check(self, final: bool = False) -> None:
        model = self.model
        in_stream = []
        for _, fields in self.redis.xrange(self.config.stream):
            n = json.loads(fields[b"envelope"])["n"]
            assert n in model.events, f"the stream holds event {n}, which was never appended"
            event = model.events[n]
            assert fields[b"envelope"] == event.envelope, f"event {n} reached the stream altered"
            assert int(fields[b"seq"]) == event.seq and fields[b"host"].decode() == event.host
            assert fields[b"event_id"].decode() == event.event_id
            in_stream.append(n)
        duplicates = sorted({n for n in in_stream if in_stream.count(n) > 1})
        assert not duplicates, f"events in the stream more than once: {duplicates}"
        assert in_stream == sorted(in_stream), f"the stream is out of append order: {in_stream}"

        waiting = [number(e) for e in waiting_events(self.directory)]
        assert waiting == sorted(set(waiting)), f"the spool's pending events repeat or reorder: {waiting}"
        if final:
            assert not waiting, f"events still waiting after the drain: {waiting}"
        present = set(in_stream) | set(waiting)
        refused = sorted(model.refused & present)
        assert not refused, f"events refused with SpoolFull were kept or published: {refused}"
        lost = sorted(model.acked - present)
        assert not lost, f"acknowledged events lost: {lost}"
        for numbers in model.unanswered:
            kept = [n for n in numbers if n in present]
            assert kept == numbers[: len(kept)], (
                f"of an append cut short by a crash {numbers}, {kept} survived: not a prefix"
            )
        allowed = model.acked.union(*model.unanswered)
        unexpected = sorted(set(in_stream) - allowed)
        assert not unexpected, (
            f"events in the stream that were neither acknowledged nor in flight at a crash: {unexpected}"
        )

        marks = self.redis.hgetall(marks_key(self.config.stream))
        for host in HOSTS:
            seqs = [model.events[n].seq for n in in_stream if model.events[n].host == host]
            if seqs:
                assert int(marks[host.encode()]) == max(seqs), "the high-water mark is not the last seq"


async def play(run: Run, ops: list[tuple]) -> Run:
    with capture_logs():
        await run.play(ops)
    return run


# Every module whose ``os`` calls change the spool directory (each one a crash point).
SPOOL_OS_MODULES = (
    spool_module,
    recovery_module,
    files_module,
    writer_module,
    segments_module,
    paths_module,
)


@pytest.fixture
def faulty_spool_module(monkeypatch):
    """Routes the spool modules' ``os`` and ``open`` through the run's Faults."""
    holder = {}

    class Dispatch:
        def __getattr__(self, name):
            return getattr(holder["os"], name)

    def dispatch_open(*args, **kwargs):
        return holder["open"](*args, **kwargs)

    for module in SPOOL_OS_MODULES:
        monkeypatch.setattr(module, "os", Dispatch())
        monkeypatch.setattr(module, "open", dispatch_open, raising=False)

    def install(faults: Faults) -> None:
        holder["os"] = FaultyOs(faults)
        holder["open"] = faulty_open(faults)

    return install


def history(
    tmp_path: Path,
    redis_server,
    faulty_spool_module,
    name: str,
    ops: list[tuple],
    faults: Faults,
    retain_s: float = 0,
    fsync: str = "never",
) -> Run:
    faulty_spool_module(faults)
    directory = tmp_path / name / "spool"
    run = Run(directory, redis_server.url, f"crash:{name}", faults, retain_s, fsync)
    try:
        asyncio.run(play(run, ops))
    except AssertionError as exc:
        crashes = ", ".join(f"step {i} {what!r} cut={cut}" for i, what, cut in faults.crashes)
        raise AssertionError(f"{name}: after crashes at [{crashes}]: {exc}") from exc
    return run


# -- every crash point of one history -------------------------------------------------

SCENARIO: list[tuple] = [
    ("append", "laptop", [40, 200, 90]),  # three records in one write
    ("append", "laptop", [120]),
    ("append", "laptop", [30]),
    ("append", "laptop", [150]),
    ("append", "laptop", [10, 20]),
    ("append", "laptop", [60]),
    ("append", "ci", [60, 60]),
    ("publish", 50, 1 << 20),  # 9 laptop events over three segments
    ("save_cursor",),
    ("publish", 50, 1 << 20),  # the ci events, saved only after later commits
    ("append_full", "laptop", [100, 100], 150),  # ENOSPC after 150 bytes: undone, refused
    ("append", "laptop", [70, 70, 70]),
    ("publish", 2, 1 << 20, "reply lost", "retry"),
    ("publish", 50, 1 << 20, "refused", "rewind"),
    ("publish", 50, 1 << 20),
    ("save_cursor",),
    ("append", "ci", [30, 30, 30, 30, 30, 30]),
    ("publish", 3, 1 << 20),
    ("restart",),  # a graceful stop saves the cursor
    ("append", "laptop", [20]),
    ("publish", 50, 1 << 20),
    ("save_cursor",),
]


def crash_points(steps: list[tuple[str, tuple[int, ...]]]) -> list[tuple[int, int]]:
    return [(index, cut) for index, (_, cuts) in enumerate(steps) for cut in cuts]


@pytest.mark.parametrize("retain_s", [0, RETAIN_FOREVER], ids=["delete-at-once", "retained"])
def test_every_crash_point_of_a_history_loses_and_repeats_nothing(
    tmp_path, redis_server, redis_db, faulty_spool_module, retain_s
):
    clean = history(tmp_path, redis_server, faulty_spool_module, "clean", SCENARIO, Faults(), retain_s)
    steps = clean.faults.steps[: clean.scenario_steps]
    names = [name for name, _ in steps]
    # The history passes through every kind of step, and deletes segments in runs.
    for kind in (
        "os.write (append)",
        "os.ftruncate (undo a failed write)",
        "os.open (new segment)",
        "write cursor.tmp",
        "os.replace (cursor.tmp -> cursor)",
        "publish script, not yet sent",
        "publish script applied in Redis, reply lost",
    ):
        assert kind in names, kind
    unlink = "os.unlink (published segment)"
    if retain_s == 0:
        assert any(a == b == unlink for a, b in itertools.pairwise(names)), "no save of the cursor deletes two segments"
    else:
        assert unlink not in names

    points = crash_points(steps)
    assert len(points) > 90
    torn = 0
    for index, cut in points:
        name = f"r{int(retain_s)}-{index}-{cut}"
        faults = Faults(crash_at=(index,), cut=cut)
        history(tmp_path, redis_server, faulty_spool_module, name, SCENARIO, faults, retain_s)
        assert faults.crashes == [(index, names[index], cut)], "the history diverged before the crash"
        if faults.steps[index + 1][0] == "os.truncate (torn tail, at recovery)":
            # The crash left a torn record: crash again while recovery cuts it off.
            torn += 1
            faults = Faults(crash_at=(index, index + 1), cut=cut)
            history(tmp_path, redis_server, faulty_spool_module, name + "-again", SCENARIO, faults, retain_s)
            assert len(faults.crashes) == 2
    assert torn > 10


# -- random histories, several crashes each -----------------------------------------------


def random_ops(rng: random.Random, count: int) -> list[tuple]:
    ops: list[tuple] = []
    for _ in range(count):
        host = HOSTS[0] if rng.random() < 0.7 else HOSTS[1]
        pads = [rng.randint(5, 250) for _ in range(rng.choice([1, 1, 1, 2, 3, 5]))]
        r = rng.random()
        if r < 0.45:
            ops.append(("append", host, pads))
        elif r < 0.5:
            ops.append(("append_full", host, pads, rng.randint(0, 300)))
        elif r < 0.88:
            failure = rng.choice([None, None, None, None, "refused", "reply lost"])
            ops.append(
                (
                    "publish",
                    rng.choice([1, 2, 3, 5, 100]),
                    rng.choice([300, 1 << 20]),
                    failure,
                    rng.choice(["retry", "rewind"]),
                )
            )
            if rng.random() < 0.6:
                ops.append(("save_cursor",))
        elif r < 0.94:
            ops.append(("restart",))
        else:
            ops.append(("kill",))
    return ops


SEEDS = range(150)


def test_random_histories_with_random_crashes_lose_and_repeat_nothing(
    tmp_path, redis_server, redis_db, faulty_spool_module
):
    crashes = 0
    kinds: set[str] = set()
    for seed in SEEDS:
        rng = random.Random(seed)
        retain_s = 0 if rng.random() < 0.75 else RETAIN_FOREVER
        fsync = rng.choice(["never", "interval"])
        faults = Faults(rng=rng, rate=0.06)
        history(
            tmp_path,
            redis_server,
            faulty_spool_module,
            f"seed{seed}",
            random_ops(rng, rng.randint(10, 35)),
            faults,
            retain_s,
            fsync,
        )
        crashes += len(faults.crashes)
        kinds.update(name for _, name, _ in faults.crashes)
    assert crashes > 2 * len(SEEDS)
    assert len(kinds) >= 8, kinds


# -- failures that are not crashes: the process lives on and must keep working -------------


class FailingOs:
    """The spool module's ``os``, failing the named call with an OSError while armed."""

    def __init__(self, call: str, error: int, partial: int = 0) -> None:
        self.call, self.error, self.partial = call, error, partial
        self.armed = False

    def __getattr__(self, name):
        real = getattr(os, name)
        if not self.armed:
            return real
        if name == "open" and self.call == "open":

            def failing_open(path, flags, mode=0o777, **kwargs):
                if flags & os.O_CREAT:
                    raise OSError(self.error, os.strerror(self.error))
                return real(path, flags, mode, **kwargs)

            return failing_open
        if name == "write" and self.call == "ftruncate":

            def short_then_full(fd, data):  # part of the bytes land, then ENOSPC
                os.write(fd, bytes(data)[: self.partial])
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

            return short_then_full
        if name == self.call:

            def failing(*args, **kwargs):
                raise OSError(self.error, os.strerror(self.error))

            return failing
        return real


def small_event(n: int) -> Event:
    return Event(n, HOSTS[0], f"id-{n}", "Stop", "s", "", b'{"n": %d, "pad": "%s"}' % (n, b"x" * 100))


async def handed_out(spool: Spool) -> list[int]:
    """Everything the spool hands out now, committing as it goes; fails if next_batch spins."""
    calls = 0
    has_unread = spool.has_unread

    def counted() -> bool:
        nonlocal calls
        calls += 1
        if calls > 10_000:
            raise AssertionError("next_batch spins without ever awaiting: the event loop is stuck")
        return has_unread()

    spool.has_unread = counted
    seqs = []
    deadline = time.monotonic() + 60
    while True:
        try:
            batch = await asyncio.wait_for(spool.next_batch(1000, 1 << 30), 0.05)
        except TimeoutError:
            # Nothing handed out: done, unless a read or count is still in the spool's thread (a loaded
            # machine's thread answers late; the next call waits for the same read).
            if not reading_off_loop(spool):
                return seqs
            assert time.monotonic() < deadline, "the spool's read thread did not answer in 60 s"
            continue
        seqs += [e.seq for e in batch.events]
        spool.commit(batch)


def reading_off_loop(spool: Spool) -> bool:
    counting = spool._counting
    return spool._reading.reading_since is not None or (counting is not None and not counting.done())


def test_a_segment_that_cannot_be_created_leaves_the_spool_working(tmp_path, monkeypatch):
    failing = FailingOs("open", errno.EMFILE)
    for module in SPOOL_OS_MODULES:  # segments are created through hookd.paths
        monkeypatch.setattr(module, "os", failing)
    spool = Spool(str(tmp_path), segment_bytes=SEGMENT_BYTES, fsync="never", retain_published_s=0)
    spool.segment_bytes = 300
    spool.append_many([small_event(0), small_event(1)])  # fills the segment
    failing.armed = True
    try:
        spool.append(small_event(2))  # written, but the next segment cannot be created
        expected = [0, 1, 2]
    except SpoolFull:
        expected = [0, 1]
    spool.append(small_event(3))
    failing.armed = False
    spool.append(small_event(4))
    assert asyncio.run(handed_out(spool)) == expected + [3, 4]
    assert len(list_segments(str(tmp_path))) > 1, "rotation resumes once segments can be created"
    spool.close()


def test_a_failed_write_whose_undo_also_fails_neither_stalls_nor_hides_later_events(tmp_path, monkeypatch):
    failing = FailingOs("ftruncate", errno.EIO, partial=50)
    monkeypatch.setattr(writer_module, "os", failing)  # where appends are written
    spool = Spool(str(tmp_path), segment_bytes=1 << 20, fsync="never", retain_published_s=0)
    spool.append(small_event(0))
    failing.armed = True

    async def history() -> None:
        with pytest.raises(SpoolFull):
            spool.append(small_event(1))
        failing.armed = False
        assert await handed_out(spool) == [0]  # the rest of a torn record at the tail, nothing after
        for n in (2, 3, 4):
            spool.append(small_event(n))
        assert await handed_out(spool) == [2, 3, 4]

    asyncio.run(history())
    spool.close()
