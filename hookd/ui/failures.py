"""What a browser's request gets when the Redis read it needs fails: a JSON error naming why.

The API reads the stream per request (an envelope, an older session, a page of older events).
Whatever answers on redis_url can answer those reads in shapes Redis never sends, or not at all;
each such request was a 500 with a traceback in the UI's log (tests/test_redteam8_ui_api.py). Now
it is 502 when the server answered as Redis never does (a reply of another shape, a handshake
refused, a reply past the readers' bound that holds no entry, an error reply), 503 when Redis
cannot be reached, did not answer in time, or has as many reads under way as the UI makes; the reason is describe_failure's sentence, which names
the server's answer. A browser retries such requests as the owner clicks: the log says so at most
once per route per LOG_EVERY_S, with how many requests the line stands for.
"""

from __future__ import annotations

import redis.exceptions
import structlog

from hookd.peers import Throttle
from hookd.publish.session_index import session_key_prefix
from hookd.publish.failures import describe_failure
from hookd.publish.replies import NotRedis, ReplyTooLarge
from hookd.publish.settings import RedisSettings
from hookd.publish.stream_replies import NotAStreamReply

log = structlog.get_logger("hookd.ui")

LOG_EVERY_S = 10.0
# The server answered, but not as Redis would have: a bad gateway rather than one unavailable.
_ANSWERED = (NotAStreamReply, NotRedis, ReplyTooLarge, redis.exceptions.ResponseError)
_lines = Throttle(LOG_EVERY_S)
_index_lines = Throttle(LOG_EVERY_S)
# The requests' client makes at most ui/reader.REQUEST_CONNECTIONS connections (the live reader has
# its own), and each may hold a reply of up to READER_REPLY_BYTES: the requests beyond them are
# refused, not queued.
BUSY = "hookd ui is waiting on Redis for as many reads as it makes at once; try again once they are answered"

# What a route's read of Redis may raise besides a bug of the UI's own: every reply is checked for
# its shape (publish/stream_replies.py), so any other exception is one, and keeps its traceback.
REDIS_FAILURES = (redis.exceptions.RedisError, OSError)


def redis_failure(settings: RedisSettings, route: str, exc: BaseException) -> tuple[int, str]:
    """The status and the reason a request of ``route`` gets for ``exc``, logged as said above."""
    status = 502 if isinstance(exc, _ANSWERED) else 503
    if isinstance(exc, redis.exceptions.MaxConnectionsError):  # a slow Redis, not one out of reach
        reason = BUSY
    else:
        reason = describe_failure(settings, exc)
    count = _lines.ready(route)
    if count is not None:
        log.warning(
            "ui_api_redis_failed",
            route=route,
            status=status,
            error=reason,
            requests=count,
            hint="the request is answered with this error; the UI goes on",
        )
    return status, reason


def index_entry_refused(stream: str, session: str, exc: redis.exceptions.ResponseError, count: int) -> str:
    """What the single-session view says when Redis refuses to read the session's index entry (a
    hash made another type: WRONGTYPE); its events then come from the stream. The owner opens the
    view again and again: logged at most once per LOG_EVERY_S, with how many requests the line
    stands for; ``count`` is how many there were in all (hookd ui's /api/status)."""
    key = session_key_prefix(stream) + session
    why = (
        f"hookd's index entry {key} cannot be read (Redis: {exc}); the session's events are read "
        f"from the stream instead, which is slower; fix: redis-cli DEL '{key}' (the session's next "
        "event writes it again)"
    )
    requests = _index_lines.ready("session")
    if requests is not None:
        log.warning("ui_session_index_refused", key=key, error=str(exc), requests=requests, total=count, hint=why)
    return why
