"""HOST:PORT lists in settings (the sentinels, a Cluster's seed nodes)."""

from __future__ import annotations

import ipaddress
import re

from hookd.config_errors import SettingError
from hookd.hostport import split_host_port

# What no host name holds: the rest of a URL (scheme, path, query) or an address's brackets.
_NOT_IN_A_NAME = re.compile(r"[/:?#\[\]\\%\s]")


def _is_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return bool(host) and not _NOT_IN_A_NAME.search(host)
    return True


def host_ports(text: str, setting: str, example: str) -> list[tuple[str, int]]:
    """``host:port,host:port`` as pairs; a SettingError names the entry and the setting.

    An entry written as a URL with a login (``redis://user:pw@host:port``, or ``user:pw@host:port``)
    is refused without being quoted: it would otherwise be taken for a host name, and shown whole
    in every message, log line and status that names the nodes."""
    addresses = []
    for number, entry in enumerate(filter(None, (part.strip() for part in text.split(","))), 1):
        if "@" in entry:
            raise SettingError(
                f"{setting} entry {number} holds '@', as a URL with a user or password does: it takes "
                f"HOST:PORT alone (e.g. {example}), and whatever it holds is shown in hookd's messages and "
                "status; put the login in its own settings (redis_url's for Cluster nodes, "
                "redis_sentinel_username and redis_sentinel_password_file for sentinels), and change "
                "that password if this setting was shown or logged",
                setting=setting,
            )
        parts = split_host_port(entry)
        if parts is None or not _is_host(parts[0]):
            raise SettingError(f"{setting} entry {entry!r} is not HOST:PORT (e.g. {example})", setting=setting)
        addresses.append(parts)
    if not addresses:
        raise SettingError(f"{setting} names no node; give HOST:PORT,HOST:PORT", setting=setting)
    return addresses
