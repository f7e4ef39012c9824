"""Chunks too dense with candidates to confirm one by one are redacted in bulk, failing closed.

Per chunk of text the redactor confirms at most CONFIRM_LIMIT candidates and the
scan makes at most REPORT_LIMIT reports; past either, the chunk is dense and
dense.py redacts it whole (JSON strings emptied, one marker, structure kept).
Here, for every flood of tests/redaction_corpus/floods.json (32 KiB: four
chunks, and the budget is per chunk; one at 1 MiB), as plain text and inside
a JSON payload: nothing the exhaustive engine calls a secret
is left, JSON stays JSON, a second pass changes nothing, and the counted work
stays within the budget. Secrets across the border of a dense and a normal
chunk are redacted; text that is dense with look-alikes but benign is not.
Wall time is bench/redaction.py's.
"""

from __future__ import annotations

import functools
import json
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scan_reports import Reports

from hookd.redact.budget import CONFIRM_LIMIT
from hookd.redact.dense import MARK, redact_in_bulk
from hookd.redact.redactor import Redactor
from hookd.redact.rules import BUILTIN_RULES
from hookd.redact.scan import CHUNK, FLOOD_LIMIT, OVERLAP, PROBE_LIMIT, REPORT_LIMIT
from hookd.redact.scanwords import counted

# These tests look at what one chunk may do: without the spare a text may spend past its limits.
pytestmark = pytest.mark.usefixtures("no_spare")

FLOODS = json.loads((Path(__file__).parent / "redaction_corpus" / "floods.json").read_text())
UNITS = sorted({unit for kind in ("keywords", "candidates") for units in FLOODS[kind].values() for unit in units})
SIZE = 32 << 10  # four chunks: a dense chunk beside dense and normal ones; the suite's time is CI's
LARGE = 1 << 20
ENGINE = Redactor(BUILTIN_RULES)
REFERENCE = Redactor(BUILTIN_RULES, exhaustive=True)
TOKEN = "ghp_" + "Qx7Lm2Rt9Vb4Nc8Kd1Fs6Hj3Wp5Yz0AeGi2" + "Tu8o"  # a GitHub token's shape
FLOOD = "Authorization: Bearer abcdefgh1234 "  # a credential every 35 characters


def flood(unit: str, size: int = SIZE) -> str:
    return (unit * (size // len(unit) + 1))[:size]


@functools.lru_cache(maxsize=None)
def secrets_in(unit: str, size: int = SIZE) -> frozenset[str]:
    """What the exhaustive engine redacts in the flood of ``unit`` (plain text): the secrets it holds."""
    text = flood(unit, size)
    spans, _ = REFERENCE._find(text, REFERENCE._triggers.scan(text, None, None), 0)
    return frozenset(text[start:end] for start, end, _ in spans if end - start >= 4)


@pytest.mark.parametrize(("unit", "size"), [(unit, SIZE) for unit in UNITS] + [(FLOOD, LARGE)])
@pytest.mark.parametrize("form", ["text", "json"])
def test_a_flood_leaves_no_secret_stays_json_and_is_idempotent(unit, size, form, monkeypatch):
    raw = flood(unit, size)
    # In a payload, a field after a long string: past the stretch, which ends with the string it ends in.
    text = (
        json.dumps({"tool_response": {"stdout": raw}, "after": "y " * CHUNK, "session_id": "s1"})
        if form == "json"
        else raw
    )
    reports = Reports(monkeypatch)
    ENGINE.most_confirmed = 0
    out, counts = ENGINE.redact(text)
    pieces = (len(text) + CHUNK - 1) // CHUNK
    # A scan, and one of the decoded view at most; per chunk, its reports and the flood guard's words.
    assert reports.calls <= 2 * pieces * (REPORT_LIMIT + FLOOD_LIMIT + 2)
    assert ENGINE.most_confirmed <= CONFIRM_LIMIT
    if form == "json":
        assert json.loads(out)["session_id"] == "s1"  # valid, and what lies past the stretch is kept
    if "dense" not in counts:  # confirmed one by one: exactly what the reference gives
        assert out == REFERENCE.redact(text)[0]
        # A second pass is what the reference's second pass is (a flood of `password=x1 ` is not
        # idempotent under the rules themselves: the markers change which values are read), or dense:
        # markers shorter than the values they replace pack more candidates into a chunk (a 1 KiB
        # value after password=/), and a chunk past its budget is redacted in bulk, failing closed.
        again, again_counts = ENGINE.redact(out)
        if "dense" not in again_counts:
            assert again == REFERENCE.redact(out)[0]
        else:  # then it stays what it is, and a payload stays JSON with what lies past the stretch
            assert ENGINE.redact(again)[0] == again
            if form == "json":
                assert json.loads(again)["session_id"] == "s1"
        return
    for secret in secrets_in(unit, size):  # nothing the reference would redact is left
        assert (secret if form == "text" else json.dumps(secret)[1:-1]) not in out, (secret, counts)
    assert ENGINE.redact(out)[0] == out


def test_the_floods_that_need_it_are_redacted_in_bulk_and_the_reference_never_is():
    text = flood(FLOOD, 64 << 10)
    out, counts = ENGINE.redact(text)
    assert counts["dense"] >= 1 and MARK in out and "abcdefgh1234" not in out
    assert "dense" not in REFERENCE.redact(text)[1]


def _border_doc(secret: str, at: int, dense_from: int, dense_to: int, tail: str = " the end") -> str:
    """A JSON payload whose string holds plain text, FLOOD over [dense_from, dense_to) of the
    payload's text and ``secret`` starting at ``at``."""
    head = '{"a": "'
    plain = "the quick brown fox jumps over the lazy dog. "
    body = []
    pos = len(head)
    while pos < at:
        piece = FLOOD if dense_from <= pos < dense_to else plain
        body.append(piece)
        pos += len(piece)
    text = head + "".join(body)[: at - len(head)] + secret + tail + '", "b": "kept"}'
    assert text.index(secret) == at
    return text


@pytest.mark.parametrize("secret", [TOKEN, "export DB_PASSWORD=Zq8vT3mW9xK2pR7n", "AKIAQ2ZLMX7RT4NCVB8K"])
@pytest.mark.parametrize("offset", [-30, -12, -3, 0, 5])
def test_a_secret_across_the_end_of_a_dense_run_is_redacted(secret, offset):
    """The dense run ends where chunk 3 begins; the secret starts just before (or at) that border."""
    border = 3 * CHUNK
    text = _border_doc(secret, border + offset, CHUNK, border - OVERLAP - 64)
    out, counts = ENGINE.redact(text)
    assert counts.get("dense"), counts
    value = secret.split("=")[-1]
    assert value not in out and value[: len(value) // 2] not in out and value[len(value) // 2 :] not in out
    assert json.loads(out)["b"] == "kept"


@pytest.mark.parametrize("secret", [TOKEN, "export DB_PASSWORD=Zq8vT3mW9xK2pR7n", "AKIAQ2ZLMX7RT4NCVB8K"])
@pytest.mark.parametrize("offset", [-30, -12, -3])
def test_a_secret_across_the_start_of_a_dense_run_is_redacted(secret, offset):
    """The secret starts in a normal chunk and ends inside the first dense one."""
    border = 2 * CHUNK
    text = _border_doc(secret, border + offset, border + len(secret) + offset + 1, 4 * CHUNK)
    text = text.replace(secret + " the end", secret + " " + flood(FLOOD, 2 * CHUNK))
    out, counts = ENGINE.redact(text)
    assert counts.get("dense"), counts
    value = secret.split("=")[-1]
    assert value not in out and value[: len(value) // 2] not in out and value[len(value) // 2 :] not in out


def test_a_long_private_key_that_starts_in_a_dense_run_is_redacted_to_its_end():
    body = "\\n".join("MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC" + str(i) * 12 for i in range(120))
    pem = f"-----BEGIN PRIVATE KEY-----\\n{body}\\n-----END PRIVATE KEY-----"
    text = '{"a": "' + flood(FLOOD, 3 * CHUNK - 100) + pem + ' after", "b": "kept"}'
    out, counts = ENGINE.redact(text)
    assert counts.get("dense") and "MIIEvQ" not in out and json.loads(out)["b"] == "kept"


def test_strings_apart_from_the_dense_one_are_kept():
    """The stretch is clipped to the strings it lies in: later strings and keys, and the structure, stay;
    the strings inside it (keys too) are emptied, the first one holding the marker."""
    doc = {
        "tool_response": {"stdout": flood(FLOOD, 5 * CHUNK)},
        "after": "the rest " * 3000,
        "tool_name": "Bash",
        "n": [1, 2, 3],
    }
    text = json.dumps(doc)
    out, counts = ENGINE.redact(text)
    result = json.loads(out)
    assert counts.get("dense") and result["after"] == doc["after"] and result["n"] == [1, 2, 3]
    assert result["tool_name"] == "Bash" and result[MARK] == {"": ""}


def test_card_numbers_outside_strings_in_a_dense_stretch_do_not_survive():
    text = json.dumps([4111111111111111, "x", -5500000000000004.5, 12, True, None, "y"])
    out, counts = redact_in_bulk(text, [], [(0, len(text))])
    assert json.loads(out) == [MARK, MARK, MARK, 12, True, None, ""]
    assert counts["dense"] == 3  # the first string's marker and the two numbers


PREFIXES = sorted({keyword for rule in BUILTIN_RULES if rule.exact for keyword in rule.keywords if counted(keyword)})


@pytest.mark.parametrize("prefix", PREFIXES)
def test_a_flood_of_a_token_prefix_alone_is_dense_by_its_reports(prefix, monkeypatch):
    """A run of prefixes keeps many token shapes alive in Hyperscan; each prefix is a report, so the
    chunk's scan stops early and the flood is redacted in bulk."""
    text = json.dumps({"stdout": flood(prefix + " ", 256 << 10), "after": "y " * CHUNK, "session_id": "s1"})
    reports = Reports(monkeypatch)
    out, counts = ENGINE.redact(text)
    assert counts["dense"] >= 1 and prefix not in out and json.loads(out)["session_id"] == "s1"
    assert reports.calls <= 2 * ((len(text) + CHUNK - 1) // CHUNK) * (REPORT_LIMIT + 1)


def test_no_user_rule_may_be_named_dense():
    from types import SimpleNamespace

    from hookd.redact import user_rules

    with pytest.raises(ValueError, match="'dense' is taken"):
        user_rules([SimpleNamespace(name="dense", pattern="x", group=0, keywords=(), ignore_case=False)])


def test_plain_text_in_a_dense_stretch_is_one_marker():
    text = "password=x1 " * 50 + '"quoted" 4111 1111 1111 1111'
    out, counts = redact_in_bulk(text, [], [(0, len(text))])
    assert out == MARK and counts["dense"] == 1


@settings(max_examples=300, deadline=None)
@given(
    st.recursive(
        st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=30)),
        lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=6), inner, max_size=5)),
        max_leaves=25,
    ),
    st.booleans(),
    st.integers(0, 10_000),
    st.integers(0, 10_000),
)
def test_bulk_redaction_of_any_stretch_keeps_json_valid(doc, ascii_only, first, second):
    text = json.dumps(doc, ensure_ascii=ascii_only)
    low, high = sorted((first % (len(text) + 1), second % (len(text) + 1)))
    if low == high:
        return
    out, _ = redact_in_bulk(text, [], [(low, high)])
    json.loads(out)


def _benign_payloads() -> dict[str, str]:
    rng = random.Random(16)
    ids = " ".join(str(rng.randrange(10**17, 10**18)) for _ in range(4000))
    log = "".join(
        f"{1733222222222 + 17 * i} INFO GET /api/v1/items/{rng.randrange(10**6)} 200 "
        f"took={rng.randrange(900)}ms req={rng.randrange(10**12):012d}\n"
        for i in range(6000)
    )
    lock = "".join(
        f'"node_modules/pkg{i}": {{"version": "1.{i}.0", "resolved": "https://registry.npmjs.org/'
        f'pkg{i}/-/pkg{i}-1.{i}.0.tgz", "integrity": "sha512-'
        + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") for _ in range(86))
        + '=="},\n'
        for i in range(1500)
    )
    env = "".join(f"npm_package_dependencies_pkg{i}=^1.{i}.0\nnpm_config_cache_{i}=/home/u/.npm\n" for i in range(400))
    return {"ids": ids, "epoch_log": log, "lockfile": lock, "npm_env": env}


@pytest.mark.parametrize("name", sorted(_benign_payloads()))
def test_text_dense_with_look_alikes_but_benign_is_kept(name):
    text = json.dumps({"tool_name": "Read", "tool_response": {"content": _benign_payloads()[name]}})
    out, counts = ENGINE.redact(text)
    assert "dense" not in counts
    assert out == text


def test_after_a_dense_chunk_a_flood_costs_a_probe_per_chunk(monkeypatch):
    """The chunks after the first dense one are found dense by their first PROBE characters: the
    scanner's calls into Python per chunk fall from REPORT_LIMIT to PROBE_LIMIT."""
    text = flood('"token": "x1", ', 32 * CHUNK)
    reports = Reports(monkeypatch)
    scanned = ENGINE._triggers.scan(text)
    assert scanned[4] == list(range(32))  # every chunk dense
    assert reports.calls <= (REPORT_LIMIT + 1) + 31 * (PROBE_LIMIT + 1)
    assert "x1" not in ENGINE.redact(text)[0]


def test_text_after_a_dense_run_gets_the_whole_budget_again():
    """Prose after a flood: its chunks are probed, found not dense, and scanned and confirmed as usual;
    a secret in them is redacted by its rule, and the prose is kept."""
    prose = "the quick brown fox jumps over the lazy dog. " * (6 * CHUNK // 45)
    text = json.dumps({"a": flood(FLOOD, 3 * CHUNK), "b": prose + TOKEN + " " + prose})
    out, counts = ENGINE.redact(text)
    assert counts["dense"] >= 1 and counts["github_token"] == 1
    assert json.loads(out)["b"] == prose + "[REDACTED:github_token] " + prose


def test_a_gated_trigger_is_scanned_only_in_chunks_that_hold_what_it_needs(monkeypatch):
    """The netrc trigger starts on "machine", which a flood repeats; it needs "password", so its
    (second) database scans only the chunks holding that word, and the netrc line is still read."""
    scanner = ENGINE._triggers
    netrc = [rule.name for rule in ENGINE.rules].index("netrc_password")
    ((at, (groups, gated, _)),) = [(at, entry) for at, entry in enumerate(scanner._gated) if entry[2] == netrc]
    scans = []

    class Counting:
        def scan(self, piece, **kwargs):
            scans.append(len(piece))
            return gated.scan(piece, **kwargs)

    entries = list(scanner._gated)
    entries[at] = (groups, Counting(), netrc)
    monkeypatch.setattr(scanner, "_gated", entries)
    line = "machine db.example.com login deploy password Zq8vT3mW9xK2pR7n\\n"
    text = json.dumps({"stdout": flood("machine ", 16 * CHUNK) + line + flood("machine ", 4 * CHUNK)})
    out, counts = ENGINE.redact(text)
    assert counts == {"netrc_password": 1} and "Zq8vT3mW9xK2pR7n" not in out
    assert 1 <= len(scans) <= 2  # the chunk with the line, and the next one's overlap
