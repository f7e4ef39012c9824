"""Whether Claude Code would send an HTTP hook through a proxy rather than to its URL.

Claude Code sends HTTP hooks with its own axios agent, which goes through the proxy
named in ``https_proxy``, ``HTTPS_PROXY``, ``http_proxy`` or ``HTTP_PROXY`` (the first set,
in that order) for every URL that ``no_proxy`` (or, when that is unset, ``NO_PROXY``) does not
exempt, loopback URLs included: it has no built-in exemption for 127.0.0.1. The exemption
rules are its own and narrower than curl's: the whole value ``*``; an entry with a colon
equal to the URL's ``host:port``; an entry starting with a dot matching the host or a
subdomain; any other entry equal to the host name as the URL spells it (so ``localhost``
does not exempt ``127.0.0.1``, nor ``127.0.0.0/8`` anything). The ``env`` object of every
settings file it merges sets variables over its environment, the highest file's value winning
(layers.py): a proxy in the user's ``env`` carries a project's HTTP hooks too.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any, Mapping
from urllib.parse import urlsplit

from hookd.hooks.layers import Layer, claude_env

PROXY_VARS = ("https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY")


def _host_of(url: str) -> tuple[str, str] | None:
    """The URL's host as a WHATWG URL parser spells it (IPv6 in brackets) and its port."""
    try:
        parts = urlsplit(url)
        host, port = (parts.hostname or "").lower(), parts.port
    except ValueError:
        return None
    try:
        if isinstance(ipaddress.ip_address(host), ipaddress.IPv6Address):
            host = f"[{host}]"
    except ValueError:
        pass
    return host, str(port or (443 if parts.scheme == "https" else 80))


def exempt(url: str, no_proxy: str | None) -> bool:
    """Whether ``no_proxy`` keeps Claude Code from proxying a request to ``url``."""
    if not no_proxy:
        return False
    if no_proxy == "*":
        return True
    found = _host_of(url)
    if found is None:
        return False
    host, port = found
    for entry in filter(None, re.split(r"[,\s]+", no_proxy)):
        entry = entry.strip().lower()
        if ":" in entry:
            if entry == f"{host}:{port}":
                return True
        elif entry.startswith("."):
            if host == entry[1:] or host.endswith(entry):
                return True
        elif host == entry:
            return True
    return False


def _shown(proxy: str) -> str:
    """The proxy without any user name or password its URL carries."""
    try:
        parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
        return f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)
    except ValueError:
        return "(a proxy URL that cannot be parsed)"


def problem(url: str, environ: Mapping[str, str], layers: list[Layer]) -> str | None:
    """What is wrong when Claude Code, started from ``environ`` with the settings ``layers``
    (lowest first), would send hookd's HTTP hooks to ``url`` through a proxy."""
    env, where = claude_env(environ, layers)
    name = next((v for v in PROXY_VARS if env.get(v)), None)
    if name is None or exempt(url, env.get("no_proxy") or env.get("NO_PROXY")):
        return None
    place = f"the env of {where[name]}" if name in where else "this environment"
    host = (_host_of(url) or ("the listener's host", ""))[0]
    return (
        f"{name} is set in {place} ({_shown(env[name])}), so Claude Code sends the HTTP hooks for "
        f"{url} through that proxy: the proxy receives every event unredacted with the token, and "
        f"the events are lost when it cannot reach this machine; fix: add {host} to NO_PROXY, and "
        "to no_proxy if that is set (Claude Code reads it first and matches the host exactly), "
        "or use command hooks (hookd hooks install --mode command)"
    )


def _sandbox(data: Mapping[str, Any]) -> dict[str, Any]:
    block = data.get("sandbox")
    return block if isinstance(block, dict) else {}


def sandbox_problem(url: str, layers: list[Layer]) -> str | None:
    """What is wrong when Claude Code's sandbox (``sandbox.enabled`` in one of ``layers``) would
    carry hookd's HTTP hooks to ``url``: with the sandbox on, Claude Code
    sends HTTP hooks through the sandbox's network proxy, which refuses (403) a host that no
    file's ``sandbox.network.allowedDomains`` lists (as the host or ``host:port``), or asks the
    user about it."""
    files = {layer.path: layer.data for layer in layers}
    # sandbox is a block merged key by key: the highest file that sets sandbox.enabled decides
    setting = [path for path, data in files.items() if "enabled" in _sandbox(data)][-1:]
    enabled = [path for path in setting if _sandbox(files[path]).get("enabled") is True]
    found = _host_of(url)
    if not enabled or found is None:
        return None
    host = found[0].strip("[]")
    entries = {host, f"{host}:{found[1]}"}
    for data in files.values():
        network = _sandbox(data).get("network")
        allowed = network.get("allowedDomains") if isinstance(network, dict) else None
        if isinstance(allowed, list) and any(isinstance(d, str) and d.lower() in entries for d in allowed):
            return None
    return (
        f"sandbox.enabled is true in {enabled[0]}, so Claude Code sends the HTTP hooks for {url} "
        f"through its sandbox's network proxy, which refuses (or asks you about) a host that "
        f"sandbox.network.allowedDomains does not list: events are lost or prompt you; fix: use "
        f"command hooks (hookd hooks install --mode command), or add {host}:{found[1]} (a sandbox "
        f"that takes no ports: {host}, every port of it) to sandbox.network.allowedDomains"
    )
