"""Property: redacting hostile text twice gives what redacting it once gave (issue 16).

The text is built of what broke that: secrets glued to each other (``shpat_<hex>ghp_<36>``), a terminal's
ESC or a control character's escape right before a value that becomes a marker, secret names whose value
is another name (``token: Authorization: <token>``), entities, percent escapes and invisible characters
between them; as a payload's string, or JSON in it one or two levels down. A second pass must change
nothing (a marker is read as a whole, a value is judged the same once what is next to it is redacted), and
a secret that stands apart (a space either side) is never kept.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent / "redaction_corpus"))

from fakes import Fakes  # noqa: E402
from test_redact_properties import SECRETS  # noqa: E402

from hookd.redact import build_redactor  # noqa: E402

REDACTOR = build_redactor(True)
_VALUES = Fakes(80).all()
_SECRET = Fakes(61).all()  # the values SECRETS holds, by name
# Tokens with a hash and a key that the pass before this one caught only when a boundary stood by them.
GLUABLE = [*SECRETS, _VALUES["shopify"], "$apr1$NSw64AtQ$btH8LncnrKs8vSwZPVQ9BF"]
HOSTILE = [
    "\x07", "\x00", "\b", "\f", "\t", "\r\n", "\n", "\x1b]0;t\x07", "\x1b\\", "\x1b[1m", "\x1b", "\\", '"', "'",
    "\\u0041", "&#112;", "&#97;", "%3D", "%26", " + ", "\u200b", "\xa0", "é", "password=", "token: ", "Bearer ",
    "Authorization: ", "-p", "curl -u a:", "=", ":", "x", "AKIA", "sk-", "ghp_", "{", "}", "[", "]", ",",
]  # fmt: skip


@st.composite
def hostile(draw):
    """A payload, and the secrets in it that stand apart."""
    apart: list[str] = []
    parts: list[str] = []
    for _ in range(draw(st.integers(1, 16))):
        kind = draw(st.integers(0, 5))
        if kind == 0:  # two or three secrets glued
            parts.append("".join(draw(st.lists(st.sampled_from(GLUABLE), min_size=2, max_size=3))))
        elif kind == 1:  # a name, an ESC or a control character, the secret: its marker after the ESC
            before = draw(st.sampled_from(["password=", "token: ", "password: "]))
            parts.append(
                before + draw(st.sampled_from(["\x1b", "\x07", "\b", "\x00"])) + draw(st.sampled_from(SECRETS))
            )
        elif kind == 2:  # a secret name whose value is another name, then a secret
            parts.append(draw(st.sampled_from(["token: ", "=", "password: "])) + "Authorization: ")
            parts.append(draw(st.sampled_from(["", "\x00\x00\b", '"'])) + draw(st.sampled_from(SECRETS)))
        elif kind == 3:
            secret = draw(st.sampled_from(SECRETS))
            apart.append(secret)
            parts.append(f" {secret} ")
        else:
            parts.append(draw(st.sampled_from(HOSTILE)))
            continue
        # A line's end after each: two of these glued, or a value read on over the next (an anchored rule
        # skips the triggers inside a value it read, even one then dropped), are left (docs/redaction.md, h80).
        parts.append("\n")
    text = "".join(parts)
    depth = draw(st.integers(0, 2))
    for _ in range(depth):
        text = json.dumps({"content": text})
    payload = json.dumps({"tool_response": {"stdout": text}}, ensure_ascii=draw(st.booleans()))
    return payload, apart


def _payload(text: str) -> tuple[str, list[str]]:
    return json.dumps({"tool_response": {"stdout": text}}), []


# A fresh seed per run (hypothesis seeds 1-20 passed in a row, h85: bench/README.md).
@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(hostile())
# What the fuzz of issue 16 found, each a class: a marker after an escaped ESC read as a terminal sequence;
# a token glued before another; one glued after a token; a name whose annotation's value became a marker.
@example(_payload("password=\x1b" + SECRETS[0]))
@example(_payload(_VALUES["shopify"] + SECRETS[0]))
@example(_payload(SECRETS[0] + "$apr1$NSw64AtQ$btH8LncnrKs8vSwZPVQ9BF x"))
@example(_payload("token: password= " + SECRETS[0]))
@example(_payload("dp.st.kqxfpryqavet.9Y1j5yKLB6pj4wH3kXD7DNgB5g25t5t9Ngd7JjNJ\btoken: Authorization: \n"))
# What a fresh seed drew (h85): a token glued before another, two JSON levels down after a line's end, whose
# 40 characters a second pass took under aws_secret_near_key_id (its key id nearer once the tokens between
# were markers); a found value's copy merged into a token, with another token glued after it.
@example(
    (
        json.dumps(
            {
                "tool_response": {
                    "stdout": json.dumps(
                        {
                            "content": f" {SECRETS[0]} \n{_VALUES['linear']}{SECRETS[0]}\n"
                            + f" {SECRETS[0]} \n" * 5
                            + "password=\x07AKIAXOJ6ACNO42AZPOJV\n"
                        }
                    )
                }
            }
        ),
        [],
    )
)
@example(_payload(f"{SECRETS[0]}{_VALUES['jwt']}{_VALUES['glpat']}\n password={_VALUES['jwt']}\n"))
# What a fresh seed drew (h101): a label taken as a value once the value that had hidden it was a marker.
@example(_payload('password=password=\\"token: Authorization: ' + SECRETS[0] + "\n"))
@example(_payload('api_key=password=\\"secret: Bearer: x\n'))
# What fresh seeds drew (h106): ESC [ (and a parameter) and a space before a secret apart, read as a CSI (a space
# intermediate, the token's first letter its final) that hid the token.
@example((_payload("\x1b[ " + SECRETS[0] + " ")[0], [SECRETS[0]]))
@example((_payload("\x1b[: " + SECRETS[0] + " ")[0], [SECRETS[0]]))
# A token glued after one that the run read back from a marker found (a percent escape before them, their line
# glued to the next token's by its escaped line break): the found one's other side was never read.
@example(_payload(f"\n%26{_SECRET['pulumi']}{_SECRET['postman']}\n{_SECRET['grafana']}pypi-AgE"))
# A value that ends in a name's colon, then " =": read as a chain's next assignment (a = b = ''), it was kept
# until the label's value (its :=, =<v>) was a marker, and a second pass took it.
@example(_payload("password=%3Dtoken: =Authorization: \n"))
# A value cut at an entity (token: hp_&#112;assord: <v>) and the entity run found at its start, which holds the
# next pair's value past the cut: dropped as the same find seen through its context, it was left to a second pass.
@example(_payload("token: \bghp_&#112;password: Authorization: \n"))
# A value that begins on an escaped CRLF's line feed (curl -u a:'<CR><LF>x): the view drops the \r, and left
# before the marker, it stood alone, and a second pass read it as the value's first character.
@example(_payload("curl -u a:'\r\nx"))
# An encoded & or = after a word's character, one level down: the view (built for a control escape) decoded
# it, and a second pass, the escape a marker and no view, read it raw (an entity run from 26; x%3D, not x=).
@example(_payload(json.dumps({"content": "\n%26password=&#112;password=\b"})))
@example(_payload(json.dumps({"content": "pass=\b\ncurl -u a:x%3D"})))
# What fresh seeds drew (h111): curl's -u after text holding a numeric entity, read only once a pass made that text
# a marker; an entity run cut at a marker, which decoded to a name with no value (atoken: token: ).
@example(_payload("curl &#97;token: url -u :on:"))
@example(_payload(json.dumps({"content": "&#97;token: token: password=\x07" + _SECRET["postman"]})))
# A token glued after one that a glued run's re-read found after curl -u :\"] (two levels down): the round's runs
# are read joined, and the quoted value read on over the separator into the token's run, which was then no run's.
@example(
    _payload(
        json.dumps(
            {
                "content": json.dumps(
                    {"content": f'{_SECRET["notion"]}shpat_f\ncurl -u :"]{_SECRET["stripe"]}{_SECRET["shopify"]}hvs.'}
                )
            }
        )
    )
)
# What a fresh seed drew (5,207,477, h117): a linear token glued after an AWS key id that was itself glued before it,
# 290 characters after a key id that stood apart: a second pass, a PyPI token between a marker, had the far key id
# within 250 characters, its window opened, and counted the glued one; a key id before a marker, the same.
@example(
    _payload(
        "9AKIAXOJ6ACNO42AZPOJV pypi-AgEIcHlwaS5vcmcrEnMO_vezEdvzGlNO0nKfXKMC0L1Yz11-PXdHwcp0oAXSfQHfixXCpJNyUbwm_E28cAX"
        "lk IzamWen0yBrAlxAU1i-S5vEYxpeW77s8--DAIf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PMAK-cbf6f774e03deeb751b8a0b"
        "1-858dc0dffe92b3ac001041e6cac60efb05AKIAXOJ6ACNO42AZPOJVlin_api_6ZsKm2uotEkGPGjN0ohmrjDwLOgnjb1zfWK3lBiA"
    )
)
@example(_payload(f"{_VALUES['awssecret']} 9{_VALUES['awsid']}{SECRETS[0]}"))
def test_a_second_pass_changes_nothing_and_no_secret_apart_is_kept(case):
    payload, apart = case
    out, _ = REDACTOR.redact(payload)
    json.loads(out)
    assert REDACTOR.redact(out)[0] == out, out
    for secret in apart:  # the same secret may stand glued elsewhere, kept by both passes
        assert f" {secret} " not in out, secret


def test_glued_tokens_are_each_redacted_on_the_first_pass():
    shopify, github = _VALUES["shopify"], SECRETS[0]
    out, counts = REDACTOR.redact(json.dumps({"stdout": f"x {shopify}{github} y"}))
    assert json.loads(out) == {"stdout": "x [REDACTED:shopify_token][REDACTED:github_token] y"}
    assert counts == {"shopify_token": 1, "github_token": 1}


def test_a_marker_after_an_esc_is_read_whole():
    """The view reads ESC (raw or escaped, at any level) before a marker as an ESC and the marker, not as
    ESC [R, a terminal's sequence, and text that a second pass redacted again."""
    for text in ("password=\x1b[REDACTED:secret_assignment]", "token: \x1b[REDACTED:openai_api_key] x"):
        for payload in (text, json.dumps({"stdout": text}), json.dumps({"stdout": json.dumps({"content": text})})):
            assert REDACTOR.redact(payload)[0] == payload


def test_an_intermediate_and_a_token_after_esc_bracket_are_no_terminal_sequence():
    """ESC [ (a parameter or none), an intermediate (a space, a comma) and a token: the token's first letter
    is no sequence's final, so the token is read whole and redacted (raw, escaped, two levels down); ESC [2 SP q
    (a cursor's shape) before a space stays a sequence, and the token glued after it is read whole too."""
    for secret in SECRETS:
        for head in ("\x1b[ ", "\x1b[: ", "\x1b[2 ", "\x1b[, "):
            text = f"{head}{secret} "
            for payload in (
                text,
                json.dumps({"stdout": text}),
                json.dumps({"stdout": json.dumps({"content": text})}),
            ):
                out = REDACTOR.redact(payload)[0]
                assert secret not in out, (head, secret, out)
    text = f"\x1b[2 q {SECRETS[0]} x"
    assert json.loads(REDACTOR.redact(json.dumps({"stdout": text}))[0]) == {
        "stdout": "\x1b[2 q [REDACTED:github_token] x"
    }


def test_a_token_glued_after_one_found_in_a_run_read_back_is_redacted_on_the_first_pass():
    """The run read back from a marker (grafana's, its line glued on by an escaped line break) finds the pulumi
    token; the postman key glued after that one is read too, not left to a second pass."""
    pulumi, postman, grafana = _SECRET["pulumi"], _SECRET["postman"], _SECRET["grafana"]
    payload = json.dumps({"stdout": f"\n%26{pulumi}{postman}\n{grafana}pypi-AgE"})
    out, counts = REDACTOR.redact(payload)
    assert json.loads(out) == {
        "stdout": "\n%26[REDACTED:pulumi_token][REDACTED:postman_key]\n[REDACTED:grafana_token]pypi-AgE"
    }
    assert counts == {"pulumi_token": 1, "postman_key": 1, "grafana_token": 1}
    assert REDACTOR.redact(out)[0] == out


def test_a_value_ending_in_a_label_before_its_equals_is_no_chained_assignment():
    """password=<v>: =<w>: the = after the label's colon begins the label's value, not a chain's next
    assignment (a = b = ''): both are redacted on the first pass; a program's chain still keeps its names."""
    for value in ("%3Dtoken:", "3token:"):
        out, counts = REDACTOR.redact(json.dumps({"stdout": f"password={value} =th"}))
        assert json.loads(out) == {"stdout": "password=[REDACTED:secret_assignment] [REDACTED:secret_assignment]"}
        assert counts == {"secret_assignment": 2}
        assert REDACTOR.redact(out)[0] == out
    kept = json.dumps({"stdout": "password = token = ''"})
    assert REDACTOR.redact(kept)[0] == kept


def test_an_entity_run_past_a_value_cut_at_its_entity_is_redacted_on_the_first_pass():
    """token: hp_&#112;assord: un: - the value hp_ ends at the entity; the entity run that begins with it
    decodes to a pair whose value lies past that end, and is redacted with it, not left to a second pass."""
    out, _ = REDACTOR.redact(json.dumps({"stdout": "token: \bhp_&#112;assord: un:"}))
    assert json.loads(out) == {"stdout": "token: \b[REDACTED:secret_assignment]"}
    assert REDACTOR.redact(out)[0] == out


def test_a_value_that_begins_on_a_crlf_takes_its_carriage_return():
    """The span of a value read from an escaped CRLF's line feed begins at its carriage return (one line
    break), so no lone \r is left before the marker for a second pass to read as a value."""
    out, _ = REDACTOR.redact(json.dumps({"stdout": "curl -u a:'\r\nx"}))
    assert json.loads(out) == {"stdout": "curl -u a:'[REDACTED:cli_password]"}
    assert REDACTOR.redact(out)[0] == out
    kept = json.dumps({"stdout": "line\r\nnext"})
    assert REDACTOR.redact(kept)[0] == kept


def test_an_encoded_ampersand_before_a_secret_name_is_read_alike_by_both_passes():
    """\\n%26password=&#112;password=\\b one level down: the first pass redacts the value \\b, and a second,
    with that a marker, reads %26 decoded still (no entity run from its 26): nothing changes."""
    payload = json.dumps({"stdout": json.dumps({"content": "\n%26passord=&#112;passord=\b"})})
    out = REDACTOR.redact(payload)[0]
    assert json.loads(json.loads(out)["stdout"]) == {
        "content": "\n%26passord=&#112;passord=[REDACTED:secret_assignment]"
    }
    assert REDACTOR.redact(out)[0] == out


def test_an_encoded_equals_sign_after_a_word_is_read_alike_with_or_without_other_escapes():
    """curl -u a:x%3D reads x= (the view decodes %3D after a word's character) whether or not another escape
    in the text (a control character's) built the view: the same output both ways, and stable."""
    alone = REDACTOR.redact(json.dumps({"stdout": "curl -u a:x%3D y"}))[0]
    beside = REDACTOR.redact(json.dumps({"stdout": "a\b curl -u a:x%3D y"}))[0]
    assert json.loads(alone)["stdout"] == "curl -u a:x%3D y"
    assert json.loads(beside)["stdout"] == "a\b curl -u a:x%3D y"
    payload = json.dumps({"stdout": json.dumps({"content": "pass=\b\ncurl -u a:x%3D"})})
    out = REDACTOR.redact(payload)[0]
    assert REDACTOR.redact(out)[0] == out
