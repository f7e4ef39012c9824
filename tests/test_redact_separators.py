"""Separators that hid a secret (issue 16, seventeenth session): a line before the secret's, an OSC title, a NUL
after a line break, tabs between a command's words, no-break and other Unicode spaces between words.

Each transform writes the corpus's secret text cases as a terminal, a web page or a chat tool would; each case
must lose its secrets wherever the plain case does, in the payload's JSON text as Python's encoder writes it
with and without ensure_ascii (raw characters, or ``\\u00a0`` and ``\\u0000`` escapes).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "redaction_corpus"))

import load  # noqa: E402

from hookd.redact import build_redactor  # noqa: E402

REDACTOR = build_redactor(True)


def stdout_payload(text: str, ensure_ascii: bool = False) -> str:
    return json.dumps({"hook_event_name": "PostToolUse", "tool_response": {"stdout": text}}, ensure_ascii=ensure_ascii)


def redacted_stdout(text: str, ensure_ascii: bool = False) -> str:
    out, _ = REDACTOR.redact(stdout_payload(text, ensure_ascii))
    return json.loads(out)["tool_response"]["stdout"]


_SECRET_TEXT_CASES = [
    case
    for case, entry in zip(
        load.cases(),
        [
            json.loads(line)
            for name in load.FIRST + load.OUTSIDE
            for line in (load.HERE / name).read_text().splitlines()
        ],
    )
    if case.kind == "secret" and "text" in entry
]


def missed_after(transform: Callable[[str], str]) -> list[tuple[str, bool]]:
    """The secret text cases (caught plain) that keep a secret once their stdout is transformed."""
    missed = []
    for case in _SECRET_TEXT_CASES:
        if load.survived(case, REDACTOR.redact(case.payload)[0]):
            continue  # the plain case's own miss (none today), counted by test_redaction_corpus
        payload = json.loads(case.payload)
        payload["tool_response"]["stdout"] = transform(payload["tool_response"]["stdout"])
        for ensure_ascii in (False, True):
            out, _ = REDACTOR.redact(json.dumps(payload, ensure_ascii=ensure_ascii))
            json.loads(out)
            if load.survived(case, out):
                missed.append((case.id, ensure_ascii))
    assert len(_SECRET_TEXT_CASES) > 400
    return missed


# A statement or a command on a line after another: the n of the \n before it is a word character, which a
# rule's "no word before" read as a longer word (xALTER, mygit config). On the tree before, 7 cases kept.
def test_corpus_secrets_are_redacted_on_a_line_after_another() -> None:
    assert not missed_after(lambda s: "$ x\n" + s)


@pytest.mark.parametrize(
    "text",
    [
        "psql\nALTER ROLE app WITH LOGIN PASSWORD 'IO0Wt9-0HSHFX';",
        "mysql> \nCREATE USER 'bob'@'%' IDENTIFIED BY 'IO0Wt9-0HSHFX';",
        '$ cat main.tf\nvariable "db_password" {\n  default = "IO0Wt9-0HSHFX"\n}',
        "$ history\ngit config --global github.token IO0Wt9-0HSHFX",
        "C:\\> echo\r\nsetx OPENAI_API_KEY IO0Wt9-0HSHFX",
    ],
)
def test_a_statement_after_a_line_break_is_redacted(text: str) -> None:
    assert "IO0Wt9-0HSHFX" not in redacted_stdout(text)


@pytest.mark.parametrize(
    "text",
    [
        "mygit config --global github.token IO0Wt9-0HSHFX",
        "x\nxsetx OPENAI_API_KEY IO0Wt9-0HSHFX",
        "x\nSELECT name FROM users WHERE id = 'IO0Wt9-0HSHFX';",
        'x\nthe variable "db_password" has no default',
    ],
)
def test_a_longer_word_or_no_statement_after_a_line_break_is_kept(text: str) -> None:
    assert redacted_stdout(text) == text
