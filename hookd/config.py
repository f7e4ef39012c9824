"""hookd's settings: defined once here, filled from file, environment and flags.

Precedence, lowest first: the defaults below, the TOML file, ``HOOKD_<NAME>``
environment variables, command-line flags. The CLI builds its flags from the
same fields, so a setting cannot exist in one place and not the others.
"""

from __future__ import annotations

import functools
import ipaddress
import os
import socket as socket_module
from typing import Annotated, Any, ClassVar, Mapping, Self

import msgspec

from hookd_client.hook_send import default_socket_path, default_state_dir, named_state_dir, spare_inbox_dir

from hookd import config_sources
from hookd.config_sources import SECRET_SETTINGS as SECRET_SETTINGS, mask_url as mask_url

# SettingError (and its older name) from here too, beside load, which raises it.
from hookd.config_errors import ConfigError as ConfigError, SettingError as SettingError
from hookd.config_errors import explain, source_of
from hookd.home import default_config_path, home_problem
from hookd.policies import FsyncPolicy, FullPolicy, HookClient, LogFormat, LogLevel, SentinelTls

MiB = 1024 * 1024


def _doc(text: str) -> msgspec.Meta:
    return msgspec.Meta(description=text)


class ModelPrice(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """USD per million tokens of one model (``usage_prices``; the built-in table is in
    hookd/enrich/prices.py)."""

    input: float
    output: float
    cache_read: float
    cache_write: float  # 5-minute cache lifetime
    cache_write_1h: float | None = None  # default: twice input


class UserRule(msgspec.Struct, forbid_unknown_fields=True):
    """A redaction rule of the user's (``[[redact_rules]]`` in the config file)."""

    name: str
    pattern: str
    keywords: list[str] = msgspec.field(default_factory=list)
    ignore_case: bool = False
    group: int | str = 0


class Config(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    socket: Annotated[
        str,
        _doc(
            "Unix socket the daemon listens on "
            "(default $XDG_RUNTIME_DIR/hookd/hookd.sock, else run/hookd.sock in state_dir)"
        ),
    ] = ""
    control_socket: Annotated[
        str, _doc("Unix socket that answers `hookd status` (default: control.sock beside the event socket)")
    ] = ""
    metrics_addr: Annotated[
        str,
        _doc(
            "serve Prometheus metrics on HOST:PORT, e.g. 127.0.0.1:9464 (default: off; "
            "a non-loopback host must be given explicitly)"
        ),
    ] = ""
    metrics_allow_hosts: Annotated[
        list[str],
        _doc(
            "Host header names the metrics endpoint answers besides loopback names and IP addresses, "
            "e.g. the name Prometheus reaches this machine by; any other is refused with 421, as a "
            "web page that points its own name at this machine (DNS rebinding) would send"
        ),
    ] = msgspec.field(default_factory=list)
    http_addr: Annotated[
        str,
        _doc(
            'serve `type: "http"` Claude Code hooks on HOST:PORT, e.g. 127.0.0.1:8787 '
            "(default: off; loopback only unless http_allow_public)"
        ),
    ] = ""
    http_token_file: Annotated[
        str,
        _doc(
            "file with the bearer token HTTP hooks must send, created 0600 when missing "
            "(default: http.token in state_dir)"
        ),
    ] = ""
    http_allow_public: Annotated[
        bool,
        _doc(
            "let http_addr be a non-loopback address (anyone who can reach it and learns the token "
            "can add events; the token crosses the network in clear text)"
        ),
    ] = False
    http_public_name: Annotated[
        str,
        _doc(
            "with http_allow_public: the host names (separated by commas) that other machines use to "
            "reach http_addr; a request whose Host header names anything else (or no loopback "
            "name) is refused with 421"
        ),
    ] = ""
    state_dir: Annotated[
        str, _doc("directory for the spool and the inbox (default $XDG_STATE_HOME/hookd, else ~/.local/state/hookd)")
    ] = ""
    redis_url: Annotated[str, _doc("Redis to publish to: redis://, rediss:// (TLS) or unix://")] = (
        "redis://127.0.0.1:6379/0"
    )
    redis_sentinel: Annotated[
        str,
        _doc(
            "find the master through these Redis Sentinels, HOST:PORT,HOST:PORT (redis_url then "
            "gives only the credentials, TLS and database; see Sentinel and Cluster)"
        ),
    ] = ""
    redis_sentinel_master: Annotated[
        str, _doc("the name the sentinels know the master by (required with redis_sentinel)")
    ] = ""
    # How hookd logs in to the sentinels and whether they speak TLS; see hookd/publish/sentinel.py.
    redis_sentinel_username: Annotated[
        str, _doc("ACL user to log in to the sentinels as (default: none, or 'default' with a password)")
    ] = ""
    redis_sentinel_password: Annotated[
        str,
        _doc(
            "the sentinels' password (their requirepass, or redis_sentinel_username's); not the "
            "master's, which they never get; from HOOKD_REDIS_SENTINEL_PASSWORD or the config file "
            "only"
        ),
    ] = ""
    redis_sentinel_password_file: Annotated[
        str,
        _doc(
            "file holding the sentinels' password (one line); hookd refuses a file that other users "
            "can read (chmod 600)"
        ),
    ] = ""
    redis_sentinel_tls: Annotated[
        SentinelTls,
        _doc(
            "TLS to the sentinels, with the redis_tls_* settings: 'auto' when redis_url is "
            "rediss://, 'on' or 'off' to say otherwise"
        ),
    ] = SentinelTls.AUTO
    redis_cluster: Annotated[
        bool, _doc("redis_url names a node of a Redis Cluster; hookd learns the others from it")
    ] = False
    redis_cluster_nodes: Annotated[
        str,
        _doc(
            "more Cluster nodes to discover the cluster from when redis_url's node does not answer, "
            "HOST:PORT,HOST:PORT (needs redis_cluster)"
        ),
    ] = ""
    redis_wait_replicas: Annotated[
        int,
        _doc(
            "after each batch, WAIT for this many replicas to have it before the spool lets it go "
            "(0: do not wait; see Sentinel and Cluster)"
        ),
        msgspec.Meta(ge=0),
    ] = 0
    # How hookd logs in to Redis and checks whose Redis it is; see hookd/publish/access.py.
    redis_username: Annotated[str, _doc("ACL user to log in as, when redis_url names none")] = ""
    redis_password: Annotated[
        str,
        _doc(
            "password of the Redis user, when redis_url has none; from HOOKD_REDIS_PASSWORD or the "
            "config file only: there is no flag, as process arguments are visible to every user"
        ),
    ] = ""
    redis_password_file: Annotated[
        str,
        _doc(
            "file holding the Redis user's password (one line), when redis_url has none; hookd "
            "refuses a file that other users can read (chmod 600)"
        ),
    ] = ""
    redis_tls_ca_file: Annotated[
        str,
        _doc(
            "rediss://: the CA certificates (PEM) that the server's certificate must chain to "
            "(default: the system's trusted CAs)"
        ),
    ] = ""
    redis_tls_cert_file: Annotated[
        str, _doc("rediss://: a client certificate (PEM), for a server that requires one")
    ] = ""
    redis_tls_key_file: Annotated[
        str, _doc("rediss://: the private key of redis_tls_cert_file (default: in that file)")
    ] = ""
    redis_tls_server_name: Annotated[
        str,
        _doc(
            "rediss://: the name the server's certificate must hold, also sent as SNI (default: the host in redis_url)"
        ),
    ] = ""
    redis_tls_verify: Annotated[
        bool,
        _doc(
            "rediss://: verify the server's certificate and name; false lets anyone on the "
            "network path read and change what hookd sends"
        ),
    ] = True
    redis_server_accounts: Annotated[
        list[str],
        _doc(
            "the accounts, by name, whose Redis on this machine (a loopback port, a unix:// socket) "
            "hookd sends the password and events to, besides yours and root's (a distribution's "
            "redis-server runs as redis); a server of any other account is refused; add the account "
            "yours runs as (ps -o user= -C redis-server); a server whose TLS certificate hookd "
            "verified is trusted whoever runs it (JSON list in the environment)"
        ),
    ] = msgspec.field(default_factory=lambda: ["redis", "valkey"])
    stream: Annotated[str, _doc("Redis Stream key the events go to")] = "hookd:events"
    stream_maxlen: Annotated[
        int,
        _doc("approximate cap on the stream's length (XADD MAXLEN ~); 0 for no cap"),
        msgspec.Meta(ge=0, le=2**63 - 1),  # Redis's own limit
    ] = 1_000_000
    host: Annotated[str, _doc("this machine's identity in the stream (default: the host name)")] = ""
    hook_client: Annotated[
        HookClient,
        _doc(
            "the hook-send that `hookd hooks install` writes into command hooks: native (built from "
            "client/hook_send.c with the system's C compiler into state_dir/bin), python, or auto "
            "(native when it builds and passes its self-test, else python)"
        ),
    ] = HookClient.AUTO
    max_event_bytes: Annotated[int, _doc("largest event body accepted, in bytes"), msgspec.Meta(ge=1024)] = 8 * MiB
    client_timeout_s: Annotated[
        float, _doc("a client must deliver each frame within this many seconds"), msgspec.Meta(gt=0)
    ] = 5.0
    listen_backlog: Annotated[
        int,
        _doc(
            "connections each listening socket (events, control, HTTP) queues before hookd accepts "
            "them; the kernel caps it at net.core.somaxconn"
        ),
        msgspec.Meta(ge=16, le=65535),
    ] = 1024
    pending_frame_bytes: Annotated[
        int,
        _doc(
            "most bytes held across all connections' unfinished frames; past it, connections "
            "wait to be read (and new ones are refused) until frames complete"
        ),
        msgspec.Meta(ge=1024 * 1024),
    ] = 64 * MiB
    stall_after_s: Annotated[
        float,
        _doc(
            "events waiting and no publish attempt (or no answer to one) for this long is a stall: "
            "`hookd status` says stalled and the systemd watchdog stops being fed; keep it above "
            "redis_timeout_s (behind Sentinel, above redis_connect_timeout_s + redis_timeout_s, the bound of one ask of the "
            "sentinels; over TLS, 2 x redis_connect_timeout_s + redis_timeout_s: the handshake has its own bound)"
        ),
        msgspec.Meta(gt=0),
    ] = 10.0
    drain_timeout_s: Annotated[
        float,
        _doc("on SIGTERM/SIGINT, time allowed to finish in-flight work before exiting"),
        msgspec.Meta(ge=0, le=86400),  # the stop's hard-stop timer must be able to wait this long
    ] = 10.0
    batch_max_events: Annotated[int, _doc("most events published in one batch"), msgspec.Meta(ge=1)] = 5000
    batch_max_bytes: Annotated[int, _doc("most envelope bytes published in one batch"), msgspec.Meta(ge=1024)] = (
        16 * MiB
    )
    publish_linger_ms: Annotated[
        float,
        _doc(
            "an event that arrives less than this long after the publisher last started a batch "
            "waits until then, so that events a few ms apart share a Redis call: fewer round trips "
            "and wake-ups at hundreds of events a second, for at most this much delay into Redis; "
            "an event after a quiet spell goes at once; 0 never waits"
        ),
        msgspec.Meta(ge=0, le=10000),
    ] = 10.0
    spool_fsync: Annotated[
        FsyncPolicy,
        _doc(
            "when the spool is flushed to the disk: 'interval' (every spool_fsync_interval_ms), "
            "'batch' (before each acknowledgement) or 'never' (left to the OS); see Durability"
        ),
    ] = FsyncPolicy.INTERVAL
    spool_fsync_interval_ms: Annotated[int, _doc("fsync period for spool_fsync=interval"), msgspec.Meta(ge=1)] = 200
    spool_segment_bytes: Annotated[
        int,
        _doc("size at which the spool starts a new segment file (at most an eighth of spool_max_bytes)"),
        msgspec.Meta(ge=64 * 1024),
    ] = 64 * MiB
    spool_max_bytes: Annotated[int, _doc("most disk space the spool may take"), msgspec.Meta(ge=1 * MiB)] = 1024 * MiB
    spool_full_policy: Annotated[
        FullPolicy,
        _doc(
            "when the spool is full: 'refuse' new events (hook-send keeps them in its inbox) "
            "or 'drop_oldest' unpublished events to make room (counted and logged)"
        ),
    ] = FullPolicy.REFUSE
    spool_reserve_bytes: Annotated[
        int,
        _doc(
            "disk space the spool allocates ahead (a file 'reserve' in the spool directory) and gives "
            "back when its filesystem fills up, so that events are still taken for a while; then "
            "hookd refuses with disk_full and hook-send keeps events in its (spare) inbox; 0 for none "
            "(see docs/durability.md)"
        ),
        msgspec.Meta(ge=0),
    ] = 64 * MiB
    spare_inbox: Annotated[
        str,
        _doc(
            "the second inbox the client writes to when the inbox cannot take a file (full disk), "
            "swept with it; the client reads HOOKD_SPARE_INBOX (default $XDG_RUNTIME_DIR/hookd/inbox, "
            "else /dev/shm/hookd-$UID/inbox)"
        ),
    ] = ""
    work_budget_ms: Annotated[
        int,
        _doc(
            "most time the worker process may take to prepare (validate, redact, assess) one event "
            "over 64 KiB; past it the event is kept with a marker in place of its payload, never "
            "unredacted (see docs/durability.md)"
        ),
        msgspec.Meta(ge=10),
    ] = 2000
    redis_connect_timeout_s: Annotated[float, _doc("timeout for connecting to Redis"), msgspec.Meta(gt=0)] = 1.0
    redis_timeout_s: Annotated[float, _doc("timeout for one Redis command or batch"), msgspec.Meta(gt=0)] = 5.0
    redis_min_bytes_per_s: Annotated[
        int,
        _doc(
            "the slowest link to Redis a batch is given time for: a batch of N bytes may take "
            "redis_timeout_s (a trial breaker_trial_timeout_s) plus N / this many seconds; after a "
            "batch times out while Redis still answers, its resend assumes half the rate"
        ),
        msgspec.Meta(ge=64),
    ] = 256 * 1024
    session_index: Annotated[
        bool,
        _doc(
            "keep a hash per session and a sorted set of sessions in Redis, updated with each XADD (see Session index)"
        ),
    ] = True
    session_retention_s: Annotated[
        int,
        _doc("a session's index entry expires this many seconds after its last event (default 7 days)"),
        msgspec.Meta(ge=60),
    ] = 7 * 24 * 3600
    publish_channel: Annotated[
        str,
        _doc(
            "also PUBLISH each envelope on this Redis channel, e.g. 'hooksdata' (what consumers "
            "of the older bash hook subscribe to); empty for none"
        ),
    ] = ""
    redact: Annotated[bool, _doc("redact secrets from every payload before it is spooled (see Redaction)")] = True
    redact_disable: Annotated[
        list[str], _doc("built-in redaction rules to turn off, by name (JSON list in the environment)")
    ] = msgspec.field(default_factory=list)
    redact_allow: Annotated[list[str], _doc("regular expressions: a would-be secret matching one is left alone")] = (
        msgspec.field(default_factory=list)
    )
    redact_rules: Annotated[
        list[UserRule],
        _doc("extra redaction rules: [[redact_rules]] tables with name, pattern, keywords, ignore_case, group"),
    ] = msgspec.field(default_factory=list)
    truncate_strings_at: Annotated[
        int,
        _doc(
            "cut every JSON string in a payload that is longer than this many characters (as "
            "written), after redaction, marking its original length; 0 never cuts"
        ),
        msgspec.Meta(ge=0),
    ] = 0
    inbox_poll_ms: Annotated[
        int,
        _doc("how often the inbox that hook-send falls back to is swept into the spool"),
        msgspec.Meta(ge=10, le=1000),
    ] = 500
    breaker_failures: Annotated[
        int, _doc("consecutive Redis failures that open the circuit breaker"), msgspec.Meta(ge=1)
    ] = 5
    breaker_backoff_min_s: Annotated[
        float,
        _doc("first wait of an open breaker before a trial batch (doubles per failed trial, with jitter)"),
        msgspec.Meta(gt=0),
    ] = 0.1
    breaker_backoff_max_s: Annotated[
        float,
        _doc("longest wait of an open breaker; also how often an idle hookd checks Redis still has its events"),
        msgspec.Meta(gt=0),
    ] = 30.0
    breaker_trial_timeout_s: Annotated[
        float, _doc("time limit of a half-open breaker's trial batch"), msgspec.Meta(gt=0)
    ] = 2.0
    usage: Annotated[
        bool,
        _doc(
            "at Stop, SubagentStop, PreCompact and SessionEnd, add the session's tokens and cost "
            "(`usage`) from its transcript_path, and fill `model` from it when the payload has none; "
            "only numbers and model names are read out of the transcript (see docs/ui.md)"
        ),
    ] = True
    usage_budget_ms: Annotated[
        float,
        _doc(
            "longest an event waits for its transcript reading; what is not read by then goes "
            "with the session's next such event"
        ),
        msgspec.Meta(ge=0, le=1000),
    ] = 50.0
    usage_read_max_bytes: Annotated[
        int,
        _doc(
            "most transcript bytes one reading takes; a transcript further behind is read on in "
            "the same worker, a reading at a time"
        ),
        msgspec.Meta(ge=64 * 1024),
    ] = 2 * MiB
    usage_prices: Annotated[
        dict[str, ModelPrice],
        _doc(
            "USD per million tokens by model id prefix, added to (or replacing) the built-in "
            'prices (dated in docs/ui.md): [usage_prices."claude-x-1"] with input, output, cache_read, '
            "cache_write and optionally cache_write_1h"
        ),
    ] = msgspec.field(default_factory=dict)
    ui_addr: Annotated[
        str,
        _doc("where `hookd ui` serves the web app, HOST:PORT (any host but a loopback one also needs ui_allow_hosts)"),
    ] = "127.0.0.1:8790"
    ui_allow_hosts: Annotated[
        list[str],
        _doc(
            "Host header names `hookd ui` answers besides loopback ones (localhost, 127.0.0.1, ::1), "
            "e.g. a name it is reached by through an SSH tunnel or proxy"
        ),
    ] = msgspec.field(default_factory=list)
    log_format: Annotated[
        LogFormat,
        _doc("log lines on stderr: 'console' for people, 'json' for machines, 'auto' picks console on a terminal"),
    ] = LogFormat.AUTO
    log_level: Annotated[LogLevel, _doc("least severe log level written")] = LogLevel.INFO

    @property
    def inbox_dir(self) -> str:
        return os.path.join(self.state_dir, "inbox")

    @property
    def spool_dir(self) -> str:
        return os.path.join(self.state_dir, "spool")


def setting_names() -> tuple[str, ...]:
    return Config.__struct_fields__


@functools.cache  # every subcommand's flags come from it; inspecting is slow
def setting_info() -> tuple[msgspec.inspect.Field, ...]:
    info = msgspec.inspect.type_info(Config)
    assert isinstance(info, msgspec.inspect.StructType)
    return info.fields


class Sources:
    """Where the settings came from: each source's values, in the order they apply."""

    def __init__(self, values: dict[str, dict[str, Any]]) -> None:
        self.values = values

    def of(self, name: str) -> str:
        """Where ``name`` was set (``HOOKD_X from the environment``, ``config file P, line N``...)."""
        return source_of(name, self.values)


def load(flags: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Build the effective Config from the file, ``HOOKD_*`` variables and flags.

    Checks each value's type, range and syntax; whether the settings of a part work
    together (Redis, redaction, HTTP) is checked by that part, for the commands that use
    it (hookd/console/settings.py).
    """
    return load_sourced(flags, environ)[0]


def load_sourced(
    flags: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> tuple[Config, Sources]:
    """``load``, and where each setting came from (for the errors of later checks)."""
    environ = os.environ if environ is None else environ
    flags = {k: v for k, v in (flags or {}).items() if v is not None}
    explicit_path = flags.pop("config", None) or environ.get("HOOKD_CONFIG")
    path = explicit_path or default_config_path(environ)
    sources = Sources(
        {
            f"config file {path}": config_sources.read_file(path, bool(explicit_path)) if path else {},
            "environment": config_sources.read_environ(environ, setting_info()),
            "command line": config_sources.decode_lists(dict(flags), setting_info()),
        }
    )
    config_sources.check_routes(environ, overridden=set(flags))
    merged: dict[str, Any] = {}
    for values in sources.values.values():
        merged.update(values)
    try:
        config = msgspec.convert(merged, Config, strict=False)
    except msgspec.ValidationError as exc:
        raise explain(exc, sources.values, setting_info(), SECRET_SETTINGS) from None
    try:
        config = _check_metrics_addr(config)
    except SettingError as exc:
        raise exc.located(sources.of(exc.setting or "")) from None
    return _with_defaults(config, environ), sources


class Section(msgspec.Struct, frozen=True, kw_only=True):
    """The settings one part of hookd reads, and nothing else: built once from the Config
    (``from_config``) and handed to that part in place of it.

    Each field is the setting named ``prefix`` + the field's name (RedisSettings.url is
    redis_url), of the same type; a subclass is defined next to the code that reads it.
    """

    prefix: ClassVar[str] = ""

    @classmethod
    def from_config(cls, config: Config) -> Self:
        return cls(**{name: getattr(config, cls.prefix + name) for name in cls.__struct_fields__})

    @classmethod
    def setting_names(cls) -> tuple[str, ...]:
        """The settings this part reads, as the config file names them."""
        return tuple(cls.prefix + name for name in cls.__struct_fields__)


def _check_metrics_addr(config: Config) -> Config:
    """HOST:PORT with an IP address (or localhost); a bare port means 127.0.0.1:PORT."""
    addr = config.metrics_addr.strip()
    if not addr:
        return config
    if addr.isascii() and (addr.isdigit() or (addr.startswith(":") and addr[1:].isdigit())):
        addr = f"127.0.0.1:{addr.lstrip(':')}"
    host, _, port = addr.rpartition(":")
    host = host.strip("[]")
    if host == "localhost":
        host = "127.0.0.1"
    try:
        ipaddress.ip_address(host)
        if not 0 < int(port) < 65536:
            raise ValueError
    except ValueError:
        raise SettingError(
            f"metrics_addr {config.metrics_addr!r} is not HOST:PORT with an IP "
            "address and a port from 1 to 65535, e.g. 127.0.0.1:9464 (a bare port "
            "means 127.0.0.1:PORT)",
            setting="metrics_addr",
        ) from None
    shown = f"[{host}]" if ":" in host else host
    return msgspec.structs.replace(config, metrics_addr=f"{shown}:{port}")


def _with_defaults(config: Config, environ: Mapping[str, str]) -> Config:
    """Fill the settings whose defaults depend on the environment."""
    default = config.state_dir or default_state_dir(environ)
    from_home = not (config.state_dir or named_state_dir(environ))
    problem = home_problem(environ) if from_home or not default else None
    if problem or not default:
        raise SettingError(
            f"no state directory: {problem}; fix: set HOOKD_STATE_DIR (or state_dir, or --state-dir) to an "
            "absolute path, or HOME to your home directory",
            setting="state_dir",
            source="the environment (HOME)",
        )
    state_dir = os.path.abspath(default)
    # Never a shared /tmp name that another user could create first (docs/security.md).
    socket = os.path.abspath(config.socket or default_socket_path(environ, state_dir))
    return msgspec.structs.replace(
        config,
        socket=socket,
        control_socket=os.path.abspath(config.control_socket or os.path.join(os.path.dirname(socket), "control.sock")),
        state_dir=state_dir,
        http_token_file=os.path.abspath(config.http_token_file or os.path.join(state_dir, "http.token")),
        host=config.host or socket_module.gethostname(),
        spare_inbox=_absolute(config.spare_inbox or spare_inbox_dir(environ) or ""),
    )


def masked(config: Config) -> dict[str, Any]:
    """The settings as a plain dict, safe to print or log."""
    values: dict[str, Any] = msgspec.to_builtins(config)
    values["redis_url"] = mask_url(config.redis_url)
    for name in SECRET_SETTINGS:
        if values[name]:
            values[name] = "****"
    return values


def _absolute(path: str) -> str:
    return os.path.abspath(path) if path else ""
