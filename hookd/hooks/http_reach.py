"""Do the installed HTTP hooks reach the running daemon? Checked by `hookd status`.

An HTTP hook has no inbox: while nothing of hookd's listens at its URL, Claude Code's post fails
(or reaches whatever listens there) and the event is lost. The common way in: http_addr set in the
config file and the hooks installed, but hookd not restarted to read it, and `hookd status` said
healthy.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping
from urllib.parse import urlsplit

from hookd.hooks import entries, merge
from hookd.hooks.reach import Finding, repair_command
from hookd.hooks.settings import SettingsFile, readable


def _host_port(url: str) -> tuple[str, int | None] | None:
    try:
        parts = urlsplit(url)
        return (parts.hostname or "").lower(), parts.port
    except ValueError:
        return None


def misses(
    paths: Iterable[str | SettingsFile],
    served_addr: str | None,
    config: Any,
    repairs: Mapping[str, str] | None = None,
) -> list[Finding]:
    """hookd's HTTP hooks in ``paths`` that post where the daemon does not listen (``served_addr``:
    its HTTP listener's address, None when it has none), each with its repair (``repairs``: that of
    a file ``hookd hooks install`` does not write)."""
    served = entries.http_url(served_addr) if served_addr else None
    configured = entries.http_url(config.http_addr) if config.http_addr else None
    findings = []
    for settings in readable(paths):
        path = settings.path
        by_url: dict[str, list[str]] = {}
        for event, handlers in merge.handlers(settings, configured).items():
            for handler in handlers:
                url = handler.get("url")
                if handler.get("type") != "http" or not isinstance(url, str):
                    continue
                if served is None or _host_port(url) != _host_port(served):
                    by_url.setdefault(url, []).append(event)
        for url, events in by_url.items():
            where = f"serves {served}" if served else "has no HTTP listener (it started without http_addr)"
            if configured is not None and _host_port(url) == _host_port(configured):
                repair = f"restart hookd: the config sets http_addr = {config.http_addr!r}, which it has not read yet"
            elif repairs and path in repairs:
                repair = f"set http_addr to the URL's host:port and restart hookd; else {repairs[path]}"
            else:
                repair = (
                    f"set http_addr to the URL's host:port and restart hookd, or {repair_command(path)} "
                    "(command hooks, which keep events in the inbox while hookd is down)"
                )
            problem = f"post to {url}, but this daemon {where}: Claude Code's posts fail and their events are lost"
            findings.append(Finding(path, events, problem, repair))
    return findings
