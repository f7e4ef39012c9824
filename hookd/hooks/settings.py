"""A Claude Code settings file: read it strictly, write it back as it was written.

The file is data the user owns, so a change keeps everything else exactly:
key order (the stdlib json keeps it), the indentation the file uses, its
trailing newline and BOM, and its mode. Writes are atomic (a temporary file in
the same directory, fsync, rename, fsync of the directory) and a changed file
is first copied to ``<file>.hookd-backup-<time>``. A symlinked file (a dotfiles
checkout) is written through the link, so the link stays.
"""

from __future__ import annotations

import datetime
import difflib
import json
import os
import re
import stat
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from hookd.config import user_home
from hookd.config_errors import SettingError
from hookd.hooks import textedit
from hookd.paths import makedirs_private


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
        given = environ.get("CLAUDE_CONFIG_DIR", "")
        if given and not given.startswith("/"):
            raise SettingError(
                f"CLAUDE_CONFIG_DIR ({given!r}) is not an absolute path: the user's settings would be looked "
                "for under the working directory; fix: set CLAUDE_CONFIG_DIR to an absolute path, or unset it",
                setting="CLAUDE_CONFIG_DIR",
                source="the environment",
            )
        if not given:
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
    """The file's bytes, if it is a regular file (through links, as dotfile managers make them)
    of at most MAX_BYTES. Another kind is refused before it is opened, and again by its
    descriptor (O_NONBLOCK: a FIFO swapped in meanwhile does not hang the open): the project's
    settings come with a checkout, and a link there to a FIFO, a terminal or /dev/zero made
    every command that reads them wait for good or read until memory ran out."""
    _check_kind(path, os.stat(path))
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as fh:
        _check_kind(path, os.fstat(fd))
        raw = fh.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise SettingsError(f"{path} grew past {MAX_BYTES} bytes while it was read; nothing was changed")
    return raw


def _check_kind(path: str, info: os.stat_result) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise SettingsError(
            f"{path} is not a regular file (a {_kind(info.st_mode)}); a Claude Code settings file is "
            "one JSON file: remove it or replace it with one (nothing was read or changed)"
        )
    if info.st_size > MAX_BYTES:
        raise SettingsError(
            f"{path} is too large to be a settings file ({info.st_size} bytes, over {MAX_BYTES}); "
            "nothing was read or changed"
        )


def _kind(mode: int) -> str:
    kinds = {stat.S_IFDIR: "directory", stat.S_IFIFO: "FIFO", stat.S_IFCHR: "character device"}
    kinds |= {stat.S_IFBLK: "block device", stat.S_IFSOCK: "socket"}
    return kinds.get(stat.S_IFMT(mode), "special file")


def load(path: str) -> SettingsFile:
    """Read and check a settings file; a missing or empty file is an empty object."""
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
        data = json.loads(text, object_pairs_hook=_no_duplicates(path), parse_constant=_reject_constant)
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


def backup_path(path: str, now: datetime.datetime | None = None) -> str:
    stamp = (now or datetime.datetime.now()).strftime("%Y%m%dT%H%M%S")
    candidate = f"{path}.hookd-backup-{stamp}"
    n = 1
    while os.path.lexists(candidate):  # a dangling link too: never written through
        n += 1
        candidate = f"{path}.hookd-backup-{stamp}-{n}"
    return candidate


def _write_backup(target: str) -> str:
    """Copy ``target`` to a new backup file that is 0600 from the moment it exists.

    Settings files hold API keys (``env``): a copy made with the umask's mode and
    tightened afterwards could be opened by another user in between. O_EXCL and
    O_NOFOLLOW: never an existing file, never through a planted link.
    """
    with open(target, "rb") as src:
        data = src.read()
        times = os.fstat(src.fileno())
    for _ in range(100):
        backup = backup_path(target)
        try:
            fd = os.open(backup, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        except FileExistsError:  # taken since backup_path looked: pick the next name
            continue
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.utime(fh.fileno(), ns=(times.st_atime_ns, times.st_mtime_ns))
            os.fsync(fh.fileno())
        return backup
    raise OSError(f"cannot find a free backup name beside {target}")


def refuse_creating_through_a_link(path: str) -> None:
    """Refuse (SettingsError) a settings file, or its ``.claude`` directory, that is a symbolic link
    to nothing: writing would create whatever it names, anywhere the user can write. A checkout
    can carry such a link (git keeps links), so a project's ``.claude/settings.json`` could point
    at ``../../.bash_profile`` or ``~/.ssh/config``. A link to an existing file (a dotfile
    manager's) is written through as before."""
    for candidate in (path, os.path.dirname(path)):
        if os.path.islink(candidate) and not os.path.exists(candidate):
            raise SettingsError(
                f"{candidate} is a symbolic link to {os.readlink(candidate)!r}, which does not exist: hookd "
                "does not create a file where a link points (a checkout can carry a link to anywhere); fix: "
                "if the link is yours, create what it points to first, else remove the link; nothing was changed"
            )


def write(settings: SettingsFile, new_text: str) -> str | None:
    """Replace the file's content atomically; returns the backup's path (None for a new file)."""
    refuse_creating_through_a_link(settings.path)
    target = os.path.realpath(settings.path)
    directory = os.path.dirname(target)
    # Made 0700 and 0600, whatever the umask: a settings file names the commands Claude Code
    # runs as the user, and under umask 000 anyone could have rewritten it (and its directory)
    # (tests/test_redteam7_umask.py). An existing file keeps its mode.
    makedirs_private(directory)
    backup = None
    if os.path.exists(target):
        backup = _write_backup(target)
        mode = os.stat(target).st_mode & 0o7777
    else:
        mode = 0o600
    data = (("\ufeff" if settings.bom else "") + new_text).encode("utf-8")
    fd, tmp = tempfile.mkstemp(prefix=".hookd-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fchmod(fh.fileno(), mode)
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return backup
