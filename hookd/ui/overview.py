"""The overview's figures: events per minute by host and hook, the slowest and riskiest calls,
failures and the top tools, over what the UI keeps in memory (the page says which events those are:
after a restart, or past --history, the stream holds more than is counted)."""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from typing import Any

import msgspec

from hookd.ui.store import Store

CHART_NAMES = 12  # hosts or hooks charted apart; the rest are one series
OTHER_NAMES = "(others)"


def overview_of(store: Store, minutes: int = 60) -> dict[str, Any]:
    """Events per minute by host and hook, the slowest and riskiest calls, failures, top tools."""
    now_min = int(time.time() // 60)
    since = (now_min - minutes + 1) * 60_000
    by_host: dict[str, Counter[int]] = defaultdict(Counter)  # per minute
    by_hook: dict[str, Counter[int]] = defaultdict(Counter)
    tools: Counter[str] = Counter()
    slowest, risky, failures = [], [], []
    for rec in store.records:
        if rec.ms >= since:
            minute = rec.ms // 60_000 - now_min + minutes - 1
            by_host[rec.host][minute] += 1
            by_hook[rec.hook][minute] += 1
        if rec.hook == "PreToolUse" and rec.tool:
            tools[rec.tool] += 1
        if rec.duration_ms is not None:
            slowest.append(rec)
        if rec.risk == "high" and rec.hook == "PreToolUse":
            risky.append(rec)
        if rec.hook in ("PostToolUseFailure", "StopFailure", "PermissionDenied"):
            failures.append(rec)
    slowest.sort(key=lambda r: r.duration_ms or 0, reverse=True)

    def series(counts: dict[str, Counter[int]]) -> dict[str, list[int]]:
        # The names with the most events, the rest as one: others write the stream, and a name per
        # entry would make a series (and a bar and a legend entry on the page) of each.
        ranked = sorted(counts, key=lambda name: (-counts[name].total(), name))
        shown = {name: counts[name] for name in ranked[:CHART_NAMES]}
        if len(ranked) > CHART_NAMES:
            rest = shown[OTHER_NAMES] = Counter()
            for name in ranked[CHART_NAMES:]:
                rest.update(counts[name])
        return {name: [c.get(i, 0) for i in range(minutes)] for name, c in shown.items()}

    return {
        "counted": len(store.records),
        "since_ms": store.records[0].ms if store.records else None,
        "all": store.holds_all,
        "minutes": minutes,
        "end_ms": (now_min + 1) * 60_000,
        "by_host": series(by_host),
        "by_hook": series(by_hook),
        "slowest": [msgspec.Raw(r.json) for r in slowest[:15]],
        "riskiest": [msgspec.Raw(r.json) for r in risky[-15:][::-1]],
        "failures": [msgspec.Raw(r.json) for r in failures[-15:][::-1]],
        "top_tools": tools.most_common(15),
    }
