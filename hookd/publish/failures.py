"""What a Redis failure means, in one sentence that names the cause and the fix.

Every message has the password masked: redis_url's and the password settings' values.
When no sentinel names the master, the message is about the first sentinel that failed.
"""

from __future__ import annotations

import ssl
from typing import TypeGuard

import redis.exceptions

from hookd.config import mask_url
from hookd.publish import sentinel, topology
from hookd.publish.access import exception_chain, explain, refused, url_secrets, uses_tls, was_reset
from hookd.publish.migration import is_ask, redirected_too_often
from hookd.publish.pace import SlowLink
from hookd.publish.sentinel_ask import Mute
from hookd.publish.server_owner import StrangerServer
from hookd.publish.settings import RedisSettings
from hookd.publish.tls_step import TlsSilent


def _masked(settings: RedisSettings, text: str) -> str:
    """The text with redis_url's password and the password settings' values as ****."""
    text = text.replace(settings.url, mask_url(settings.url))
    for secret in (*url_secrets(settings.url), settings.password, settings.sentinel_password):
        if secret:
            text = text.replace(secret, "****")
    return text


def describe_failure(settings: RedisSettings, exc: BaseException) -> str:
    """One sentence naming what went wrong with Redis and what to do, with the password masked."""
    where = topology.describe(settings)
    stranger = next((link for link in exception_chain(exc) if isinstance(link, StrangerServer)), None)
    if stranger is not None:
        return f"{where}: {stranger}"
    text = _masked(settings, reply_text(exc))
    no_master = next((link for link in exception_chain(exc) if isinstance(link, sentinel.NoMaster)), None)
    if no_master is not None:
        return _masked(settings, f"{where}: {_no_master(settings, no_master)}")
    access = explain(settings, exc, text)
    if access is not None:
        return f"{where}: {access}"
    if isinstance(exc, SlowLink):
        return f"{where}: {exc}"
    if isinstance(exc, redis.exceptions.BusyLoadingError):
        # redis-py makes LOADING a ConnectionError: not one that starting Redis would mend.
        return (
            f"{where} answers, but is loading its dataset into memory ({text}) and takes no command until it "
            "has (after a restart, or a replica's full sync): events spool and are sent once it has loaded; "
            "if it stays loading, Redis's log says why"
        )
    silent_tls = next((link for link in exception_chain(exc) if isinstance(link, TlsSilent)), None)
    if silent_tls is not None:
        return (
            f"{where} took the TCP connection but did not answer the TLS handshake within {silent_tls.bound_s:g}s "
            "(redis_connect_timeout_s, the handshake's own after the TCP connect's): if that port speaks plain "
            "Redis, not TLS, use redis://; else check what listens there"
        )
    if isinstance(exc, (redis.exceptions.TimeoutError, TimeoutError)):
        connecting = "connecting" in text  # TCP alone: a TLS handshake's silence is TlsSilent's, above
        timeout = settings.connect_timeout_s if connecting else settings.timeout_s
        setting = "redis_connect_timeout_s" if connecting else "redis_timeout_s"  # a name's lookup counts in the first
        return f"{where} did not answer within {timeout:g}s ({setting})"
    if sentinel.demoted(exc):
        return (
            f"{where}: the server the sentinels named as the master answers as a read-only replica now (READONLY: "
            f"{text}): a failover is under way, or one was made without the sentinels; events spool, and each new "
            "connection asks the sentinels again and goes to the master they name; if this lasts, `SENTINEL "
            "MASTERS` on a sentinel shows which server they name and its flags"
        )
    if isinstance(exc, (redis.exceptions.ConnectionError, OSError)):
        if refused(exc):
            return f"{where} refused the connection (is redis-server running?)"
        hint = " (if that port speaks TLS only, use rediss://)" if was_reset(exc) and not uses_tls(settings) else ""
        return f"{where} cannot be reached: {text}{hint}"
    if isinstance(exc, redis.exceptions.MovedError):
        # Followed at once, with the slot map read again (writer.py): one that stands is a loop.
        return (
            f"{where} sent the batch on again and again (MOVED {text}), its slot map read again each time: "
            "its nodes disagree on which of them serves the stream's hash slot; `redis-cli --cluster check` "
            "names the disagreement and `redis-cli --cluster fix` mends it"
        )
    if is_ask(exc):
        return f"{where} is moving the stream's hash slot to another node; publishing resumes once it is done"
    if isinstance(exc, redis.exceptions.TryAgainError) or redirected_too_often(exc):
        return (
            f"{where} is moving the stream's hash slot to another node, and some of the keys a "
            "batch needs have moved and some not (TRYAGAIN) for a while; publishing resumes "
            "once the move is done (a reshard stopped half way is finished by "
            "`redis-cli --cluster fix`)"
        )
    if isinstance(exc, redis.exceptions.ResponseError):
        return f"{where} answered with an error ({type(exc).__name__}): {text}{_fix(exc)}"
    if isinstance(exc, redis.exceptions.InvalidResponse):
        # hiredis's own words ("Bad integer value", "Protocol error, got ..."): bytes no Redis sends
        return (
            f"{where} answered with bytes that are not Redis's protocol ({text}): redis_url names a server that is "
            "not redis-server, or something between them changes its replies; point redis_url at redis-server "
            "itself (`redis-cli -u URL PING` answers PONG)"
        )
    return f"{where} failed: {type(exc).__name__}: {text}"


def reply_text(exc: BaseException) -> str:
    """The error as Redis said it: redis-py drops the first word of the replies it has a class for (OOM,
    NOPERM, READONLY, NOSCRIPT, LOADING, CLUSTERDOWN, CROSSSLOT, ...), which is what Redis's docs and a search
    name them by."""
    text = str(exc)
    code = getattr(exc, "status_code", None)
    if isinstance(exc, redis.exceptions.ResponseError | redis.exceptions.BusyLoadingError) and code:
        if not text.startswith(code) and code != "ERR":
            return f"{code} {text}"
    return text


def _fix(exc: redis.exceptions.ResponseError) -> str:
    """The fix of an error reply whose words do not say it (the script's own refusals name theirs)."""
    if isinstance(exc, redis.exceptions.OutOfMemoryError):
        return "; Redis is at its maxmemory: free memory there, raise maxmemory, or lower stream_maxlen"
    if isinstance(exc, redis.exceptions.ReadOnlyError):
        return (
            "; that server is a read-only replica: point redis_url at its master, or set redis_sentinel "
            "(and redis_sentinel_master) so that hookd follows the master through failovers"
        )
    if isinstance(exc, redis.exceptions.MasterDownError):
        return (
            "; that server is a replica whose link to its master is down, and it answers "
            "nothing while it is (replica-serve-stale-data no); a replica takes no writes in any case: point "
            "redis_url at the master, or set redis_sentinel (and redis_sentinel_master) so that hookd follows "
            "the master through failovers"
        )
    code = str(exc).split(" ", 1)[0]
    if isinstance(exc, redis.exceptions.ClusterCrossSlotError):
        return (
            "; hookd names a batch's keys so that they share the stream's hash slot (its hash tag, from the stream "
            "setting), so the server answering hashes keys otherwise than Redis Cluster: a proxy or a "
            "Redis-compatible server in front of the cluster; point redis_url at a node of the cluster itself, "
            "with redis_cluster = true"
        )
    if isinstance(exc, redis.exceptions.ClusterDownError):
        return (
            "; a hash slot the batch needs has no node, or the cluster takes no command while any slot has none "
            "(cluster-require-full-coverage) or while most of its masters are out of reach: events spool and are "
            "sent once it is up again; `redis-cli --cluster check` names the slots not served, and "
            "`redis-cli --cluster fix` mends them"
        )
    if code == "NOREPLICAS":
        return (
            "; Redis takes no writes while fewer replicas than its min-replicas-to-write are connected to "
            "it: bring its replicas back, or lower min-replicas-to-write there"
        )
    if code == "MISCONF":
        return (
            "; Redis takes no writes since its last snapshot (RDB) failed to save "
            "(stop-writes-on-bgsave-error): its log says why; give it disk space or a writable dir"
        )
    if code == "BUSY":
        return (
            "; a script (or module command) has run past Redis's busy-reply-threshold, and Redis answers "
            "nothing else until it ends: events spool and are sent once it does; if it does not end, "
            "`redis-cli SCRIPT KILL` (FUNCTION KILL for a function) stops one that has not written yet, "
            "and one that has ends only with SHUTDOWN NOSAVE; find its client once Redis answers (CLIENT LIST)"
        )
    if isinstance(exc, redis.exceptions.NoScriptError):
        return (
            "; the publish script was loaded and lost again on each try: something flushes Redis's scripts "
            "(SCRIPT FLUSH) or a proxy sends each command to another server; stop it, or point redis_url at "
            "the server itself"
        )
    return ""


def refuses_batch(settings: RedisSettings, exc: BaseException) -> bool:
    """Whether Redis answered a batch with an error of its own (a key of another type, the stream's
    last id used up, no memory left, a script it keeps losing): it is up, and refuses the batch. Not
    an unreachable server, a login, ACL or TLS refusal (access.py), nor a Cluster slot on the move."""
    if not isinstance(exc, redis.exceptions.ResponseError) or is_ask(exc) or redirected_too_often(exc):
        return False
    if isinstance(exc, redis.exceptions.MasterDownError):
        return True  # a ClusterDownError to redis-py, but a replica's answer for its own state
    moving = (redis.exceptions.MovedError, redis.exceptions.TryAgainError, redis.exceptions.ClusterDownError)
    return not isinstance(exc, moving) and explain(settings, exc, str(exc)) is None


def wrong_type(exc: BaseException) -> TypeGuard[redis.exceptions.ResponseError]:
    """Redis refused a command on a key of another type (WRONGTYPE)."""
    return isinstance(exc, redis.exceptions.ResponseError) and str(exc).startswith("WRONGTYPE")


def describe_read_failure(settings: RedisSettings, stream: str, exc: BaseException) -> str:
    """describe_failure for a reader of ``stream`` (tail, the UI): WRONGTYPE there means the key is
    something else, which Redis's own words do not say."""
    text = describe_failure(settings, exc)
    if wrong_type(exc):
        return (
            f"the key {stream} is not a stream ({text}); point stream (--stream, HOOKD_STREAM or the "
            "config file) at the stream hookd publishes to, or delete that key if it is not hookd's"
        )
    return text


def _no_master(settings: RedisSettings, exc: sentinel.NoMaster) -> str:
    """Why no sentinel named the master, and what to change: every sentinel's own failure, one reason once (a
    sentinel asleep or failing over must not hide another's wrong password, ACL refusal or TLS error)."""
    by_reason: dict[str, list[str]] = {}
    for address, error in exc.errors:
        if error is not None:
            by_reason.setdefault(sentinel_reason(settings, error), []).append(address)
    said = [
        f"sentinel{'s' if len(addresses) > 1 else ''} {', '.join(addresses)}: {reason}"
        for reason, addresses in by_reason.items()
    ]
    if exc.failing_over:
        said.insert(
            0,
            f"the sentinels name {exc.failing_over[0]} as master {exc.name!r}, but a failover from it is under "
            "way (`SENTINEL MASTERS` flags it failover_in_progress): events stay spooled until the sentinels "
            "name the new master, as the old one's writes from now on would be thrown away",
        )
    elif any(error is None for _, error in exc.errors):  # answered, knowing no such master up
        said.insert(
            0,
            f"{'the' if not said else 'other'} sentinels answered, but none names a master {exc.name!r} that is "
            "up; check redis_sentinel_master against `SENTINEL MASTERS` on a sentinel, or wait for the failover "
            "in progress to finish",
        )
    return "; ".join(said)


def sentinel_reason(settings: RedisSettings, error: BaseException) -> str:
    text = str(error)
    user = settings.sentinel_username or "default"
    chain = list(exception_chain(error))
    if isinstance(error, redis.exceptions.NoPermissionError) or text.startswith("NOPERM"):
        return (
            f"the sentinel user '{user}' lacks a permission hookd needs ({text}); give it the "
            "sentinels' rule in the 'Redis ACL' section of docs/redis.md"
        )
    if "without any password configured" in text:
        return (
            f"it has no password, but hookd sent one ({text}); drop redis_sentinel_password "
            "and redis_sentinel_password_file, or set requirepass on the sentinels"
        )
    if isinstance(error, redis.exceptions.AuthenticationError):
        if not (settings.sentinel_password or settings.sentinel_password_file):
            return (
                "it requires a password: set redis_sentinel_password_file (or "
                "HOOKD_REDIS_SENTINEL_PASSWORD) to the sentinels' requirepass, and "
                "redis_sentinel_username for an ACL user"
            )
        return (
            f"it refused the credentials of user '{user}' ({text}); check "
            f"redis_sentinel_username and the password in {_sentinel_password_source(settings)}"
        )
    for link in chain:
        if isinstance(link, ssl.SSLCertVerificationError) and "mismatch" in str(link.verify_message):
            return (
                f"TLS certificate verify failed: {link.verify_message}; name the sentinels in "
                "redis_sentinel by a name their certificates hold"
            )
        if isinstance(link, ssl.SSLError) and "WRONG_VERSION_NUMBER" in str(link).upper():
            return (
                f'that port does not speak TLS ({link}); set redis_sentinel_tls = "off", or '
                "name the sentinels' TLS ports in redis_sentinel"
            )
    if not sentinel.uses_tls(settings) and was_reset(error):
        return f'it closed the connection ({text}); if the sentinels speak TLS only, set redis_sentinel_tls = "on"'
    explained = explain(settings, error, text)
    if explained is not None:
        return explained
    if isinstance(error, (redis.exceptions.TimeoutError, TimeoutError)):
        later = ", and is asked in the background, not waited for, until it answers" if isinstance(error, Mute) else ""
        return (
            f"it did not answer within {getattr(error, 'deadline_s', settings.connect_timeout_s):g}s "
            f"(redis_connect_timeout_s, redis_timeout_s){later}; is it running, and not stopped?"
        )
    if refused(error) or "refused" in text:
        return "it refused the connection (is the sentinel running, on that port?)"
    if isinstance(error, redis.exceptions.InvalidResponse):
        return (
            f"it answered with bytes that are not Redis's protocol ({text}): that address is not a sentinel, or "
            "something between them changes its replies; name the sentinels themselves in redis_sentinel"
        )
    return f"{type(error).__name__}: {text}"


def _sentinel_password_source(settings: RedisSettings) -> str:
    if settings.sentinel_password:
        return "redis_sentinel_password (HOOKD_REDIS_SENTINEL_PASSWORD)"
    if settings.sentinel_password_file:
        return f"redis_sentinel_password_file {settings.sentinel_password_file}"
    return "redis_sentinel_password_file or HOOKD_REDIS_SENTINEL_PASSWORD (none is set)"
