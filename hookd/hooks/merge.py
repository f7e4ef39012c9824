"""Adding hookd's matcher groups to a settings object, and taking them out again.

Only hookd's own handlers are ever added or removed; every other key, event,
matcher group and handler stays where it was. Both operations work on a copy
and say whether anything changed, so that an install that finds everything in
place writes nothing.
"""

from __future__ import annotations

import copy
from typing import Any, Callable, Collection

from hookd.hooks import entries
from hookd.hooks.settings import SettingsError, json_type


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
    changed = _strip_events(hooks, url, keep=set(events))
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


# The most of hookd's handlers one file's checks look at: hookd writes one an event, a doubled
# install twice that. The checks parse each command several times (shlex), so that a settings file
# of hundreds of thousands would keep `hookd status` busy for long: past this, the rest is said.
JUDGED = 256


def found(data: dict[str, Any], url: str | None, limit: int | None = JUDGED) -> dict[str, list[dict[str, Any]]]:
    """hookd's handlers per event, in file order: the first ``limit`` of them (None: all)."""
    hooks = data.get("hooks")
    result: dict[str, list[dict[str, Any]]] = {}
    if not isinstance(hooks, dict):
        return result
    left = limit
    for event, groups in hooks.items():
        if not isinstance(groups, list) or left == 0:
            continue
        for group in groups:
            handlers = group.get("hooks") if isinstance(group, dict) else None
            if isinstance(handlers, list):
                mine = [h for h in handlers if entries.is_hookd(h, url)]
                if left is not None:
                    mine, left = mine[:left], left - min(left, len(mine))
                result.setdefault(event, []).extend(mine)
        if not result.get(event):
            result.pop(event, None)
    return result


def beyond(data: dict[str, Any], url: str | None) -> tuple[str, list[str]] | None:
    """What to say when a file holds more of hookd's handlers than its checks judge, and for which
    events; None when not."""
    every = found(data, url, None)
    count = sum(len(hs) for hs in every.values())
    if count <= JUDGED:
        return None
    said = (
        f"are {count} handlers of hookd's, each run for every event they match (one an event is enough): "
        f"too many to judge, only the first {JUDGED} were checked"
    )
    return said, list(every)
