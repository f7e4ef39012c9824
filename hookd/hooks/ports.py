"""The ports hookd and its hooks use, held by another user: what `hookd status`, `hooks status`
and `hooks install --mode http` say of them (hookd/port_holders.py reads who holds one).

The port HTTP hooks post to is the one that matters: its holder receives every event, raw, and
the token (a security problem, said first and loudly). One of ``metrics_addr`` or ``ui_addr``
held by another user only keeps that server from starting.
"""

from __future__ import annotations

from typing import Any, Iterable
from urllib.parse import urlsplit

from hookd import port_holders
from hookd.hooks import entries, merge
from hookd.hooks.settings import SettingsFile, readable
from hookd.hostport import split_host_port


def _host_port(url: str) -> tuple[str, int] | None:
    try:
        parts = urlsplit(url)
        return parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return None


def hook_url_problems(urls: list[str], token_file: str | None, table: port_holders.Table | None = None) -> list[str]:
    """For each URL HTTP hooks post to, another user listening on its port."""
    if urls and table is None:
        table = port_holders.listening()
    problems = []
    for url in urls:
        where = _host_port(url)
        if where is None:
            continue
        host, port = where
        others = port_holders.strangers(host, port, table)
        if others:
            problems.append(port_holders.hook_port_warning(url, others, token_file))
    return problems


def url_state(url: str, table: port_holders.Table | None) -> str:
    """What listens where an HTTP hook posts, for `hooks status`'s url line (another user there
    is a problem of its own, hook_url_problems). Nothing there is said, not counted as a problem,
    as for a command hook's socket: hookd may only be stopped; but an HTTP hook has no inbox."""
    where = _host_port(url)
    found = None if where is None else port_holders.listeners(*where, table)
    if found is None:
        return "cannot tell what listens there"
    if not found:
        return (
            "nothing listens there: Claude Code's posts fail and their events are lost (an HTTP hook "
            "has no inbox) until hookd runs with http_addr set to it (restart hookd if the config "
            "file already sets it)"
        )
    return "a process of yours listens there" if any(h.ours for h in found) else "another user listens there"


def http_urls(paths: Iterable[str | SettingsFile], config: Any) -> list[str]:
    """The URLs hookd's HTTP hooks in these settings files post to."""
    url = entries.http_url(config.http_addr) if config.http_addr else None
    found: set[str] = set()
    for settings in readable(paths):
        for handlers in merge.handlers(settings, url).values():
            found.update(h["url"] for h in handlers if h.get("type") == "http" and isinstance(h.get("url"), str))
    return sorted(found)


def config_problems(config: Any, urls: list[str]) -> list[str]:
    """Another user on the ports this config's servers listen on, or its HTTP hooks post to."""
    problems = []
    if config.http_addr:
        hook_url = entries.http_url(config.http_addr)
        if hook_url not in urls:
            urls = [hook_url, *urls]
    table = port_holders.listening()  # read once for every port
    problems += hook_url_problems(urls, config.http_token_file, table)
    for setting, what in (("metrics_addr", "hookd run's metrics"), ("ui_addr", "hookd ui")):
        addr = getattr(config, setting, "")
        parsed = split_host_port(addr) if addr else None
        if parsed is None:
            continue
        others = port_holders.strangers(*parsed, table)
        if others:
            problems.append(
                f"another user holds {addr} ({setting}): {'; '.join(h.text() for h in others)}; "
                f"{what} cannot listen there: choose another {setting}, or find out why that user listens there"
            )
    return problems


def annotate(
    code: int, status: dict[str, Any], config: Any, paths: Iterable[str | SettingsFile]
) -> tuple[int, dict[str, Any]]:
    """`hookd status` with the ports checked: one HTTP hooks post to, held by another user, makes
    a running daemon degraded."""
    problems = config_problems(config, http_urls(paths, config))
    status["port_problems"] = problems
    if any(p.startswith("SECURITY") for p in problems) and status.get("running"):
        status.setdefault("reasons", []).append("another user holds the port HTTP hooks post to (see ports)")
        if code == 0:
            status["health"] = "degraded"
            code = 1
    return code, status
