"""A settings error as the user should read it: where it came from, which setting, what is
wrong, and what it accepts (the valid values, or the setting a typo was meant to be)."""

from __future__ import annotations

import difflib
import re
from typing import Any, Mapping, Sequence

import msgspec

from hookd import user_files

# A config file is a few KiB; past this, what is read of one (a device, a huge file) is refused.
MAX_CONFIG_BYTES = 16 * 1024 * 1024


class SettingError(Exception):
    """A setting is missing, malformed, out of range or cannot be used; the message says which,
    where it came from, and the fix.

    Whoever raises it sets ``setting`` (the setting's name, as in the config file) when one
    setting is at fault; ``source`` (e.g. ``config file /x.toml, line 3``, ``HOOKD_STREAM from
    the environment``, ``--stream on the command line``) is set by the settings loader, which
    knows where each value came from (see ``located``).
    """

    def __init__(self, message: str, setting: str | None = None, source: str | None = None) -> None:
        super().__init__(message)
        self.setting = setting
        self.source = source

    def located(self, source: str) -> SettingError:
        """The same error, prefixed with the source of its setting (and the setting's name,
        when the message does not say it)."""
        what = str(self)
        if self.setting and not re.search(rf"\b{re.escape(self.setting)}\b", what):
            what = f"{self.setting}: {what}"
        return SettingError(f"{source}: {what}", setting=self.setting, source=source)


# The older name, kept for code and tests that catch it.
ConfigError = SettingError


def _unwrap(info: msgspec.inspect.Type) -> msgspec.inspect.Type:
    return info.type if isinstance(info, msgspec.inspect.Metadata) else info


_AT = re.compile(r" - at `\$\.([A-Za-z0-9_]+)[^`]*`")
_UNKNOWN = re.compile(r"unknown field `([^`]+)`(?: - at `\$\.?([^`]*)`)?")


def explain(
    exc: Exception,
    sources: Mapping[str, Mapping[str, Any]],
    fields: Sequence[msgspec.inspect.Field],
    secrets: frozenset[str],
) -> SettingError:
    """A validation error as the user should read it: where, which setting, what, the fix.

    ``fields`` are the settings' schema and ``secrets`` the settings whose values are never
    repeated back; they are passed in so that this module stays below config.py.
    """
    text = str(exc)
    unknown = _UNKNOWN.search(text)
    if unknown and not unknown.group(2):
        name = unknown.group(1)
        source = source_of(name, sources)
        return SettingError(
            f"{source}: {name} is not a setting{_did_you_mean(name, fields)}", setting=name, source=source
        )
    found = _AT.search(text)
    if found is None:
        return SettingError(f"invalid setting (from {', '.join(sources)}): {text}")
    name = found.group(1)
    source = source_of(name, sources)
    what = _AT.sub("", text).rstrip(".")
    given = None if name in secrets else _given(name, sources)
    for expected, meaning in (("int", "a whole number"), ("float", "a number"), ("bool", "true or false")):
        if what.startswith(f"Expected `{expected}`, got `str`") and given is not None:
            what = f"{given!r} is not {meaning}"
    hint = _valid_values(name, fields)
    if hint and hint not in what:
        what += f"; {hint}"
    if not what.startswith(name):
        what = f"{name}: {what}"
    return SettingError(f"{source}: {what}", setting=name, source=source)


def _given(name: str, sources: Mapping[str, Mapping[str, Any]]) -> Any:
    for source in reversed(list(sources)):
        if name in sources[source]:
            return sources[source][name]
    return None


def _did_you_mean(name: str, fields: Sequence[msgspec.inspect.Field]) -> str:
    names = [f.name for f in fields]
    close = difflib.get_close_matches(name.replace("-", "_").lower(), names, n=1, cutoff=0.6)
    return f"; did you mean {close[0]}?" if close else " (`hookd config --markdown` lists them all)"


def _valid_values(name: str, fields: Sequence[msgspec.inspect.Field]) -> str:
    info = next((f for f in fields if f.name == name), None)
    literal = _unwrap(info.type) if info else None
    if isinstance(literal, msgspec.inspect.LiteralType):
        return "valid values: " + ", ".join(map(str, literal.values))
    if isinstance(literal, msgspec.inspect.EnumType):
        return "valid values: " + ", ".join(str(member.value) for member in literal.cls)
    if isinstance(literal, msgspec.inspect.BoolType):
        return "valid values: true, false"
    return ""


def source_of(name: str, sources: Mapping[str, Mapping[str, Any]]) -> str:
    """The source that supplied ``name`` (the last one wins, as in load)."""
    for source in reversed(list(sources)):
        if name in sources[source]:
            if source == "environment":
                return f"HOOKD_{name.upper()} from the environment"
            if source == "command line":
                return f"--{name.replace('_', '-')} on the command line"
            return _file_line(source, name)
    return "from " + ", ".join(sources)


def _file_line(source: str, name: str) -> str:
    """``config file PATH, line N``: the line where ``name`` is set (or its first table)."""
    path = source.removeprefix("config file ")
    try:  # the file read again: one swapped for a FIFO since must not hold the message
        data, _ = user_files.read(path, MAX_CONFIG_BYTES, "")
    except OSError:
        return source
    for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
        if re.match(rf"\s*(\[\[?\s*)?[\"']?{re.escape(name)}[\"']?\s*(=|\]|\.)", line):
            return f"{source}, line {number}"
    return source
