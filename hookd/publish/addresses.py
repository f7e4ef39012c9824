"""HOST:PORT lists in settings (the sentinels, a Cluster's seed nodes)."""

from __future__ import annotations

from hookd.config_errors import SettingError


def host_ports(text: str, setting: str, example: str) -> list[tuple[str, int]]:
    """``host:port,host:port`` as pairs; a SettingError names the entry and the setting."""
    addresses = []
    for entry in filter(None, (part.strip() for part in text.split(","))):
        host, sep, port = entry.rpartition(":")
        if not sep or not host or not (port.isascii() and port.isdigit()) or not 0 < int(port) < 65536:
            raise SettingError(f"{setting} entry {entry!r} is not HOST:PORT (e.g. {example})", setting=setting)
        addresses.append((host.strip("[]"), int(port)))
    if not addresses:
        raise SettingError(f"{setting} names no node; give HOST:PORT,HOST:PORT", setting=setting)
    return addresses
