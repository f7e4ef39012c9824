"""Claude Code's off switches for hooks: settings that keep it from running hookd's hooks at all.

A file can hold hookd's hooks, sound in every path, and Claude Code still never run them:
``disableAllHooks: true`` in the user, project or local settings runs only the managed settings'
hooks, and in the managed settings it runs none; ``allowManagedHooksOnly: true`` in the managed
settings runs only theirs. ``hooks status`` says so, naming the file and the setting, instead of
calling the hooks sound while no event arrives.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from hookd.hooks import settings
from hookd.hooks.settings import SettingsError

# Where Claude Code reads the managed (policy) settings, which no other file overrides.
MANAGED_SETTINGS = (
    ("/Library/Application Support/ClaudeCode/managed-settings.json",)
    if sys.platform == "darwin"
    else ("/etc/claude-code/managed-settings.json",)
)


def read(path: str) -> dict[str, Any]:
    """The file's top level, or nothing: a file that cannot be read or parsed is reported elsewhere
    (``hooks status`` parses the scopes' files strictly), and Claude Code skips it too. Read by
    settings.load, which refuses a FIFO, a device or an oversized file before it could hang or fill
    memory (a checkout can carry any of them as its settings)."""
    try:
        return settings.load(path).data
    except (OSError, SettingsError):
        return {}


def _fix(path: str, key: str) -> str:
    return f"remove {key} from {path} (or set it to false)"


def problems(hooked: str, settings_files: list[str], managed: tuple[str, ...] | None = None) -> list[str]:
    """Why Claude Code would not run the hooks in ``hooked``, from the settings files it merges
    with it (``settings_files``) and the managed settings -> one line per switch, with the fix."""
    hooked = os.path.abspath(hooked)
    managed_files = [os.path.abspath(p) for p in (MANAGED_SETTINGS if managed is None else managed)]
    found = []
    for path in managed_files:
        data = read(path)
        if data.get("disableAllHooks") is True:
            found.append(
                f"Claude Code runs no hooks at all: disableAllHooks is true in the managed settings {path}; "
                f"fix: ask whoever manages this machine to {_fix(path, 'disableAllHooks')}"
            )
        elif data.get("allowManagedHooksOnly") is True and hooked not in managed_files:
            found.append(
                f"Claude Code runs only the managed settings' hooks, not these: allowManagedHooksOnly is true "
                f"in {path}; fix: ask whoever manages this machine to put hookd's hooks there, or to "
                f"{_fix(path, 'allowManagedHooksOnly')}"
            )
    if hooked in managed_files:
        return found
    for path in dict.fromkeys(os.path.abspath(p) for p in settings_files):
        if path not in managed_files and read(path).get("disableAllHooks") is True:
            found.append(
                f"Claude Code runs none of these hooks: disableAllHooks is true in {path}; "
                f"fix: {_fix(path, 'disableAllHooks')}"
            )
    return found
