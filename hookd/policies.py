"""The settings that choose among a few named ways: each an Enum, so that code compares members,
never strings, and the config check lists the values.

They sit at the bottom of the layers because the settings (config.py) declare them and the
parts that act on them (the spool, liveness, logging, the hooks installer) are below or beside
it. StrEnum members equal their text, and msgspec decodes them from it.
"""

from __future__ import annotations

from enum import StrEnum


class FsyncPolicy(StrEnum):
    """spool_fsync: when the spool is flushed to the disk."""

    INTERVAL = "interval"  # every spool_fsync_interval_ms
    BATCH = "batch"  # before each acknowledgement
    NEVER = "never"  # left to the OS


class FullPolicy(StrEnum):
    """spool_full_policy: what a full spool does with a new event."""

    REFUSE = "refuse"
    DROP_OLDEST = "drop_oldest"


class SentinelTls(StrEnum):
    """redis_sentinel_tls: whether the sentinels speak TLS."""

    AUTO = "auto"  # when redis_url is rediss://
    ON = "on"
    OFF = "off"


class HookClient(StrEnum):
    """hook_client: the hook-send that `hookd hooks install` writes into command hooks."""

    AUTO = "auto"
    NATIVE = "native"
    PYTHON = "python"


class HookMode(StrEnum):
    """`hookd hooks install --mode`: how the installed hooks reach hookd."""

    COMMAND = "command"  # run hook-send
    HTTP = "http"  # post to http_addr


class LogFormat(StrEnum):
    AUTO = "auto"  # console on a terminal, else json
    CONSOLE = "console"
    JSON = "json"


class LogLevel(StrEnum):
    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"
