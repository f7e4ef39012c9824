"""The publish script and its arguments: what Redis runs for each batch, and what it is given.

PUBLISH_BATCH skips events at or below their sender's high-water mark, XADDs
the rest and raises the mark, atomically; for the events it adds it also
updates the session index (session_index.py) and, when a channel is set,
PUBLISHes their envelopes. publisher.py sends it; `hookd replay --file` too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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
# seq, event_id, hook, session, tool, envelope, received ms, cwd, model.
# Returns {added, skipped}, then for each index key Redis refused to update (a session's
# hash or the sorted set) the key and Redis's error, and last, when an XADD was refused after
# others of the batch had landed, '' and that refusal (added and skipped then count the events
# before it); or {-1, mark} when the mark is short of ARGV[3]: the batch sent before this one
# did not land. The session index and the
# PUBLISH see only the events added, so a batch sent again counts nothing twice.
PUBLISH_BATCH = (
    ACL_CHECK
    + """
-- Seqs and marks are compared as the decimal strings they are sent and kept as, never as Lua's
-- numbers: those are doubles, exact only up to 2**53, and past it neighbours compare equal (events
-- spooled under a sequence that had gone past it would be skipped as repeats).
local function digits(s)
  return string.match(s, '^0*(%d+)$') or error('hookd: not a sequence number: ' .. s)
end
local function above(a, b)
  return #a > #b or (#a == #b and a > b)
end
local stream, marks, sessions = KEYS[1], KEYS[2], KEYS[3]
local maxlen, host, after = tonumber(ARGV[1]), ARGV[2], digits(ARGV[3])
local retention_ms, prefix, channel = tonumber(ARGV[4]) * 1000, ARGV[5], ARGV[6]
local instance, sender = ARGV[7], ARGV[8]
local max_hook_names = 64
-- A key of another type (put there by hand, or another program's) is answered naming it and
-- the fix: Redis's own error names neither, and status showed only a line of this script.
local function refusal_text(err, key, what, fix)
  local text = type(err) == 'table' and tostring(err.err) or tostring(err)
  local code = string.match(text, '^%u+')
  if code == 'MOVED' or code == 'ASK' or code == 'TRYAGAIN' or code == 'CLUSTERDOWN' then
    return text  -- read by the client as they are (migration.py)
  end
  if code == 'OOM' then
    return text  -- not the key's doing: the client names the fix (maxmemory)
  end
  return text .. ' (the key ' .. key .. ', ' .. what .. '; ' .. fix .. ')'
end
local function refusal(err, key, what, fix)
  return redis.error_reply(refusal_text(err, key, what, fix))
end
local got_mark, mark = pcall(redis.call, 'HGET', marks, sender)
if not got_mark then
  return refusal(mark, marks, "hookd's high-water marks, must be a hash",
                 "delete it if it is not a hash of hookd's: hookd writes it again with the next batch")
end
mark = digits(mark or '0')
if after ~= '0' and above(after, mark) then
  return {-1, mark}
end
local added, skipped = 0, 0
local touched, order = {}, {}
local stream_refused = nil
for i = 9, #ARGV, 9 do
  local seq = digits(ARGV[i])
  if above(seq, mark) then
    local fields = {'envelope', ARGV[i + 5], 'event_id', ARGV[i + 1], 'hook', ARGV[i + 2],
                    'session', ARGV[i + 3], 'host', host, 'tool', ARGV[i + 4], 'seq', ARGV[i]}
    if instance ~= '' then
      fields[#fields + 1] = 'instance'
      fields[#fields + 1] = instance
    end
    local ok, err
    if maxlen > 0 then
      -- ARGV[1] as written: a Lua number loses digits
      ok, err = pcall(redis.call, 'XADD', stream, 'MAXLEN', '~', ARGV[1], '*', unpack(fields))
    else
      ok, err = pcall(redis.call, 'XADD', stream, '*', unpack(fields))
    end
    if not ok then
      local why = refusal_text(err, stream, 'the stream, refused XADD',
                               'make it a stream hookd can add to (delete or rename what is there), '
                               .. 'or set stream to another name')
      if added == 0 then
        return redis.error_reply(why)
      end
      -- A Lua error undoes no write: the events added before this one keep their mark (or a
      -- resend of the batch would add them twice) and are counted in the session index (or
      -- the resend, which skips them, would never count them), and the answer says how many
      -- landed beside the refusal (the pair whose key is '').
      stream_refused = why
      break
    end
    if channel ~= '' then
      redis.call('PUBLISH', channel, ARGV[i + 5])
    end
    local session = ARGV[i + 3]
    if retention_ms > 0 and session ~= '' then
      local at, hook = tonumber(ARGV[i + 6]), ARGV[i + 2]
      local s = touched[session]
      if not s then
        s = {hooks = {}, events = 0, calls = 0, failures = 0, first = at, last = at}
        touched[session] = s
        order[#order + 1] = session
      end
      s.hooks[hook] = (s.hooks[hook] or 0) + 1
      s.events = s.events + 1
      if hook == 'PostToolUse' or hook == 'PostToolUseFailure' then
        s.calls = s.calls + 1
        if hook == 'PostToolUseFailure' then s.failures = s.failures + 1 end
      end
      if at < s.first then s.first = at end
      if at > s.last then s.last = at end
      s.hook = hook
      if ARGV[i + 4] ~= '' then s.tool = ARGV[i + 4] end
      if ARGV[i + 7] ~= '' then s.cwd = ARGV[i + 7] end
      if ARGV[i + 8] ~= '' then s.model = ARGV[i + 8] end
    end
    mark = seq
    added = added + 1
  else
    skipped = skipped + 1
  end
end
if added + skipped > 0 then
  -- Written when every event was skipped too: a WAIT after a batch sent again then waits
  -- for the replicas to have this write, and with it the one that added the events.
  redis.call('HSET', marks, sender, mark)
end
local reply = {added, skipped}
-- The index is written after the events and the mark, and a Lua error does not undo those:
-- a key of it that Redis refuses (another type put there by hand, a field that is not a
-- number) is answered as such, beside the counts, instead of failing the batch that landed.
local function refused(key, err)
  reply[#reply + 1] = key
  reply[#reply + 1] = type(err) == 'table' and tostring(err.err) or tostring(err)
end
if #order > 0 then
  -- Entries expire retention after their session's last event; one whose last event is
  -- already that old (a replayed file) is not written at all.
  local time = redis.call('TIME')
  local now_ms = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
  local ok_sessions, sessions_err = true, nil
  for _, session in ipairs(order) do
    local s, key = touched[session], prefix .. session
    if s.last + retention_ms > now_ms then
      local ok, err = pcall(function()
        local last = string.format('%d', s.last)
        local set = {'host', host, 'last_seen_ms', last, 'last_hook', s.hook}
        if s.tool then set[#set + 1] = 'last_tool'; set[#set + 1] = s.tool end
        if s.cwd then set[#set + 1] = 'cwd'; set[#set + 1] = s.cwd end
        if s.model then set[#set + 1] = 'model'; set[#set + 1] = s.model end
        redis.call('HSET', key, unpack(set))
        redis.call('HSETNX', key, 'first_seen_ms', string.format('%d', s.first))
        redis.call('HINCRBY', key, 'events', s.events)
        redis.call('HINCRBY', key, 'tool_calls', s.calls)
        redis.call('HINCRBY', key, 'tool_failures', s.failures)
        for hook, n in pairs(s.hooks) do
          -- Hook names come from senders: past max_hook_names distinct names (counted in the
          -- hash's hook_names), or over 64 bytes, a name is counted as 'hook:other'. HGET and
          -- HINCRBY only: the commands the documented ACL rule already grants.
          local field = 'hook:' .. hook
          if #hook > 64 then
            field = 'hook:other'
          elseif not redis.call('HGET', key, field) then
            if (tonumber(redis.call('HGET', key, 'hook_names') or '0') or max_hook_names) >= max_hook_names then
              field = 'hook:other'
            else
              redis.call('HINCRBY', key, 'hook_names', 1)
            end
          end
          redis.call('HINCRBY', key, field, n)
        end
        redis.call('PEXPIREAT', key, string.format('%d', s.last + retention_ms))
      end)
      if not ok then refused(key, err) end
      if ok_sessions then
        ok_sessions, sessions_err = pcall(redis.call, 'ZADD', sessions, string.format('%d', s.last), session)
      end
    end
  end
  if ok_sessions then
    ok_sessions, sessions_err = pcall(function()
      redis.call('ZREMRANGEBYSCORE', sessions, '-inf', '(' .. string.format('%d', now_ms - retention_ms))
      redis.call('PEXPIRE', sessions, string.format('%d', retention_ms))
    end)
  end
  if not ok_sessions then refused(sessions, sessions_err) end
end
if stream_refused then
  refused('', stream_refused)
end
return reply
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
ARGS_PER_EVENT = 9


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
            )
        return args
    # The index keeps each session's latest cwd and model, so only the session's last event
    # in the batch has its envelope read for them; the others give their arrival time only.
    last = {event.session: n for n, event in enumerate(events)}
    for n, event in enumerate(events):
        if last[event.session] == n:
            at_ms, cwd, model = index_fields(event.received_ns, event.envelope)
        else:
            at_ms, cwd, model = event.received_ns // 1_000_000, "", ""
            if not at_ms:
                at_ms = index_fields(0, event.envelope)[0]  # a replayed file's event
        session = index_id(event.session)
        hook, tool = short_name(event.hook), short_name(event.tool)
        args += (event.seq, event.event_id, hook, session, tool, event.envelope, at_ms, cwd, model)
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
