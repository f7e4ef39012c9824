"""The gate tests' reference: a scanner of only the rules whose triggers or confirms the test makes whole.

Those tests compare the built-in scanner (its databases shipped by `make setup`, so loaded, not compiled)
with one whose split triggers are whole and ungated. Built from every rule, that one compiled a main
database of some 850 expressions and its twin, seconds of CPU each; the other rules' expressions are the
same in both scanners, and with no report limit a rule's reports depend on its own expressions alone, so
the reference holds the changed rules only and the built-in scanner's answer is read for those rules.
"""

from __future__ import annotations

from collections.abc import Sequence

from hookd.redact.scan import Scanned


def for_rules(scanned: Scanned, indices: Sequence[int]) -> Scanned:
    """``scanned`` (a scan with limit=None) for the rules at ``indices`` alone, each numbered by its place
    there: what a scanner of those rules alone answers (the view's flag and the dense chunks as they are)."""
    place = {rule: at for at, rule in enumerate(indices)}
    chunks, reports, view, confirms, dense = scanned

    def kept(per_rule: dict) -> dict:
        return {place[rule]: value for rule, value in per_rule.items() if rule in place}

    return kept(chunks), kept(reports), view, kept(confirms), dense
