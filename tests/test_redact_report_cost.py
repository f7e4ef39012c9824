"""What a report costs past the spare (issue 16, h278): a flood of one report per ~56 characters (cookie objects,
`{"name": "DB_PASSWORD", "value": ...}`) has its first chunks scanned whole while floods.REPORT_SPARE lasts, and most
of those go dense when budget.CONFIRM_SPARE runs out; their reports were each still worth a call to Budget.spend that
said no, and a window of chainreach.regions, which hidden() then did not read (no single quote in the text). Neither
changes an output: the spare and what stays whole are as they were (tests/test_redact_spare.py). Where the text has a
single quote, the regions are found from each rule's ends by bisection, not a window and a sort per report."""

from __future__ import annotations

import json
import random
import sys

import pytest

import hookd.redact.redactor as redactor_module
from hookd.redact import chainreach
from hookd.redact import build_redactor
from hookd.redact.budget import AFTER_DENSE, CONFIRM_LIMIT, Budget
from hookd.redact.scan import CHUNK

REDACTOR = build_redactor(True)
FLOODS = {
    "cookie objects": '{"name": "sessionid", "value": "Zq8vN3xR7tL2mK9pW4sY"} ',
    "DB_PASSWORD objects": '{"name": "DB_PASSWORD", "value": "Zq8vN3xR7tL2mK9pW4sY"} ',
}
SMALL, LARGE = 16, 64  # chunks


def flood(unit: str, chunks: int) -> str:
    return (unit * (chunks * CHUNK // len(unit) + 1))[: chunks * CHUNK]


def redacted(text: str) -> tuple[str, dict[str, int]]:
    assert REDACTOR is not None
    REDACTOR.forget()
    out, counts = REDACTOR.redact(text)
    return out, dict(counts)


@pytest.mark.parametrize("name", sorted(FLOODS))
def test_a_dense_runs_reports_are_passed_without_a_spend_each(name, monkeypatch):
    spends = 0
    original = Budget.spend

    def counting(self: Budget, at: int) -> bool:
        nonlocal spends
        spends += 1
        return original(self, at)

    monkeypatch.setattr(Budget, "spend", counting)
    counts = []
    for chunks in (SMALL, LARGE):
        spends = 0
        assert "dense" in redacted(flood(FLOODS[name], chunks))[1]
        counts.append(spends)
    # Past the spare, a chunk after a dense one confirms its share at most: 2,383 and 5,213 spends before (one per
    # report), 871 and 1,004 now.
    assert counts[1] <= counts[0] + (LARGE - SMALL) * (CONFIRM_LIMIT // AFTER_DENSE)


@pytest.mark.parametrize("name", sorted(FLOODS))
@pytest.mark.parametrize("form", ["text", "payload"])
def test_a_text_without_single_quotes_finds_no_regions_and_redacts_the_same(name, form, monkeypatch):
    text = flood(FLOODS[name], SMALL)
    if form == "payload":
        text = json.dumps({"hook_event_name": "PostToolUse", "tool_response": {"stdout": text}})
    found = []
    original = redactor_module.regions

    def counting(*args):  # type: ignore[no-untyped-def]
        found.append(1)
        return original(*args)

    monkeypatch.setattr(redactor_module, "regions", counting)
    now = redacted(text)
    assert not found
    monkeypatch.setattr(redactor_module, "may_hide", lambda _text: True)  # the regions found, as before
    assert redacted(text) == now and found


def lines_in_chainreach(call) -> int:  # type: ignore[no-untyped-def]
    """The lines chainreach.py's Python runs (its comprehensions' too) during ``call()``."""
    lines = 0

    def tracer(frame, event, _arg):  # type: ignore[no-untyped-def]
        nonlocal lines
        if not frame.f_code.co_filename.endswith("chainreach.py"):
            return None
        lines += event == "line"
        return tracer

    sys.settrace(tracer)
    try:
        call()
    finally:
        sys.settrace(None)
    return lines


def single_quoted_anchored() -> int:
    assert REDACTOR is not None
    return next(index for index in sorted(REDACTOR._single_quoted) if REDACTOR.rules[index].anchored)


def test_a_floods_reports_cost_regions_a_few_bisections():
    """5,000 reports 56 characters apart: a window each and their sort were a line each; now a few bisections."""
    assert REDACTOR is not None
    index = single_quoted_anchored()
    reports = {index: list(range(1000, 1000 + 5000 * 56, 56))}
    text = "'," * 300_000
    lines = lines_in_chainreach(lambda: chainreach.regions(REDACTOR.rules, [index], text, ({}, reports, {})))
    assert lines < 200


def test_regions_are_the_union_of_each_reads_stretch():
    """Each report's and confirm's stretch widened by the checks' reach lies in one region; the regions are apart and
    each is covered by its stretches without a gap (the union, nothing more), on drawn ends."""
    assert REDACTOR is not None
    index = single_quoted_anchored()
    rule = REDACTOR.rules[index]
    rng = random.Random(278)
    text = "x" * 2_000_000
    for _ in range(300):
        spread = rng.choice([5_000, 60_000, 300_000])  # ends a stretch apart, a widening apart, far apart
        reports = sorted(rng.randrange(0, spread) for _ in range(rng.randint(0, 40)))
        confirms = sorted(rng.randrange(0, spread) for _ in range(rng.randint(0, 5)))
        where = chainreach.regions(REDACTOR.rules, [index], text, ({}, {index: reports}, {index: confirms}))
        assert where is not None
        around = chainreach._AROUND
        stretches = [(end - rule.back - around, end - rule.back + rule.reach + around) for end in reports] + [
            (end - rule.confirm_reach - rule.back - around, end + rule.reach + around) for end in confirms
        ]
        assert all(low < high < next_low for (low, high), (next_low, _) in zip(where, where[1:]))
        for low, high in stretches:
            assert sum(a <= low and high <= b for a, b in where) == 1
        for low, high in where:  # covered by its stretches without a gap
            covered = low
            for start, end in sorted(s for s in stretches if low <= s[0] and s[1] <= high):
                assert start <= covered
                covered = max(covered, end)
            assert covered == high
