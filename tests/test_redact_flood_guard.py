"""The flood guard: a chunk holding more of a flood guard's word (scan.FLOOD_WORDS) than real text does
goes dense after that many reports, however many more the chunk holds; at the limit it is scanned as
usual. Hyperscan's work per occurrence is not countable here: the calls into Python are (wall time is
bench/README.md's, the twelfth session)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hookd.redact.redactor import Redactor
from hookd.redact.rules import BUILTIN_RULES
from scan_reports import Reports
from test_redact_view_core import redacted_without_the_core
from hookd.redact.scan import CHUNK, FLOOD_LIMIT, FLOOD_WORDS, OVERLAP, PROBE, PROBE_LIMIT, REPORT_LIMIT


# These tests look at what one chunk may do: without the spare a text may spend past its limits.
pytestmark = pytest.mark.usefixtures("no_spare")

ENGINE = Redactor(BUILTIN_RULES)
REPO = Path(__file__).resolve().parent.parent
# A unit per word as the floods of issue 16 wrote it (the word, and what made each occurrence dear).
UNITS = {
    "apikey": "ApiKey ",
    "passw": "chpasswd ",
    " -p": "a -p",
    "net use": "net use a /u: ",
    "oy2": "oy2",
    "pwd": "PWD = ",
    "--auth ": "xh --auth ",
}


def spaced(unit: str, times: int, size: int) -> str:
    """``times`` units per chunk and its overlap (CHUNK + OVERLAP characters), the rest filler, ``size`` long."""
    step = (CHUNK + OVERLAP) // times
    piece = unit + ("lorem ipsum " * (step // 12 + 1))[: step - len(unit)]
    return (piece * (size // len(piece) + 1))[:size]


@pytest.mark.parametrize("word", sorted(FLOOD_WORDS))
def test_a_chunk_flooded_with_a_guarded_word_goes_dense_at_its_limit(word, monkeypatch):
    unit = UNITS[word]
    text = (unit * (8 * CHUNK // len(unit) + 1))[: 8 * CHUNK]
    reports = Reports(monkeypatch)
    scanned = ENGINE._triggers.scan(text)
    assert scanned[4] == list(range(8))  # every chunk dense
    # The first chunk stops at its word's limit (and its ordinary reports); the others at a probe's share.
    probe_share = max(1, FLOOD_WORDS[word] * PROBE // (CHUNK + OVERLAP))
    assert reports.calls <= (REPORT_LIMIT + FLOOD_WORDS[word] + 2) + 7 * (PROBE_LIMIT + probe_share + 2)
    out, counts = ENGINE.redact(text)
    assert "dense" in counts


@pytest.mark.parametrize("word", sorted(FLOOD_WORDS))
def test_a_chunk_with_as_many_as_real_text_holds_is_scanned_as_usual(word):
    """At its limit per chunk (and under FLOOD_LIMIT), a word makes no chunk dense."""
    text = spaced(UNITS[word], min(FLOOD_WORDS[word], FLOOD_LIMIT), 8 * CHUNK)
    assert ENGINE._triggers.scan(text)[4] == []


@pytest.mark.parametrize("unit", ["PWD = ", "pwd ", "cd /srv && pwd\n"])
def test_a_flood_of_pwd_is_guarded(unit, monkeypatch):
    """`pwd` starts some sixty expressions' engines at each occurrence and reports nothing (issue 16, h243: a
    flood of `PWD = ` ran at 26 MB/s with no report to count): it is a guarded word, so its flood stops at the
    word's limit and goes dense as the others do."""
    text = (unit * (8 * CHUNK // len(unit) + 1))[: 8 * CHUNK]
    reports = Reports(monkeypatch)
    scanned = ENGINE._triggers.scan(text)
    assert scanned[4] == list(range(8))
    assert reports.calls <= (REPORT_LIMIT + 64 + 2) + 7 * (PROBE_LIMIT + max(1, 64 * PROBE // (CHUNK + OVERLAP)) + 2)


@pytest.mark.parametrize("unit", ["xh --auth ", "-a --auth ", "http --auth=u:pw --auth "])
def test_a_flood_of_the_auth_option_is_guarded(unit, monkeypatch):
    """`--auth` starts some hundred expressions' engines at each occurrence (those that hold `auth`), and `--auth xh`
    was reported at each (issue 16, h250: `xh --auth ` dense at 14 MB/s over 64 KiB, `-a --auth ` whole at 29 MB/s):
    `--auth ` with its space is a guarded word, so its flood stops at the word's limit."""
    text = (unit * (8 * CHUNK // len(unit) + 1))[: 8 * CHUNK]
    reports = Reports(monkeypatch)
    scanned = ENGINE._triggers.scan(text)
    assert scanned[4] == list(range(8))
    assert reports.calls <= (REPORT_LIMIT + 32 + 2) + 7 * (PROBE_LIMIT + max(1, 32 * PROBE // (CHUNK + OVERLAP)) + 2)


@pytest.mark.parametrize("unit", ["--author x ", "git log --author=me --authority ", "--auth-type basic "])
def test_a_flood_of_longer_auth_options_is_not_guarded(unit):
    """`--author` and `--authority` are other options: a flood of them is scanned as usual, kept whole."""
    text = (unit * (8 * CHUNK // len(unit) + 1))[: 8 * CHUNK]
    assert ENGINE._triggers.scan(text)[4] == []
    assert ENGINE.redact(text) == (text, {})


def test_the_words_together_are_held_to_one_limit():
    """Each word under its own limit, the words together past FLOOD_LIMIT: dense; one word fewer, not."""
    mix = {"passw": 10, " -p": 6, "apikey": 1}  # per piece; ten pieces per chunk and its overlap
    counts = {word: 10 * times for word, times in mix.items()}
    assert all(count <= FLOOD_WORDS[word] for word, count in counts.items())
    assert sum(counts.values()) > FLOOD_LIMIT >= sum(counts.values()) - counts["apikey"]
    unit = "".join(UNITS[word] * times for word, times in mix.items())
    assert ENGINE._triggers.scan(spaced(unit, 10, 4 * CHUNK))[4][-3:] == [1, 2, 3]  # the first: no overlap
    unit = "".join(UNITS[word] * times for word, times in mix.items() if word != "apikey")
    assert ENGINE._triggers.scan(spaced(unit, 10, 4 * CHUNK))[4] == []


def test_the_guard_leaves_the_reference_engine_alone():
    """The exhaustive engine (the meaning of the table) confirms every candidate: no chunk goes dense."""
    reference = Redactor(BUILTIN_RULES, exhaustive=True)
    text = ("chpasswd " * (CHUNK // 9 + 1))[:CHUNK]
    assert reference._triggers.scan(text, None, None)[4] == []


def test_the_guard_redacts_the_same_without_the_compiled_view(tmp_path):
    from hookd.redact import build_redactor

    redactor = build_redactor(True, cache_dir=str(tmp_path))
    assert redactor is not None
    flood = ('ApiKey\\" ' * (3 * CHUNK // 9))[: 3 * CHUNK]
    text = json.dumps({"stdout": "ok " + flood, "after": "password=hunter2hunter2 done"})
    redacted = redacted_without_the_core(text, tmp_path, spare=False)
    expected, counts = redactor.redact(text)
    assert "dense" in counts
    assert redacted == expected
