"""h122's leftovers (issue 16), each a class: an entity run's leading sign stays out of its marker (fresh seed
8,158,301); an entity run ends at a marker (fresh seed 9,658,044); GitLab's other prefixes end at their format's
length before ``_<name>``. Each case through the reference and the engine, which must agree; the fake secrets are
built at run time.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from recall_helpers import ENGINE, PAYLOAD_KINDS, apply, apply_twice, as_json, nested

sys.path.insert(0, str(Path(__file__).parent / "redaction_corpus"))

from fakes import Fakes  # noqa: E402

VALUES = Fakes(128).all()


# --- An entity run's leading sign is the sign of what stands before it -------------------------------------------
# A run begins after a space or a quote; one that began with "=" took it into its marker (token: abc =&#97;...),
# and a second pass read "abc" as token's value: before "=" it is code (checks.bare_value_in_code), before a
# marker a value.
SEED_8158301 = "token: sk-%3D\f=&#97;ghp_password: Authorization: {gh}\n"


@pytest.mark.parametrize("levels", [0, 1, 2])
def test_the_fresh_seed_with_a_sign_before_an_entity_run(levels: int) -> None:
    out = apply_twice(nested(SEED_8158301.format(**VALUES), levels))
    assert VALUES["gh"] not in out, out


@pytest.mark.parametrize("before", ["token: abc ", "password: x1 ", "token: sk-%3D\f", "secret: v ", '"'])
@pytest.mark.parametrize("sign", ["=", ":", "= ", "=="])
@pytest.mark.parametrize("secret", ["gh", "stripe"])
def test_a_sign_before_an_entity_run_is_kept_out_of_its_marker(before: str, sign: str, secret: str) -> None:
    text = f"{before}{sign}&#97;password: {VALUES[secret]}\n"
    out = json.loads(apply_twice(as_json(text)))["tool_input"]["command"]
    assert VALUES[secret] not in out and sign + "[REDACTED:" in out, out


@pytest.mark.parametrize("kind", PAYLOAD_KINDS)
def test_a_sign_before_an_entity_run_in_every_payload_kind(kind: str) -> None:
    out = apply_twice(json.dumps(PAYLOAD_KINDS[kind](f"token: abc =&#97;password: {VALUES['gh']}\n")))
    assert VALUES["gh"] not in out, out


def test_an_entity_run_after_a_sign_still_takes_its_value() -> None:
    """The run's own sign (inside it, after a name) is still read with it: an entity-spelled name's value."""
    for text in (f"x =&#112;assword={VALUES['stripe']}", f'"=&#112;assword: {VALUES["pw"]}"'):
        out = apply_twice(as_json(text))
        assert VALUES["stripe"] not in out and VALUES["pw"] not in out, out


# --- An entity run ends at a marker -----------------------------------------------------------------------------
# A run reads a marker after a sign (the value a pass redacted there) and stopped only where a character outside
# its pieces was; a value (a backslash, two JSON levels down) cut the run on the first pass, its marker joined the
# run to the names after it on the second, and decoded alone, "password: Authorization: " read Authorization: as
# a value at the run's end (fresh seed 9,658,044).
SEED_9658044 = '\x1b[1m&#97;password=\\,,password: Authorization: "{openai}\n'


@pytest.mark.parametrize("levels", [0, 1, 2])
def test_the_fresh_seed_with_a_marker_inside_an_entity_run(levels: int) -> None:
    out = apply_twice(nested(SEED_9658044.format(**VALUES), levels))
    assert VALUES["openai"] not in out and "entity_run" not in out, out


@pytest.mark.parametrize("cut", ["\\", "\\x07", '"'])
@pytest.mark.parametrize("name", ["password", "token", "secret"])
@pytest.mark.parametrize("levels", [1, 2])
def test_an_entity_run_cut_by_a_value_reads_the_same_on_a_second_pass(cut: str, name: str, levels: int) -> None:
    text = f'&#97;{name}={cut},,{name}: Authorization: "{VALUES["gh"]}\n'
    out = apply_twice(nested(text, levels))
    assert VALUES["gh"] not in out, out


def test_a_name_after_a_marker_is_read_on_its_own() -> None:
    """What follows a marker is a run of its own: an entity-spelled name there still has its value taken."""
    text = f"&#97;token: token: [REDACTED:secret_assignment] x &#112;assword={VALUES['stripe']}"
    out = apply_twice(as_json(text))
    assert VALUES["stripe"] not in out and "[REDACTED:secret_assignment] x " in out, out


# --- GitLab's prefixes end at their format's length before "_<name>" ---------------------------------------------
# Only glpat- was cut at 20 where "_" follows; the others' longest shape ran on over the name joined after them
# (gitleaks' gitlab-* rules: glptt- 40 hex, glcbt- 1-5 "_" 20, glimt- 25, glagent- 50, gloas- 64, the rest 20).
GITLAB = ("glptt", "glcbt", "glimt", "glagent", "gloas", "glsoat", "glffct")
JOINED = {
    "file": ("cp backup_{t}_old.json x", "_old.json x"),
    "constant": ("export KEY_{t}_OLD=1", "_OLD=1"),
    "two_names": ("x {t}_prod_v2 x", "_prod_v2 x"),
}


@pytest.mark.parametrize("token", GITLAB)
@pytest.mark.parametrize("joined", JOINED)
def test_a_gitlab_token_ends_by_its_prefix_before_a_joined_name(token: str, joined: str) -> None:
    template, kept = JOINED[joined]
    out = apply_twice(as_json(template.format(t=VALUES[token])))
    assert VALUES[token] not in out, out
    assert "[REDACTED:gitlab_token]" + kept in json.loads(out)["tool_input"]["command"], out


@pytest.mark.parametrize("token", GITLAB)
@pytest.mark.parametrize("kind", PAYLOAD_KINDS)
def test_a_gitlab_token_ends_by_its_prefix_in_every_payload_kind(token: str, kind: str) -> None:
    out = apply_twice(json.dumps(PAYLOAD_KINDS[kind](f"cp backup_{VALUES[token]}_old.json /tmp\n")))
    assert VALUES[token] not in out and "]_old.json /tmp" in out, out


@pytest.mark.parametrize("prefix", ["gldt-", "glrt-", "glft-"])
def test_a_short_prefix_ends_at_20_after_a_space(prefix: str) -> None:
    """gldt-, glrt-, glft- are not read glued to a word; after a space they end at 20 before "_<name>"."""
    token = prefix + VALUES["glpat"][6:]
    out = apply_twice(as_json(f"x {token}_prod_v2 x"))
    assert token not in out and "[REDACTED:gitlab_token]_prod_v2 x" in out, out


def test_a_job_tokens_own_underscore_is_kept_in_it() -> None:
    """glcbt-<1-5>_<20>: the "_" after its first part is the token's; the token is taken whole."""
    out = apply_twice(as_json(f"token {VALUES['glcbt']} x"))
    assert VALUES["glcbt"].split("_")[1] not in out and "[REDACTED:gitlab_token] x" in out, out


def test_a_routable_runner_token_before_a_name_is_whole() -> None:
    """glrt-t<d>_<27-300>.<2><7> (gitleaks' routable runner token): its body is not cut at 20."""
    token = "glrt-t1_" + VALUES["glpat"][6:] + VALUES["glimt"][6:16] + ".0a" + "k3j9x2q"
    out = apply_twice(as_json(f"x {token}_prod_v2 x"))
    assert token[8:] not in out and token[30:] not in out and "]_prod_v2 x" in out, out


@pytest.mark.parametrize("token", GITLAB)
def test_a_gitlab_token_alone_is_taken_whole(token: str) -> None:
    """Without "_" after it, the longest shape reads it as before, also with more than its length."""
    for text in (f"x {VALUES[token]} x", f"x {VALUES[token]}Q9z-k2 x"):
        out = apply_twice(as_json(text))
        assert VALUES[token][6:] not in out and "Q9z-k2" not in out, out


@pytest.mark.parametrize("mask", ["glptt-" + "x" * 40, "glcbt-xx_" + "x" * 20, "gloas-" + "X" * 64])
def test_a_masked_gitlab_token_before_a_name_is_kept(mask: str) -> None:
    doc = as_json(f"cp backup_{mask}_old.json x")
    assert apply(doc) == doc
    assert ENGINE.redact(doc)[0] == doc


# --- A trigger on a later line of a value read over line breaks sees its line's break --------------------------
# Such a trigger is read to its line's end (valuelines.py); the window ended before the break, and the regex read
# the window's end as the text's: "password: Authorization: " took "Authorization:" as a value there, and kept it
# where the line was read alone. What came before the first value decided whether the line was read inside it,
# and a marker there changed that on a second pass (fresh seeds 10,752,144 and 10,322,444).
SEED_10752144 = "curl -u a:Authorization: token: '\npassword: Authorization: \n"


@pytest.mark.parametrize("levels", [0, 1, 2])
def test_the_fresh_seed_with_a_name_at_a_later_lines_end(levels: int) -> None:
    apply_twice(nested(SEED_10752144, levels))


@pytest.mark.parametrize("before", ["", "b ", "curl -u a:b ", "curl -u a:Authorization: ", "curl -u a:[REDACTED:x] "])
@pytest.mark.parametrize("levels", [0, 1, 2])
def test_a_later_lines_name_reads_the_same_whatever_stands_before_the_value(before: str, levels: int) -> None:
    """The line after an unclosed quote is read as it is read alone: in a Bash stdout kept, whatever comes before
    the value (further down, the quote runs on to the outer string's end and is taken whole, on both passes)."""
    text = f"{before}token: '\npassword: Authorization: \n"
    out = apply_twice(nested(text, levels))
    assert levels or "\\npassword: Authorization: \\n" in out, out


@pytest.mark.parametrize("breaks", ["\n", "\r\n"])
@pytest.mark.parametrize("levels", [0, 1, 2])
def test_a_value_on_a_later_line_is_still_taken(breaks: str, levels: int) -> None:
    """h122's class holds: a value on a later line of an unclosed quote's value is found on the first pass."""
    text = f"token: '{breaks}password: {VALUES['pw']}{breaks}curl -u b:{VALUES['pw']} x{breaks}"
    out = apply_twice(nested(text, levels))
    assert VALUES["pw"] not in out, out
