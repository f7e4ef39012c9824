
-- Shared by publish_batch.lua and the idle check (lost.py): prepended to both (script.py).
-- Seqs and marks are compared as the decimal strings they are sent and kept as, never as Lua's
-- numbers: those are doubles, exact only up to 2**53, and past it neighbours compare equal (events
-- spooled under a sequence that had gone past it would be skipped as repeats).
local function digits(s)
  return string.match(s, '^0*(%d+)$') or error('hookd: not a sequence number: ' .. s)
end
local function above(a, b)
  return #a > #b or (#a == #b and a > b)
end
-- Whether the stream XINFO STREAM describes (``info``, nil if not asked) is not the one hookd added to
-- last (``kept``: the marks' ' last' field, "ID COUNT ASKED_MS"); publish_batch.lua says why each test holds.
local function id_above(a, b)
  local am, as = string.match(a, '^(%d+)%-(%d+)$')
  local bm, bs = string.match(b, '^(%d+)%-(%d+)$')
  if not (am and bm) then return false end
  am, bm = digits(am), digits(bm)
  if am ~= bm then return above(am, bm) end
  return above(digits(as), digits(bs))
end
local function not_the_one(kept, info)
  local last, count = string.match(kept or '', '^(%d+%-%d+) (%d+)')
  if not (info and last) or type(info['last-generated-id']) ~= 'string' then return false end
  if id_above(last, info['last-generated-id']) then return true end
  local added_ever, length = info['entries-added'], info['length']
  if type(added_ever) ~= 'number' or type(length) ~= 'number' then return false end  -- before Redis 7
  count = digits(count)
  if above(count, string.format('%d', added_ever)) then return true end
  local first = type(info['first-entry']) == 'table' and info['first-entry'][1]
  if not first then return false end
  if id_above(first, last) then return length + tonumber(count) > added_ever end
  -- Its first entry is that last one itself (made again in the same millisecond, or with ids given): the
  -- stream those went into holds it and what was added since, no more.
  return first == last and length + tonumber(count) - 1 > added_ever
end
