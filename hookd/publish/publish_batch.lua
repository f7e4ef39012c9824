
-- digits, above and not_the_one come before this text (stream_identity.lua).
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
  if code == 'OOM' or code == 'READONLY' or code == 'NOREPLICAS' or code == 'MISCONF' then
    return text  -- the server's state, not the key's doing: the client names the fix (failures.py)
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
if mark and not string.match(mark, '^%d+$') then
  -- Set by hand or by another program: named with the fix, shown in part (it may be of any length).
  return redis.error_reply("ERR hookd's mark for sender " .. sender .. ' in ' .. marks
    .. ' is not a sequence number (' .. string.format('%q', string.sub(mark, 1, 40))
    .. (#mark > 40 and '...' or '') .. '); set it to the seq of that sender\'s last event in the stream, '
    .. 'or delete the field (HDEL ' .. marks .. ' ' .. sender .. '): hookd writes it again with the next '
    .. 'batch, and adds again any event of it sent again')
end
-- A loss is said only by a server that takes writes: a read-only replica (a sentinel that names one,
-- or a failover half done) has marks of its own, short or none, and refuses this write, which changes
-- nothing anywhere (an empty range). Refused for another reason (an ACL without it), the answer stands.
local function read_only()
  local ok, err = pcall(redis.call, 'ZREMRANGEBYSCORE', sessions, '+inf', '-inf')
  local text = ok and '' or tostring(type(err) == 'table' and err.err or err)
  if string.match(text, '^READONLY') then
    return redis.error_reply(text)
  end
end
mark = digits(mark or '0')
if after ~= '0' and above(after, mark) then
  return read_only() or {-1, mark}
end
-- The stream's identity: the id of the event that made it (or, for one made before hookd kept it,
-- the first this script added to it), and per sender the identity of the stream its events went
-- into. A stream deleted and made again by another sender (whose batch may make it: nothing of it
-- had landed) is then told from the one this sender's events are in, though its mark is intact.
-- Fields of the marks hash (HGET, HSET: the documented ACL rule), named so that no sender's is.
local this_stream, sender_stream = ' stream', ' stream ' .. sender
local stream_id, known_id = redis.call('HGET', marks, this_stream), redis.call('HGET', marks, sender_stream)
if after ~= '0' and stream_id and known_id and stream_id ~= known_id then
  return read_only() or {-1, mark, 'remade'}
end
-- A stream deleted and made again by a client that is not hookd keeps the identity above (no
-- hookd sender made it). What a stream says of itself tells it (XINFO STREAM, granted on the stream
-- alone): hookd keeps, after each batch, the id of the last event it added and the stream's count of
-- entries ever added then (field ' last'). The stream those went into never counts fewer, never has a
-- last id below that one, and, its first entry past that id, holds no more entries than were added
-- since; one made again does one of these unless its writer added more than it holds by the count
-- kept. Without the grant (a rule from before it) nothing is asked, and the client says so once.
-- Its reply carries the stream's first and last entries whole (up to max_event_bytes each, Redis's one
-- thread copying them): asked once a second at most, the time of the last ask kept beside (a third word).
-- A batch behind nothing (ARGV[3] 0: the first of a run, or the one after a loss was said) asks always:
-- it is the one that takes a stream made again as this sender's, and one that did not ask would leave the
-- old stream's last kept, and the next batch that asks would say the same loss again.
local last_field, info = ' last', nil
local clock = redis.call('TIME')
local clock_ms = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local kept = redis.call('HGET', marks, last_field)
local asked_ms = tonumber(string.match(kept or '', '^%d+%-%d+ %d+ (%d+)$') or '0')
local ask = after == '0' or not kept or clock_ms - asked_ms >= 1000 or clock_ms < asked_ms
if ask and (not redis.acl_check_cmd or redis.acl_check_cmd('XINFO', 'STREAM', stream)) then
  local ok, got = pcall(redis.call, 'XINFO', 'STREAM', stream)
  if ok and type(got) == 'table' then
    info = {}
    for j = 1, #got - 1, 2 do info[got[j]] = got[j + 1] end
  end
end
local renamed = not_the_one(kept, info)
if renamed and after ~= '0' then
  return read_only() or {-1, mark, 'remade'}
end
local made_id, first_id = nil, nil
local last_id = nil
local added, skipped = 0, 0
local touched, order = {}, {}
local stream_refused = nil
for i = 9, #ARGV, 10 do
  local seq = digits(ARGV[i])
  if above(seq, mark) then
    local fields = {'envelope', ARGV[i + 5], 'event_id', ARGV[i + 1], 'hook', ARGV[i + 2],
                    'session', ARGV[i + 3], 'host', host, 'tool', ARGV[i + 4], 'seq', ARGV[i]}
    if instance ~= '' then
      fields[#fields + 1] = 'instance'
      fields[#fields + 1] = instance
    end
    local ok, err, plain, making = nil, nil, true, false
    if added == 0 then
      -- NOMKSTREAM first: XADD's own option (no command more for the ACL). Events of this sender
      -- landed in the stream (ARGV[3]), so it must be there: gone (deleted, flushed, evicted) is
      -- answered, not made again in silence. Otherwise this batch makes it, and keeps its identity.
      -- A Redis before 6.2 refuses the option, and adds as before (no identity kept).
      if maxlen > 0 then
        ok, err = pcall(redis.call, 'XADD', stream, 'NOMKSTREAM', 'MAXLEN', '~', ARGV[1], '*', unpack(fields))
      else
        ok, err = pcall(redis.call, 'XADD', stream, 'NOMKSTREAM', '*', unpack(fields))
      end
      if ok and not err then
        if after ~= '0' then
          return {-1, mark, 'stream'}
        end
        making = true
      end
      local text = ok and '' or string.lower(tostring(type(err) == 'table' and err.err or err))
      plain = making or string.find(text, 'syntax', 1, true) or string.find(text, 'invalid stream id', 1, true)
    end
    if plain then
      if maxlen > 0 then
        -- ARGV[1] as written: a Lua number loses digits
        ok, err = pcall(redis.call, 'XADD', stream, 'MAXLEN', '~', ARGV[1], '*', unpack(fields))
      else
        ok, err = pcall(redis.call, 'XADD', stream, '*', unpack(fields))
      end
      if ok and making then made_id = err end
    end
    if ok and not first_id then first_id = err end
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
      if ARGV[i + 9] ~= '' then s.state = ARGV[i + 9] end
    end
    mark = seq
    added = added + 1
    last_id = err
  else
    skipped = skipped + 1
  end
end
if added + skipped > 0 then
  -- Written when every event was skipped too: a WAIT after a batch sent again then waits
  -- for the replicas to have this write, and with it the one that added the events.
  local set = {sender, mark}
  -- A stream made again by another client, this batch behind nothing, that added none of its events
  -- (each at or below the mark: a batch sent again whose first sending went into the stream before)
  -- is this sender's from now on all the same, known by what it says of itself: its last id and count.
  local taken = renamed and not first_id
  if made_id or (first_id and (renamed or not stream_id)) or taken then
    -- A stream made again by another client takes the identity of this batch's first event (or, none
    -- added, its last id and the time): the other senders whose events were in the one before are
    -- told by it at their next batch.
    stream_id = made_id or first_id or (info['last-generated-id'] .. ' ' .. string.format('%d', clock_ms))
    set[#set + 1] = this_stream
    set[#set + 1] = stream_id
  end
  if stream_id and stream_id ~= known_id then
    set[#set + 1] = sender_stream
    set[#set + 1] = stream_id
  end
  if last_id and (made_id or info or not kept) then
    -- The stream's count of entries ever added, after this batch (XADD trims, never lowers it).
    -- Not known (no grant, a Redis before 7): 0, which tells nothing and never tells wrong. A batch
    -- that did not ask leaves the last that did: an older last id and its count tell as truly.
    local count = 0
    if made_id then
      count = added
    elseif info and type(info['entries-added']) == 'number' then
      count = info['entries-added'] + added
    end
    set[#set + 1] = last_field
    set[#set + 1] = last_id .. ' ' .. string.format('%d', count) .. ' ' .. string.format('%d', clock_ms)
  elseif taken then
    -- Its last id and count as it says them: the same stream never says less of either after.
    local count = type(info['entries-added']) == 'number' and info['entries-added'] or 0
    set[#set + 1] = last_field
    set[#set + 1] = info['last-generated-id'] .. ' ' .. string.format('%d', count) .. ' '
      .. string.format('%d', clock_ms)
  end
  redis.call('HSET', marks, unpack(set))
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
        -- `state_events` is the hash's count of events when its `state` was last known to be the
        -- session's: an older hookd counts its events but writes no state, so a state whose count is
        -- behind is one an older hookd's later events left stale (the reader takes last_hook then).
        -- A batch that gives no state keeps one that was current, and leaves a stale one stale.
        local before = redis.call('HMGET', key, 'events', 'state_events')
        local total = redis.call('HINCRBY', key, 'events', s.events)
        local set = {'host', host, 'last_seen_ms', last, 'last_hook', s.hook}
        if s.tool then set[#set + 1] = 'last_tool'; set[#set + 1] = s.tool end
        if s.cwd then set[#set + 1] = 'cwd'; set[#set + 1] = s.cwd end
        if s.model then set[#set + 1] = 'model'; set[#set + 1] = s.model end
        if s.state then set[#set + 1] = 'state'; set[#set + 1] = s.state end
        if s.state or before[1] == before[2] then
          set[#set + 1] = 'state_events'; set[#set + 1] = string.format('%d', total)
        end
        redis.call('HSET', key, unpack(set))
        redis.call('HSETNX', key, 'first_seen_ms', string.format('%d', s.first))
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
