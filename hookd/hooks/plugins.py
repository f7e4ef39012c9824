"""Hooks that Claude Code plugins bring: where an enabled plugin's hooks file is.

A plugin declares hooks in ``hooks/hooks.json`` at its root, or in its manifest
``.claude-plugin/plugin.json`` (a ``hooks`` object, or a path or list of paths to such files);
each file has the settings' shape, ``{"hooks": {event: [matcher groups]}}`` (plugins reference,
"Hooks"). Claude Code runs them while the plugin is enabled: ``enabledPlugins`` in the settings,
``plugin@marketplace`` -> true, the highest file that names it deciding. Installed plugins are
copied under the config directory's ``plugins/`` and listed, with where each copy is, in
``plugins/installed_plugins.json`` (``{"plugins": {id: [{"installPath", "scope", ...}]}}``).
Not seen from here: plugins of one session (``claude --plugin-dir``), and one enabled by no
file but by its own ``defaultEnabled``.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass
from typing import Any

from hookd.hooks.layers import Layer, read_noting

# A user has a few dozen plugin copies at most, each a hooks file or two; past these, the rest are not read.
MOST_COPIES = 256
MOST_FILES = 16


@dataclass(frozen=True)
class PluginHooks:
    plugin: str  # plugin@marketplace
    path: str  # the file holding its hooks
    forced: bool  # enabled by the managed settings, which allowManagedHooksOnly lets run


def enabled(layers: list[Layer]) -> dict[str, bool]:
    """The plugins the settings enable -> whether the managed settings are what enables them."""
    state: dict[str, tuple[bool, bool]] = {}
    for layer in layers:
        block = layer.data.get("enabledPlugins")
        if isinstance(block, dict):
            for name, on in block.items():
                if isinstance(name, str) and isinstance(on, bool):
                    state[name] = (on, layer.managed)
    return {name: managed for name, (on, managed) in state.items() if on}


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


def _hook_files(root: str, plugin: str, unread: list[Unread]) -> list[str]:
    files = [os.path.join(root, "hooks", "hooks.json")]
    manifest = os.path.join(root, ".claude-plugin", "plugin.json")
    data, why = read_noting(manifest)
    if why:
        unread.append(Unread(manifest, why, plugin))
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
    wanted = enabled(layers)
    unread = [] if unread is None else unread
    found = []
    for name, roots in _copies(config_dir, cwd or os.getcwd(), unread).items():
        if name in wanted:
            found += [PluginHooks(name, p, wanted[name]) for root in roots for p in _hook_files(root, name, unread)]
    return found
