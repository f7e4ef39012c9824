"""Cutting huge strings: the limit, the marker with the original length, and JSON that stays valid."""

from __future__ import annotations

import json
import random
import subprocess
import sys

import msgspec
import pytest

from conftest import REPO, github_token, wait_for_entries
from hookd.redact.truncate import truncate_strings


def test_a_string_over_the_limit_keeps_its_start_and_says_how_long_it_was():
    text = json.dumps({"tool_response": {"stdout": "x" * 1000, "stderr": "short"}, "n": 1})
    out, cut = truncate_strings(text, 100)
    assert cut == 1
    doc = json.loads(out)
    assert doc["tool_response"]["stdout"] == "x" * 100 + "[TRUNCATED: 1000 characters]"
    assert doc["tool_response"]["stderr"] == "short" and doc["n"] == 1


def test_nothing_changes_when_every_string_fits_or_the_limit_is_zero():
    text = json.dumps({"a": "y" * 50, "b": ["z" * 10]})
    assert truncate_strings(text, 50) == (text, 0)
    assert truncate_strings(json.dumps({"a": "y" * 5000}), 0)[1] == 0


def test_the_original_length_counts_characters_not_escapes():
    text = json.dumps({"a": "é\n" * 300})  # \u00e9 and \n as escapes: 8 characters written per pair
    out, cut = truncate_strings(text, 20)
    assert cut == 1
    assert json.loads(out)["a"].endswith("[TRUNCATED: 600 characters]")


@pytest.mark.parametrize("ascii_only", [True, False])
def test_a_cut_never_splits_an_escape_or_a_surrogate_pair(ascii_only):
    rng = random.Random(7)
    pieces = ["a", "é", "😀", "\n", '"', "\\", "日本"]
    for _ in range(2000):
        value = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 40)))
        text = json.dumps({"k": value, "nested": [value, {"z": value}]}, ensure_ascii=ascii_only)
        out, _ = truncate_strings(text, rng.randint(1, 30))
        msgspec.json.decode(out)  # refuses half a surrogate pair, as strict consumers do


def test_hookd_redact_cuts_strings_after_redacting_them(tmp_path):
    token = github_token()
    doc = {"stdout": "log " * 50 + token}  # the secret lies beyond the limit
    result = subprocess.run(
        [sys.executable, "-m", "hookd", "redact", "--truncate-strings-at", "64"],
        input=json.dumps(doc),
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    # 223 = 200 + the marker: the length is that of the redacted string
    assert json.loads(result.stdout)["stdout"] == ("log " * 16) + "[TRUNCATED: 223 characters]"
    assert "cut 1 string to 64 characters" in result.stderr


def test_the_daemon_cuts_long_strings_and_the_envelope_counts_them(hookd_factory, redis_db):
    daemon = hookd_factory(truncate_strings_at="1000")
    body = json.dumps(
        {"hook_event_name": "PostToolUse", "session_id": "s1", "tool_response": {"stdout": "0123456789" * 1000}}
    ).encode()
    assert daemon.send(body).returncode == 0
    (fields,) = wait_for_entries(redis_db, 1)
    envelope = json.loads(fields[b"envelope"])
    assert envelope["truncated"] == 1
    assert envelope["payload"]["tool_response"]["stdout"] == "0123456789" * 100 + "[TRUNCATED: 10000 characters]"
