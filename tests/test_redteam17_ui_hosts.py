"""Red team, seventeenth pass: what ``hookd ui`` kept per host name of the entries others write.

Every host that publishes to the stream, and anyone with the Redis password, writes entries the
UI reads. The UI counted entries per host name over everything it had ever read (``by_host``,
answered whole by every ``/api/status``), while it keeps only its last ``history`` records: an
entry per host name grew that count without bound (and the page's host filter, an option per
name, each placed by a scan of those before it). Hosts are now counted over the kept records, and
the page lists at most ``MAX_FILTER_OPTIONS`` names in each filter.
"""

from __future__ import annotations

import json
import time

from conftest import wait_until
from hookd.ui.events import record
from hookd.ui.store import Store
from test_ui import at_least, stack  # noqa: F401 - fixture
from ui_stack import browser, open_ui  # noqa: F401 - fixtures


def entry(n: int, host: str) -> tuple[str, dict]:
    envelope = {"event_id": f"e{n}", "host": host, "hook": "Stop", "session_id": "s", "payload": {}}
    return f"{1796292000000 + n}-0", {b"envelope": json.dumps(envelope).encode()}


def test_hosts_are_counted_over_the_kept_records_only():
    store = Store(history=100)
    for n in range(5000):
        rec = record(*entry(n, f"host-{n}"))
        assert rec is not None
        store.add([rec])
    assert len(store.records) == 100 and store.read == 5000
    assert len(store.by_host) == 100, len(store.by_host)
    assert set(store.by_host) == {f"host-{n}" for n in range(4900, 5000)}
    # One host writing throughout keeps its count as its records are kept.
    for n in range(5000, 5150):
        store.add([record(*entry(n, "alpha"))])
    assert dict(store.by_host) == {"alpha": 100}


def test_the_pages_filters_list_a_bounded_number_of_names(stack, open_ui, redis_db):  # noqa: F811
    """1,500 entries, each with its own host and hook name, written to the stream as another host
    (or anyone with the password) could: the page lists at most 200 of each, and shows the feed."""
    alpha, ui = stack
    watched = open_ui(ui)
    page = watched.page
    pipe = redis_db.pipeline(transaction=False)
    for n in range(1500):
        envelope = {
            "event_id": f"e{n}",
            "host": f"host-{n:05d}",
            "hook": f"Hook{n:05d}",
            "session_id": "s",
            "received_at": time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime()),
            "payload": {},
        }
        pipe.xadd("hookd:events", {"envelope": json.dumps(envelope)})
    pipe.execute()
    at_least(page, "#feed-body tr", 1)
    # The newest entry in the feed: every one before it has been taken.
    wait_until(lambda: "host-01499" in page.locator("#feed-body").inner_text(), timeout=60, what="the last entry")
    hosts, hooks = page.locator("#f-host option").count(), page.locator("#f-hook option").count()
    assert 200 <= hosts <= 201 and 200 <= hooks <= 201, (hosts, hooks)  # the first is "all"
    watched.assert_clean()


def test_the_overview_charts_a_bounded_number_of_names():
    """The overview's per-minute series: the 12 hosts (and hooks) with the most events, the rest as
    one, whatever number of names the last hour's entries hold."""

    from hookd.ui.overview import CHART_NAMES, OTHER_NAMES, overview_of

    store = Store(history=20_000)
    now = time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime())
    first = int(time.time() * 1000)
    for n in range(3000):
        host = "alpha" if n % 2 else f"host-{n}"
        envelope = {"event_id": f"e{n}", "host": host, "hook": f"Hook{n}", "session_id": "s", "received_at": now}
        store.add([record(f"{first + n}-0", {b"envelope": json.dumps(envelope).encode()})])
    overview = overview_of(store)
    for key in ("by_host", "by_hook"):
        series = overview[key]
        assert len(series) == CHART_NAMES + 1 and OTHER_NAMES in series, (key, len(series))
        assert sum(sum(counts) for counts in series.values()) == 3000, key
    assert sum(overview["by_host"]["alpha"]) == 1500
