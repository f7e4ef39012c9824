"""The publish script and its arguments: what Redis runs for each batch, and what it is given.

PUBLISH_BATCH skips events at or below their sender's high-water mark, XADDs
the rest and raises the mark, atomically; for the events it adds it also
updates the session index (session_index.py) and, when a channel is set,
PUBLISHes their envelopes. publisher.py sends it; `hookd replay --file` too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from importlib import resources
from typing import Protocol

from hookd.config_errors import SettingError
from hookd.publish.acl import ACL_CHECK
from hookd.publish.session_index import (
    index_fields,
    index_id,
    session_key_prefix,
    sessions_key,
    short_name,
    slot_prefix,
)
from hookd.publish.session_state import state_after
from hookd.publish.settings import PublishSettings

ScriptArg = bytes | str | int | float  # what redis-py and hiredis encode


class ScriptEvent(Protocol):
    """What the script is given of an event: the fields of hookd.spool.event.Event."""

    @property
    def seq(self) -> int: ...

    @property
    def host(self) -> str: ...

    @property
    def instance(self) -> str: ...

    @property
    def event_id(self) -> str: ...

    @property
    def hook(self) -> str: ...

    @property
    def session(self) -> str: ...

    @property
    def tool(self) -> str: ...

    @property
    def envelope(self) -> bytes: ...

    @property
    def received_ns(self) -> int: ...


# KEYS[1] stream, KEYS[2] high-water-mark hash, KEYS[3] sorted set of sessions, then the
# hash of each session the batch has events of (the script names them from ARGV[5]; they
# are declared so that a Cluster checks them with the others before the script starts:
# while the slot migrates, the script runs with every key at hand or not at all);
# ARGV[1] maxlen (0: none), ARGV[2] host, ARGV[3] the seq the sender's mark must have reached
# (0: no check), ARGV[4] session retention in seconds (0: no session index), ARGV[5] the
# prefix of session hashes, ARGV[6] the channel to PUBLISH envelopes on ('': none), ARGV[7]
# the instance (the state directory) that numbered the events ('': none), ARGV[8] the
# sender, the field of the hash that keeps its mark (see ``sender``), then per event:
# seq, event_id, hook, session, tool, envelope, received ms, cwd, model, and the state the event
# puts its session in ('': it leaves it as it was; session_state.py), kept as the hash's `state`.
# Returns {added, skipped}, then for each index key Redis refused to update (a session's
# hash or the sorted set) the key and Redis's error, and last, when an XADD was refused after
# others of the batch had landed, '' and that refusal (added and skipped then count the events
# before it); or {-1, mark} when the mark is short of ARGV[3]: the batch sent before this one
# did not land, or Redis lost what landed (publish/lost.py); or {-1, mark, 'stream'} when
# ARGV[3] is not 0 and the stream is not there at all (deleted, flushed, evicted); or {-1, mark,
# 'remade'} when ARGV[3] is not 0 and the stream there is not the one the sender's events went into
# (THIS_STREAM and stream_field: deleted and made again by another sender; LAST_ADDED: by
# another client, told by what XINFO STREAM says against what hookd added last). The session
# index and the PUBLISH see only the events added, so a batch sent again counts nothing twice. The script's text is publish_batch.lua (package data), read once.
STREAM_IDENTITY = resources.files("hookd.publish").joinpath("stream_identity.lua").read_text("utf-8")
PUBLISH_BATCH = (
    ACL_CHECK + STREAM_IDENTITY + resources.files("hookd.publish").joinpath("publish_batch.lua").read_text("utf-8")
)

# KEYS[1] stream, KEYS[2] its marks: 1 when the stream there is not the one hookd added to last (deleted and
# made again by a client that is not hookd), judged as PUBLISH_BATCH judges it; 0 when it is, or cannot be told
# (nothing kept yet, XINFO STREAM not granted, no stream). The idle check's (lost.py), so that a stream made
# again while nothing is sent is said then, not at the next batch.
STREAM_REMADE = (
    STREAM_IDENTITY
    + """
local kept = redis.call('HGET', KEYS[2], ' last')
if not kept or (redis.acl_check_cmd and not redis.acl_check_cmd('XINFO', 'STREAM', KEYS[1])) then return 0 end
local ok, got = pcall(redis.call, 'XINFO', 'STREAM', KEYS[1])
if not ok or type(got) ~= 'table' then return 0 end
local info = {}
for j = 1, #got - 1, 2 do info[got[j]] = got[j + 1] end
return not_the_one(kept, info) and 1 or 0
"""
)


def script_keys(stream: str, sessions: Iterable[str] = ()) -> list[str]:
    """PUBLISH_BATCH's KEYS for a stream and the sessions whose hashes a batch updates."""
    prefix = session_key_prefix(stream)
    return [stream, marks_key(stream), sessions_key(stream), *(prefix + s for s in sessions)]


def batch_keys(settings: PublishSettings, events: Sequence[ScriptEvent]) -> list[str]:
    """PUBLISH_BATCH's KEYS for events of one host."""
    if not settings.session_index:
        return script_keys(settings.stream)
    return script_keys(settings.stream, {index_id(event.session): None for event in events if event.session})


ARGS_HEAD = 8  # PUBLISH_BATCH's ARGV before the events (see its comment), then ARGS_PER_EVENT each
ARGS_PER_EVENT = 10


def events_in(args: Sequence[ScriptArg]) -> int:
    """How many events an ARGV that batch_args built carries."""
    return (len(args) - ARGS_HEAD) // ARGS_PER_EVENT


def batch_args(settings: PublishSettings, events: Sequence[ScriptEvent], after: int = 0) -> list[ScriptArg]:
    """PUBLISH_BATCH's ARGV for events of one host."""
    indexed = settings.session_index
    args: list[ScriptArg] = [
        settings.stream_maxlen,
        events[0].host,
        after,
        settings.session_retention_s if indexed else 0,
        session_key_prefix(settings.stream),
        settings.publish_channel,
        events[0].instance,
        sender(events[0]),
    ]
    if not indexed:
        for event in events:
            args += (
                event.seq,
                event.event_id,
                short_name(event.hook),
                index_id(event.session),
                short_name(event.tool),
                event.envelope,
                0,
                "",
                "",
                "",
            )
        return args
    # The index keeps each session's latest cwd and model, so only the session's last event in the batch has its
    # envelope read for them; the others give their arrival time only. An envelope is read once at most: for
    # those, a replayed file's event (its arrival time, received_at) and a Notification (its type, for the state).
    last = {event.session: n for n, event in enumerate(events)}
    for n, event in enumerate(events):
        notifies = event.hook == "Notification"
        if last[event.session] == n or notifies or not event.received_ns:
            at_ms, cwd, model, notified = index_fields(event.received_ns, event.envelope)
            if last[event.session] != n:
                cwd, model = "", ""
        else:
            at_ms, cwd, model, notified = event.received_ns // 1_000_000, "", "", None
        session = index_id(event.session)
        hook, tool = short_name(event.hook), short_name(event.tool)
        state = state_after(event.hook, notified if notifies else None)
        args += (event.seq, event.event_id, hook, session, tool, event.envelope, at_ms, cwd, model, state)
    return args


def sender(event: ScriptEvent) -> str:
    """The field of the high-water-mark hash that holds this event's sender's mark.

    "host/instance": two daemons that share a host name number their events each
    on their own, and one's numbers must not hide the other's. Events that name no
    instance (spooled before there were instances, or replayed from envelopes
    without one) keep the host's own mark.
    """
    return sender_of(event.host, event.instance)


def sender_of(host: str, instance: str | None) -> str:
    """``sender`` of the events of ``host`` numbered by ``instance``."""
    return f"{host}/{instance}" if instance else host


# Fields of the marks hash beside the senders' marks (publish_batch.lua): the stream's identity (the id
# of the event that made it; compared, never parsed), and per sender that of the stream its events went
# into. The leading space keeps them apart from any sender a host name makes.
THIS_STREAM = " stream"
# And the id of the last event hookd added and the stream's count of entries ever added then ("ID COUNT").
LAST_ADDED = " last"


def stream_field(sender_name: str) -> str:
    """The field of the marks hash that holds the identity of the stream ``sender_name``'s events went into."""
    return f"{THIS_STREAM} {sender_name}"


def marks_key(stream: str) -> str:
    """The high-water-mark hash, in the stream's Redis Cluster hash slot (see slot_prefix)."""
    return slot_prefix(stream) + "hwm"


def check_stream(stream: str) -> None:
    """The high-water-mark key must share the stream's cluster slot; some names make that
    impossible (a SettingError names the stream setting)."""
    try:
        marks_key(stream)
    except ValueError as exc:
        raise SettingError(str(exc), setting="stream") from None
