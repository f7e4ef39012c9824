"""HOST:PORT lists in settings (the sentinels, a Cluster's seed nodes)."""

from __future__ import annotations


def host_ports(text: str, setting: str, example: str) -> list[tuple[str, int]]:
    """``host:port,host:port`` as pairs; a ValueError names the entry and the setting."""
    addresses = []
    for entry in filter(None, (part.strip() for part in text.split(","))):
        host, sep, port = entry.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"{setting} entry {entry!r} is not HOST:PORT (e.g. {example}) - at `$.{setting}`")
        addresses.append((host.strip("[]"), int(port)))
    if not addresses:
        raise ValueError(f"{setting} names no node; give HOST:PORT,HOST:PORT - at `$.{setting}`")
    return addresses
