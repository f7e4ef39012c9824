"""Claude Code's off switches for hooks: settings that keep it from running hookd's hooks at all.

A file can hold hookd's hooks, sound in every path, and Claude Code still never run them.
``disableAllHooks`` is read after precedence (a ``false`` in the project's settings overrides a
``true`` in the user's; hooks docs, "Disable or remove hooks"): ``true`` from the user, project,
local or ``--settings`` layer turns off every hook but the managed settings' and those of plugins
the managed settings force-enable, and ``true`` from the managed settings turns off all of them.
``allowManagedHooksOnly: true``, read from the managed settings only, runs only theirs and those
force-enabled plugins'; ``strictPluginOnlyCustomization`` (managed only; ``true``, or a list naming
``"hooks"``) runs only theirs and every plugin's (settings reference). ``hooks status`` says so,
naming the file and the setting, instead of calling the hooks sound while no event arrives; and so
does ``CLAUDE_CODE_SAFE_MODE`` in this environment (``claude --safe-mode``: only the managed
settings' hooks run, no plugin's; env-vars reference) and ``CLAUDE_CODE_SIMPLE`` (``claude --bare``: "Disables
auto-discovery of hooks, ... plugins", a ``--settings`` file given to it still read; env-vars reference).
"""

from __future__ import annotations

import os
import sys

from hookd.hooks.layers import Layer, deciding

# Where Claude Code reads the file-based managed (policy) settings, which no other file overrides;
# their managed-settings.d/ drop-ins are beside them (layers.managed_files).
MANAGED_SETTINGS = (
    ("/Library/Application Support/ClaudeCode/managed-settings.json",)
    if sys.platform == "darwin"
    else ("/etc/claude-code/managed-settings.json",)
)


# Claude Code's isEnvTruthy, which reads CLAUDE_CODE_SIMPLE (isBareMode).
_TRUTHY = ("1", "true", "yes", "on")


def _fix(path: str, key: str) -> str:
    return f"remove {key} from {path} (or set it to false)"


def problems(hooked: str, layers: list[Layer], forced: bool = False, plugin: bool = False) -> list[str]:
    """Why Claude Code would not run the hooks in ``hooked`` given the settings it merges
    (``layers``, lowest first; ``forced``: ``hooked`` is the hooks file of a plugin the managed
    settings force-enable; ``plugin``: of any plugin) -> one line per switch, with the fix."""
    return [f"{why}; fix: {fix}" for why, fix in found(hooked, layers, forced, plugin)]


def found(hooked: str, layers: list[Layer], forced: bool = False, plugin: bool = False) -> list[tuple[str, str]]:
    """``problems`` as (why, fix) pairs, for ``hookd status`` and ``hookd run``'s findings."""
    hooked = os.path.abspath(hooked)
    exempt = forced or any(layer.managed and layer.path == hooked for layer in layers)
    said: list[tuple[str, str]] = []
    disable = deciding(layers, "disableAllHooks")
    if disable is not None and disable.data.get("disableAllHooks") is True:
        if disable.managed:
            said.append(
                (
                    f"Claude Code runs no hooks at all: disableAllHooks is true in the managed settings {disable.path}",
                    f"ask whoever manages this machine to {_fix(disable.path, 'disableAllHooks')}",
                )
            )
        elif not exempt:
            also = [
                layer.path
                for layer in layers
                if layer is not disable and not layer.managed and layer.data.get("disableAllHooks") is True
            ]
            said.append(
                (
                    f"Claude Code runs none of these hooks: disableAllHooks is true in {disable.path}, the highest "
                    "file that sets it",
                    f"set it to false there, or remove it from {', '.join([disable.path, *also])}",
                )
            )
    only = deciding([layer for layer in layers if layer.managed], "allowManagedHooksOnly")
    if only is not None and only.data.get("allowManagedHooksOnly") is True and not exempt:
        said.append(
            (
                f"Claude Code runs only the managed settings' hooks, not these: allowManagedHooksOnly is true in {only.path}",
                f"ask whoever manages this machine to put hookd's hooks there, or to "
                f"{_fix(only.path, 'allowManagedHooksOnly')}",
            )
        )
    safe = os.environ.get("CLAUDE_CODE_SAFE_MODE", "")
    if safe.strip().lower() not in ("", "0", "false", "no") and not any(
        layer.managed and layer.path == hooked for layer in layers
    ):
        said.append(
            (
                f"CLAUDE_CODE_SAFE_MODE={safe} is set in this environment: Claude Code started from here (safe mode) "
                "runs no hooks but the managed settings'",
                "unset CLAUDE_CODE_SAFE_MODE (and start Claude Code without --safe-mode)",
            )
        )
    simple = os.environ.get("CLAUDE_CODE_SIMPLE", "")
    if simple.strip().lower() in _TRUTHY and not any(layer.managed and layer.path == hooked for layer in layers):
        said.append(
            (
                f"CLAUDE_CODE_SIMPLE={simple} is set in this environment: Claude Code started from here (bare mode, "
                "as with --bare) looks for no hooks in the settings files or plugins, only in a --settings file given to it",
                "unset CLAUDE_CODE_SIMPLE (and start Claude Code without --bare)",
            )
        )
    strict = deciding([layer for layer in layers if layer.managed], "strictPluginOnlyCustomization")
    if strict is not None and _locks_hooks(strict.data.get("strictPluginOnlyCustomization")) and not (exempt or plugin):
        said.append(
            (
                f"Claude Code runs only the managed settings' and plugins' hooks, not these: "
                f"strictPluginOnlyCustomization locks hooks in {strict.path}",
                "ask whoever manages this machine to put hookd's hooks in the managed settings, or to take "
                '"hooks" out of strictPluginOnlyCustomization there',
            )
        )
    return said


def _locks_hooks(value: object) -> bool:
    """``true`` locks every surface; a list locks those it names (unknown names are ignored)."""
    return value is True or (isinstance(value, list) and "hooks" in value)
