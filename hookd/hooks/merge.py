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


def found(data: dict[str, Any], url: str | None) -> dict[str, list[dict[str, Any]]]:
    """hookd's handlers per event, in file order."""
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
                result.setdefault(event, []).extend(h for h in handlers if entries.is_hookd(h, url))
        if not result.get(event):
            result.pop(event, None)
    return result
