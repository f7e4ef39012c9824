"""Redis Sentinel: how hookd asks the sentinels for the master, and what it says when they fail.

The sentinels get a login of their own (redis_sentinel_username, redis_sentinel_password
or redis_sentinel_password_file), never the master's: a sentinel has its own requirepass
and users, and one without a password refuses an AUTH. They speak TLS when
redis_sentinel_tls says so ('auto': when redis_url is rediss://), with the redis_tls_*
settings, and each sentinel's certificate must hold the name redis_sentinel gives it
(redis_tls_server_name is the master's, whose address the sentinels hand out).

redis-py's MasterNotFoundError keeps only the text of what each sentinel answered; the
clients here keep the exceptions (NoMaster), so that hookd can name the cause and the fix
(failures.py).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any, cast

import redis.asyncio as aioredis
import redis.exceptions
from redis.asyncio.connection import SSLConnection, parse_url
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import MasterNotFoundError, Sentinel, SentinelConnectionPool
from redis.backoff import NoBackoff

from hookd.config_errors import SettingError
from hookd.policies import SentinelTls
from hookd.publish import access, sentinel_ask
from hookd.publish.addresses import host_ports
from hookd.publish.replies import WRONG_SHAPE, NotRedis
from hookd.publish.sentinel_ask import failing_over
from hookd.publish.settings import RedisSettings
from hookd.publish.tls_files import tls_kwargs
from hookd.state import RedisHealth

LOGIN_FIELDS = ("sentinel_username", "sentinel_password", "sentinel_password_file")


def sentinel_addresses(text: str) -> list[tuple[str, int]]:
    return host_ports(text, "redis_sentinel", "10.0.0.5:26379")


def check(settings: RedisSettings) -> None:
    """The sentinels' own settings; a SettingError names the one to change."""
    given = ["redis_" + name for name in LOGIN_FIELDS if getattr(settings, name)]
    if settings.sentinel_tls is not SentinelTls.AUTO:
        given.append("redis_sentinel_tls")
    if given and not settings.sentinel:
        raise SettingError(
            f"{given[0]} is set but redis_sentinel is not; name the sentinels in redis_sentinel, or drop {given[0]}",
            setting=given[0],
        )
    if settings.sentinel_password and settings.sentinel_password_file:
        raise SettingError(
            "the sentinels' password is given twice, by redis_sentinel_password "
            "(HOOKD_REDIS_SENTINEL_PASSWORD) and by redis_sentinel_password_file; "
            "keep one",
            setting="redis_sentinel_password_file",
        )
    if settings.sentinel_password_file:
        access.read_password_file(settings.sentinel_password_file, "redis_sentinel_password_file")


def uses_tls(settings: RedisSettings) -> bool:
    mode = settings.sentinel_tls
    return mode is SentinelTls.ON or (mode is SentinelTls.AUTO and access.uses_tls(settings))


def login(settings: RedisSettings) -> dict[str, str]:
    return access.credentials(
        settings.sentinel_username,
        settings.sentinel_password,
        settings.sentinel_password_file,
        "redis_sentinel_password_file",
    )


def sentinel_kwargs(settings: RedisSettings, kwargs: dict[str, Any]) -> dict[str, Any]:
    """What each sentinel is connected with: hookd's timeouts, no CLIENT SETINFO and no push reads (from the
    master's ``kwargs``), the sentinels' own login, and TLS when they speak it."""
    options = {
        k: v
        for k, v in kwargs.items()
        if k.startswith("socket_") or k in ("driver_info", "lib_name", "lib_version", "maint_notifications_config")
    }
    options.update(login(settings))
    # hookd's own timeouts, whatever the master's client waits: hookd tail's, a blocking read's longer, made each
    # ask of a mute sentinel wait that, said as redis_timeout_s
    options.update(socket_connect_timeout=settings.connect_timeout_s, socket_timeout=settings.timeout_s)
    # Not redis-py's default retries (three, each to its timeout): a sentinel that timed out, or whose answer was
    # refused (past the reply bound), is not asked again within the ask (redis-py's own Sentinel asks its
    # sentinels without them, for the same reason), and the master watch asks again within a second.
    options["retry"] = Retry(NoBackoff(), 0)
    if uses_tls(settings):
        options.update(ssl=True, **tls_kwargs(settings))
    return options


def master_options(url_options: Mapping[str, Any], ssl_class: type) -> dict[str, Any]:
    """What redis_url gives a master that Sentinel names: its credentials, database and TLS,
    not its host. ``url_options`` is redis-py's parse_url of it (asyncio or blocking)."""
    options = {k: v for k, v in url_options.items() if k not in ("host", "port")}
    if options.pop("connection_class", None) is ssl_class:
        options["ssl"] = True
    return options


# What redis-py's sentinel connection raises, in place of READONLY (or a blocked command's UNBLOCKED), from the
# server it was told is the master: that server has become a replica since.
DEMOTED = "The previous master is now a slave"


def demoted(exc: BaseException) -> bool:
    """The master the sentinels named answered as a replica (redis-py disconnects, and the next connection asks
    the sentinels again)."""
    return isinstance(exc, redis.exceptions.ConnectionError) and str(exc) == DEMOTED


class NoMaster(redis.exceptions.ConnectionError):
    """No sentinel named the master; ``errors`` holds each sentinel's failure (None: it
    answered, but knew no such master that is up); ``failing_over``: the addresses they
    named that a failover is under way from."""

    def __init__(
        self, name: str, errors: list[tuple[str, BaseException | None]], failing_over: tuple[str, ...] = ()
    ) -> None:
        said = "; ".join(
            f"{address}: " + (f"{type(error).__name__}: {error}" if error is not None else "no such master up")
            for address, error in errors
        )
        super().__init__(f"no sentinel named a master {name!r} ({said})")
        self.name = name
        self.errors = errors
        self.failing_over = failing_over


def _address(client: aioredis.Redis) -> str:
    kwargs = client.connection_pool.connection_kwargs
    return f"{kwargs['host']}:{kwargs['port']}"


def _checked(command: tuple[Any, ...], reply: Any) -> Any:
    """``reply`` to ``command``; SENTINEL MASTERS's checked for what redis-py's discover_master
    reads of each master's state (the flags, its count of other sentinels, ip, port)."""
    if command[:1] == ("SENTINEL MASTERS",):
        for state in reply.values():  # a dict by name, as redis-py's callback made it
            if not (
                isinstance(state["ip"], str)
                and isinstance(state["port"], int)
                and isinstance(state["num-other-sentinels"], int)
                and all(isinstance(state[flag], bool) for flag in ("is_master", "is_sdown", "is_odown"))
            ):
                raise TypeError(f"the state of master {str(state.get('name'))[:40]!r}")
    return reply


@contextlib.contextmanager
def _keeping(client: _AskedSentinel, command: tuple[Any, ...]) -> Iterator[None]:
    """The block's exception kept on ``client`` and raised; a reply of a shape Redis never sends
    raised as NotRedis."""
    try:
        yield
    except WRONG_SHAPE as exc:
        client.error = NotRedis(str(command[0]), exc)
        raise client.error from exc
    except BaseException as exc:
        client.error = exc
        raise


class _AskedSentinel(aioredis.Redis):
    """A sentinel's client that keeps the last exception it raised, and takes an answer of a
    shape Redis never sends (``+OK`` to SENTINEL MASTERS) for a sentinel not reached: redis-py
    then asks the next one, where the AttributeError or KeyError ended the task asking."""

    error: BaseException | None = None

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        with _keeping(self, args):
            # redis-py's execute_command has no annotations: its reply is whatever the command's is
            reply = await super().execute_command(*args, **options)  # type: ignore[no-untyped-call, unused-ignore]
            return _checked(args, reply)


class _AsksEach:
    """Mixed into Sentinels: a master no sentinel named is a NoMaster holding each one's error."""

    sentinels: list[Any]
    _failing_over: list[str]

    def check_master_state(self, state: dict[str, Any], service_name: str) -> bool:
        if not super().check_master_state(state, service_name):  # type: ignore[misc]  # the Sentinel's
            return False
        if failing_over(state):
            self._failing_over.append(f"{state['ip']}:{state['port']}")
            return False  # the next sentinel may know of no failover (only its leader does): asked as redis-py does
        return True

    @contextlib.contextmanager
    def _asking(self, service_name: str) -> Iterator[None]:
        asked = cast("list[_AskedSentinel]", self.sentinels)  # as __init__ made them
        for sentinel in asked:
            sentinel.error = None
        self._failing_over = []
        try:
            yield
        except redis.exceptions.RedisError as exc:  # NOPERM comes through redis-py as it is
            errors = [(_address(s), s.error) for s in asked]
            raise NoMaster(service_name, errors, tuple(self._failing_over)) from exc


class Sentinels(_AsksEach, Sentinel):
    def __init__(self, addresses: list[tuple[str, int]], kwargs: dict[str, Any]) -> None:
        super().__init__(addresses, sentinel_kwargs=kwargs)  # type: ignore[no-untyped-call, unused-ignore]  # unannotated before redis-py 8
        # The same clients redis-py made (they have not connected yet), keeping their errors.
        self.sentinels = [_AskedSentinel(host=h, port=p, **kwargs) for h, p in addresses]
        self._failing_over = []
        said = [f"{h}:{p}" for h, p in addresses]
        self.asks = sentinel_ask.Asks(said, sentinel_ask.deadline_s(kwargs), sentinel_ask.deadline_by(kwargs))
        # One ask at a time: each starts by clearing the errors the last one kept, and the master watch
        # (master_watch.py) asks beside a connection that connects.
        self._one_ask = asyncio.Lock()

    async def discover_master(self, service_name: str) -> tuple[str, int]:
        async with self._one_ask:
            with self._asking(service_name):
                return await self._ask_all(service_name)

    async def _ask_all(self, service_name: str) -> tuple[str, int]:
        """The master the first sentinel (in redis_sentinel's order) that names one usable names, all asked at once
        under one deadline (sentinel_ask.py). Unless another flags a failover from it: only the sentinel leading a
        failover flags it, and the others name the old master, unflagged, until they hear of the new one (the old
        master's writes from the promotion on are thrown away)."""
        asked = cast("list[_AskedSentinel]", self.sentinels)
        answers = await self.asks.ask([s.sentinel_masters for s in asked])
        named: list[tuple[str, int]] = []
        for sentinel, answer in zip(asked, answers, strict=True):
            if isinstance(answer, BaseException):
                sentinel.error = answer  # past the deadline (or mute) its Unanswered; what it failed with otherwise
                continue
            state = answer.get(service_name)
            if state and self.check_master_state(state, service_name):  # notes a flagged failover
                named.append((state["ip"], state["port"]))
        if not named:
            raise MasterNotFoundError(f"No master found for {service_name!r}")
        master = named[0]
        if f"{master[0]}:{master[1]}" in self._failing_over:
            raise MasterNotFoundError(f"a failover from {master[0]}:{master[1]} is under way")
        return master

    async def aclose(self) -> None:
        await self.asks.aclose()
        await super().aclose()


class SentinelMasterClient(aioredis.Redis):
    """The master's client; closing it also closes the connections to the sentinels."""

    async def aclose(self, close_connection_pool: bool | None = None) -> None:
        await super().aclose(close_connection_pool)
        pool = cast(SentinelConnectionPool, self.connection_pool)  # master_for gives it one
        await pool.sentinel_manager.aclose()


def report_to(client: object, health: RedisHealth, describe: Callable[[BaseException], str]) -> None:
    """Behind Sentinel, the sentinels that went mute or fail kept in ``health``, for status; ``describe`` names
    a sentinel's failure and its fix (failures.sentinel_reason)."""
    manager = getattr(getattr(client, "connection_pool", None), "sentinel_manager", None)
    if isinstance(manager, Sentinels):
        manager.asks.health, manager.asks.describe = health, describe


def say_to(client: object, say: Callable[[str], None], describe: Callable[[BaseException], str]) -> None:
    """Behind Sentinel, outside the daemon (hookd tail, replay): the sentinels that go mute, fail, or answer
    again said by ``say``, a line each; ``describe`` as report_to's. The blocking client's asks run on its
    own Sentinels (sentinel_sync.py)."""
    manager = getattr(getattr(client, "connection_pool", None), "sentinel_manager", None)
    manager = getattr(manager, "asking", manager)
    if isinstance(manager, Sentinels):
        manager.asks.say, manager.asks.describe = say, describe


def master_client(settings: RedisSettings, kwargs: dict[str, Any]) -> aioredis.Redis:
    """The asyncio client of the master the sentinels name, with the master's ``kwargs``."""
    sentinels = Sentinels(sentinel_addresses(settings.sentinel), sentinel_kwargs(settings, kwargs))
    client = sentinels.master_for(
        settings.sentinel_master,
        redis_class=SentinelMasterClient,
        **{**kwargs, **master_options(parse_url(settings.url), SSLConnection)},
    )
    return cast(SentinelMasterClient, client)  # an instance of redis_class
