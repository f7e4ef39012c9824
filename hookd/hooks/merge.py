"""Adding hookd's matcher groups to a settings object, and taking them out again.

Only hookd's own handlers are ever added or removed; every other key, event,
matcher group and handler stays where it was. Both operations work on a copy
and say whether anything changed, so that an install that finds everything in
place writes nothing.
"""

from __future__ import annotations

import copy
from typing import Any, Callable, Collection, Mapping

from hookd.hooks import entries
from hookd.hooks.events import BY_HAND
from hookd.hooks.settings import SettingsError, SettingsFile, json_type


def _hooks_of(data: dict[str, Any], path: str) -> dict[str, Any] | None:
    hooks = data.get("hooks")
    if hooks is not None and not isinstance(hooks, dict):
        raise SettingsError(
            f'{path}: "hooks" is a JSON {json_type(hooks)}, not an object; fix it by hand (nothing was changed)'
        )
    return hooks


def _strip(groups: list[Any], url: str | None) -> tuple[list[Any], bool]:
    """The groups without hookd's handlers (a group left with none goes too)."""
    kept: list[Any] = []
    changed = False
    for group in groups:
        handlers = group.get("hooks") if isinstance(group, dict) else None
        if not isinstance(handlers, list):
            kept.append(group)
            continue
        others = [h for h in handlers if not entries.is_hookd(h, url)]
        if len(others) == len(handlers):
            kept.append(group)
            continue
        changed = True
        if others:
            kept.append({**group, "hooks": others})
    return kept, changed


def install(
    data: dict[str, Any], path: str, events: list[str], handler_for: Callable[[str], dict[str, Any]], url: str | None
) -> tuple[dict[str, Any], bool]:
    """Make hookd's handlers in ``data`` exactly one group per event in ``events``."""
    new = copy.deepcopy(data)
    hooks = _hooks_of(new, path)
    if hooks is None:
        hooks = new["hooks"] = {}
    for event in events:
        groups = hooks.get(event)
        if groups is not None and not isinstance(groups, list):
            raise SettingsError(
                f"{path}: hooks.{event} is a JSON {json_type(groups)}, not an "
                "array of matcher groups; fix it by hand (nothing was changed)"
            )
    changed = _strip_events(hooks, url, keep=set(events) | BY_HAND)
    for event in events:
        wanted = entries.group(event, handler_for(event))
        groups = hooks.get(event) or []
        kept, stripped = _strip(groups, url)
        if wanted in groups and len(kept) == len(groups) - 1 and _count_hookd(groups, url) == 1:
            continue  # already there, and nothing else of hookd's
        changed = True
        hooks[event] = kept + [wanted]
    return new, changed


def _strip_events(hooks: dict[str, Any], url: str | None, keep: Collection[str] = ()) -> bool:
    """Remove hookd's handlers from every event but those in ``keep``, and the events that
    leaves empty; whether anything was removed."""
    changed = False
    for event, groups in list(hooks.items()):
        if event in keep or not isinstance(groups, list):
            continue
        kept, stripped = _strip(groups, url)
        if stripped:
            changed = True
            if kept:
                hooks[event] = kept
            else:
                del hooks[event]
    return changed


def _count_hookd(groups: list[Any], url: str | None) -> int:
    return sum(
        1
        for g in groups
        if isinstance(g, dict) and isinstance(g.get("hooks"), list)
        for h in g["hooks"]
        if entries.is_hookd(h, url)
    )


def uninstall(data: dict[str, Any], path: str, url: str | None) -> tuple[dict[str, Any], bool]:
    """``data`` without any of hookd's handlers; an event or "hooks" emptied by that goes too."""
    new = copy.deepcopy(data)
    hooks = _hooks_of(new, path)
    if not hooks:
        return new, False
    changed = _strip_events(hooks, url)
    if changed and not hooks:
        del new["hooks"]
    return new, changed


# The most of hookd's handlers one file's checks judge one by one: hookd writes one an event, a
# doubled install twice that. Those checks parse each command several times (shlex: its route, the
# settings written into it, the paths it runs), so that a settings file of hundreds of thousands
# would keep `hookd status` busy for long: past this, the rest is said (fields.beyond).
JUDGED = 256


def found(data: dict[str, Any], url: str | None) -> dict[str, list[dict[str, Any]]]:
    """hookd's handlers per event, in file order: all of them (a walk of every handler)."""
    hooks = data.get("hooks")
    result: dict[str, list[dict[str, Any]]] = {}
    if not isinstance(hooks, dict):
        return result
    for event, groups in hooks.items():
        if not isinstance(groups, list):
            continue
        for group in groups:
            handlers = group.get("hooks") if isinstance(group, dict) else None
            if isinstance(handlers, list):
                mine = [h for h in handlers if entries.is_hookd(h, url)]
                if mine:
                    result.setdefault(event, []).extend(mine)
    return result


def shared(data: Mapping[str, Any], mine: Mapping[str, list[dict[str, Any]]]) -> dict[tuple[str, ...], list[str]]:
    """Command handlers that run hook-send among other things (``hook-send || curl ...``): the user's,
    which install and uninstall leave; the other programs each runs -> its events, in file order.
    ``mine``: hookd's handlers (found), passed over unread."""
    known = {id(h) for hs in mine.values() for h in hs}
    hooks = data.get("hooks")
    result: dict[tuple[str, ...], list[str]] = {}
    for event, groups in hooks.items() if isinstance(hooks, dict) else ():
        for group in groups if isinstance(groups, list) else ():
            handlers = group.get("hooks") if isinstance(group, dict) else None
            for h in handlers if isinstance(handlers, list) else ():
                others = () if id(h) in known else entries.shared(h)
                if others and event not in result.setdefault(tuple(dict.fromkeys(others)), []):
                    result[tuple(dict.fromkeys(others))].append(event)
    return result


def unsure(data: Mapping[str, Any]) -> dict[str, list[str]]:
    """Command handlers that name hook-send where hookd cannot tell whether they run it: why -> events."""
    hooks = data.get("hooks")
    result: dict[str, list[str]] = {}
    for event, groups in hooks.items() if isinstance(hooks, dict) else ():
        for group in groups if isinstance(groups, list) else ():
            handlers = group.get("hooks") if isinstance(group, dict) else None
            for h in handlers if isinstance(handlers, list) else ():
                for why in entries.unsure(h):
                    if event not in result.setdefault(why, []):
                        result[why].append(event)
    return result


def holds(data: Mapping[str, Any], url: str | None) -> bool:
    """Whether ``data`` holds any handler of hookd's (the walk ends at the first)."""
    hooks = data.get("hooks")
    groups_of = hooks.values() if isinstance(hooks, dict) else ()
    return any(
        entries.is_hookd(h, url)
        for groups in groups_of
        if isinstance(groups, list)
        for group in groups
        if isinstance(group, dict) and isinstance(group.get("hooks"), list)
        for h in group["hooks"]
    )


def handlers(settings: SettingsFile, url: str | None) -> dict[str, list[dict[str, Any]]]:
    """``found`` for one settings file read, walked once for every check that reads it (reach.py,
    http_reach.py, ports.py, fields.py, sources.py), not once each."""
    if url not in settings.hookd:
        settings.hookd[url] = found(settings.data, url)
    return settings.hookd[url]


def commands(settings: SettingsFile) -> dict[str, list[dict[str, Any]]]:
    """hookd's command handlers per event in one settings file (an event with only HTTP ones: []),
    as a walk made without a URL finds them: whichever URL its walk was made with serves, as a command
    handler is hookd's whatever the URL, but an event whose only ones are HTTP handlers hookd's by that
    URL alone is left out, so that what the checks say does not hang on which of them walked first."""
    walked = next(iter(settings.hookd.values())) if settings.hookd else handlers(settings, None)
    return {
        event: [h for h in hs if h.get("type") == "command"]
        for event, hs in walked.items()
        if any(h.get("type") == "command" or entries.is_hookd(h, None) for h in hs)
    }


def judged(every: Mapping[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """The first JUDGED of hookd's handlers, per event in file order: those the checks that parse
    each command look at."""
    result: dict[str, list[dict[str, Any]]] = {}
    left = JUDGED
    for event, hs in every.items():
        if left == 0:
            break
        result[event], left = hs[:left], left - min(left, len(hs))
    return result


def count(every: Mapping[str, list[dict[str, Any]]]) -> int:
    return sum(len(hs) for hs in every.values())
