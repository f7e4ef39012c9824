"""A token of no fixed length whose body holds another token's prefix (issue 16; joints.py, h149): the body was
ended at that prefix (a joint), and where what follows the joint is no token (``hvb.<body>hf_<15 letters>``), the
re-read after the marker (glued.py) took nothing: the body's tail stayed in clear. A split at a joint now stands only
where the run after it is taken as tokens up to the longer find's end; else the longer find stands (fail closed).
Each case through the reference (which reads no joints) and the engine; the fake secrets are built at run time.
"""

from __future__ import annotations

import json
import random
import re
import string
import sys
from pathlib import Path

import pytest
from recall_helpers import ENGINE, REFERENCE, apply_twice, as_json
from test_redact_linear import assert_linear

sys.path.insert(0, str(Path(__file__).parent / "redaction_corpus"))

from fakes import Fakes  # noqa: E402

from hookd.redact.patterns import JOINTS  # noqa: E402

V = Fakes(149).all()
URLSAFE = string.ascii_letters + string.digits + "_-"
ALNUM = string.ascii_letters + string.digits
# Token rules whose format has no fixed length: a prefix and a body of (alphabet, length) the rule takes.
HEADS = {
    "vault_batch": ("hvb.", URLSAFE, 140),
    "vault_service": ("hvs.", URLSAFE, 120),
    "github_classic": ("ghp_", ALNUM, 90),
    "openai_project": ("sk-proj-", URLSAFE, 120),
    "pypi": ("pypi-AgEIcHlwaS5vcmc", URLSAFE, 120),
}


def _body(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n - 1)) + rng.choice(string.ascii_letters)


def _letters(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.ascii_letters) for _ in range(n))


def _twice(payload: str) -> str:
    """The engine's output; a second pass changes nothing and it stays JSON. Not the reference's: of a tail that
    is a token itself (``gho_`` + 15 letters + the body's rest, 36 or more), the reference, which reads no joints,
    keeps one marker where the engine keeps the pair's two."""
    out = ENGINE.redact(payload)[0]
    assert ENGINE.redact(out)[0] == out, out
    json.loads(out)
    return out


def _markers(out: str) -> list[str]:
    return re.findall(r"\[REDACTED:(\w+)\]", out)


# --- The class: every joint, at any place in the body, with a tail that is no token ------------------------------
# Shapes of the run after the joint: letters too few for any token (hf_ + 15, the issue's), the same with a glued
# word the body reads on, and the same with the rest of the body after it (the joint in the body's middle).
SHAPES = ["letters", "letters-prod", "letters+body"]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("head", sorted(HEADS))
def test_a_prefix_inside_a_token_of_no_fixed_length_leaves_no_tail_in_clear(head: str, shape: str) -> None:
    prefix, alphabet, n = HEADS[head]
    rng = random.Random(f"{head}{shape}")
    read = tokens = 0
    for joint in JOINTS:
        if any(c not in alphabet for c in joint):
            continue  # a prefix the body cannot hold (hvb.'s body has no '.'): no joint inside it
        for at in (12, n // 2, n):
            body = _body(rng, alphabet, n)
            letters = _letters(rng, 15)
            rest = _body(rng, alphabet, 30) if shape == "letters+body" else ""
            suffix = "-prod" if shape == "letters-prod" and "-" in alphabet else ""
            text = f"x {prefix}{body[:at]}{joint}{letters}{suffix}{rest} y"
            read += 1
            reference = REFERENCE.redact(text)[0]
            if body[:8] in reference or any(piece and piece in reference for piece in (letters, rest)):
                continue  # too short for the rule's least length (ghp_ + 36): no token, nothing to keep
            tokens += 1
            out = _twice(as_json(text))
            for piece in (letters, rest):
                assert not piece or piece not in out, (text, out)
    assert tokens >= read * 2 // 3, (tokens, read)  # most cases hold a token: the test means something


def test_the_issues_batch_token_in_json_text() -> None:
    body = _body(random.Random(16), URLSAFE, 102)
    out = apply_twice(as_json(f"x hvb.{body}hf_btytAjsCdybsqvX-prod x"))  # and as the reference reads it
    assert "btytAjsCdybsqvX" not in out and _markers(out) == ["vault_token"], out


# --- Glued pairs and chains that are tokens keep every label ------------------------------------------------------
# The run after the joint is taken as tokens up to the longer find's end: the split stands, as it did before h149.
PAIRS = [
    ("gh",),
    ("hf",),
    ("npm",),
    ("gh", "glpat"),
    ("gh", "hf"),
    ("hf", "gh"),
    ("stripe", "shopify"),
    ("glpat", "gh"),
]
HEAD_LABELS = {"vault_batch": "vault_token", "vault_service": "vault_token", "pypi": "pypi_token"}
LABELS = {
    "gh": "github_token",
    "hf": "huggingface_token",
    "npm": "npm_token",
    "glpat": "gitlab_token",
    "stripe": "stripe_key",
    "shopify": "shopify_token",
}


@pytest.mark.parametrize("tail", PAIRS, ids="+".join)
@pytest.mark.parametrize("head", ["vault_batch", "vault_service", "pypi"])
def test_tokens_glued_after_a_token_of_no_fixed_length_keep_their_labels(head: str, tail: tuple[str, ...]) -> None:
    prefix, alphabet, n = HEADS[head]
    text = f"x {prefix}{_body(random.Random(head), alphabet, n)}{''.join(V[name] for name in tail)} y"
    out = ENGINE.redact(as_json(text))[0]
    assert ENGINE.redact(out)[0] == out, out
    assert _markers(out) == [HEAD_LABELS[head], *(LABELS[name] for name in tail)], out
    assert all(V[name][-8:] not in out for name in tail), out


# --- Bounded: a flood of such tokens costs no more than the text, and keeps no tail -------------------------------
# Each run after a joint is read once, the reads counted twice against the text's length and one run (joints.Tails);
# past that the longer find stands without a read. Glued by a character that ends no run (:), each window reads a whole run.
@pytest.mark.parametrize("glue", [" ", ":", "\\n"])
def test_a_flood_of_prefixes_inside_tokens_costs_no_more_than_the_text(glue: str) -> None:
    rng = random.Random(glue)
    units = [f"hvb.{_body(rng, URLSAFE, 100)}hf_{_letters(rng, 15)}" for _ in range(64)]
    text = as_json((glue.join(units) + glue) * 32)
    assert_linear(text)
    out = ENGINE.redact(text)[0]
    assert not any(unit[-15:] in out for unit in units), out[:2000]


@pytest.mark.parametrize("glue", [":", "\\n"])
def test_a_flood_of_prefixes_inside_tokens_reads_a_bounded_number_of_runs(glue: str, monkeypatch) -> None:
    # Each read is a pass over a short window, whose fixed cost the characters' bound above does not see: a
    # flood read every run ran six times slower than one that reads none. The reads are capped by count.
    from hookd.redact.redactor import Redactor

    reads = []
    real = Redactor._tail_spans
    monkeypatch.setattr(Redactor, "_tail_spans", lambda self, run: reads.append(run) or real(self, run))
    rng = random.Random(glue)
    units = [f"hvb.{_body(rng, URLSAFE, 100)}hf_{_letters(rng, 15)}" for _ in range(64)]
    text = (glue.join(units) + glue) * 64  # ~ 500 KB, some 4,000 joints
    out = ENGINE.redact(text)[0]
    assert 0 < len(reads) <= 16 + len(text) // 65536, len(reads)  # joints.READS_AT_LEAST, READ_EVERY
    assert not any(unit[-15:] in out for unit in units), out[:2000]
