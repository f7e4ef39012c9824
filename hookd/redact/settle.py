"""Candidates' checks, run once a text's budget is settled: none where the answer cannot change the output.

Whether a chunk is dense (dense.py) is known only after every rule has read the text: the candidates of
all rules together spend its budget, in the table's order. A flood just under one rule's share and then
past it with the next rule's candidates had every check of the first rule made, and then the chunk
redacted in bulk, the finds in it unused. So a rule's candidates (those of a rule without ``unwrap``,
whose inner redaction spends the budget and so must run in order) are held here with their spans, and
checked after the last rule has read: except a cluster of them (spans that overlap, or lie within GAP of
one another) that lies wholly inside a dense run, MARGIN from its end, with no other find in it.

Such a cluster cannot change the output, found or not: a dense run's stretch (dense.py) starts at or
before the run and ends at most a few characters before its end (a string's closing quote after a
backslash), so each of its spans is inside the stretch and leaves it as it is. Spans interact only
where they overlap (merging, and which of two finds starting at one place is dropped) or nearly do
(whole escapes widen each end by at most 5 characters): no span outside the cluster does. The one
reading further, the backslashes counted before a span's start (at most escapes.MAX_RUN), matters only
for a span outside the stretch, which begins past the run's end, more than MARGIN - 5 characters after
the cluster. A view maps a span to at least as many characters of the text, so the gaps hold there too.
tests/test_redact_settle.py compares the outputs with every candidate checked.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable

from hookd.redact.budget import Budget
from hookd.redact.escapes import MAX_RUN

MARGIN = 2 * MAX_RUN  # characters between a cluster left unchecked and its run's end
GAP = 16  # characters between two clusters (whole escapes widen a span's ends by at most 5 each)

# A candidate held: its span, its rule's index, its match.
Pending = tuple[int, int, int, re.Match[str]]


def settled(
    pending: list[Pending],
    found: list[tuple[int, int, int]],
    budget: Budget,
    length: int,
    confirm: Callable[[int, re.Match[str], int, int], bool],
) -> None:
    """The pending candidates that ``confirm`` takes, added to ``found``; those that cannot change the
    output (the module says which) are not confirmed."""
    if not budget.dense or not pending:
        found += [(start, end, index) for start, end, index, match in pending if confirm(index, match, start, end)]
        return
    runs = budget.runs(length)
    lows = [low for low, _ in runs]

    def buried(start: int, end: int) -> bool:
        at = bisect.bisect_right(lows, start) - 1
        return at >= 0 and end + MARGIN <= runs[at][1]

    # Every span, held or found, in order of its start; clusters of them, GAP apart.
    spans = sorted(
        [(start, end, k) for k, (start, end, _, _) in enumerate(pending)] + [(s, e, -1) for s, e, _ in found]
    )
    cluster: list[int] = []
    free = True  # the cluster so far is only held candidates, each buried
    reach = -GAP
    for start, end, k in spans:
        if start >= reach + GAP:
            _confirm_all(cluster, free, pending, found, confirm)
            cluster, free = [], True
        reach = max(reach, end)
        if k < 0:
            free = False
            continue
        cluster.append(k)
        free = free and buried(start, end)
    _confirm_all(cluster, free, pending, found, confirm)


def _confirm_all(
    cluster: list[int],
    free: bool,
    pending: list[Pending],
    found: list[tuple[int, int, int]],
    confirm: Callable[[int, re.Match[str], int, int], bool],
) -> None:
    if free:
        return
    for k in cluster:
        start, end, index, match = pending[k]
        if confirm(index, match, start, end):
            found.append((start, end, index))
