"""h132's leftovers (issue 16), each a class: an OpenAI key's second half is the longest of gitleaks' lengths the
text holds (a 74 half with a joint at 58 was cut there, its last 16 characters kept); a Vault batch token and an
OpenAI key without its marker take a joined name (no length in their format: fail closed); a single-quoted value
in JSON text inside a string ends at that text's string's end only where JSON goes on after it, whether the value
closes far on or not at all. Each case through the reference and the engine, which must agree; the fake secrets
are built at run time.
"""

from __future__ import annotations

import base64
import json
import random
import string
import sys
from pathlib import Path

import pytest
from recall_helpers import ENGINE, PAYLOAD_KINDS, apply_twice, as_json, nested

sys.path.insert(0, str(Path(__file__).parent / "redaction_corpus"))

from fakes import Fakes  # noqa: E402

VALUES = Fakes(143).all()
RNG = random.Random(143)


@pytest.fixture(autouse=True)
def _tokens_of_this_test(request: pytest.FixtureRequest) -> None:
    """Each test draws the same tokens whatever ran before it in its worker (xdist splits the file)."""
    RNG.seed(request.node.nodeid)


URLSAFE = string.ascii_letters + string.digits + "_-"


def _half(n: int, joint_at: int | None = None, joint: str = "_") -> str:
    """``n`` characters of a key's half (a letter last), with ``joint`` at ``joint_at``."""
    chars = [RNG.choice(URLSAFE) for _ in range(n - 1)] + [RNG.choice(string.ascii_letters)]
    if joint_at is not None:
        chars[joint_at] = joint
    return "".join(chars)


def _openai(kind: str, front: int, back: int, joint: str = "_") -> str:
    """A key of gitleaks' shape; a 74 half after a 58 one holds ``joint`` at 58, where a 58 half would end."""
    return f"sk-{kind}{_half(front)}T3BlbkFJ{_half(back, 58 if back > 58 else None, joint)}"


def _inner(out: str, levels: int) -> str:
    text = json.loads(out)["tool_response"]["stdout"]
    for _ in range(levels):
        text = json.loads(text)["content"]
    return text


# --- An OpenAI key's second half: the longest of gitleaks' lengths the text holds --------------------------------
# gitleaks reads each half as 74 or 58 characters of [A-Za-z0-9_-]. Where "_" or "-" followed 58 characters of the
# second half, the exact shape (tried before the general one for a joined name) and tokenends.openai_end (as long
# after the marker as before it) ended the key there: a 74 half's last 16 characters were kept, alone or before a
# joined name.
KINDS = ("proj-", "svcacct-", "admin-")
SHAPES = ((58, 74), (74, 74), (74, 58), (58, 58))
JOINED = {  # the text, the name joined after the token, what follows the name
    "file": ("cp backup_{t}_old.json x", "_old", ".json x"),
    "constant": ("export KEY_{t}_OLD=1", "_OLD", "=1"),
    "dash": ("x {t}-prod x", "-prod", " x"),
    "long_name": ("x {t}_backup_of_the_prod_db_2024 x", "_backup_of_the_prod_db_2024", " x"),
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("joint", ["_", "-"])
def test_a_74_half_with_a_joint_at_58_is_taken_whole(kind: str, joint: str) -> None:
    key = _openai(kind, 58, 74, joint)
    for text in (f"x {key} x", f"OPENAI_API_KEY={key}\n", f'{{"key": "{key}"}}'):
        out = apply_twice(as_json(text))
        assert key[-16:] not in out and key[-30:-20] not in out and "[REDACTED:openai_api_key]" in out, out


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("joined", JOINED)
def test_a_key_of_every_shape_ends_before_a_joined_name(shape: tuple[int, int], joined: str) -> None:
    key = _openai("proj-", *shape)
    template, name, after = JOINED[joined]
    out = apply_twice(as_json(template.format(t=key)))
    assert key[-16:] not in out and key[12:40] not in out, out
    if joined == "long_name" and shape[1] == 58:
        # 74 characters after the marker are there (the half and 16 of the name) and no joint follows them: the
        # half may be a 74 one, and the longest is taken, the name's head with it (fail closed)
        assert "[REDACTED:openai_api_key]" in out and "_backup_of" not in out, out
    else:
        assert f"[REDACTED:openai_api_key]{name}{after}" in json.loads(out)["tool_input"]["command"], out


@pytest.mark.parametrize("shape", SHAPES)
def test_a_key_glued_to_letters_is_taken_with_them(shape: tuple[int, int]) -> None:
    """No joint at the half's end: the name may be more of the key, and nothing of it is left (fail closed)."""
    key = _openai("svcacct-", *shape)
    out = apply_twice(as_json(f"x {key}Q9zk_old x"))
    assert key[-16:] not in out and "Q9z" not in out and "[REDACTED:openai_api_key] x" in out, out


@pytest.mark.parametrize("kind", PAYLOAD_KINDS)
@pytest.mark.parametrize("levels", [0, 1, 2])
def test_a_74_half_with_a_joint_at_58_in_every_payload_kind(kind: str, levels: int) -> None:
    key = _openai("proj-", 58, 74)
    text = f"cp backup_{key}_old.json /tmp\nx {_openai('admin-', 58, 74, '-')} x\n"
    for _ in range(levels):
        text = json.dumps({"content": text})
    out = apply_twice(json.dumps(PAYLOAD_KINDS[kind](text)))
    assert key[-16:] not in out and "[REDACTED:openai_api_key]_old.json /tmp" in out, out
    assert "[REDACTED:openai_api_key] x" in out, out


@pytest.mark.parametrize("shape", [(40, 40), (40, 50), (64, 30), (30, 64), (66, 66)])
@pytest.mark.parametrize("joined", JOINED)
def test_a_key_of_no_known_shape_takes_a_joined_name(shape: tuple[int, int], joined: str) -> None:
    """A first half of no length gitleaks knows: no end is known, and the run is taken (as long after the marker
    as before it, h132's guess, left the rest of a longer second half in clear where a joint stood there)."""
    front, back = shape
    key = f"sk-proj-{_half(front)}T3BlbkFJ{_half(back, front if back > front else None)}"
    template, _, after = JOINED[joined]
    out = apply_twice(as_json(template.format(t=key)))
    assert all(key[k : k + 12] not in out for k in range(8, len(key) - 12, 6)), out
    assert f"[REDACTED:openai_api_key]{after}" in out, out


# --- No length in the format: the joined name goes with the token (fail closed) ----------------------------------
# A Vault batch token is hvb. and base64url of an encrypted blob (the key's term, the AES-GCM version byte, a
# 12-byte nonce, the ciphertext and a 16-byte tag); an OpenAI key without T3BlbkFJ is of no known shape. A guessed
# end (a joint inside the body, a valid base64 length before it) would leave the token's last characters in clear.
def _batch(body_bytes: int, joint_every: int) -> str:
    blob = b"\x00\x00\x00\x01\x02" + RNG.randbytes(12 + body_bytes + 16)
    body = list(base64.urlsafe_b64encode(blob).decode().rstrip("="))
    for at in range(joint_every, len(body) - 4, joint_every):
        body[at] = "_-"[at % 2]  # joints inside the body: none of them is the token's end
    return "hvb." + "".join(body)


@pytest.mark.parametrize("body_bytes", [90, 121, 175])
@pytest.mark.parametrize("joined", JOINED)
def test_a_vault_batch_token_takes_a_joined_name(body_bytes: int, joined: str) -> None:
    token = _batch(body_bytes, 37)
    template, _, after = JOINED[joined]
    out = apply_twice(as_json(template.format(t=token)))
    assert all(token[k : k + 12] not in out for k in range(4, len(token) - 12, 6)), out
    assert f"[REDACTED:vault_token]{after}" in out, out


@pytest.mark.parametrize("joined", JOINED)
def test_an_openai_key_without_its_marker_takes_a_joined_name(joined: str) -> None:
    key = "sk-proj-" + _half(40, 20) + _half(60, 30, "-")
    template, _, after = JOINED[joined]
    out = apply_twice(as_json(template.format(t=key)))
    assert all(key[k : k + 12] not in out for k in range(8, len(key) - 12, 6)), out
    assert f"[REDACTED:openai_api_key]{after}" in out, out


# --- A single-quoted value in JSON text ends at its string's end where JSON goes on ------------------------------
# The view writes a nested string's closing quote and a quote inside a value alike (\"): what follows tells them
# apart. A value that closed far on ran over the inner document's ", " and what stood between to the next single
# quote (an apostrophe in a later string), and took them into its marker (with [ or { between: no longer JSON); one
# that never closed stopped before any \" and , : } ], and kept the rest of a password holding a quote.
AFTER = {
    "string": {"b": "it's"},
    "list": {"b": ["it's", 1]},
    "object": {"b": {"c": "don't"}},
    "number_then_string": {"n": 5, "b": "it's"},
    "literal": {"ok": True, "b": "it's"},
}


@pytest.mark.parametrize("after", AFTER)
@pytest.mark.parametrize("indent", [None, 2])
@pytest.mark.parametrize("levels", [0, 1, 2])
def test_a_closing_quote_far_on_stays_in_its_own_string(after: str, indent: int | None, levels: int) -> None:
    doc = {"a": f"token: '{VALUES['pw']}", **AFTER[after]}
    out = apply_twice(nested(json.dumps(doc, indent=indent), levels))
    inner = json.loads(_inner(out, levels))
    assert VALUES["pw"] not in out and inner["a"].startswith("token: '[REDACTED:"), out
    assert {k: v for k, v in inner.items() if k != "a"} == AFTER[after], out


@pytest.mark.parametrize("levels", [0, 1, 2])
def test_a_closing_quote_far_on_in_a_list_of_strings(levels: int) -> None:
    items = [f"password='{VALUES['pw']}", 5, "it's", f"secret: '{VALUES['pw2']}", "don't"]
    out = apply_twice(nested(json.dumps(items), levels))
    inner = json.loads(_inner(out, levels))
    assert VALUES["pw"] not in out and VALUES["pw2"] not in out, out
    assert inner[1:3] == [5, "it's"] and inner[4] == "don't", out


@pytest.mark.parametrize("quote_then", ['", ', '"}', '": ', '"]', '",', '" , '])
@pytest.mark.parametrize("opener", ["password='", "token: '", "secret = '"])
@pytest.mark.parametrize("levels", [0, 1, 2])
def test_a_quote_in_an_unclosed_value_before_words_stays_in_it(quote_then: str, opener: str, levels: int) -> None:
    """What follows the quote is no JSON (words, not a string, a number or a literal): the value goes on, to its
    string's end (no line break after it: a value over a line's end is code after a closed string, kept)."""
    secret = f"{VALUES['pw']}{quote_then}{VALUES['pw2']}"
    out = apply_twice(nested(f"{opener}{secret}", levels))
    assert VALUES["pw"] not in out and VALUES["pw2"] not in out, out
    assert _inner(out, levels).startswith(opener + "[REDACTED:"), out


@pytest.mark.parametrize("levels", [0, 1, 2])
def test_a_quote_in_a_closing_value_before_words_stays_in_it(levels: int) -> None:
    out = apply_twice(nested(f"DB_PASSWORD='{VALUES['pw']}\"}}{VALUES['pw2']}' make\n", levels))
    assert VALUES["pw"] not in out and VALUES["pw2"] not in out and " make" in _inner(out, levels), out


# Random JSON documents whose strings open single-quoted values (a secret's or prose's apostrophe) beside quotes,
# commas and braces, printed compact or indented, as a stdout 0-2 JSON levels down: every inner document must
# still parse after a pass and a second pass change nothing (bench/redaction_json_quotes.py draws millions).
_OPENERS = ("token: '", "password='", "secret = '", "curl -u a:'", "mysql -u root -p'", "it's ", "don't ", "'", "x'y")
_AFTER_VALUE = ("'", " ", '"', ", ", "}", "]", ": ", "it's", "\n")


def _string(rng: random.Random) -> str:
    value = VALUES["pw"] if rng.random() < 0.5 else "abc def"
    return rng.choice(_OPENERS) + value + "".join(rng.choice(_AFTER_VALUE) for _ in range(rng.randint(0, 3)))


def _json_value(rng: random.Random, depth: int = 0) -> object:
    draw = rng.random()
    if draw < 0.5 or depth > 2:
        return _string(rng)
    if draw < 0.65:
        return rng.choice([rng.randint(-5, 99), True, False, None])
    if draw < 0.8:
        return [_json_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {f"k{k}": _json_value(rng, depth + 1) for k in range(rng.randint(0, 3))}


def json_text_with_quotes(rng: random.Random) -> tuple[str, int]:
    """A payload whose stdout holds such a document ``levels`` JSON levels down, and ``levels``."""
    doc = {f"k{k}": _json_value(rng) for k in range(rng.randint(1, 4))}
    text, levels = json.dumps(doc, indent=rng.choice([None, 2])), rng.randint(0, 2)
    return nested(text, levels), levels


@pytest.mark.parametrize("seed", range(8))
def test_json_text_with_single_quotes_stays_json(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(60):
        payload, levels = json_text_with_quotes(rng)
        json.loads(_inner(apply_twice(payload), levels))  # each level parses, and the document


# --- A short token glued after a token's marker is read again on the first pass ----------------------------------
# glued.py reads the run after a marker again as a second pass would, but only a run of 16 characters or more: a
# Slack token of the shortest shape (xoxb- and 9, 14 characters) glued after an age key (a joint ended the key
# there) was kept by the first pass and taken by the second, after the marker's ] (fresh seed 18,586,578, cut
# down; the same on e87f8c1).
@pytest.mark.parametrize("first", ["age", "gh", "doppler"])
@pytest.mark.parametrize("short", ["xoxb-3220abcde", "xoxa-9abcdefgh", "xoxp-12ab-cd3ef", "xoxb-3220curlu-x"])
@pytest.mark.parametrize("levels", [0, 1, 2])
def test_a_short_token_glued_after_a_token_is_taken_on_the_first_pass(first: str, short: str, levels: int) -> None:
    """Through the engine alone, as tests/test_redact_idempotent.py: the reference reads no joints, and keeps a
    token with another glued after it whole or cut elsewhere (the same on e87f8c1)."""
    out = ENGINE.redact(nested(f"x {VALUES[first]}{short} y\n", levels))[0]
    assert ENGINE.redact(out)[0] == out, out
    _inner(out, levels)
    assert VALUES[first] not in out and short not in out and "[REDACTED:slack_token] y" in out, out


# A token of no fixed length whose body holds another token's prefix (patterns.JOINTS) after a token character was
# ended at that joint (joints.py), and when what follows the joint is no token (`hf_` + 15 letters), glued.py's
# re-read after the marker took nothing: the body's tail stayed in clear (closing note 26). Since h149 a split at a
# joint stands only where the run after it is taken as tokens (joints.Tails); the class: test_redact_recall_h149.py.
LEAKED_TAIL = "btytAjsCdybsqvX"
HVB_WITH_A_PREFIX_INSIDE = (
    "hvb.AAAAAQJofQjSESq3Q6CP1kHqMZ25yX4rEuZyp-j52pVv3oF4ebq8dvj6KJPiqRaRJ32Pz0fZum_N0lwCCxi2cojJ32tt-ecUOq9Jx7ZSk"
    f"VVS8yf-7Moo-k6QJzAYP_YNvvw5Oyc3QiWecZ4dQghf_{LEAKED_TAIL}"
)


def test_a_prefix_inside_a_batch_token_does_not_leave_its_tail_in_clear() -> None:
    out = ENGINE.redact(as_json(f"x {HVB_WITH_A_PREFIX_INSIDE}-prod x"))[0]
    assert LEAKED_TAIL not in out, out
