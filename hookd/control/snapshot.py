"""The daemon's state as one JSON-able dict (the health verdict drawn from it is verdict.py).

Read from the config and the DaemonState alone (hookd/state.py): the counters there, and
each part's own report.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Any

from hookd import __version__, liveness
from hookd.config import Config, mask_url
from hookd.ingest.protocol import INBOX_SUFFIX
from hookd.waiting_on import said

if TYPE_CHECKING:
    import psutil

    from hookd.state import DaemonState


def count_inbox(inbox_dir: str) -> int:
    """Events waiting in an inbox (none when it does not exist); OSError when it cannot be listed."""
    try:
        return sum(1 for n in os.listdir(inbox_dir) if n.endswith(INBOX_SUFFIX) and not n.startswith("."))
    except FileNotFoundError:
        return 0


def inbox_count(inbox_dir: str) -> dict[str, Any]:
    """{"events": n}, or, for an inbox that cannot be listed, {"events": 0, "error": why}: a count
    of 0 there would say nothing waits while hook-send's events may."""
    try:
        return {"events": count_inbox(inbox_dir)}
    except OSError as exc:
        return {"events": 0, "error": f"cannot read {inbox_dir}: {exc.strerror or exc}"}


def inbox_counts(config: Config) -> dict[str, dict[str, Any]]:
    """inbox_count of the inbox and the spare inbox, by path: listing them takes a tenth of a second
    per 100,000 files, which the control server spends in a thread, not on the event loop."""
    return {path: inbox_count(path) for path in (config.inbox_dir, config.spare_inbox) if path}


def take(
    config: Config, state: DaemonState, process: psutil.Process, counted: dict[str, dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Everything `hookd status` shows, as of now: the config, the counters, each part's report.
    ``counted``: inbox_counts(config), when the caller has them (else they are counted here)."""
    counted = inbox_counts(config) if counted is None else counted
    # Here, not at the top: `hookd status` imports this module to count an inbox alone, and
    # Redis's client is most of its start-up.
    from hookd.publish import topology
    from hookd.publish.settings import RedisSettings

    reports = state.report()
    spool, breaker, inbox = reports.spool(), reports.publisher(), reports.inbox()
    builder = reports.builder()
    now, elapsed = time.time(), time.monotonic()
    oldest_ns = reports.oldest_waiting_ns()
    with process.oneshot():
        proc = {
            "rss_bytes": process.memory_info().rss,
            "cpu_percent": process.cpu_percent(None),
            "open_fds": process.num_fds(),
            "threads": process.num_threads(),
        }
    return {
        "version": __version__,
        "pid": os.getpid(),
        "uptime_s": round(elapsed - state.started_at, 1),
        "socket": config.socket,
        "control_socket": config.control_socket,
        "state_dir": config.state_dir,
        "host": config.host,
        "instance": builder.instance,
        "stream": config.stream,
        # What hook commands carry (hooks/command.SETTING_VARS): `hookd status` checks them against it.
        "max_event_bytes": config.max_event_bytes,
        "redis": {
            # Behind Sentinel or a Cluster the URL's host is not where hookd publishes.
            "url": (
                topology.describe(RedisSettings.from_config(config))
                if config.redis_sentinel or config.redis_cluster
                else mask_url(config.redis_url)
            ),
            "state": state.redis.state,
            "open_to_all": state.redis.open_to_all,
            "last_error": state.redis.last_error,
            "last_ok_at": state.redis.last_ok_at,
            "down_for_s": None if state.redis.down_since is None else round(elapsed - state.redis.down_since, 1),
            "index_refused": dict(state.redis.index_refused),
            "lost": list(state.redis.lost),
            "losses": state.redis.losses,
            "sentinels_mute": list(state.redis.sentinels_mute),
            "sentinel_mutes": state.redis.sentinel_mutes,
            "sentinels_failing": dict(state.redis.sentinels_failing),
            "sentinel_failures": state.redis.sentinel_failures,
            "waiting_on": [
                {
                    "what": wait.what,
                    "address": wait.address,
                    "for_s": round(elapsed - wait.since, 1),
                    "bound_s": wait.bound_s,
                    "bound_by": wait.bound_by,
                    "line": said(wait, elapsed),
                }
                for wait in sorted(state.redis.waits.values(), key=lambda wait: wait.since)
            ],
        },
        "breaker": {
            "state": breaker.breaker,
            "failures": breaker.failures,
            "next_attempt_in_s": round(breaker.next_attempt_in_s, 3),
        },
        "spool": {
            "events": spool.events,
            "events_counted": spool.events_counted,
            "bytes": spool.bytes,
            "disk_bytes": spool.disk_bytes,
            "max_bytes": spool.max_bytes,
            # An event's time is the wall clock's when it came: after a step back it is "ahead", not negative.
            "oldest_age_s": None if oldest_ns is None else max(0.0, round(now - oldest_ns / 1e9, 3)),
            "dropped": spool.dropped,
            "full": spool.full,
            "full_policy": spool.full_policy,
            "fsync": spool.fsync,
            "torn_bytes": spool.torn_bytes,
            "damaged_bytes": spool.damaged_bytes,
            "lost_events": spool.lost_events,
            "damage_at": spool.damage_at,
            "read_error": spool.read_error,
            "disk_full": spool.disk_full,
            "reserve_bytes": spool.reserve_bytes,
            "reserve_target_bytes": spool.reserve_target_bytes,
            "reserve_short": spool.reserve_short,
            "flush_error": state.progress.flush_error,
            "flush_failed_s": None
            if state.progress.flush_failed_at is None
            else round(elapsed - state.progress.flush_failed_at, 1),
            "redacted_on_publish": reports.redacted_on_publish() if reports.redacted_on_publish is not None else None,
        },
        "inbox": {
            **counted[config.inbox_dir],
            "taken": inbox.taken,
            "spare": config.spare_inbox or None,
            "spare_events": counted[config.spare_inbox]["events"] if config.spare_inbox else 0,
            "spare_error": counted[config.spare_inbox].get("error") if config.spare_inbox else None,
            "spare_taken": inbox.spare_taken,
            "spare_problem": inbox.spare_problem if inbox.spare_problem != "absent" else None,
            "unreadable": dict(sorted(inbox.unreadable.items())[:100]),
            "unreadable_count": len(inbox.unreadable),
            "not_removed": dict(sorted(inbox.not_removed.items())[:100]),
            "not_removed_count": len(inbox.not_removed),
            "linked": inbox.linked,
        },
        "work": reports.work(),
        "counters": {
            "received": state.received,
            "accepted": state.accepted,
            "published": state.published,
            "batches": state.batches,
            "rejected": dict(state.rejected),
            "withheld": dict(state.withheld),
            "refused_peers": dict(state.refused_peers),
            "control_unread": state.control_unread,
            "control_refused": dict(state.control_refused),
            "redacted": builder.events_redacted,
            "redactions": dict(state.redactions),
            "deduplicated": state.deduplicated + state.deduplicated_handoffs,
            "skipped_unsent": state.skipped_unsent,
        },
        "rates": {
            "1m": round(state.accepted_rate.per_second(60), 3),
            "5m": round(state.accepted_rate.per_second(300), 3),
        },
        "latency_ms": {
            "accept": state.accept_latency.percentiles_ms(),
            "publish": state.publish_latency.percentiles_ms(),
        },
        "by_hook": dict(state.by_hook.most_common()),
        "process": proc,
        "http": reports.http() if reports.http is not None else None,
        "directories": reports.directories() if reports.directories is not None else {},
        **liveness_section(state),
    }


def liveness_section(state: DaemonState) -> dict[str, Any]:
    """Progress, not flags: what status and the watchdog judge health by (hookd/liveness.py)."""
    from hookd import logs  # structlog: the daemon's, not `hookd status`'s

    reports = state.report()
    tasks = reports.tasks()
    return {
        "stalled": reports.stalled(),
        "progress": liveness.ages(state.progress),
        "loop_lag_ms": state.loop_lag.summary_ms(),
        "logging": (sink.snapshot() if (sink := logs.current_sink()) is not None else None),
        "tasks": {
            "failed": list(tasks.failed),
            "restarts": dict(tasks.restarts),
            "callback_errors": tasks.callback_errors,
        },
        "pending_frames": reports.pending_frames(),
    }
