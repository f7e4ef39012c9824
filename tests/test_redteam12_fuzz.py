"""Red team, twelfth pass: hostile payloads against a real daemon (docs/security.md, "Twelfth pass")."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import REPO, wait_for_entries
from hookd.redact import view
from hookd.ui.events import record

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
        ("a\\u001b\\\\b", "a\\nb"),  # a string terminator: a line break (seventeenth session)
    ],
)
def test_the_view_reads_a_lone_escaped_esc_as_a_space_in_c_and_python(text, seen):
    assert view.PyView(text).text == seen
    assert view.View(text).text == seen  # the compiled view (make setup builds it), or the same class


# A payload the daemon takes (JSON.stringify writes a string cut in an emoji as a lone surrogate; an integer
# may have any number of digits) must be readable by hookd's own readers of the stream.
LONG_INTEGER = "9" * 5000


def _odd_event(session: str) -> bytes:
    return (
        '{"hook_event_name":"Stop","session_id":"%s","prompt":"cut \\ud83d","duration_ms":%s,"n":%s}'
        % (session, LONG_INTEGER, LONG_INTEGER)
    ).encode()


def _hookd(daemon, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "hookd", *args], env=daemon.env, capture_output=True, cwd=REPO, timeout=30
    )


def test_hookd_tail_and_replay_read_an_event_with_an_integer_of_5000_digits(hookd, redis_db, tmp_path):
    """json.loads refuses an integer of over 4,300 digits (Python's guard against its quadratic conversion):
    `hookd tail` skipped the event ("an entry without a readable envelope"), and `hookd replay --file` of its
    own `tail --json` line refused it as not JSON. The daemon reads such payloads with hookd.jsonl.loads."""
    assert hookd.request(_frame(_odd_event("s-long"))).startswith(b"OK ")
    wait_for_entries(redis_db, 1)
    shown = _hookd(hookd, "tail", "--since", "1h", "--count", "1")
    assert shown.returncode == 0 and b"s-long" in shown.stdout, shown.stderr
    as_json = _hookd(hookd, "tail", "--json", "--since", "1h", "--count", "1")
    assert as_json.returncode == 0 and LONG_INTEGER.encode() in as_json.stdout, as_json.stderr
    lines = tmp_path / "events.jsonl"
    lines.write_bytes(as_json.stdout)
    replayed = _hookd(hookd, "replay", "--file", str(lines), "--dry-run")
    assert replayed.returncode == 0, replayed.stderr
    assert b"not JSON" not in replayed.stdout + replayed.stderr


def test_hookd_ui_shows_an_event_with_a_lone_surrogate_or_a_long_integer(hookd, redis_db):
    """The UI's reader (msgspec) refuses a lone surrogate anywhere in the envelope and an integer past 64 bits
    in a field it reads: the event was never shown, though the daemon had taken and published it."""
    assert hookd.request(_frame(_odd_event("s-ui"))).startswith(b"OK ")
    (entry,) = wait_for_entries(redis_db, 1)
    entry_id = redis_db.xrange("hookd:events")[0][0].decode()
    got = record(entry_id, entry)
    assert got is not None
    shown, data = got
    # The browser is sent the lone surrogate as its JSON escape, and shows it as that (dom.js).
    assert shown.session == "s-ui" and b'"sum":"cut \\ud83d"' in shown.json, shown.json
    assert json.loads(shown.json)["sum"] == "cut \ud83d"  # what browsers get is JSON
