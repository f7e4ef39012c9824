"""A Claude Code settings file: read it strictly, render a change as the file was written.

The file is data the user owns, so a change keeps everything else exactly:
key order (the stdlib json keeps it), the indentation the file uses, and its
trailing newline and BOM. Writing it (atomic, a backup first, its mode kept,
through a link) is settings_write.py.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import stat
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hookd.home import user_home
from hookd.user_files import kind as kind
from hookd.config_errors import SettingError
from hookd.hooks import textedit
from hookd.trust import ours_or_roots


class SettingsError(Exception):
    """The file cannot be used as it is; the message names the file, the place and the fix."""


SCOPES = ("user", "project", "local")
# Claude Code's settings files are a few KiB; one past this is not one (and is not read).
MAX_BYTES = 16 << 20
# Nor do they nest more than a few levels; past this, one is refused rather than recursed into.
MAX_DEPTH = 64


def scope_paths(
    scopes: tuple[str, ...] = SCOPES, environ: Mapping[str, str] = os.environ
) -> tuple[list[str], list[str]]:
    """The settings files of ``scopes`` that can be named, and why any other cannot (no usable
    home): what checks all of them (status) goes on with the others and says so."""
    paths, problems = [], []
    for scope in scopes:
        try:
            paths.append(scope_path(scope, environ))
        except SettingError as exc:
            problems.append(f"the {scope} settings were not checked: {exc}")
    return paths, problems


def scope_path(scope: str, environ: Mapping[str, str] = os.environ, cwd: str | None = None) -> str:
    """The settings file of a scope; the user's needs an absolute CLAUDE_CONFIG_DIR or a home
    (SettingError naming the fix): a relative one would name a place in the working directory."""
    if scope == "user":
        # Claude Code takes the variable when it is set at all (``??``): an empty one names the folder it is
        # started in, as a relative one names a place under it.
        given = environ.get("CLAUDE_CONFIG_DIR")
        if given is not None and not given.startswith("/"):
            shown = f"({given!r}) is not an absolute path" if given else "is set but empty"
            raise SettingError(
                f"CLAUDE_CONFIG_DIR {shown}: the user's settings would be looked "
                "for under the working directory; fix: set CLAUDE_CONFIG_DIR to an absolute path, or unset it",
                setting="CLAUDE_CONFIG_DIR",
                source="the environment",
            )
        if given is None:
            try:
                given = os.path.join(user_home(environ), ".claude")
            except SettingError as exc:
                raise SettingError(
                    f"{exc} (or CLAUDE_CONFIG_DIR to where Claude Code keeps its user settings)",
                    setting=exc.setting,
                    source=exc.source,
                ) from None
        return os.path.join(given, "settings.json")
    name = "settings.json" if scope == "project" else "settings.local.json"
    return os.path.join(cwd or os.getcwd(), ".claude", name)


@dataclass
class SettingsFile:
    path: str  # as the user named it
    exists: bool
    text: str  # the file's text without a BOM; "" when missing
    data: dict[str, Any]
    indent: str | int = 2
    newline_at_end: bool = True
    bom: bool = False
    # hookd's handlers in it per URL they were found with, walked once for all the checks (merge.handlers)
    hookd: dict[str | None, dict[str, list[dict[str, Any]]]] = field(default_factory=dict, repr=False, compare=False)

    def render(self, data: dict[str, Any]) -> str:
        # A file that spells non-ASCII characters as \u escapes keeps doing so.
        escaped = self.text.isascii() and "\\u" in self.text
        if self.text.strip():
            try:  # only what changed: the rest keeps its bytes (one-line, inline arrays, spacing)
                return textedit.edit(self.text, self.data, data, self.indent, escaped)
            except (textedit.Unsupported, ValueError, RecursionError):
                pass
        text = json.dumps(data, indent=self.indent, ensure_ascii=escaped)
        return text + "\n" if self.newline_at_end else text

    def raw(self) -> bytes:
        """The file's bytes as read."""
        return (("\ufeff" if self.bom else "") + self.text).encode("utf-8")

    def diff_to_nothing(self) -> str:
        """The diff of removing the file."""
        name = os.path.abspath(self.path)
        old = self.text.splitlines(keepends=True)
        return "".join(difflib.unified_diff(old, [], fromfile=name, tofile="/dev/null"))

    def diff(self, new_text: str) -> str:
        old = self.text.splitlines(keepends=True) if self.exists else []
        name = os.path.abspath(self.path)
        return "".join(
            difflib.unified_diff(
                old, new_text.splitlines(keepends=True), fromfile=name if self.exists else "/dev/null", tofile=name
            )
        )


def _no_duplicates(path: str) -> Callable[[list[tuple[str, Any]]], dict[str, Any]]:
    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        for key, value in pairs:
            if key in seen:
                raise SettingsError(
                    f"{path} has the key {key!r} twice in one object; Claude Code "
                    "would keep only one of them. Remove the duplicate, then run "
                    "this again (nothing was changed)"
                )
            seen[key] = value
        return seen

    return hook


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _read(path: str) -> bytes:
    """The file's bytes, if it is a regular file of the user's or root's (through links, as dotfile
    managers make them) of at most MAX_BYTES. Another kind is refused before it is opened, and again by its
    descriptor (O_NONBLOCK: a FIFO swapped in meanwhile does not hang the open): the project's
    settings come with a checkout, and a link there to a FIFO, a terminal or /dev/zero made
    every command that reads them wait for good or read until memory ran out."""
    _checkkind(path, os.stat(path))
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as fh:
        _checkkind(path, os.fstat(fd))
        raw = fh.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise SettingsError(f"{path} grew past {MAX_BYTES} bytes while it was read; nothing was changed")
    return raw


def _checkkind(path: str, info: os.stat_result) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise SettingsError(
            f"{path} is not a regular file (a {kind(info.st_mode)}); a Claude Code settings file is "
            "one JSON file: remove it or replace it with one (nothing was read or changed)"
        )
    if info.st_size > MAX_BYTES:
        raise SettingsError(
            f"{path} is too large to be a settings file ({info.st_size} bytes, over {MAX_BYTES}); "
            "nothing was read or changed"
        )
    if not ours_or_roots(info):
        # As the writes refuse it (settings_write): another user's file decides nothing hookd says
        # of this user's hooks, read or changed, whoever runs the command (root in their project).
        raise SettingsError(
            f"{path} belongs to uid {info.st_uid}, not to you (uid {os.getuid()}): hookd does not take what "
            "another user wrote as your settings: run this as the user it belongs to, or, if the project is "
            f"yours, take the file back (chown {os.getuid()} {path}); it was not read, and nothing was changed"
        )


def load(path: str, last_key_wins: bool = False) -> SettingsFile:
    """Read and check a settings file; a missing or empty file is an empty object. A key twice in one
    object is refused, or with ``last_key_wins`` the last is kept, as JSON.parse does (a file only
    read, whose writer is Claude Code: its global config)."""
    try:
        raw = _read(path)
    except FileNotFoundError:
        return SettingsFile(path, False, "", {})
    except OSError as exc:
        raise SettingsError(f"cannot read {path}: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SettingsError(f"{path} is not UTF-8 text (byte {exc.start}); nothing was changed") from None
    bom = text.startswith("\ufeff")
    text = text.removeprefix("\ufeff")
    if not text.strip():
        return SettingsFile(path, True, text, {}, bom=bom)
    try:
        pairs = None if last_key_wins else _no_duplicates(path)
        data = json.loads(text, object_pairs_hook=pairs, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise SettingsError(
            f"{path} is not valid JSON: {exc.msg} at line {exc.lineno} column "
            f"{exc.colno}. Fix the file (Claude Code skips a settings file it "
            "cannot read), then run this again; nothing was changed"
        ) from None
    except ValueError as exc:
        raise SettingsError(f"{path} is not valid JSON: {exc}; nothing was changed") from None
    except RecursionError:
        raise SettingsError(_TOO_DEEP.format(path=path)) from None
    if _deeper_than(data, MAX_DEPTH):  # what merges and renders it recurses: refused here, in one line
        raise SettingsError(_TOO_DEEP.format(path=path))
    if not isinstance(data, dict):
        raise SettingsError(
            f"{path} holds a JSON {json_type(data)}, not an object; a Claude "
            "Code settings file is one object (nothing was changed)"
        )
    return SettingsFile(path, True, text, data, _indent_of(text), text.endswith("\n"), bom)


def readable(paths: Iterable[str | SettingsFile]) -> list[SettingsFile]:
    """The settings files of ``paths`` that can be read, in order; those given read already are kept, so
    that the checks of the installed hooks, each of them all, read each file once. One that cannot be read
    is left out: the checks find no hooks in it, and `hookd hooks status` names why it cannot be read."""
    found = []
    for path in paths:
        if isinstance(path, SettingsFile):
            found.append(path)
            continue
        try:
            found.append(load(path))
        except SettingsError:
            continue
    return found


_TOO_DEEP = (
    "{path} is nested too deeply (arrays or objects more than "
    f"{MAX_DEPTH} levels inside each other); a Claude Code settings file is not: fix or remove it "
    "(nothing was changed)"
)


def _deeper_than(data: Any, most: int) -> bool:
    """Whether arrays and objects nest more than ``most`` levels (without recursing)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        for child in children:
            if isinstance(child, (dict, list)):
                if depth + 1 > most:
                    return True
                stack.append((child, depth + 1))
    return False


def shown(value: Any) -> str:
    """A value from a settings file as said: quoted (control characters escaped) and bounded."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def json_type(value: Any) -> str:
    names = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), "number")


def _indent_of(text: str) -> str | int:
    """The indentation unit of the first indented line; 2 for a file on one line."""
    match = re.search(r"[{\[]\s*?\n([ \t]+)\S", text)
    if not match:
        return 2
    unit = match.group(1)
    return unit if "\t" in unit else len(unit)
