"""Hooks that Claude Code plugins bring: where an enabled plugin's hooks file is.

A plugin declares hooks in ``hooks/hooks.json`` at its root, or in its manifest
``.claude-plugin/plugin.json`` (a ``hooks`` object, or a path or list of paths to such files);
each file has the settings' shape, ``{"hooks": {event: [matcher groups]}}`` (plugins reference,
"Hooks"). Claude Code runs them while the plugin is enabled: ``enabledPlugins`` in the settings,
``plugin@marketplace`` -> true, the highest file that names it deciding. Installed plugins are
copied under the config directory's ``plugins/`` and listed, with where each copy is, in
``plugins/installed_plugins.json`` (``{"plugins": {id: [{"installPath", "scope", ...}]}}``).
A plugin no file names follows its ``defaultEnabled`` (true unless set): its marketplace entry's
(``plugins/known_marketplaces.json`` says where each marketplace is, its
``.claude-plugin/marketplace.json`` lists the plugins), else its manifest's (plugins reference,
"Default enablement"). Not seen from here: plugins of one session (``claude --plugin-dir``).
"""

from __future__ import annotations

import functools
import itertools
import os
from dataclasses import dataclass
from typing import Any, Callable

from hookd.hooks.layers import Layer, read_noting

# A user has a few dozen plugin copies at most, each a hooks file or two; past these, the rest are not read.
MOST_COPIES = 256
MOST_FILES = 16


@dataclass(frozen=True)
class PluginHooks:
    plugin: str  # plugin@marketplace
    path: str  # the file holding its hooks
    forced: bool  # enabled by the managed settings, which allowManagedHooksOnly lets run


def decided(layers: list[Layer]) -> dict[str, tuple[bool, bool]]:
    """The plugins the settings name -> (enabled, whether the managed settings decide it)."""
    state: dict[str, tuple[bool, bool]] = {}
    for layer in layers:
        block = layer.data.get("enabledPlugins")
        if isinstance(block, dict):
            for name, on in block.items():
                if isinstance(name, str) and isinstance(on, bool):
                    state[name] = (on, layer.managed)
    return state


def enabled(layers: list[Layer]) -> dict[str, bool]:
    """The plugins the settings enable -> whether the managed settings are what enables them."""
    return {name: managed for name, (on, managed) in decided(layers).items() if on}


@dataclass(frozen=True)
class Unread:
    path: str
    why: str  # the kind of failure, never the file's content
    plugin: str | None  # None: the install list


def _copies(config_dir: str, cwd: str, unread: list[Unread]) -> dict[str, list[str]]:
    """Each installed plugin's install paths that apply here (a project's copy only in it)."""
    listing = os.path.join(config_dir, "plugins", "installed_plugins.json")
    data, why = read_noting(listing)
    if why:
        unread.append(Unread(listing, why, None))
    listed = data.get("plugins")
    found: dict[str, list[str]] = {}
    listed = listed if isinstance(listed, dict) else {}
    copies = ((name, entry) for name, entries in listed.items() for entry in _as_list(entries))
    for name, entry in itertools.islice(copies, MOST_COPIES):
        if not isinstance(entry, dict) or not isinstance(entry.get("installPath"), str):
            continue
        project = entry.get("projectPath")
        if isinstance(project, str) and os.path.abspath(project) != os.path.abspath(cwd):
            continue
        found.setdefault(name, []).append(entry["installPath"])
    return found


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _manifest_path(root: str) -> str:
    return os.path.join(root, ".claude-plugin", "plugin.json")


def _manifest(root: str, plugin: str, unread: list[Unread]) -> dict[str, Any]:
    data, why = read_noting(_manifest_path(root))
    if why:
        unread.append(Unread(_manifest_path(root), why, plugin))
    return data


def _marketplace_defaults(config_dir: str) -> Callable[[str], bool | None]:
    """plugin@marketplace -> the ``defaultEnabled`` of its marketplace entry (None: not set, or
    not found); the lists read once, and only if asked about."""

    @functools.cache
    def known() -> dict[str, Any]:
        return read_noting(os.path.join(config_dir, "plugins", "known_marketplaces.json"))[0]

    @functools.cache
    def listing(marketplace: str) -> dict[str, Any]:
        entry = known().get(marketplace)
        where = entry.get("installLocation") if isinstance(entry, dict) else None
        if not isinstance(where, str):
            return {}
        data, _ = read_noting(os.path.join(where, ".claude-plugin", "marketplace.json"))
        listed = data.get("plugins")
        found: dict[str, Any] = {}
        for item in itertools.islice(listed if isinstance(listed, list) else [], MOST_COPIES):
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                found.setdefault(item["name"], item.get("defaultEnabled"))
        return found

    def default(plugin: str) -> bool | None:
        name, _, marketplace = plugin.rpartition("@")
        value = listing(marketplace).get(name) if name else None
        return value if isinstance(value, bool) else None

    return default


def _hook_files(root: str, plugin: str, unread: list[Unread], data: dict[str, Any]) -> list[str]:
    """The plugin's hooks files (``data``: its manifest, read)."""
    files = [os.path.join(root, "hooks", "hooks.json")]
    manifest = _manifest_path(root)
    declared: Any = data.get("hooks")
    if isinstance(declared, dict):
        files.append(manifest)  # inline: the manifest has the settings' shape
    for rel in ([declared] if isinstance(declared, str) else declared if isinstance(declared, list) else [])[
        :MOST_FILES
    ]:
        if isinstance(rel, str):
            files.append(os.path.normpath(os.path.join(root, rel)))
    kept = []
    for f in dict.fromkeys(files):
        if os.path.isfile(f):
            kept.append(f)  # read, and any failure told, as a settings file is
        elif os.path.lexists(f):  # a directory, a FIFO, a link to nothing: Claude Code gets no hooks from it
            unread.append(Unread(f, read_noting(f)[1] or f"{f} is not a file", plugin))
    return kept


def hook_files(
    config_dir: str, layers: list[Layer], cwd: str | None = None, unread: list[Unread] | None = None
) -> list[PluginHooks]:
    """The hooks files of the enabled, installed plugins, in the install list's order; ``unread``
    gets the files among them (the install list, a manifest, a hooks file) that are there but
    could not be read."""
    state = decided(layers)
    unread = [] if unread is None else unread
    by_marketplace = _marketplace_defaults(config_dir)
    found = []
    for name, roots in _copies(config_dir, cwd or os.getcwd(), unread).items():
        if name in state and not state[name][0]:
            continue
        manifests = [_manifest(root, name, unread) for root in roots]
        if name not in state and not _on_by_default(name, manifests, by_marketplace):
            continue
        forced = state.get(name, (True, False))[1]
        found += [
            PluginHooks(name, p, forced)
            for root, data in zip(roots, manifests)
            for p in _hook_files(root, name, unread, data)
        ]
    return found


def _on_by_default(plugin: str, manifests: list[dict[str, Any]], by_marketplace: Callable[[str], bool | None]) -> bool:
    """A plugin no settings file names: its marketplace entry's ``defaultEnabled``, else its
    manifest's, else true."""
    listed = by_marketplace(plugin)
    if listed is not None:
        return listed
    own = next((m.get("defaultEnabled") for m in manifests if isinstance(m.get("defaultEnabled"), bool)), None)
    return own if isinstance(own, bool) else True
