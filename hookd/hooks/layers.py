"""The settings files Claude Code merges, in its precedence, and the values that come out on top.

Claude Code reads the user file, the project's ``.claude/settings.json`` and
``.claude/settings.local.json``, what ``claude --settings`` names, and the managed settings, and
for one key takes the value of the highest of these that sets it (settings docs, "Settings
precedence"); an ``env`` block is a key like any other, merged variable by variable. The managed
tier on disk is ``managed-settings.json`` and then every ``*.json`` of ``managed-settings.d/``
beside it in name order, hidden files skipped (managed-settings docs, "Split a file-based policy
across teams"). What cannot be read from here: a ``--settings`` given to ``claude`` itself,
server-managed settings (fetched from claude.ai), and MDM or registry policy, which replace the
managed files when they deliver a key.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from hookd.hooks import settings
from hookd.hooks.settings import SettingsError

DROP_INS = "managed-settings.d"
# A drop-in directory holds a few policy parts; past this many, the rest are not read.
MOST_DROP_INS = 256


@dataclass(frozen=True)
class Layer:
    path: str  # absolute
    data: Mapping[str, Any]
    managed: bool
    unread: str | None = None  # why a file that is there was not read (its settings then count for nothing)


def read(path: str) -> dict[str, Any]:
    """The file's top level, or nothing: a file that cannot be read or parsed is reported elsewhere
    (``hooks status`` parses the scopes' files strictly), and Claude Code skips it too. Read by
    settings.load, which refuses a FIFO, a device or an oversized file before it could hang or fill
    memory (a checkout can carry any of them as its settings). A path that another file names (a
    plugin's install path in installed_plugins.json) may hold a NUL byte, which no file's can:
    ValueError, nothing read, as Claude Code finds nothing there either."""
    return read_noting(path)[0]


def read_noting(path: str) -> tuple[dict[str, Any], str | None]:
    """``read``, and why a file that is there was not read (None: read, or not there): ``hooks
    status`` names it. The reason names the kind of failure and where in the file, never what the
    file holds (a managed or a plugin's file may not be the user's to show)."""
    try:
        return settings.load(path).data, None
    except SettingsError as exc:
        return {}, _reason(path, str(exc))
    except OSError as exc:
        return {}, exc.strerror or "it cannot be read"
    except ValueError:
        return {}, "its path holds a NUL byte"


def _reason(path: str, message: str) -> str:
    if message.startswith(f"cannot read {path}: "):
        return message.removeprefix(f"cannot read {path}: ")
    try:
        info = os.stat(path)
    except OSError as exc:
        return exc.strerror or "it cannot be read"
    if not stat.S_ISREG(info.st_mode):
        return f"it is a {settings.kind(info.st_mode)}, not a file"
    if info.st_size > settings.MAX_BYTES:
        return f"it is larger than a settings file can be ({info.st_size} bytes, over {settings.MAX_BYTES})"
    where = re.search(r"line \d+ column \d+", message)
    return f"it is not valid JSON ({where.group()})" if where else "it is not one JSON object in UTF-8"


def managed_files(managed: Sequence[str]) -> list[str]:
    """The managed settings files (``managed``: each tier's ``managed-settings.json``) with their
    drop-ins, in the order Claude Code merges them (later wins)."""
    found = []
    for path in managed:
        found.append(os.path.abspath(path))
        folder = os.path.join(os.path.dirname(os.path.abspath(path)), DROP_INS)
        try:
            names = sorted(n for n in os.listdir(folder) if n.endswith(".json") and not n.startswith("."))
        except OSError:
            continue
        found += [os.path.join(folder, n) for n in names[:MOST_DROP_INS]]
    return found


def stack(scope_files: Sequence[str], described: Sequence[str], managed: Sequence[str]) -> list[Layer]:
    """The layers lowest first: the scopes' files (user, project, local, as named), then any other
    file ``hooks status`` was pointed at (as Claude Code would read it given to ``--settings``),
    then the managed files."""
    managed_paths = managed_files(managed)
    seen: set[str] = set()
    layers = []
    for path in (*scope_files, *described):
        path = os.path.abspath(path)
        if path not in seen and path not in managed_paths:
            seen.add(path)
            layers.append(Layer(path, read(path), False))  # described, strictly, by hooks status
    return layers + [Layer(p, *_read_managed(p)) for p in managed_paths]


def _read_managed(path: str) -> tuple[dict[str, Any], bool, str | None]:
    data, why = read_noting(path)
    return data, True, why


def deciding(layers: list[Layer], key: str) -> Layer | None:
    """The layer whose value of the top-level ``key`` Claude Code uses (the highest that sets it)."""
    return next((layer for layer in reversed(layers) if key in layer.data), None)


def claude_env(environ: Mapping[str, str], layers: list[Layer]) -> tuple[dict[str, str], dict[str, str]]:
    """Claude Code's environment as the files tell it: ours, each file's ``env`` over it, lowest
    first -> the variables, and for each one a file set, that file."""
    env, where = dict(environ), {}
    for layer in layers:
        block = layer.data.get("env")
        if isinstance(block, dict):
            for name, value in block.items():
                if isinstance(name, str) and isinstance(value, str):
                    env[name], where[name] = value, layer.path
    return env, where
