"""The payload fields the envelope and its enrichment read, decoded in one pass.

Everything else in the payload is only skipped over. ``tool_input`` and
``tool_response`` stay raw JSON: their sizes are measured without building
Python objects for a megabyte of tool output, and ``tool_input`` is decoded
further (``ToolInput``) only for the tools whose risk depends on it.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec

from hookd.jsonl import loads

ABSENT = msgspec.Raw()  # no field of this name; any JSON value is at least one byte


class PayloadFields(msgspec.Struct):
    hook_event_name: Any = None
    session_id: Any = None
    tool_name: Any = None
    tool_use_id: Any = None
    cwd: Any = None
    model: Any = None
    duration_ms: Any = None
    transcript_path: Any = None
    agent_transcript_path: Any = None
    tool_input: msgspec.Raw = ABSENT
    tool_response: msgspec.Raw = ABSENT


class ToolInput(msgspec.Struct):
    """The tool_input fields that risk rules look at."""

    command: Any = None
    file_path: Any = None
    notebook_path: Any = None
    path: Any = None
    pattern: Any = None


_fields_decoder = msgspec.json.Decoder(PayloadFields)
_input_decoder = msgspec.json.Decoder(ToolInput)
NO_INPUT = ToolInput()


def read_fields(body: bytes) -> PayloadFields:
    """The fields of a payload already known to be one JSON object (it may hold lone surrogates)."""
    try:
        return _fields_decoder.decode(body)
    except (msgspec.DecodeError, RecursionError):
        return fields_from_dict(loads(body))


def fields_from_dict(value: dict[str, Any]) -> PayloadFields:
    """The fields of a payload that only the standard library could decode.

    ``tool_input`` and ``tool_response`` are encoded again (sizes close to the
    originals, which msgspec could not read).
    """
    raw = {
        key: msgspec.Raw(json.dumps(value[key]).encode()) if key in value else ABSENT
        for key in ("tool_input", "tool_response")
    }
    return PayloadFields(
        value.get("hook_event_name"),
        value.get("session_id"),
        value.get("tool_name"),
        value.get("tool_use_id"),
        value.get("cwd"),
        value.get("model"),
        value.get("duration_ms"),
        value.get("transcript_path"),
        value.get("agent_transcript_path"),
        raw["tool_input"],
        raw["tool_response"],
    )


def read_tool_input(raw: msgspec.Raw) -> ToolInput:
    """The tool_input fields risk rules need; empty when it is absent, not an object, or unreadable."""
    if not raw:
        return NO_INPUT
    try:
        return _input_decoder.decode(raw)
    except (msgspec.DecodeError, RecursionError):
        try:
            value = loads(bytes(raw))
        except (ValueError, RecursionError):
            return NO_INPUT
        if not isinstance(value, dict):
            return NO_INPUT
        return ToolInput(
            value.get("command"),
            value.get("file_path"),
            value.get("notebook_path"),
            value.get("path"),
            value.get("pattern"),
        )
