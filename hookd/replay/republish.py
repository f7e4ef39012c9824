"""Re-publishing a JSONL file of envelopes through the daemon's own Lua script.

Host by host in file order, with each envelope's own host and seq. The
per-host high-water mark applies as it does for the daemon: an event at or
below its host's mark is skipped, so re-publishing what the stream already has
adds nothing, and a file can only add events newer than the mark. The batches go
through the publisher's BatchWriter (publish/writer.py): the script is loaded at the start
and on each connection as it connects, so no batch crosses the link to be told NOSCRIPT,
and one answered NOSCRIPT all the same (a SCRIPT FLUSH) has the script loaded and is sent
again. It waits for no replicas (redis_wait_replicas is the daemon's). ``--dry-run``
asks Redis for the marks (read-only) and predicts what would be added. The
command, its report and its warnings, is from_file.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import Any, NamedTuple

import msgspec
import redis.exceptions

from hookd.config import Config
from hookd.spool.event import Event
from hookd.publish import sentinel, topology
from hookd.publish.connection import connect
from hookd.publish.failures import describe_failure, refuses_batch, sentinel_reason
from hookd.publish.migration import SlotMove, through_a_move
from hookd.publish.script import batch_args, batch_keys, marks_key, sender
from hookd.publish.writer import BatchWriter
from hookd.publish.settings import PublishSettings, RedisSettings
from hookd.publish.answers import PartlyAdded, UnexpectedReply
from hookd.spool.inspect import waiting_events


def batches(events: list[Event], max_events: int, max_bytes: int) -> Iterator[list[Event]]:
    """Runs of consecutive events of one host, cut at the batch limits; file order is kept."""
    batch: list[Event] = []
    size = 0
    for event in events:
        if batch and (
            sender(event) != sender(batch[0]) or len(batch) >= max_events or size + len(event.envelope) > max_bytes
        ):
            yield batch
            batch, size = [], 0
        batch.append(event)
        size += len(event.envelope)
    if batch:
        yield batch


class HostCounts(NamedTuple):
    events: int
    added: int
    skipped: int
    mark: int | None  # the host's mark before (dry run: as Redis has it now)


def predict(events: list[Event], marks: dict[str, int]) -> dict[str, HostCounts]:
    """What the Lua script would do with these events, given each host's mark."""
    current = dict(marks)
    counts: dict[str, list[int]] = {}
    for event in events:
        c = counts.setdefault(sender(event), [0, 0, 0])
        c[0] += 1
        if event.seq > current.get(sender(event), 0):
            current[sender(event)] = event.seq
            c[1] += 1
        else:
            c[2] += 1
    return {h: HostCounts(c[0], c[1], c[2], marks.get(h, 0)) for h, c in counts.items()}


async def read_marks(
    redis_settings: RedisSettings, stream: str, hosts: list[str], say: Callable[[str], None] | None = None
) -> dict[str, int]:
    """Each host's high-water mark (HMGET, read-only); 0 for a host Redis has not seen. ``say``: _connect's."""
    client = _connect(redis_settings, say)
    try:
        values = await client.hmget(marks_key(stream), hosts) if hosts else []
    finally:
        await client.aclose()
    # The script writes each mark as a number; anything else (``+OK``, read as the bytes 79 and 75,
    # or a value per host too many) would have been a prediction Redis never made, or a traceback.
    if not (isinstance(values, list) and len(values) == len(hosts) and all(map(_is_mark, values))):
        shown = repr(values)
        raise UnexpectedReply(
            f"Redis answered HMGET of the marks of {len(hosts)} hosts with {shown[:80]}, which are not "
            "marks; check that redis_url names a Redis server and nothing in between rewrites its answers"
        )
    return {h: int(v) if v is not None else 0 for h, v in zip(hosts, values)}


def _is_mark(value: object) -> bool:
    return value is None or (isinstance(value, bytes) and value.isascii() and value.isdigit() and len(value) <= 20)


def _connect(redis_settings: RedisSettings, say: Callable[[str], None] | None) -> Any:
    """The client; behind Sentinel, a sentinel that goes mute or fails is told to ``say`` (a line on replay's
    stderr), as the daemon logs it: the master is found through another, and a failover it leads goes unseen."""
    client = connect(redis_settings)
    if say is not None and redis_settings.sentinel:  # a Cluster's client connects at its first use: not asked
        sentinel.say_to(client, say, partial(sentinel_reason, redis_settings))
    return client


class PublishFailed(Exception):
    """``refused``: Redis answered, refusing the batch (failures.refuses_batch), not out of reach."""

    def __init__(self, message: str, counts: dict[str, HostCounts], refused: bool = False) -> None:
        super().__init__(message)
        self.counts = counts
        self.refused = refused


async def publish(
    config: Config,
    events: list[Event],
    on_batch: Callable[[int], None] | None = None,
    refused_keys: dict[str, str] | None = None,
    say: Callable[[str], None] | None = None,
) -> dict[str, HostCounts]:
    """Send the events through the daemon's script, batch by batch; per-host counts.

    ``on_batch`` is told how many events have been sent so far, after each batch;
    ``refused_keys`` gets the session index's keys Redis refused to update (key -> error);
    ``say``: _connect's.
    """
    sent = 0
    counts: dict[str, list[int]] = {}
    for event in events:
        counts.setdefault(sender(event), [0, 0, 0])[0] += 1

    def result() -> dict[str, HostCounts]:
        return {h: HostCounts(c[0], c[1], c[2], None) for h, c in counts.items()}

    redis_settings = RedisSettings.from_config(config)
    client = _connect(redis_settings, say)
    settings = msgspec.structs.replace(PublishSettings.from_config(config), redis_wait_replicas=0)
    writer = BatchWriter(settings, redis_settings, client, SlotMove(topology.describe(redis_settings)))
    try:
        try:
            await writer.ping(load_script=True)
        except (redis.exceptions.RedisError, OSError, TimeoutError) as exc:
            raise PublishFailed(
                describe_failure(redis_settings, exc), result(), refuses_batch(redis_settings, exc)
            ) from None
        for batch in batches(events, config.batch_max_events, config.batch_max_bytes):
            # Every key the script writes, session hashes included, as the daemon declares them:
            # while a Cluster slot moves, Redis then runs a batch whole or not at all.
            keys, args = batch_keys(settings, batch), batch_args(settings, batch)
            try:
                added, skipped, refused = await through_a_move(lambda: writer.send(keys, args))
            except PartlyAdded as exc:  # the events before the refused XADD landed: said as added
                counts[sender(batch[0])][1] += exc.added
                if refused_keys is not None:
                    refused_keys.update(exc.refused)
                raise PublishFailed(describe_failure(redis_settings, exc), result(), refused=True) from None
            except (redis.exceptions.RedisError, OSError, TimeoutError) as exc:
                answered = refuses_batch(redis_settings, exc)
                raise PublishFailed(describe_failure(redis_settings, exc), result(), answered) from None
            if refused_keys is not None:
                refused_keys.update(refused)
            counts[sender(batch[0])][1] += added
            counts[sender(batch[0])][2] += skipped
            sent += len(batch)
            if on_batch is not None:
                on_batch(sent)
    finally:
        await client.aclose()
    return result()


def hidden_in_spool(config: Config, events: list[Event]) -> dict[str, int]:
    """Per host: waiting spool events that this file's higher seqs would hide from hookd run.

    Publishing raises the host's mark to the file's highest seq; a spooled
    event of that host with a lower seq that the file does not hold would then
    be skipped by the daemon as already published.
    """
    highest: dict[str, int] = {}
    in_file: dict[str, set[int]] = {}
    for event in events:
        highest[sender(event)] = max(highest.get(sender(event), 0), event.seq)
        in_file.setdefault(sender(event), set()).add(event.seq)
    hidden: dict[str, int] = {}
    try:
        for event in waiting_events(config.spool_dir):
            if event.seq < highest.get(sender(event), 0) and event.seq not in in_file[sender(event)]:
                hidden[sender(event)] = hidden.get(sender(event), 0) + 1
    except (OSError, ValueError):
        return {}
    return hidden
