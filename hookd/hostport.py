"""HOST:PORT as the settings and flags write it (``[::1]:PORT`` for IPv6), parsed once.

Each caller says what is wrong in its own words (the setting or flag, an example); this
only splits and checks: ASCII digits alone (``int`` would take ``"٣"``, ``" 80"``, ``"+80"``)
and a port in range.
"""

from __future__ import annotations

import ipaddress


def split_host_port(text: str, lowest_port: int = 1) -> tuple[str, int] | None:
    """``(host, port)``, the host without its brackets (``""`` when none is written), or None
    when ``text`` is not HOST:PORT with a port from ``lowest_port`` to 65535."""
    host, sep, port = text.rpartition(":")
    if not sep or not (port.isascii() and port.isdigit()) or not lowest_port <= int(port) <= 65535:
        return None
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host, int(port)


def is_loopback(host: str) -> bool:
    """``localhost`` or a loopback address (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
