"""From a stream entry to the small record the UI sends to browsers and keeps in memory.

The record carries the envelope's own fields, a one-line summary of the payload
(a command, a path, a prompt, a message: cut to ``SUMMARY_CHARS``) and the
session's token totals when the event has ``usage``. The whole envelope is only
ever fetched from Redis when a browser asks for one event.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable
from typing import Any, NamedTuple

import msgspec

from hookd.jsonl import loads
from hookd.publish.connection import Entry
from hookd.publish.session_index import index_id
from hookd.ui.faithful import faithful_json, utf8 as _utf8
from hookd.ui.unreadable import NotAnEnvelope, Unreadable

SUMMARY_CHARS = 240


class _ToolInput(msgspec.Struct):
    command: Any = None
    file_path: Any = None
    notebook_path: Any = None
    path: Any = None
    pattern: Any = None
    url: Any = None
    query: Any = None
    description: Any = None
    prompt: Any = None
    subagent_type: Any = None


class _Payload(msgspec.Struct):
    cwd: Any = None
    prompt: Any = None
    message: Any = None
    notification_type: Any = None
    source: Any = None
    reason: Any = None
    trigger: Any = None
    error: Any = None
    agent_id: Any = None
    agent_type: Any = None
    tool_use_id: Any = None
    tool_input: msgspec.Raw = msgspec.Raw(b"null")


class _ModelUsage(msgspec.Struct):
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cost_usd: float | None = None


class _Usage(msgspec.Struct):
    total: dict[str, _ModelUsage] = {}
    total_cost_usd: float = 0.0


class _Envelope(msgspec.Struct):
    event_id: Any = None
    host: Any = None
    hook: Any = None
    session_id: Any = None
    tool_name: Any = None
    received_at: Any = None
    project_dir: Any = None
    redactions: Any = 0
    truncated: Any = 0
    operation: Any = None
    risk: Any = None
    risk_reasons: Any = None
    duration_ms: Any = None
    model: Any = None
    usage: _Usage | None = None
    payload: _Payload = msgspec.field(default_factory=_Payload)


_envelope_decoder = msgspec.json.Decoder(_Envelope)
_input_decoder = msgspec.json.Decoder(_ToolInput)
_encoder = msgspec.json.Encoder()


class Record(NamedTuple):
    """One event as the UI keeps it: the fields it sorts and groups by, and the JSON it sends."""

    entry_id: str
    ms: int
    host: str
    session: str
    hook: str
    tool: str
    risk: str
    duration_ms: int | None
    json: bytes


def _s(value: Any, limit: int = 200) -> str:
    """Text the page shows as sent: a lone surrogate kept (faithful.py)."""
    return value[:limit] if isinstance(value, str) else ""


def _name(value: Any, limit: int = 200) -> str:
    """A name the UI groups, filters or looks up by: a lone surrogate as U+FFFD."""
    return _utf8(value[:limit]) if isinstance(value, str) else ""


def _ms(entry_id: str, received_at: Any) -> int:
    if isinstance(received_at, str):
        try:
            return int(datetime.datetime.fromisoformat(received_at.replace("Z", "+00:00")).timestamp() * 1000)
        except ValueError:
            pass
    return int(entry_id.split("-", 1)[0])


def _summary(hook: str, p: _Payload) -> str:
    raw = bytes(p.tool_input) if len(p.tool_input) < 65536 else b""
    if raw.lstrip()[:1] == b"{":
        try:
            ti = _input_decoder.decode(raw)
        except (msgspec.DecodeError, RecursionError):
            ti = _input_read_slowly(raw)
        for value in (
            ti.command,
            ti.file_path,
            ti.notebook_path,
            ti.url,
            ti.pattern,
            ti.query,
            ti.description,
            ti.prompt,
            ti.path,
        ):
            if isinstance(value, str) and value:
                return value[:SUMMARY_CHARS]
    for value in (p.prompt, p.message, p.error, p.reason, p.source, p.trigger):
        if isinstance(value, str) and value:
            return value[:SUMMARY_CHARS]
    return ""


def _input_read_slowly(raw: bytes) -> _ToolInput:
    """A tool's input msgspec refuses (a lone surrogate's escape), read by the standard library."""
    try:
        return msgspec.convert(loads(raw), _ToolInput)
    except (ValueError, RecursionError):
        return _ToolInput()


def _read_slowly(raw: bytes) -> _Envelope:
    """An envelope msgspec refuses: the daemon takes payloads holding a lone surrogate or an integer
    past 64 bits, which the standard library reads (hookd.jsonl.loads). NotAnEnvelope when it is
    not JSON, or not an envelope's shape."""
    try:
        value = loads(raw)
    except (ValueError, RecursionError) as exc:
        raise NotAnEnvelope("its envelope is not JSON") from exc
    try:
        payload = value.get("payload") if isinstance(value, dict) else None
        if isinstance(payload, dict) and "tool_input" in payload:
            # A Raw field is made from JSON text only: an object the standard library read failed the
            # whole envelope, and every tool call with a lone surrogate anywhere in it was left out.
            # ASCII, a lone surrogate as its escape: the summary reads it as sent (_input_read_slowly).
            payload["tool_input"] = msgspec.Raw(json.dumps(payload["tool_input"]).encode())
        return msgspec.convert(value, _Envelope)
    except (ValueError, RecursionError) as exc:  # msgspec.ValidationError is a ValueError
        raise NotAnEnvelope(f"its envelope is not an envelope's shape ({str(exc)[:120]})") from exc


TOO_DEEP = "the envelope is nested too deeply to be read here; open it to see it as stored"
# The rest of a record, for an envelope not read: its summary says why.
_NOT_READ: dict[str, Any] = {"risk": "", "dur": None, "cwd": "", "model": "", "op": "", "why": (), "sum": TOO_DEEP}
_NOT_READ.update(tu="", agent="", atype="", ntype="", red=0, tok=None)


def _too_deep(entry_id: str, fields: dict[bytes, bytes]) -> tuple[Record, dict[str, Any]]:
    """The record of an entry whose envelope is nested too deeply to decode: named by the fields
    hookd writes beside the envelope, so that it is shown (and counted), not left out unsaid."""

    def field(name: bytes, limit: int = 200) -> str:
        return fields.get(name, b"")[:limit].decode("utf-8", "replace")

    ms = _ms(entry_id, None)
    hook, session, host, tool = field(b"hook", 64) or "unknown", field(b"session", 256), field(b"host"), field(b"tool")
    data = {"id": entry_id, "t": ms, "host": host, "s": session, "hook": hook, "tool": tool, **_NOT_READ}
    return Record(entry_id, ms, host, session, hook, tool, "", None, _encoder.encode(data)), data


def record(entry_id: str, fields: dict[bytes, bytes]) -> tuple[Record, dict[str, Any]]:
    """The record of one stream entry and its fields; NotAnEnvelope when it holds no readable one."""
    raw = fields.get(b"envelope")
    if not fields:  # Redis keeps no entry without a field: the reader gave it none (too large)
        raise NotAnEnvelope("it is larger than the UI reads")
    if not raw:
        raise NotAnEnvelope("it has no envelope field" if raw is None else "its envelope is empty")
    try:
        read: _Envelope = _envelope_decoder.decode(raw)
    except RecursionError:  # JSON, but nested past what a reader goes into (others write the stream)
        return _too_deep(entry_id, fields)
    except msgspec.DecodeError:
        read = _read_slowly(raw)
    env = read
    p = env.payload
    hook = _name(env.hook, 64) or "unknown"
    # As the index and the stream's `session` field name it (an id over 256 bytes: its digest).
    session = index_id(_utf8(env.session_id)) if isinstance(env.session_id, str) else ""
    host = _name(env.host)
    tool = _name(env.tool_name)
    risk = _name(env.risk, 16)
    duration = env.duration_ms if isinstance(env.duration_ms, int) else None
    ms = _ms(entry_id, env.received_at)
    tokens = None
    if env.usage is not None:
        total = env.usage.total.values()
        tokens = {
            "in": sum(u.input_tokens for u in total),
            "out": sum(u.output_tokens for u in total),
            "cr": sum(u.cache_read_tokens for u in total),
            "cw": sum(u.cache_write_tokens for u in total),
            "cost": env.usage.total_cost_usd,
        }
    cwd, model = _s(p.cwd, 400) or _s(env.project_dir, 400), _s(env.model)
    data = {
        "id": entry_id,
        "t": ms,
        "host": host,
        "s": session,
        "hook": hook,
        "tool": tool,
        "risk": risk,
        "dur": duration,
        "cwd": cwd,
        "model": model,
        "op": _s(env.operation, 32),
        "why": [r[:200] for r in env.risk_reasons if isinstance(r, str)][:5]
        if isinstance(env.risk_reasons, list)
        else [],
        "sum": _summary(hook, p),
        "tu": _s(p.tool_use_id),
        "agent": _s(p.agent_id),
        "atype": _s(p.agent_type),
        "ntype": _name(p.notification_type, 64),
        "red": env.redactions if isinstance(env.redactions, int) else 0,
        "tok": tokens,
    }
    shown = faithful_json(data)
    # The store keeps the cwd and model in its session summaries, sent beside the index's (which holds
    # what hookd wrote): a lone surrogate as U+FFFD there.
    data["cwd"], data["model"] = _utf8(cwd), _utf8(model)
    return Record(entry_id, ms, host, session, hook, tool, risk, duration, shown), data


def decoded(entries: Iterable[Entry], unreadable: Unreadable | None = None) -> list[tuple[Record, dict[str, Any]]]:
    """The entries' records, those the UI cannot read left out: counted in ``unreadable`` when given
    (the reads of the stream in order, each entry once: the start and the live reads)."""
    out = []
    for raw_id, fields in entries:
        entry_id = raw_id.decode() if isinstance(raw_id, bytes) else raw_id
        try:
            out.append(record(entry_id, fields))
        except NotAnEnvelope as exc:
            if unreadable is not None:
                unreadable.note(entry_id, str(exc))
        except Exception as exc:  # a bug, or a shape not foreseen: left out, not fatal
            if unreadable is not None:
                unreadable.note(entry_id, f"it could not be read ({type(exc).__name__})")
    return out
