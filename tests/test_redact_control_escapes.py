"""A control character or an escape right before a secret does not hide it, and a marker never splits an escape.

Terminal output holds control characters (a BEL ending an OSC title, a NUL, a backspace), files hold Windows
line ends and tabs, and an ASCII-only encoder writes a no-break space as ``\\u00a0``: in the payload's JSON text
each is an escape that ends in a letter or a hex digit, which read as part of a word before a token
(``\\u0007sk-ant-...``) or a line's first word. The view reads them as a space (a CR before a LF as nothing),
and a token may begin right after any escape. A rule whose span began on the ``u`` of ``\\u0007`` (a run of
HTML entities) left a lone backslash: the output was not JSON.
"""

from __future__ import annotations

import json
import os
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "redaction_corpus"))

import load  # noqa: E402
from fakes import Fakes  # noqa: E402

from hookd.redact import build_redactor  # noqa: E402

REDACTOR = build_redactor(True)
VALUES = Fakes(61).all()
TOKENS = ("anthropic", "openai", "awsid", "glpat", "stripe", "slackbot", "google", "sentry", "azurecs", "sha512crypt")
BEFORE = {
    "bel": "\x07",
    "nul": "\x00",
    "backspace": "\b",
    "form_feed": "\f",
    "osc_title": "\x1b]0;user@host: ~\x07",
    "string_terminator": "\x1b\\",
    "unit_separator": "\x1f",
}
ASCII_ONLY = {"no_break_space": "\xa0", "em_space": "\u2003", "next_line": "\x85"}


def stdout_payload(text: str, ensure_ascii: bool = False) -> str:
    return json.dumps({"hook_event_name": "PostToolUse", "tool_response": {"stdout": text}}, ensure_ascii=ensure_ascii)


def redacted_stdout(payload: str) -> str:
    out, _ = REDACTOR.redact(payload)
    return json.loads(out)["tool_response"]["stdout"]


@pytest.mark.parametrize("token", TOKENS)
@pytest.mark.parametrize("before", sorted(BEFORE))
def test_a_token_right_after_a_control_character_is_redacted(token: str, before: str) -> None:
    value = VALUES[token]
    for ensure_ascii in (False, True):
        out = redacted_stdout(stdout_payload(f"out {BEFORE[before]}{value} end", ensure_ascii))
        assert value not in out and value[-12:] not in out, (before, ensure_ascii, out)


@pytest.mark.parametrize("token", TOKENS)
@pytest.mark.parametrize("before", sorted(ASCII_ONLY))
def test_a_token_right_after_a_space_an_ascii_only_encoder_escaped_is_redacted(token: str, before: str) -> None:
    value = VALUES[token]
    out = redacted_stdout(stdout_payload(f"key{ASCII_ONLY[before]}{value} end", ensure_ascii=True))
    assert value not in out, out


def test_a_token_after_a_windows_path_separator_is_redacted() -> None:
    value = VALUES["openai"]
    out = redacted_stdout(stdout_payload(f"C:\\Users\\me\\{value}"))
    assert value not in out and out.startswith("C:\\Users\\me\\"), out


# The corpus's secret cases written as terminals and editors write them; each must lose its secrets wherever
# the plain case does.
TRANSFORMS = {
    "windows_line_ends": lambda s: s.replace("\n", "\r\n"),
    "bel_first": lambda s: "\x07" + s,
    "tabs_beside_signs": lambda s: s.replace(" = ", "\t=\t").replace(": ", ":\t"),
}
_SECRET_TEXT_CASES = load.text_secret_cases()
# A log line's prefix written with a tab after its colon (syslog's and Heroku's "tag[pid]:", nginx's "pid#tid:",
# winston's "warn:"): no log writes one, and the view drops a log's prefix with its spaces as written
# (logprefix.py). A Secret's data line written "key:\t<v>" (kubectl writes a space; k8ssecrets.py reads that).
_LEFT = {"tabs_beside_signs": {"s902", "s904", "s907", "s1300", "s1307", "s1308"}}


@pytest.mark.parametrize("transform", sorted(TRANSFORMS))
def test_corpus_secrets_are_redacted_after_terminal_and_editor_characters(transform: str) -> None:
    missed = [
        (case.id, case.where, ensure_ascii)
        for case, ensure_ascii in load.missed_rewritten(REDACTOR, _SECRET_TEXT_CASES, TRANSFORMS[transform])
        if case.id not in _LEFT.get(transform, ())
    ]
    assert len(_SECRET_TEXT_CASES) > 400
    assert not missed, missed


def test_a_span_that_begins_inside_an_escape_takes_the_whole_escape() -> None:
    payload = stdout_payload("\x07&#112;assword=IO0Wt9-0HSHFX")  # entity_run's span began on the u of \u0007
    out, counts = REDACTOR.redact(payload)
    assert counts and "IO0Wt9" not in out
    json.loads(out)


_PIECES = st.sampled_from(
    ["a", "Z", "7", " ", "\\", '"', "\x07", "\x00", "\b", "\n", "\t", "é", "\xa0", "😀", "u", "0"]
)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(_PIECES, min_size=1, max_size=40).map("".join),
    st.booleans(),
    st.lists(st.tuples(st.integers(0, 400), st.integers(1, 12)), max_size=6),
)
def test_markers_placed_on_widened_spans_keep_the_json_valid(text: str, ensure_ascii: bool, cuts) -> None:
    from hookd.redact.escapes import whole_escapes

    encoded = json.dumps(text, ensure_ascii=ensure_ascii)
    inside = len(encoded) - 1  # spans stay between the quotes, as a rule's do
    spans, last = [], 1
    for start, length in sorted(cuts):
        start = max(last, 1 + start % max(1, inside - 1))
        end = min(inside, start + length)
        if start < end:
            spans.append((start, end, "rule"))
            last = end
    pieces, at = [], 0
    for start, end, name in whole_escapes(encoded, spans):
        pieces += (encoded[at:start], f"[REDACTED:{name}]")
        at = end
    pieces.append(encoded[at:])
    json.loads("".join(pieces))


GO_TEST = (
    'import (\n\t"errors"\n\t"net/http"\n\t"testing"\n)\n\nfunc TestPanicClean(t *testing.T) {\n'
    '\tbuffer := new(strings.Builder)\n\tpassword := "my-super-secret-password"\n\trouter.Use(x)\n}\n'
)


@pytest.mark.parametrize("text", [GO_TEST, GO_TEST.replace("\t", " "), "x\n password : 'Tr0ub4dor3xQz'\n"])
def test_an_assignment_indented_by_a_tab_or_one_space_is_redacted(text: str) -> None:
    """The view reads a tab as a space (an import block's joined literals build it); the \\n before a line
    indented by one space is an escape, not a word of prose before the name."""
    out = redacted_stdout(stdout_payload(text))
    assert "my-super-secret-password" not in out and "Tr0ub4dor3xQz" not in out, out
