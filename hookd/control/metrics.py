"""Prometheus metrics over HTTP, read from the same state that `hookd status` shows.

They are served from the event loop (hookd/control/metrics_server.py); the collector reads the
DaemonState's counters and the parts' reports, copying each mapping in one step.
"""

from __future__ import annotations

import errno
import ipaddress
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping

import structlog
from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from hookd import logs, port_holders
from hookd.hook_names import KNOWN_HOOKS
from hookd.control.metrics_server import MetricsServer
from hookd.paths import UnsafePathError
from hookd.state import DaemonState

OTHER_HOOK = "other"
log = structlog.get_logger("hookd.metrics")


class MetricsSetupError(UnsafePathError):
    """metrics_addr cannot be served; ``hookd run`` stops with this one line (exit 1)."""


LATENCY_BUCKETS = (
    0.0001,
    0.00025,
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1,
    2.5,
    5,
    10,
    30,
    60,
)


class DaemonCollector:
    def __init__(self, state: DaemonState) -> None:
        self.state = state

    def collect(self) -> Iterator[Metric]:
        state = self.state
        reports = state.report()
        spool = reports.spool()
        yield CounterMetricFamily(
            "hookd_events_received",
            "Events received: accepted, refused (framing too) or dropped as repeats",
            value=state.received,
        )
        yield CounterMetricFamily("hookd_events_accepted", "Events spooled", value=state.accepted)
        yield CounterMetricFamily("hookd_events_published", "Events added to the stream", value=state.published)
        yield CounterMetricFamily("hookd_batches_published", "Publish calls that went through", value=state.batches)
        yield CounterMetricFamily(
            "hookd_events_deduplicated", "Repeats skipped", value=state.deduplicated + state.deduplicated_handoffs
        )
        yield CounterMetricFamily(
            "hookd_events_skipped_unsent",
            "Events the stream's high-water mark skipped on their first send: not in the stream",
            value=state.skipped_unsent,
        )
        yield CounterMetricFamily(
            "hookd_events_redacted", "Events with secrets redacted", value=reports.builder().events_redacted
        )
        yield _per("hookd_redactions", "Secrets redacted, per rule", "rule", state.redactions)
        yield _per("hookd_events_rejected", "Frames refused", "reason", state.rejected)
        yield _per(
            "hookd_control_refused",
            "Control socket requests refused (control_refused)",
            "reason",
            state.control_refused,
        )
        yield _per(
            "hookd_events_withheld",
            "Events taken with a marker in place of a payload the sender dropped",
            "reason",
            state.withheld,
        )
        yield _per("hookd_events_by_hook", "Events spooled per hook event", "hook", _known_hooks(state.by_hook))
        yield CounterMetricFamily("hookd_spool_dropped_events", "Events dropped from a full spool", value=spool.dropped)
        yield GaugeMetricFamily("hookd_spool_events", "Events waiting in the spool", value=spool.events)
        yield GaugeMetricFamily(
            "hookd_spool_events_counted",
            "0 while an earlier run's backlog cannot be read to count it: hookd_spool_events is then a lower bound",
            value=1 if spool.events_counted else 0,
        )
        yield GaugeMetricFamily("hookd_spool_bytes", "Bytes waiting in the spool", value=spool.bytes)
        yield GaugeMetricFamily("hookd_spool_disk_bytes", "Disk taken by the spool", value=spool.disk_bytes)
        yield GaugeMetricFamily(
            "hookd_redis_up", "1 when the last Redis call succeeded", value=1 if state.redis.state == "up" else 0
        )
        yield CounterMetricFamily(
            "hookd_redis_losses",
            "Losses of events Redis had taken, each said once (redis_lost_events, redis_stream_gone)",
            value=state.redis.losses,
        )
        yield GaugeMetricFamily(
            "hookd_stalled",
            "1 while events wait and nothing moves them (see docs/reliability.md)",
            value=1 if reports.stalled() else 0,
        )
        lag = state.loop_lag.summary_ms()
        yield GaugeMetricFamily(
            "hookd_loop_lag_p99_seconds", "Event loop lag, p99 over the last minute", value=(lag["p99"] or 0) / 1000
        )
        if logs.SINK is not None:
            yield CounterMetricFamily(
                "hookd_log_lines_dropped", "Log lines dropped (stderr blocked or gone)", value=logs.SINK.dropped
            )
        yield _per("hookd_task_restarts", "Restarts of a task after it failed", "task", reports.tasks().restarts)
        breaker = GaugeMetricFamily("hookd_breaker_state", "Circuit breaker state", labels=["state"])
        breaker_state = reports.publisher().breaker
        for name in ("closed", "open", "half_open"):
            breaker.add_metric([name], 1 if breaker_state == name else 0)
        yield breaker


def _known_hooks(counts: Mapping[str, int]) -> Counter[str]:
    """The counts per hook event with every name Claude Code's table does not know as ``other``: the
    name is the payload's text as sent, and /metrics is read by any local user (status, the owner's,
    shows each name)."""
    known: Counter[str] = Counter()
    for name, count in dict(counts).items():
        known[name if name in KNOWN_HOOKS else OTHER_HOOK] += count
    return known


def _per(name: str, text: str, label: str, counts: Mapping[str, int]) -> CounterMetricFamily:
    """A counter with one sample per ``label`` value; ``counts`` copied first, as it goes on counting."""
    family = CounterMetricFamily(name, text, labels=[label])
    for value, count in dict(counts).items():
        family.add_metric([value], count)
    return family


async def start_metrics(addr: str, state: DaemonState, allow_hosts: Iterable[str] = ()) -> MetricsServer:
    """Serve /metrics on ``addr`` (HOST:PORT) from the event loop; returns the server, to close at exit.
    ``allow_hosts``: the Host names it answers besides loopback ones and addresses (metrics_server.py)."""
    host, _, port = addr.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    local = ipaddress.ip_address(host).is_loopback
    if not local:
        log.warning("metrics_not_local", addr=addr, hint="anyone who can reach it can read hookd's counters")
    registry = CollectorRegistry()
    registry.register(DaemonCollector(state))
    for name, window in (("accept", state.accept_latency), ("publish", state.publish_latency)):
        window.watch(
            Histogram(
                f"hookd_{name}_latency_seconds", f"Time to {name} events", buckets=LATENCY_BUCKETS, registry=registry
            ).observe
        )
    server = MetricsServer(registry, local, allow_hosts)
    try:
        await server.start(host, int(port))
    except OSError as exc:  # the port taken (by anyone on the machine): one line, as for http_addr
        holder = f" ({port_holders.who(host, int(port))})" if exc.errno == errno.EADDRINUSE else ""
        raise MetricsSetupError(
            f"cannot listen on {addr} for metrics: {exc.strerror or exc}{holder}; choose another metrics_addr "
            "or stop what uses it"
        ) from None
    log.info("metrics_serving", url=f"http://{addr}/metrics")
    return server
