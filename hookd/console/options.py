"""The settings flags of each subcommand: only the settings it uses, grouped, with real metavars.

Every setting is still read from the config file and ``HOOKD_<NAME>``; a command
offers as flags only those it acts on. Booleans are ``--x/--no-x``, a setting of
a few values lists them (argparse's choices), and a secret is never a flag.
"""

from __future__ import annotations

import argparse
from typing import Any, Iterable, Sequence

import msgspec

from hookd.config import SECRET_SETTINGS, setting_info
from hookd.console.reference import description as setting_description

# Help groups, in the order shown. A setting in none of them goes to "other settings".
GROUPS: dict[str, tuple[str, ...]] = {
    "paths": ("socket", "control_socket", "state_dir"),
    "redis": (
        "redis_url",
        "redis_username",
        "redis_password",
        "redis_password_file",
        "redis_tls_ca_file",
        "redis_tls_cert_file",
        "redis_tls_key_file",
        "redis_tls_server_name",
        "redis_tls_verify",
        "redis_sentinel",
        "redis_sentinel_master",
        "redis_sentinel_username",
        "redis_sentinel_password",
        "redis_sentinel_password_file",
        "redis_sentinel_tls",
        "redis_cluster",
        "redis_cluster_nodes",
        "redis_wait_replicas",
        "redis_connect_timeout_s",
        "redis_timeout_s",
    ),
    "stream": ("stream", "stream_maxlen", "host", "session_index", "session_retention_s", "publish_channel"),
    "publishing": (
        "batch_max_events",
        "batch_max_bytes",
        "publish_linger_ms",
        "breaker_failures",
        "breaker_backoff_min_s",
        "breaker_backoff_max_s",
        "breaker_trial_timeout_s",
    ),
    "listeners": (
        "http_addr",
        "http_token_file",
        "http_allow_public",
        "metrics_addr",
        "metrics_allow_hosts",
        "max_event_bytes",
        "client_timeout_s",
        "inbox_poll_ms",
        "drain_timeout_s",
    ),
    "spool": ("spool_fsync", "spool_fsync_interval_ms", "spool_segment_bytes", "spool_max_bytes", "spool_full_policy"),
    "redaction": ("redact", "redact_disable", "redact_allow", "redact_rules", "truncate_strings_at"),
    "logging": ("log_format", "log_level"),
}
EVERYTHING = ("*",)
# The settings each command uses, as group names or single settings: it offers them as flags,
# and the parts they belong to check them before it runs (console/settings.py).
USES: dict[str, tuple[str, ...]] = {
    "run": EVERYTHING,
    "config": EVERYTHING,
    "status": ("paths",),
    "print-hook-command": ("paths", "hook_client"),
    "hooks": ("paths", "http_addr", "http_token_file", "hook_client"),
    "redact": ("redaction",),
    "replay": ("paths", "redis", "stream", "batch_max_events", "batch_max_bytes"),
    "tail": ("redis", "stream"),
    "service": ("paths", "http_addr", "metrics_addr"),
    "ui": ("redis", "stream", "ui_addr", "ui_allow_hosts", "logging"),
}


def _metavar(name: str, field: msgspec.inspect.Field) -> str:
    kind = field.type.type if isinstance(field.type, msgspec.inspect.Metadata) else field.type
    if isinstance(kind, (msgspec.inspect.ListType, msgspec.inspect.DictType)):
        return "JSON"
    if name.endswith("_url"):
        return "URL"
    if name.endswith("_addr"):
        return "HOST:PORT"
    if name.endswith(("_file", "_dir")) or name in ("socket", "control_socket", "spare_inbox"):
        return "PATH"
    if name.endswith("_bytes_per_s"):
        return "BYTES/S"
    if name.endswith("_s"):
        return "SECONDS"
    if name.endswith("_ms"):
        return "MS"
    if name.endswith("_bytes"):
        return "BYTES"
    if isinstance(kind, (msgspec.inspect.IntType, msgspec.inspect.FloatType)):
        return "N"
    if name in ("redis_sentinel", "redis_cluster_nodes"):
        return "HOST:PORT,..."
    return "NAME"


def _default_text(field: msgspec.inspect.Field) -> str:
    if field.default in ("", msgspec.NODEFAULT):
        return ""
    value = field.default
    if isinstance(value, bool):
        return ""  # BooleanOptionalAction shows it
    return f" (default: {value})"


class _RefusedSecretFlag(argparse.Action):
    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        parser.error(
            f"{option_string} is not accepted, as every user can read process arguments; "
            f"set HOOKD_{self.dest.upper()} or {self.dest}_file instead"
        )


def chosen(uses: Iterable[str]) -> list[str]:
    """The setting names a command offers, in group order."""
    names = [f.name for f in setting_info()]
    uses = tuple(uses)
    if uses == EVERYTHING:
        return names
    wanted: list[str] = []
    for use in uses:
        wanted += GROUPS.get(use, (use,))
    return [n for n in names if n in wanted]


def add(parser: argparse.ArgumentParser, command: str) -> None:
    """``--config`` and the command's settings flags, in help groups."""
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="TOML config file (default $XDG_CONFIG_HOME/hookd/config.toml, or "
        "HOOKD_CONFIG); every setting is also read from there and from "
        "HOOKD_<NAME>",
    )
    offered = set(chosen(USES.get(command, ())))
    fields = {f.name: f for f in setting_info()}
    grouped = {n for names in GROUPS.values() for n in names}
    sections = list(GROUPS.items()) + [("other", tuple(n for n in fields if n not in grouped))]
    for title, names in sections:
        shown = [n for n in names if n in offered]
        if not shown:
            continue
        group = parser.add_argument_group(f"{title} settings")
        for name in shown:
            _add_flag(group, name, fields[name])


def _add_flag(group: Any, name: str, field: msgspec.inspect.Field) -> None:
    flag = f"--{name.replace('_', '-')}"
    if name in SECRET_SETTINGS:  # a flag's value is visible to every user in ps
        group.add_argument(flag, action=_RefusedSecretFlag, dest=name, help=argparse.SUPPRESS)
        return
    description = setting_description(field)
    kind = field.type.type if isinstance(field.type, msgspec.inspect.Metadata) else field.type
    if isinstance(kind, msgspec.inspect.BoolType):
        group.add_argument(
            flag,
            dest=name,
            action=argparse.BooleanOptionalAction,
            default=None,
            help=f"{description} (default: {'on' if field.default else 'off'})",
        )
        return
    # A setting of a few values is an Enum (hookd/policies.py), listed in the order written.
    choices = [member.value for member in kind.cls] if isinstance(kind, msgspec.inspect.EnumType) else None
    group.add_argument(
        flag,
        dest=name,
        choices=choices,
        metavar=None if choices else _metavar(name, field),
        help=f"{description}{_default_text(field)}",
    )


def settings_from(args: argparse.Namespace) -> dict[str, Any]:
    """The settings given as flags (and --config), for config.load."""
    names = {f.name for f in setting_info()} | {"config"}
    return {k: v for k, v in vars(args).items() if k in names and v is not None}
