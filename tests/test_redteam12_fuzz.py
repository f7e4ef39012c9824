"""Red team, twelfth pass: hostile payloads against a real daemon (docs/security.md, "Twelfth pass")."""

from __future__ import annotations

import json

import pytest

from conftest import wait_for_entries
from hookd.redact import view

SECRET = "glpat-" + "A1b2C3d4E5f6G7h8I9j0"  # a GitLab token, as in test_redteam_payloads


def _frame(body: bytes) -> bytes:
    return f"HOOKD/1 {len(body)}\n".encode() + body


@pytest.mark.parametrize("value", ["\\u001b" + SECRET, "k=\\u001b" + SECRET + "\\u001b", "\\u001B" + SECRET])
def test_a_secret_right_after_a_lone_escaped_esc_is_redacted(hookd, redis_db, value):
    """An ESC that starts no terminal sequence (ESC g, ESC at a word's start) before a token: the view
    read ``\\u001b`` as the text it is, its ``b`` a word character glued to the token, and no rule
    matched; the token reached Redis whole. Every other control character's escape reads as a space."""
    body = ('{"hook_event_name":"Stop","session_id":"s-esc","x":"%s"}' % value).encode()
    assert hookd.request(_frame(body)).startswith(b"OK ")
    (entry,) = wait_for_entries(redis_db, 1)
    envelope = json.loads(entry[b"envelope"])
    assert SECRET not in json.dumps(envelope, ensure_ascii=False), envelope["payload"]
    assert envelope["redactions"] == 1 and envelope["session_id"] == "s-esc"


@pytest.mark.parametrize(
    "text, seen",
    [
        ("a\\u001bb", "a b"),
        ("a\\u001b", "a "),
        ("a\\\\u001bb", "a b"),  # one level down: its own escape, no literal backslash kept
        ("a\\\\\\u001bb", "a\\\\ b"),  # a literal backslash, then the escape
        ("a\\u001b[32mb", "ab"),  # a colour: dropped, as before
        ("a\\u001b\\\\b", "a b"),  # a string terminator: a space, as before
    ],
)
def test_the_view_reads_a_lone_escaped_esc_as_a_space_in_c_and_python(text, seen):
    assert view.PyView(text).text == seen
    assert view.View(text).text == seen  # the compiled view (make setup builds it), or the same class
