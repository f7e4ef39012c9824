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
It is read as Claude Code reads it: a relative CLAUDE_CONFIG_DIR under the folder, a duplicate key
the last kept (JSON.parse); one that cannot be read (over 16 MiB, not JSON) is said as trust that
could not be told, not passed over (docs/security.md, fifty-ninth pass).
"""

from __future__ import annotations

import os
from typing import Any, Mapping

from hookd.config_errors import SettingError
from hookd.home import user_home
from hookd.hooks.settings import MAX_BYTES, SettingsError, load, scope_path


def global_config(environ: Mapping[str, str], cwd: str | None = None) -> str:
    """Claude Code's global config file (getGlobalClaudeFile), for a Claude Code started in ``cwd``:
    the legacy ``.config.json`` in its config dir where there is one, else ``.claude.json`` in
    CLAUDE_CONFIG_DIR or the home. A relative CLAUDE_CONFIG_DIR is taken, as Claude Code takes it,
    under the folder it is started in."""
    here = os.path.abspath(cwd or os.getcwd())
    given = environ.get("CLAUDE_CONFIG_DIR")
    config_home = given if given is not None else os.path.join(user_home(environ), ".claude")
    legacy = os.path.join(here, config_home, ".config.json")
    if os.path.exists(legacy):
        return os.path.normpath(legacy)
    return os.path.normpath(os.path.join(here, given or user_home(environ), ".claude.json"))


def _accepted(projects: Mapping[str, Any], folder: str) -> bool:
    entry = projects.get(folder)
    return isinstance(entry, dict) and entry.get("hasTrustDialogAccepted") is True


_UNTIL = "an interactive claude started here runs no hooks, hookd's included, until its trust dialog is accepted"


def _unread(folder: str, path: str) -> str | None:
    """Why ``path`` cannot be read for the trust it holds, said as a note of ``folder``; None when it can."""
    try:
        size = os.stat(path).st_size
    except OSError:
        return None  # missing (nothing trusted yet) or unreadable: load() says which
    if size <= MAX_BYTES:
        return None
    return (
        f"whether Claude Code trusts {folder} could not be told: {path} is {size} bytes, over the {MAX_BYTES} "
        f"hookd reads of a settings file; if it does not, {_UNTIL} (claude -p does not ask)"
    )


def untrusted(cwd: str, environ: Mapping[str, str] = os.environ) -> str | None:
    """Why an interactive Claude Code started in ``cwd`` would run no hooks before its trust dialog is
    accepted; None when the folder (or one above it) is trusted, or when there is no home to look in."""
    folder = os.path.abspath(cwd)
    try:
        path = global_config(environ, folder)
        home = os.path.abspath(user_home(environ))
    except SettingError:
        return None  # no home: hooks status says so of the user's settings
    if (too_large := _unread(folder, path)) is not None:
        return too_large
    try:
        data = load(path, last_key_wins=True).data  # as JSON.parse reads a duplicate key
    except SettingsError as exc:
        return (
            f"whether Claude Code trusts {folder} could not be told: {exc}. Claude Code cannot take its trust "
            f"from such a file either: {_UNTIL} (claude -p does not ask)"
        )
    projects = data.get("projects")
    projects = projects if isinstance(projects, dict) else {}
    above = folder
    while True:
        if _accepted(projects, above):
            return None
        parent = os.path.dirname(above)
        if parent == above:
            break
        above = parent
    given = environ.get("CLAUDE_CONFIG_DIR", "")
    relative = (
        f"; CLAUDE_CONFIG_DIR ({given!r}) is relative, so a claude started in another folder reads another file"
        if given and not os.path.isabs(given)
        else ""
    )
    if folder == home:
        return (
            f"{home} is the home folder, whose trust Claude Code keeps for one session: an interactive claude "
            "started here asks each time, and runs no hooks, hookd's included, until its trust dialog is accepted"
        )
    return (
        f"{folder} is not trusted by Claude Code yet (no hasTrustDialogAccepted for it or a folder "
        f"above it in {path}{relative}): {_UNTIL} (claude -p does not ask)"
    )


def project_files(cwd: str | None = None) -> set[str]:
    """This folder's project settings files (shared and local), whose hooks are for this folder."""
    return {os.path.abspath(scope_path(scope, cwd=cwd)) for scope in ("project", "local")}
