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


_SECRET_TEXT_CASES = load.text_secret_cases()


def missed_after(transform: Callable[[str], str]) -> list[tuple[str, bool]]:
    """The secret text cases (caught plain) that keep a secret once their stdout is transformed."""
    missed = [
        (case.id, ensure_ascii) for case, ensure_ascii in load.missed_rewritten(REDACTOR, _SECRET_TEXT_CASES, transform)
    ]
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


# Where a terminal, a web page or a chat tool puts a separator. Each transform's cases left on purpose, with why.
TRANSFORMS: dict[str, Callable[[str], str]] = {
    # a prompt's title (BEL- or ST-terminated) and a hyperlink before the text: what follows begins a line
    "osc_title": lambda s: "\x1b]0;user@host: ~\x07" + s,
    "osc_title_st": lambda s: "\x1b]0;user@host: ~\x1b\\" + s,
    "osc8_link": lambda s: "\x1b]8;;https://x.io/a\x1b\\link\x1b]8;;\x1b\\" + s,
    "bel_first": lambda s: "\x07" + s,
    "nul_after_line_breaks": lambda s: s.replace("\n", "\n\x00"),
    "nul_first_on_lines": lambda s: "\x00" + s.replace("\n", "\n\x00"),
    "tabs_between_words": lambda s: s.replace(" ", "\t"),
    **{
        f"space_{ord(c):04x}_between_words": (lambda c: lambda s: s.replace(" ", c))(c)
        for c in "\xa0\u2000\u2007\u200a\u202f\u3000"
    },
}
# Literals joined across lines in code (Python's implicit concatenation, "a" + "b"): a NUL in a line's
# indentation, or a no-break space around +, is not code (Python's tokenizer refuses U+00A0).
_JOINED_IN_CODE = {"s089", "s090", "s261", "o-s115", "o-s116", "o-s117", "s1506"}  # (s1506: PHP's " . ")
# Every tab in place of a space reads as one (a tab after a call's comma, between quoted fields, after a YAML
# list's dash, after echo or before a secret word builds the view since h88) but a value's words apart by a tab
# (password=Tr0ub4dor<TAB><pw>): a tab after a value ends it, as a TSV's column.
_TABS_LEFT = {"s603"}
# A line's prefix written with the separator itself (the Read tool's number padded with U+00A0 or tabs, set -x's
# "+\t", "#\u3000"): no tool writes one, and the view drops a prefix with its spaces as written (lineprefix.py).
# So for a log's prefix (s900-s907) whose fields are apart by a tab or a no-break space (logprefix.py).
_PREFIX_AS_WRITTEN = {"s702", "s704"} | {f"s90{i}" for i in range(8)} | {"s1300", "s1301", "s1302", "s1504"}
_LEFT = {
    "nul_after_line_breaks": _JOINED_IN_CODE,
    "nul_first_on_lines": _JOINED_IN_CODE,
    "tabs_between_words": _TABS_LEFT | _PREFIX_AS_WRITTEN,
    **{name: _JOINED_IN_CODE | _PREFIX_AS_WRITTEN for name in TRANSFORMS if name.startswith("space_")},
}


@pytest.mark.parametrize("transform", sorted(TRANSFORMS))
def test_corpus_secrets_are_redacted_with_separators_as_written(transform: str) -> None:
    missed = {case_id for case_id, _ in missed_after(TRANSFORMS[transform])}
    assert missed <= _LEFT.get(transform, set()), sorted(missed - _LEFT.get(transform, set()))


SECRET = "IO0Wt9-0HSHFX"


@pytest.mark.parametrize(
    "text",
    [
        f"mysql\t-u\troot\t-p{SECRET}\tapp",
        f"curl\t-u\tbob:{SECRET}\thttps://api.example.com",
        f"sshpass\t-p\t{SECRET}\tssh\tbob@host",
        f"export\tDB_PASSWORD={SECRET}",  # (this and the next caught before too: guards)
        f"Authorization:\tBearer\t{SECRET}",
        f"password\xa0=\xa0{SECRET}",  # (a guard, as the next)
        f"mysql\xa0-u\xa0root\xa0-p{SECRET}",
        f"DB_PASSWORD\u202f:\u202f{SECRET}",
        f"sshpass\u3000-p\u3000{SECRET}\u3000ssh\u3000host",
        f"curl\u2009-u\u2009bob:{SECRET}\u2009https://x.io",
        f"\x1b]0;bob@nas: ~\x07[nas]\ntype = sftp\npass = {SECRET}",
        f"\x1b]0;bob@nas: ~\x1b\\[nas]\ntype = sftp\npass = {SECRET}",
        f"[nas]\n\x00type = sftp\n\x00pass = {SECRET}",
        f"PATH=/usr/bin\x00HOME=/root\x00PGPASSWORD={SECRET}\x00",  # /proc/<pid>/environ (a guard)
    ],
)
def test_a_secret_behind_a_separator_is_redacted(text: str) -> None:
    for ensure_ascii in (False, True):
        out = redacted_stdout(text, ensure_ascii)
        assert SECRET not in out, (ensure_ascii, out)


@pytest.mark.parametrize(
    "text",
    [
        "name\tsize\tmodified\nreport.pdf\t120\t2024-01-02\n",  # tab-separated output
        "Mot de passe\u202f: voir la documentation\xa0!",
        "total\xa0: 12\u202f345\xa0€",
        "\x1b]0;bob@nas: ~\x07$ ls\nREADME.md\x00setup.py\x00",
        "go\tbuild\t-o\tbin/app\t./cmd/app",
    ],
)
def test_separators_without_a_secret_are_kept(text: str) -> None:
    for ensure_ascii in (False, True):
        assert redacted_stdout(text, ensure_ascii) == text
