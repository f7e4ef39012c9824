"""The fields the daemon adds to an envelope, from the redacted payload's fields."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import msgspec

from hookd.enrich.durations import PendingCalls
from hookd.enrich.operation import classify
from hookd.enrich.payload import NO_INPUT, PayloadFields, read_tool_input
from hookd.enrich.risk import COMMAND_TOOLS, READ_TOOLS, WRITE_TOOLS, assess

PATH_TOOLS = COMMAND_TOOLS | READ_TOOLS | WRITE_TOOLS
FINISHED_HOOKS = frozenset({"PostToolUse", "PostToolUseFailure"})
MAX_MODEL_CHARS = 200
# Ids are remembered between events; longer ones than Claude Code's are not, so memory stays small.
MAX_ID_CHARS = 256


class Enrichment(msgspec.Struct, frozen=True, gc=False):
    operation: str | None
    mcp_server: str | None
    mcp_tool: str | None
    risk: str | None
    risk_reasons: list[str]
    duration_ms: int | None
    input_bytes: int | None
    response_bytes: int | None
    model: str | None


NO_ENRICHMENT = Enrichment(None, None, None, None, [], None, None, None, None)


MAX_KEPT_CHARS = 256


class SessionModels:
    """The model each recent session started with (SessionStart gives it; later events do not)."""

    def __init__(self, cap: int = 10_000) -> None:
        self.cap = cap
        self._models: OrderedDict[str, str] = OrderedDict()

    def remember(self, session: str, model: str) -> None:
        # The cap counts entries; this bounds each one (ids and names are short when genuine).
        if len(session) > MAX_KEPT_CHARS or len(model) > MAX_KEPT_CHARS:
            return
        self._models[session] = model
        self._models.move_to_end(session)
        if len(self._models) > self.cap:
            self._models.popitem(last=False)

    def get(self, session: str) -> str | None:
        return self._models.get(session)


def _model_name(value: Any) -> str | None:
    """SessionStart's ``model``: a string (or an object with an ``id``, as some versions send)."""
    if isinstance(value, dict):
        value = value.get("id")
    if isinstance(value, str) and value and len(value) <= MAX_MODEL_CHARS:
        return value
    return None


def _payload_duration(value: Any) -> int | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < 2**53:
        return int(value)
    return None


class Assessed(msgspec.Struct, array_like=True, frozen=True):
    """What enrichment reads from one payload, without memory of other events.

    Computed apart from ``Enricher.complete`` so that it can run in the worker
    process (hookd/worker.py) for a large event: the risk rules scan the command.
    """

    model: str | None
    tool_use_id: str | None
    own_duration: int | None
    input_bytes: int | None
    response_bytes: int | None
    risk: str | None
    risk_reasons: list[str]


def assess_payload(fields: PayloadFields, tool: str | None) -> Assessed:
    call = fields.tool_use_id
    if not isinstance(call, str) or not call or len(call) > MAX_ID_CHARS:
        call = None
    risk_level, reasons = None, []
    if tool:
        tool_input = read_tool_input(fields.tool_input) if tool in PATH_TOOLS else NO_INPUT
        risk = assess(tool, tool_input, fields.cwd)
        risk_level, reasons = risk.level, list(risk.reasons)
    return Assessed(
        _model_name(fields.model),
        call,
        _payload_duration(fields.duration_ms),
        len(fields.tool_input) or None,
        len(fields.tool_response) or None,
        risk_level,
        reasons,
    )


class Enricher:
    """Holds what enrichment remembers between events: pending tool calls, session models."""

    def __init__(self) -> None:
        self.pending = PendingCalls()
        self.models = SessionModels()

    def enrich(
        self,
        fields: PayloadFields,
        hook: str,
        session: str | None,
        tool: str | None,
        sent_ns: int | None,
        received_ns: int,
    ) -> Enrichment:
        return self.complete(assess_payload(fields, tool), hook, session, tool, sent_ns, received_ns)

    def complete(
        self,
        assessed: Assessed,
        hook: str,
        session: str | None,
        tool: str | None,
        sent_ns: int | None,
        received_ns: int,
    ) -> Enrichment:
        """The enrichment of an assessed payload, with what earlier events left (models, calls)."""
        model = assessed.model
        if session and len(session) <= MAX_ID_CHARS:
            if model is not None:
                self.models.remember(session, model)
            else:
                model = self.models.get(session)
        if not tool:
            return Enrichment(None, None, None, None, [], None, assessed.input_bytes, assessed.response_bytes, model)
        operation = classify(tool)
        return Enrichment(
            operation.operation,
            operation.mcp_server,
            operation.mcp_tool,
            assessed.risk,
            list(assessed.risk_reasons),
            self._duration(assessed, hook, sent_ns, received_ns),
            assessed.input_bytes,
            assessed.response_bytes,
            model,
        )

    def _duration(self, assessed: Assessed, hook: str, sent_ns: int | None, received_ns: int) -> int | None:
        call = assessed.tool_use_id
        if call is None:
            return None
        if hook == "PreToolUse":
            self.pending.started(call, sent_ns, received_ns)
            return None
        if hook not in FINISHED_HOOKS:
            return None
        paired = self.pending.finished(call, sent_ns, received_ns)
        own = assessed.own_duration
        return own if own is not None else paired
