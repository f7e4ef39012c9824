"""The settings reference table (README and docs), generated from the settings' definitions."""

from __future__ import annotations

import json

import msgspec

from hookd.config import SECRET_SETTINGS, setting_info


def description(field: msgspec.inspect.Field) -> str:
    meta = field.type
    if not isinstance(meta, msgspec.inspect.Metadata) or not meta.extra_json_schema:
        raise TypeError(f"the setting {field.name} has no description: give it Meta(description=...)")
    return str(meta.extra_json_schema["description"])


def settings_reference() -> str:
    """The settings as a Markdown table, for the README (a test keeps the two equal)."""
    rows = ["| setting | environment | flag | default | meaning |", "|---|---|---|---|---|"]
    for field in setting_info():
        value = field.default_factory() if field.default is msgspec.NODEFAULT else field.default
        default = json.dumps(msgspec.to_builtins(value)) if value != "" else "(see meaning)"
        flag = "(none)" if field.name in SECRET_SETTINGS else f"`--{field.name.replace('_', '-')}`"
        rows.append(f"| `{field.name}` | `HOOKD_{field.name.upper()}` | {flag} | `{default}` | {description(field)} |")
    return "\n".join(rows)
