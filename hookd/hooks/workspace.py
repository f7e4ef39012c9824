"""Workspace trust: whether Claude Code started in this folder runs hooks before asking.

In an interactive session Claude Code runs no hook at all, from any settings file, until the
folder's trust dialog has been accepted (``shouldSkipHookDueToTrust`` at the top of its hook
runner; ``claude -p`` and the SDK count as trusted). The acceptance is kept in its global config,
``$CLAUDE_CONFIG_DIR/.claude.json`` or ``~/.claude.json`` (``<config dir>/.config.json`` where that
legacy file is), as ``projects[<folder>].hasTrustDialogAccepted``, and covers every folder below
the one accepted; accepted in the home folder itself it is kept for that session only (so asked
again each time) by the versions that do so (``checkHasTrustDialogAccepted``; docs/security.md, fiftieth pass). A
project's hooks of hookd's are for this folder: ``hooks status`` notes when it is not trusted yet.
Only the ``projects`` entries' flags are read; the file holds credentials and nothing of it is shown.
"""

from __future__ import annotations

import os
from typing import Any, Mapping

from hookd.config_errors import SettingError
from hookd.home import user_home
from hookd.hooks.settings import SettingsError, load, scope_path


def global_config(environ: Mapping[str, str]) -> str:
    """Claude Code's global config file (getGlobalClaudeFile): the legacy ``.config.json`` in its
    config dir where there is one, else ``.claude.json`` in CLAUDE_CONFIG_DIR or the home."""
    home = user_home(environ)
    given = environ.get("CLAUDE_CONFIG_DIR")
    legacy = os.path.join(given or os.path.join(home, ".claude"), ".config.json")
    return legacy if os.path.exists(legacy) else os.path.join(given or home, ".claude.json")


def _accepted(projects: Mapping[str, Any], folder: str) -> bool:
    entry = projects.get(folder)
    return isinstance(entry, dict) and entry.get("hasTrustDialogAccepted") is True


def untrusted(cwd: str, environ: Mapping[str, str] = os.environ) -> str | None:
    """Why an interactive Claude Code started in ``cwd`` would run no hooks before its trust dialog is
    accepted; None when the folder (or one above it) is trusted, or when that cannot be told."""
    try:
        path = global_config(environ)
        data = load(path).data
        home = os.path.abspath(user_home(environ))
    except (SettingsError, SettingError, OSError):
        return None  # not readable here: Claude Code's own business, nothing to say of hookd's hooks
    projects = data.get("projects")
    projects = projects if isinstance(projects, dict) else {}
    folder = os.path.abspath(cwd)
    while True:
        if _accepted(projects, folder):
            return None
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    if os.path.abspath(cwd) == home:
        return (
            f"{home} is the home folder, whose trust Claude Code keeps for one session: an interactive claude "
            "started here asks each time, and runs no hooks, hookd's included, until its trust dialog is accepted"
        )
    return (
        f"{os.path.abspath(cwd)} is not trusted by Claude Code yet (no hasTrustDialogAccepted for it or a folder "
        f"above it in {path}): an interactive claude started here runs no hooks, hookd's included, until its "
        "trust dialog is accepted (claude -p does not ask)"
    )


def project_files(cwd: str | None = None) -> set[str]:
    """This folder's project settings files (shared and local), whose hooks are for this folder."""
    return {os.path.abspath(scope_path(scope, cwd=cwd)) for scope in ("project", "local")}
