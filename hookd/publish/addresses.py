"""HOST:PORT lists in settings (the sentinels, a Cluster's seed nodes)."""

from __future__ import annotations

from hookd.config_errors import SettingError
from hookd.hostport import split_host_port


def host_ports(text: str, setting: str, example: str) -> list[tuple[str, int]]:
    """``host:port,host:port`` as pairs; a SettingError names the entry and the setting."""
    addresses = []
    for entry in filter(None, (part.strip() for part in text.split(","))):
        parts = split_host_port(entry)
        if parts is None or not parts[0]:
            raise SettingError(f"{setting} entry {entry!r} is not HOST:PORT (e.g. {example})", setting=setting)
        addresses.append(parts)
    if not addresses:
        raise SettingError(f"{setting} names no node; give HOST:PORT,HOST:PORT", setting=setting)
    return addresses
