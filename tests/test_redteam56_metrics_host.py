"""Fifty-sixth red-team pass: the metrics endpoint bound beyond loopback checks Host too.

Bound to a loopback address it refused a Host that names no loopback name (fourth pass); bound
beyond the machine (metrics_addr = 0.0.0.0:PORT, which 127.0.0.1 reaches as well) it served every
Host: a web page that pointed its own name at this machine (DNS rebinding) read the counts as a page
of its own origin (a same-origin GET carries no Origin). Now, bound anywhere, a Host must be a
loopback name or address, a name in metrics_allow_hosts, or (bound beyond loopback) an IP address.
"""

from __future__ import annotations

import pytest

from conftest import free_port, wait_until
from test_redteam4_metrics import _get

CANARY = b'{"hook_event_name": "PostModelSwitch", "session_id": "s"}'


def _serving(hookd_factory, **settings):
    port = free_port()
    daemon = hookd_factory(metrics_addr=f"0.0.0.0:{port}", **settings)
    assert daemon.send(CANARY).returncode == 0
    wait_until(lambda: b'hook="PostModelSwitch"' in _get(port, f"Host: 127.0.0.1:{port}")[1], what="the canary counted")
    return port, daemon


@pytest.mark.parametrize("host", ["evil.example:PORT", "evil.example", "127.0.0.1.evil.example:PORT", None])
def test_a_rebinding_page_gets_nothing_from_a_metrics_endpoint_bound_beyond_loopback(hookd_factory, redis_db, host):
    port, _ = _serving(hookd_factory)
    status, data = _get(port, *([] if host is None else [f"Host: {host.replace('PORT', str(port))}"]))
    assert status == 421, data[:200]  # before: 200 and every count
    assert b'hook="PostModelSwitch"' not in data and b"hookd_" not in data
    assert b"metrics_allow_hosts" in data


@pytest.mark.parametrize("host", ["192.0.2.7:PORT", "[2001:db8::7]:PORT", "localhost:PORT", "127.0.0.1"])
def test_a_scraper_naming_an_address_or_loopback_is_served(hookd_factory, redis_db, host):
    port, _ = _serving(hookd_factory)
    status, data = _get(port, f"Host: {host.replace('PORT', str(port))}")
    assert status == 200 and b'hook="PostModelSwitch"' in data


def test_a_name_in_metrics_allow_hosts_is_served_and_no_other(hookd_factory, redis_db):
    port, daemon = _serving(hookd_factory, metrics_allow_hosts='["Scrape.Example."]')
    status, data = _get(port, f"Host: scrape.example:{port}")
    assert status == 200 and b'hook="PostModelSwitch"' in data
    assert _get(port, f"Host: evil.example:{port}")[0] == 421
    # The user is told too, not only the page: a scraper that names the machine by a name breaks loudly.
    line = wait_until(
        lambda: next((r for r in daemon.log_text().splitlines() if "metrics_host_refused" in r), None),
        what="the refusal logged",
    )
    assert "evil.example" in line and "metrics_allow_hosts" in line, line
