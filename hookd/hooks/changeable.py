"""Who could change what Claude Code runs as the user: the settings file holding hookd's hooks,
and the code each hook command runs (its interpreter, the client and where it is imported from,
the native binary), judged as hookd judges the files that decide trust (trust.check_trusted_file).
`hooks status`, `hookd status` (reach.check) and `hooks install` (a warning) say what they find."""

from __future__ import annotations

from typing import Any

from hookd.hooks import entries
from hookd.paths import UnsafePathError
from hookd.trust import check_trusted_file


def others_can_change(path: str) -> str | None:
    """Why another user could rewrite the settings file (and so the commands Claude Code runs as
    this user, hook-send's among them), or None. A file or directory of the user's made under
    umask 000, or a checkout in a directory others can write, is left as it is by ``hooks install``."""
    try:
        check_trusted_file(path, "make Claude Code run any command as you")
    except UnsafePathError as exc:
        return str(exc)
    except OSError:
        return None  # gone or unreadable: command_handlers found nothing in it either
    return None


def programs_others_can_change(handler: dict[str, Any], seen: dict[str, str | None] | None = None) -> list[str]:
    """Why another user could change what the handler runs (the interpreter, hook_send.py with its
    directory and bytecode cache, or the native client, or a directory on the way to one): each
    run would be theirs, as the user.
    ``seen``: paths already judged in this pass (every hook runs the same few)."""
    seen = {} if seen is None else seen
    found = []
    for group in entries.code_paths(handler):
        for path in group:
            if path not in seen:
                seen[path] = None
                try:
                    check_trusted_file(path, "run any command as you whenever Claude Code runs the hook")
                except UnsafePathError as exc:
                    seen[path] = str(exc)
                except OSError:
                    pass  # gone: missing_paths names it
            if why := seen[path]:
                found.append(why)  # the first of a group: the rest is the same change, said again
                break
    return found
