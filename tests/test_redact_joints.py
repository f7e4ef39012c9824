"""Tokens written glued to each other, each redacted on the first pass (issue 16; joints.py).

Neither pass took either of ``AKIA<16>dapi<32>``: the first token's end ran into the second's letters, the
second had the first's last letter before it. Another token's prefix right after a token is now its end;
the token after its marker is then read as a second pass would (glued.py). A word that is no token's
prefix, glued after a token, still keeps the token's end from being one.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "redaction_corpus"))

from fakes import Fakes  # noqa: E402

from hookd.redact import build_redactor  # noqa: E402

REDACTOR = build_redactor(True)
V = Fakes(80).all()

GLUED = [
    ("awsid", "databricks"),
    ("npm", "pulumi", "sentry"),
    ("shopify", "awsid"),
    ("grafana", "hf"),
    ("do", "mailgun"),
    ("postman", "jwt"),
    ("awsid", "awsid"),
]


@pytest.mark.parametrize("names", GLUED, ids="+".join)
def test_tokens_glued_that_no_pass_took_are_each_redacted_on_the_first_pass(names):
    payload = json.dumps({"stdout": "x " + "".join(V[name] for name in names) + " y"})
    out, _ = REDACTOR.redact(payload)
    stdout = json.loads(out)["stdout"]
    assert stdout.startswith("x [REDACTED:") and stdout.endswith("] y") and stdout.count("[REDACTED:") == len(names)
    assert REDACTOR.redact(out)[0] == out


def test_a_bare_aws_secret_glued_before_a_token_is_judged_as_a_second_pass_would():
    """aws_secret_near_key_id took the 40 characters once the token after them was a marker, on a second
    pass; its key id (one the key id rule refused, glued to a capital) stood farther than glued.py reads."""
    text = f"id X{V['awsid']} secret {V['key40']}{V['gh']} y"
    out, _ = REDACTOR.redact(json.dumps({"stdout": text}))
    assert V["key40"] not in out
    assert REDACTOR.redact(out)[0] == out


def test_a_copy_merged_into_a_token_is_read_again_beside_its_marker():
    """A found value's copy (repeats.py) merged with a token glued before it: the token glued after the
    copy stood beside a marker that glued.py had not read beside."""
    text = f"{V['gh']}{V['jwt']}{V['glpat']}\n password={V['jwt']}\n"
    out, _ = REDACTOR.redact(json.dumps({"stdout": text}))
    assert V["glpat"] not in out
    assert REDACTOR.redact(out)[0] == out


@pytest.mark.parametrize(
    "text",
    ["monkey-patch task-runner rapidapi_client disk-usage half_open", "a sk-1 dapi, mask-key-value, EAAAhf_x"],
)
def test_a_prefix_inside_words_is_no_joint(text):
    payload = json.dumps({"stdout": text})
    assert REDACTOR.redact(payload)[0] == payload


def test_a_word_glued_after_a_token_is_kept_and_a_prefix_after_one_is_its_end():
    aws = V["awsid"]
    for text in (f"x {aws}done y", f"x {aws}hf_x y"):
        out, _ = REDACTOR.redact(json.dumps({"stdout": text}))
        stdout = json.loads(out)["stdout"]
        assert stdout == (text if text.endswith("done y") else "x [REDACTED:aws_access_key_id]hf_x y")


def test_a_glued_token_after_a_line_break_two_json_levels_down_is_taken():
    """``\\\\n`` before ``lin_api_`` (an escaped backslash and n: a line's end in JSON in JSON) ended the word
    for the rule's boundary but not for glue_ok, which refused the token as glued to a word; a second pass
    then took its 40 characters under aws_secret_near_key_id once the tokens between it and a key id were
    markers, shorter."""
    text = json.dumps({"content": "\n" + V["linear"] + "\n"})
    out, _ = REDACTOR.redact(json.dumps({"stdout": text}))
    assert V["linear"] not in out and "linear_api_key" in out


def test_a_token_after_a_terminal_sequence_after_a_marker_is_read_again():
    """The view drops ESC [1m, so a token's end before one met the next token's prefix (a joint): the next
    token, after the marker and the sequence, is read as a second pass reads it."""
    for sequence in ("\x1b[1m", "\x1b\\"):
        text = f"x {V['sentry']}{sequence}{V['stripe']} y"
        out, counts = REDACTOR.redact(json.dumps({"stdout": text}))
        assert counts == {"sentry_token": 1, "stripe_key": 1}, (sequence, out)
        assert REDACTOR.redact(out)[0] == out


def test_a_bare_aws_secret_is_near_a_key_id_only_with_no_marker_between():
    """Seven tokens between a key id (one the key id rule refused) and a bare secret put it 287 characters
    off; once they were markers, 168: a second pass took it. A marker between them now keeps it apart."""
    text = f"id X{V['awsid']} " + f"{V['gh']} " * 7 + f"{V['key40']} y"
    out, _ = REDACTOR.redact(json.dumps({"stdout": text}))
    assert REDACTOR.redact(out)[0] == out
