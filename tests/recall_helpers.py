"""Shared by the recall tests since the eleventh session: the reference and the engine must agree on every case."""

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


def apply_twice(doc: str) -> str:
    """The payload redacted; a second pass changes nothing and it stays JSON."""
    out = apply(doc)
    assert apply(out) == out, out
    json.loads(out)
    return out


def nested(text: str, levels: int) -> str:
    """``text`` as a tool's stdout, inside ``levels`` JSON documents of its own first."""
    for _ in range(levels):
        text = json.dumps({"content": text})
    return json.dumps({"tool_response": {"stdout": text}})


def unnested(out: str, levels: int) -> str:
    """What ``nested`` wrapped, read back from a redacted payload: the innermost document's text."""
    text = json.loads(out)["tool_response"]["stdout"]
    for _ in range(levels):
        text = json.loads(text)["content"]
    return text


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


# The hook payloads a pasted text arrives in: a command, a file read or written, an edit, a prompt, a fetched
# page, a notification.
PAYLOAD_KINDS = {
    "bash": lambda t: {"tool_name": "Bash", "tool_input": {"command": t}},
    "read": lambda t: {"tool_name": "Read", "tool_response": {"file": {"content": t}}},
    "write": lambda t: {"tool_name": "Write", "tool_input": {"content": t}},
    "edit": lambda t: {"tool_name": "Edit", "tool_input": {"new_string": t}},
    "prompt": lambda t: {"hook_event_name": "UserPromptSubmit", "prompt": t},
    "webfetch": lambda t: {"tool_name": "WebFetch", "tool_response": {"result": t}},
    "notification": lambda t: {"hook_event_name": "Notification", "message": t},
}


def assert_redacted_in_payload(text: str, secret: str, kind: str) -> None:
    """``secret``, inside ``text`` in a payload of ``kind``, is gone, raw and JSON-escaped; the output is JSON."""
    out = apply(json.dumps(PAYLOAD_KINDS[kind](text)))
    assert secret not in out and json.dumps(secret)[1:-1] not in out, out
    json.loads(out)


def assert_redacted_two_levels_down(text: str, secret: str) -> None:
    """``secret``, inside ``text`` two JSON levels down (a Write whose content is JSON holding JSON that holds
    the text), is gone, raw and JSON-escaped; the output is JSON."""
    content = json.dumps({"a": json.dumps({"b": text})})
    out = apply(json.dumps({"tool_name": "Write", "tool_input": {"file_path": "/x/c.json", "content": content}}))
    assert secret not in out and json.dumps(secret)[1:-1] not in out, out
    json.loads(out)


def patch_lines(text: str) -> dict:
    """``text`` added by an Edit, each line a string of its structuredPatch."""
    lines = [" a:"] + ["+" + line for line in text.split("\n")]
    return {"tool_name": "Edit", "tool_response": {"structuredPatch": [{"oldStart": 1, "lines": lines}]}}


def numbered_lines(text: str) -> dict:
    """``text`` as the Read tool gives a file: each line after its number and a tab."""
    content = "\n".join(f"{i + 1:6d}\t{line}" for i, line in enumerate(text.split("\n")))
    return {"tool_name": "Read", "tool_response": {"file": {"content": content}}}


# PAYLOAD_KINDS, a Bash stdout, and a text as lines: an Edit's patch, a Read's numbered lines.
LINE_KINDS = {
    **PAYLOAD_KINDS,
    "stdout": lambda t: {"tool_name": "Bash", "tool_response": {"stdout": t, "stderr": ""}},
    "patch": patch_lines,
    "numbered": numbered_lines,
}


def assert_gone(text: str, secret: str, kind: str, ascii_only: bool = True) -> str:
    """``secret``, inside ``text`` in a payload of LINE_KINDS' ``kind``, is gone; the output is idempotent JSON."""
    out = apply(json.dumps(LINE_KINDS[kind](text), ensure_ascii=ascii_only))
    assert secret not in out and json.dumps(secret)[1:-1] not in out, out
    assert apply(out) == out  # idempotent
    json.loads(out)
    return out


# What each recall case runs in: "plain" (the text as a Bash command, its rule named where a test names one) and
# every LINE_KINDS payload.
EVERY_KIND = ["plain", *sorted(LINE_KINDS)]


def assert_gone_in(text: str, secret: str, kind: str, rule: str | None = None) -> str:
    """``secret``, inside ``text`` in EVERY_KIND's ``kind``, is gone (``rule``'s marker in its place as plain text);
    the output is idempotent JSON."""
    if kind == "plain":
        return assert_redacted(text, secret, rule=rule)
    return assert_gone(text, secret, kind)


def gitleaks_forms(token: str) -> list[str]:
    """``token`` in gitleaks' GenerateSampleSecrets forms (cmd/generate/config/utils/generate.go), a few of each kind."""
    return [
        f"the value is {token} for now",
        f'acme_api_token = "{token}"',
        f"acmeToken={token}",
        f'{{\n    "acme_token": "{token}"\n}}',
        f"<acmeToken>\n    {token}\n</acmeToken>",
        f"acme_token: '{token}'",
        f'System.setProperty("ACME_TOKEN", "{token}")',
        f"acmeToken := `{token}`",
        f'var acmeToken string = "{token}"',
        f'  "acmeToken" => "{token}"',
    ]


def provider_token_tests(shapes: list, seed: str) -> tuple:
    """The three tests every provider-token recall file runs over its ``shapes`` ((id, rule, make(rng)) each):
    the token alone is its rule's, in gitleaks' sample forms, and gone in every kind of payload. ``seed``
    keeps each file's draws its own. Assigned to module-level names, pytest collects them there."""
    import random

    import pytest

    ids = [s[0] for s in shapes]

    def token_for(shape_id: str, salt: str = "") -> tuple[str, str]:
        rule, make = next((rule, make) for i, rule, make in shapes if i == shape_id)
        return rule, make(random.Random(f"{seed}-{shape_id}-{salt}"))

    @pytest.mark.parametrize("shape", ids)
    def test_a_provider_token_alone_is_its_rules(shape):
        rule, token = token_for(shape, "alone")
        assert_redacted(f"the value is {token} for now", token, rule)
        assert_redacted(token, token, rule)

    @pytest.mark.parametrize("shape", ids)
    def test_in_gitleaks_sample_forms(shape):
        _, token = token_for(shape, "forms")
        for text in gitleaks_forms(token):
            assert_redacted(text, token)

    @pytest.mark.parametrize("kind", EVERY_KIND)
    @pytest.mark.parametrize("shape", ids)
    def test_in_every_kind_of_payload(shape, kind):
        _, token = token_for(shape, kind)
        assert_gone_in(f"deploy with {token}\n{token}\n", token, kind)

    return (
        token_for,
        test_a_provider_token_alone_is_its_rules,
        test_in_gitleaks_sample_forms,
        test_in_every_kind_of_payload,
    )
