"""Every file Claude Code takes hooks from, read in one place.

``hookd status``, ``hookd run``'s check at start and ``hookd hooks status`` all check the hooks of
this list, so that they agree: the settings files asked about (the user, project and local files
unless one is named), the managed settings and their drop-ins that hold hookd's hooks, and the
hooks files of the plugins Claude Code runs (layers.py, plugins.py). Each file comes with the repair
that fits it: a managed file is the machine's policy and a plugin's file comes with the plugin, so
neither is rewritten by ``hookd hooks install``.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from typing import Sequence

from hookd.hooks import entries, layers, merge, plugins, switches, workspace
from hookd.hooks.reach import Finding
from hookd.hooks.settings import SettingsFile, readable, scope_paths


@dataclass(frozen=True)
class HookFile:
    path: str
    plugin: str | None = None  # plugin@marketplace whose hooks file this is
    forced: bool = False  # that plugin is enabled by the managed settings
    managed: bool = False  # a managed settings file or drop-in

    def repair(self) -> str | None:
        """The fix for hookd's hooks here that miss the daemon; None: the settings file's usual
        one (``hookd hooks install --settings``)."""
        if self.plugin:
            return (
                f"they come with the plugin {self.plugin}: update or reinstall it, or disable it "
                "(enabledPlugins) and run hookd hooks install"
            )
        if self.managed:
            return (
                f"{self.path} is the machine's managed policy: ask whoever manages it to write hookd's hooks "
                f"again (hookd hooks install --settings {self.path}, run by them)"
            )
        return None


@dataclass
class Sources:
    files: list[HookFile]
    merged: list[layers.Layer]  # the settings Claude Code merges, lowest first
    unread: list[plugins.Unread] = field(default_factory=list)  # plugin files there but not readable
    url: str | None = None  # hookd's HTTP hook URL, from the config's http_addr

    @property
    def paths(self) -> list[str]:
        return [f.path for f in self.files]

    @property
    def repairs(self) -> dict[str, str]:
        return {f.path: fix for f in self.files if (fix := f.repair())}

    @functools.cached_property
    def settings(self) -> list[SettingsFile]:
        """The files that can be read, each read once for all the checks that read them all (reach.py,
        http_reach.py, ports.py); read when first asked for, as `hookd hooks status` loads each itself."""
        return readable(self.paths)

    def switched_off(self) -> list[Finding]:
        """hookd's hooks that Claude Code would not run at all, for ``hookd status`` and ``hookd run``'s
        check (``hooks status`` says the same per file): ``disableAllHooks``, ``allowManagedHooksOnly``,
        ``strictPluginOnlyCustomization``, safe mode (switches.py)."""
        kind = {f.path: f for f in self.files}
        said = []
        for settings in self.settings:
            events = list(merge.handlers(settings, self.url))
            f = kind.get(settings.path) or HookFile(settings.path)
            for why, fix in switches.found(settings.path, self.merged, f.forced, bool(f.plugin)) if events else []:
                said.append(Finding(settings.path, events, f"never run, so no events will reach hookd: {why}", fix))
        return said

    def untrusted(self) -> str | None:
        """For ``hookd status``: the note ``hooks status`` gives the project's files holding hookd's
        hooks when Claude Code has not trusted this folder (workspace.py); None when not."""
        here = workspace.project_files()
        held = any(os.path.abspath(s.path) in here and merge.handlers(s, self.url) for s in self.settings)
        return workspace.untrusted(os.getcwd()) if held else None


def read(described: Sequence[str], http_addr: str = "", cwd: str | None = None) -> Sources:
    """The files whose hooks Claude Code runs here, ``described`` first (``http_addr``: the config's,
    so that a managed file holding only HTTP hooks of hookd's is found)."""
    url = entries.http_url(http_addr) if http_addr else None
    merged = layers.stack(scope_paths()[0], described, switches.MANAGED_SETTINGS)
    # Run from the home directory, the project's settings file is the user's: listed once, its findings said once.
    files, seen = [], set()
    for path in described:
        if os.path.realpath(path) not in seen:
            seen.add(os.path.realpath(path))
            files.append(HookFile(path))
    named = {os.path.abspath(p) for p in described}
    files += [
        HookFile(layer.path, managed=True)
        for layer in merged
        if layer.managed and layer.path not in named and merge.holds(layer.data, url)
    ]
    user = scope_paths(("user",))[0]
    unread: list[plugins.Unread] = []
    found = plugins.hook_files(os.path.dirname(user[0]), merged, cwd, unread) if user else []
    files += [HookFile(h.path, h.plugin, h.forced) for h in found]
    return Sources(files, merged, unread, url)
