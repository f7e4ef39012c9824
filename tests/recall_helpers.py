"""Shared by the eleventh session's recall tests: the reference and the engine must agree on every case."""

from __future__ import annotations

import json

from hookd.redact import Redactor
from hookd.redact.rules import BUILTIN_RULES

REFERENCE = Redactor(BUILTIN_RULES, exhaustive=True)
ENGINE = Redactor(BUILTIN_RULES)


def apply(payload: str) -> str:
    expected = REFERENCE.redact(payload)[0]
    assert ENGINE.redact(payload)[0] == expected
    return expected


def as_json(text: str, ascii_only: bool = True) -> str:
    return json.dumps({"tool_input": {"command": text}}, ensure_ascii=ascii_only)


def assert_redacted(text: str, secret: str, rule: str | None = None, ascii_only: bool = True) -> str:
    out = apply(as_json(text, ascii_only))
    assert secret not in out and json.dumps(secret)[1:-1] not in out, out
    if rule is not None:
        assert f"[REDACTED:{rule}]" in out, out
    assert apply(out) == out  # idempotent
    json.loads(out)
    return out


def assert_kept(text: str, ascii_only: bool = True) -> None:
    doc = as_json(text, ascii_only)
    assert apply(doc) == doc
