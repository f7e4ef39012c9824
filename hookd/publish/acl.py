"""The Redis ACL rules hookd needs, and the check that keeps a batch all-or-nothing under an ACL.

Redis checks each command a script calls against the user's ACL when the
script calls it: a user allowed XADD but not HSET would get the events added
and the high-water mark left behind, and every retry would add them again.
So the publish script first asks Redis (``redis.acl_check_cmd``, Redis 7) about
every command and key it is going to touch, and refuses the batch, naming the
command and key, before it writes anything. Before Redis 7 there is no such
question to ask, and the check is skipped.
"""

from __future__ import annotations

from hookd.publish.session_index import session_key_prefix, sessions_key, slot_prefix

# Prepended to PUBLISH_BATCH; reads its KEYS and ARGV (see publisher.py).
ACL_CHECK = """
if redis.acl_check_cmd then
  local stream, marks, sessions, host = KEYS[1], KEYS[2], KEYS[3], ARGV[2]
  local checks = {
    {'HGET', marks, host},
    {'XADD', stream, 'MAXLEN', '~', '1', '*', 'f', 'v'},
    {'HSET', marks, host, '0'},
  }
  if ARGV[6] ~= '' then checks[#checks + 1] = {'PUBLISH', ARGV[6], ''} end
  local session
  if tonumber(ARGV[4]) > 0 then
    for i = 12, #ARGV, 9 do
      if ARGV[i] ~= '' then session = ARGV[5] .. ARGV[i]; break end
    end
  end
  if session then
    for _, c in ipairs({{'TIME'}, {'HSET', session, 'f', 'v'}, {'HSETNX', session, 'f', 'v'},
                        {'HINCRBY', session, 'f', '1'}, {'PEXPIREAT', session, '1'},
                        {'ZADD', sessions, '1', 'm'}, {'ZREMRANGEBYSCORE', sessions, '0', '1'},
                        {'PEXPIRE', sessions, '1'}}) do
      checks[#checks + 1] = c
    end
  end
  for _, c in ipairs(checks) do
    if not redis.acl_check_cmd(unpack(c)) then
      local target = ''
      if c[1] == 'PUBLISH' then target = ' on channel ' .. c[2]
      elseif c[2] then target = ' on key ' .. c[2] end
      return redis.error_reply('NOPERM this user may not run ' .. c[1] .. target ..
                               ' (hookd checked before writing: nothing of this batch was written)')
    end
  end
end
"""

# Every command hookd's publishing can send: the connection's own (PING for the health
# check, CLIENT SETNAME; connection_kwargs turns redis-py's CLIENT SETINFO off, as Redis
# 7.0 has no such command to grant), the script's (XINFO STREAM only to tell the stream made
# again by another client: left out of ACL_CHECK, a rule without it publishes as before), and
# HMGET for `hookd replay --dry-run` and for the marks read on each new connection (publish/lost.py).
PUBLISHER_COMMANDS = (
    "ping",
    "client|setname",
    "evalsha",
    "script|load",
    "hget",
    "hmget",
    "hset",
    "xadd",
    "xinfo|stream",
    "time",
    "hsetnx",
    "hincrby",
    "pexpireat",
    "zadd",
    "zremrangebyscore",
    "pexpire",
)
# A consumer's: `hookd tail` (XREVRANGE, XREAD), the rest of reading the stream, the session index.
READER_COMMANDS = (
    "ping",
    "client|setname",
    "xread",
    "xrange",
    "xrevrange",
    "xlen",
    "xinfo|stream",
    "hget",
    "hgetall",
    "zrange",
    "zrevrange",
    "zrangebyscore",
    "zrevrangebyscore",
    "zcard",
)

# A sentinel user's: SENTINEL MASTERS is how redis-py finds the master (and sees it is up).
SENTINEL_COMMANDS = ("sentinel|masters",)


def key_patterns(stream: str, read_only: bool = False) -> list[str]:
    """The stream, and every key in its slot: the high-water marks and the session index."""
    prefix = "%R~" if read_only else "~"
    assert sessions_key(stream).startswith(slot_prefix(stream))
    assert session_key_prefix(stream).startswith(slot_prefix(stream))
    return [prefix + _glob_escape(stream), prefix + _glob_escape(slot_prefix(stream)) + "*"]


def publisher_rule(stream: str = "hookd:events", channel: str = "") -> str:
    """The ACL rule (ACL SETUSER's arguments after the user name and password) hookd needs."""
    commands = PUBLISHER_COMMANDS + (("publish",) if channel else ())
    return _rule(key_patterns(stream), channel, commands)


def reader_rule(stream: str = "hookd:events", channel: str = "") -> str:
    """A read-only consumer's rule: it can read the stream and the index, and change nothing."""
    commands = READER_COMMANDS + (("subscribe",) if channel else ())
    return _rule(key_patterns(stream, read_only=True), channel, commands)


def sentinel_rule() -> str:
    """The rule of the sentinels' user (redis_sentinel_username): no key, one question."""
    return _rule([], "", SENTINEL_COMMANDS)


def _rule(keys: list[str], channel: str, commands: tuple[str, ...]) -> str:
    channels = ["resetchannels"] + (["&" + _glob_escape(channel)] if channel else [])
    return " ".join(["resetkeys", *keys, *channels, "-@all", *("+" + c for c in commands)])


def _glob_escape(text: str) -> str:
    """ACL key and channel patterns are globs: a name's own * ? [ ] \\ must not act as one."""
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)
