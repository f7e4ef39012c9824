"""Issue 16's redaction leftovers from h111, h115 and h117 (h122), each a class: a trigger on a line inside a value
read over line breaks (curl's ``-u a:\\"`` with no closing quote) is read on the first pass; a token glued after an
AWS key id glued after a digit is taken; an MCP tool with a digit after a token of variable length stays in clear;
a token of variable length whose body may hold ``_`` ends before ``_<name>`` where its provider's format says. Two
classes the fresh-seed driver found: a string's opening ``-`` read the same on every pass, and a crypt(3) hash that
ends at its scheme's length before a glued token. Each case through the reference and the engine, which must agree
(the engine alone where two tokens are glued: the reference reads no joint); the fake secrets are built at run time.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from recall_helpers import ENGINE, PAYLOAD_KINDS, apply, as_json

sys.path.insert(0, str(Path(__file__).parent / "redaction_corpus"))

from fakes import Fakes  # noqa: E402

VALUES = Fakes(122).all()
PASSWORD = "Xk9pQ2vL7mZ4"
APR1 = "$apr1$NSw64AtQ$btH8LncnrKs8vSwZPVQ9BF"


def _twice(doc: str) -> str:
    """The payload redacted; a second pass changes nothing and it stays JSON."""
    out = apply(doc)
    assert apply(out) == out, out
    json.loads(out)
    return out


def _engine_twice(doc: str) -> str:
    """As _twice, by the engine alone: two tokens glued are told apart at their joint, which the exhaustive
    reference does not read (joints.py)."""
    out = ENGINE.redact(doc)[0]
    assert ENGINE.redact(out)[0] == out, out
    json.loads(out)
    return out


# --- A value read over line breaks hides no trigger on its later lines ------------------------------------------
# The first line's value is dropped (a find of an earlier rule starts where it does) or closes on a later line;
# the trigger on the next line was skipped, its value left in clear on every pass, or found by a second pass only.
FIRST_LINES = {
    "hash": f'password=curl -u a:"{APR1}',  # fresh seed 3,878,997's shape
    "github": f'curl -u a:"{VALUES["gh"]}',
    "github_single": f"curl -u a:'{VALUES['gh']}",
    "mysql": f'mysql -p"{VALUES["gh"]}',
    "stripe": f'curl --user ops:"{VALUES["stripe"]}',
}
NEXT_LINES = {
    "curl": f"curl -u b:{PASSWORD} x",
    "curl_quoted": f'curl -u b:"{PASSWORD}" rest',
    "mysql": f"mysql -h db -p{PASSWORD}",
    "password_option": f"deploy --password={PASSWORD}",
}


@pytest.mark.parametrize("first", FIRST_LINES)
@pytest.mark.parametrize("following", NEXT_LINES)
@pytest.mark.parametrize("breaks", ["\n", "\n\n", "\r\n"])
def test_a_trigger_on_a_later_line_of_a_value_is_read(first: str, following: str, breaks: str) -> None:
    out = _twice(as_json(FIRST_LINES[first] + breaks + NEXT_LINES[following]))
    assert PASSWORD not in out, out
    assert "[REDACTED:cli_password]" in out, out


@pytest.mark.parametrize("kind", PAYLOAD_KINDS)
def test_a_later_line_in_every_payload_kind(kind: str) -> None:
    text = FIRST_LINES["hash"] + "\n" + NEXT_LINES["curl"]
    out = _twice(json.dumps(PAYLOAD_KINDS[kind](text)))
    assert PASSWORD not in out, out


@pytest.mark.parametrize("levels", [1, 2])
def test_a_later_line_in_json_inside_the_string(levels: str) -> None:
    text = FIRST_LINES["github"] + "\n" + NEXT_LINES["curl"]
    for _ in range(levels):
        text = json.dumps({"content": text})
    out = _twice(json.dumps({"tool_response": {"stdout": text}}))
    assert PASSWORD not in out, out


def test_the_fresh_seed_payload() -> None:
    """Fresh seed 3,878,997 as the driver drew it: redacted, the second pass changes nothing."""
    text = (
        '\x1b]0;t\x07[password=curl -u a:"' + APR1 + "\ncurl -u a:AKIA AGE-SECRET-KEY-1VVJKWW3UVJQSFGWA3X94QD9UMLWDW"
        "DGXHHA7JJJ8NDMGRMCGFTAQJYG4FS \n&#112;"
    )
    out = _twice(json.dumps({"tool_response": {"stdout": json.dumps({"content": text})}}))
    assert "AGE-SECRET-KEY" not in out


def test_a_value_quoted_over_lines_is_still_taken_whole() -> None:
    """What was right stays: a quoted value that closes on a later line is one find, its lines with it."""
    out = _twice(as_json(f'curl -u a:"{PASSWORD}\nmore{PASSWORD}" x'))
    assert out.count(PASSWORD) == 0 and '" x' in out, out


# --- A token glued after an AWS key id that is glued after a digit or a capital ----------------------------------
# The key id's left boundary refused the digit (a base64 run's end), and the token after it had the key id's
# capitals before it: both kept on every pass (fresh seed 5,207,477's shrunk form, h117's Left).
AFTER_KEY_ID = ["linear", "gh", "stripe", "google", "slackbot", "npm", "shopify", "sendgrid", "pypi", "openai"]
AFTER_KEY_ID += ["anthropic", "do", "age", "postman", "glpat", "heroku", "newrelic", "hf", "vault", "pulumi", "awsid"]
GLUED_BEFORE = {"hash": "x 1-858dc0dffe92b3ac001041e6cac60efb05", "digit": "x 9", "capital": "x Q", "hex": "sha=3f0c"}


@pytest.mark.parametrize("after", AFTER_KEY_ID)
@pytest.mark.parametrize("before", GLUED_BEFORE)
def test_a_token_glued_after_a_key_id_glued_after_a_digit(after: str, before: str) -> None:
    key_id, token = VALUES["awsid"], VALUES[after]
    out = _twice(as_json(f"{GLUED_BEFORE[before]}{key_id}{token} x"))
    assert key_id not in out and token not in out, out
    assert "[REDACTED:aws_access_key_id]" in out, out


@pytest.mark.parametrize("kind", PAYLOAD_KINDS)
def test_a_token_after_a_glued_key_id_in_every_payload_kind(kind: str) -> None:
    key_id, token = VALUES["awsid"], VALUES["linear"]
    out = _twice(json.dumps(PAYLOAD_KINDS[kind](f"digest 858dc0dffe92b3ac05{key_id}{token}\n")))
    assert key_id not in out and token not in out, out


@pytest.mark.parametrize(
    "text",
    [
        "x 9{id} x",  # a key id's shape after a digit with no token after it: a base64 run's piece, as before
        "QQQQ9{id}QQQQ",
        "eyJ9{id}ZXlK",
        "x 9{id}lin_api_ x",  # a prefix with no token: the key id alone is taken, the word after it kept
    ],
)
def test_a_key_id_after_a_digit_alone_is_kept(text: str) -> None:
    doc = as_json(text.format(id=VALUES["awsid"]))
    out = _twice(doc)
    if "lin_api_" in text:
        assert "[REDACTED:aws_access_key_id]lin_api_ x" in out, out
    else:
        assert out == doc


# --- An MCP tool with a digit or an acronym after a token of variable length, in free text ----------------------
# Out of a tool_name key, the tool was kept only when it was letters alone (h117); a tool with a digit or two
# capitals together went into the marker with the token.
_URLSAFE = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"
VARIABLE = {
    "openai_api_key": "sk-" + "proj-" + "".join(_URLSAFE[(i * 37 + 11) % 62] for i in range(100)),
    "pypi_token": VALUES["pypi"],
    "vault_token": VALUES["vault"],
    "gitlab_token": VALUES["glrouted"],
    "sendgrid_key": VALUES["sendgrid"],
}
DIGIT_TOOLS = ["get_v2_data", "API-post-search", "fetch_ec2_instances", "search_s3", "oauth2_login", "list_v1"]


@pytest.mark.parametrize("rule", sorted(VARIABLE))
@pytest.mark.parametrize("tool", DIGIT_TOOLS)
@pytest.mark.parametrize("where", ["message", "transcript"])
def test_a_tool_with_a_digit_after_a_token_in_text_is_kept(rule: str, tool: str, where: str) -> None:
    token = VARIABLE[rule]
    text = f"Claude wants to use mcp__{token}__{tool} now"
    payload = {"message": text} if where == "message" else {"tool_response": {"stdout": json.dumps({"c": text})}}
    out = _twice(json.dumps(payload))
    assert token not in out, out
    assert f"mcp__[REDACTED:{rule}]__{tool} now" in out, out


@pytest.mark.parametrize(
    "tail",
    ["xQ7dE9fG1hJ3kL5m", "aB3_cD4", "Zk9-qW2-rT5", "ab3", "V2", "x9_Q7", "ABCDEF_gh1"],
)
def test_a_tokens_own_tail_with_digits_is_no_tool(tail: str) -> None:
    """A token holding "__" whose part after it has digits in no word's place (mixed case, a digit inside a
    word, no lower-case word of three letters) stays in the marker: none of the token is kept."""
    token = VARIABLE["openai_api_key"] + "__" + tail
    out = _twice(json.dumps({"message": f"see mcp__{token} and more"}))
    assert tail not in out and token.split("__")[0] not in out, out


# --- A token whose body may hold "_" ends where its provider's format says, before "_<name>" ---------------------
# Out of an MCP name, the token's longest shape ran on over the name joined after it (backup_<t>_old.json lost
# its _old.json to the marker, KEY_<t>_OLD=1 its _OLD=1). Each ends now by its format (gitleaks' rules): a routable
# GitLab token at its "." + 9 of base36, a classic one at 20, a Sentry org token 43 past its claims' "_", SendGrid
# at 22.43, Doppler at its 40-44 letters and digits, Atlassian at ATATT3 + 186.
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"
_ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def _pick(alphabet: str, n: int, seed: int) -> str:
    return "".join(alphabet[(i * 7919 + seed * 104729) % len(alphabet)] for i in range(n))


FORMAT_ENDS = {
    "gitlab_routable": VALUES["glrouted"],
    "gitlab_routable_01": "glpat-" + _pick(_ALNUM + "_-", 40, 1) + ".01." + _pick(_BASE36, 9, 2),
    "gitlab_classic": VALUES["glpat"],
    "sentry_org": "sntry"
    + "s_eyJpYXQiOjE2ODQ4MjU0NTguOTcsInVybCI6Imh0dHBzOi8vc2VudHJ5LmlvIiwib3JnIjoiYWNtZS1jb3JwIn0_"
    + _pick(_ALNUM, 43, 3),
    "sendgrid": VALUES["sendgrid"],
    "doppler": VALUES["doppler"],
    "atlassian": VALUES["atlassian"],
}
JOINED = {
    "file": ("cp backup_{t}_old.json x", "_old.json x"),
    "constant": ("export KEY_{t}_OLD=1", "_OLD=1"),
    "two_names": ("x {t}_prod_v2 x", "_prod_v2 x"),
}


@pytest.mark.parametrize("token", FORMAT_ENDS)
@pytest.mark.parametrize("joined", JOINED)
def test_a_token_ends_by_its_format_before_a_joined_name(token: str, joined: str) -> None:
    template, kept = JOINED[joined]
    out = _twice(as_json(template.format(t=FORMAT_ENDS[token])))
    assert FORMAT_ENDS[token] not in out, out
    assert "]" + kept in json.loads(out)["tool_input"]["command"], out


@pytest.mark.parametrize("token", FORMAT_ENDS)
@pytest.mark.parametrize("kind", PAYLOAD_KINDS)
def test_a_token_ends_by_its_format_in_every_payload_kind(token: str, kind: str) -> None:
    out = _twice(json.dumps(PAYLOAD_KINDS[kind](f"cp backup_{FORMAT_ENDS[token]}_old.json /tmp\n")))
    assert FORMAT_ENDS[token] not in out and "]_old.json /tmp" in out, out


def test_a_routable_gitlab_token_holding_an_underscore_at_21_is_whole() -> None:
    """A classic token's length is tried only where no routable token's body goes on: one with "_" after its
    20th character is not cut there (its rest would be kept)."""
    token = "glpat-" + _pick(_ALNUM, 20, 4) + "_" + _pick(_ALNUM + "-", 30, 5) + "." + _pick(_BASE36, 9, 6)
    for text in (f"x {token} x", f"cp backup_{token}_old.json x"):
        out = _twice(as_json(text))
        assert token[20:] not in out and token[27:40] not in out, out


# --- A string's opening "-": an option's on every pass, whatever its later lines or markers hold ------------------
# A "-" where a JSON string opens is a diff's marker (dropped by the view) only with a space, ":" or "=" after it;
# the look ran on over line breaks for 200 characters, and counted a marker's colon: on a second pass, the
# secrets after it markers (shorter, each with a colon), the "-" of -pAKIA<token> was dropped, "pAKIA" read as a
# short word and the token glued to it taken (fresh seed 7,022,652).
SEED_7022652 = (
    "-pAKIAsk_live_eyUxYA0gTKS0RlVcmnkgrNU6pul-45d39eb0329dd18e79f6180277e12cb17f9e3220\n}pypi-AgEIcHlwaS5vcmcrEnMO_"
    "vezEdvzGlNO0nKfXKMC0L1Yz11-PXdHwcp0oAXSfQHfixXCpJNyUbwm_E28cAXlkAKIAXOJ6ACNO42AZPOJV\n%26token: \x00ntn_913009684"
    "16p3BW9HKxvoa004tyUWNaSuhRbaUb7PJFbFD\n"
)


@pytest.mark.parametrize("ascii_only", [True, False])
def test_the_fresh_seed_with_an_option_at_a_strings_start(ascii_only: bool) -> None:
    out = _engine_twice(json.dumps({"tool_response": {"stdout": SEED_7022652}}, ensure_ascii=ascii_only))
    assert "ntn_91300968416p3BW9" not in out and "pypi-AgEIcHlwaS5vcmcrEnMO" not in out


@pytest.mark.parametrize("option", ["-pAKIA", "-pxy", "-Pab"])
@pytest.mark.parametrize("later", ["{pypi}\nkey: v", "{pypi} {gh}\nuser=bob", "{pypi} {awsid}\n%26token: {linear}"])
def test_a_strings_first_line_decides_its_dash(option: str, later: str) -> None:
    """The first line (an option glued to words and a token, no space, colon or =) reads the same on both passes,
    whatever later lines hold and however their secrets shorten; the token glued after the option's word is taken
    (its "-" begins a word: glue.glue_ok), with or without the view."""
    text = option + VALUES["stripe"] + VALUES["pulumi"] + "\n}" + later.format(**VALUES) + "\n"
    out = _engine_twice(json.dumps({"tool_response": {"stdout": text}}))
    assert VALUES["stripe"] not in out and VALUES["pulumi"] not in out, out


@pytest.mark.parametrize(
    "text",
    [
        '"-p[REDACTED:stripe_key] x"',
        '"-p[REDACTED:stripe_key][REDACTED:pulumi_token]\\n}x: y"',
        '"-px\\ny z"',
        '"-px\\\\ny z"',
        '"-p[REDACTED:] z"',
        '"-p[REDACTED:a_b]: z"',
        '"- [REDACTED:aws_access_key_id]"',
    ],
)
def test_the_compiled_view_reads_a_strings_dash_as_the_reference(text: str) -> None:
    from hookd.redact.view import COMPILED, CompiledView, PyView

    if not COMPILED:
        pytest.skip("the compiled view is not built")
    want, got = PyView(text), CompiledView(text)
    assert (got.text, got.changed) == (want.text, want.changed), text


@pytest.mark.parametrize(
    "text",
    [
        '"-pAKIA[REDACTED:stripe_key][REDACTED:pulumi_token]"',  # a marker's colon
        '"-pAKIAsk\\n}[REDACTED:pypi_token]\\nkey: v"',  # a later line's colon
        '"-pAKIAsk\\r\\nuser=bob"',
    ],
)
def test_a_strings_dash_is_kept_when_its_first_line_has_no_space_colon_or_sign(text: str) -> None:
    from hookd.redact.view import PyView, View

    assert PyView(text).text.startswith('"-p') and View(text).text.startswith('"-p'), View(text).text


# --- A crypt(3) hash with another token glued after it ends at its scheme's length --------------------------------
# The hash's checksum was read on to 86 characters whatever its scheme, so it took the next token's prefix (NRAK,
# shpat) and left that token's rest in clear (fresh seeds 7,765,711 and 3,878,997).
HASHES = {
    "md5": VALUES["apr1"],
    "md5_plain": "$1$" + _pick(_ALNUM, 8, 7) + "$" + _pick(_ALNUM + "./", 22, 8),
    "sha256": "$5$" + _pick(_ALNUM, 16, 9) + "$" + _pick(_ALNUM + "./", 43, 10),
    "sha512": VALUES["sha512crypt"],
    "sha512_rounds": "$6$rounds=5000$" + _pick(_ALNUM, 16, 11) + "$" + _pick(_ALNUM + "./", 86, 12),
}
AFTER_HASH = ["shopify", "newrelic", "awsid", "gh", "linear", "postman", "stripe", "glpat", "age"]


@pytest.mark.parametrize("hashed", HASHES)
@pytest.mark.parametrize("after", AFTER_HASH)
def test_a_token_glued_after_a_password_hash(hashed: str, after: str) -> None:
    token = VALUES[after]
    out = _engine_twice(as_json(f"admin:{HASHES[hashed]}{token}\nnext"))
    assert "[REDACTED:password_hash][REDACTED:" in out, out
    assert HASHES[hashed][-22:] not in out and token[-12:] not in out, out


@pytest.mark.parametrize("hashed", HASHES)
def test_a_hash_glued_to_a_word_is_taken_to_its_length(hashed: str) -> None:
    """No token after it: the hash is taken to its scheme's length (a SHA-512 one glued to a word was kept)."""
    out = _twice(as_json(f"admin:{HASHES[hashed]}xyz:18000:0"))
    assert HASHES[hashed][-10:] not in out and "[REDACTED:password_hash]xyz:18000:0" in out, out
