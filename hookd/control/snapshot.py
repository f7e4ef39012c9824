"""The daemon's state as one JSON-able dict, and the health verdict drawn from it.

Read from the config and the DaemonState alone (hookd/state.py): the counters there, and
each part's own report.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Any

from hookd import __version__, liveness, log_sink
from hookd.config import Config, mask_url
from hookd.ingest.protocol import INBOX_SUFFIX

if TYPE_CHECKING:
    import psutil

    from hookd.state import DaemonState

HEALTHY, DEGRADED, NOT_RUNNING, UNKNOWN = 0, 1, 2, 3
SPOOL_WARN_FRACTION = 0.8
MAX_NAMED_FILES = 5  # unreadable inbox files (and refused index keys) named one by one among the reasons


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
    # Here, not at the top: `hookd status` imports this module for the verdict alone, and
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
        },
        "breaker": {
            "state": breaker.breaker,
            "failures": breaker.failures,
            "next_attempt_in_s": round(breaker.next_attempt_in_s, 3),
        },
        "spool": {
            "events": spool.events,
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
            "disk_full": spool.disk_full,
            "reserve_bytes": spool.reserve_bytes,
            "reserve_target_bytes": spool.reserve_target_bytes,
            "flush_error": state.progress.flush_error,
            "flush_failed_s": None
            if state.progress.flush_failed_at is None
            else round(elapsed - state.progress.flush_failed_at, 1),
        },
        "inbox": {
            **counted[config.inbox_dir],
            "taken": inbox.taken,
            "spare": config.spare_inbox or None,
            "spare_events": counted[config.spare_inbox]["events"] if config.spare_inbox else 0,
            "spare_taken": inbox.spare_taken,
            "spare_problem": inbox.spare_problem if inbox.spare_problem != "absent" else None,
            "unreadable": dict(sorted(inbox.unreadable.items())[:100]),
            "unreadable_count": len(inbox.unreadable),
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


def verdict(status: dict[str, Any]) -> tuple[int, list[str]]:
    """The exit code for a status, and the reasons when it is not healthy."""
    reasons = []
    spool = status["spool"]
    if status["redis"]["state"] == "down":
        reasons.append(
            f"redis is down ({status['redis']['last_error']}); {spool['events']} events spooled, sent once it "
            "answers; fix: start Redis where redis_url points, or correct redis_url (`hookd config` shows it)"
        )
    elif status["redis"]["state"] == "refusing":
        reasons.append(
            f"Redis answers but refuses every batch ({status['redis']['last_error']}); "
            f"{spool['events']} events spooled until it takes them"
        )
    elif status["redis"]["state"] == "unconfirmed":
        reasons.append(
            f"Redis takes the batches but too few replicas confirm them ({status['redis']['last_error']}); "
            f"{spool['events']} events spooled until they do"
        )
    elif status["breaker"]["state"] != "closed" and spool["events"]:
        reasons.append(f"the circuit breaker is {status['breaker']['state']}; {spool['events']} events spooled")
    # Published segments kept for dedupe are freed the moment room is needed: only
    # what waits for Redis counts towards full.
    if spool["bytes"] > SPOOL_WARN_FRACTION * spool["max_bytes"]:
        reasons.append(f"the spool is {spool['bytes'] * 100 // spool['max_bytes']}% full")
    if spool["dropped"]:
        reasons.append(f"{spool['dropped']} events were dropped from a full spool")
    skipped_unsent = (status.get("counters") or {}).get("skipped_unsent")
    if skipped_unsent:
        reasons.append(
            f"{skipped_unsent} events were skipped by the stream's high-water mark "
            "although hookd had never sent them: they are not in the stream (another daemon with this "
            "host and instance, or a mark set by hand; see the log's events_skipped_unsent); they are "
            "kept in unsent.jsonl in the state directory, for hookd replay --file once the mark is right"
        )
    refused = sorted((status["redis"].get("index_refused") or {}).items())
    for key, error in refused[:MAX_NAMED_FILES]:
        reasons.append(
            f"Redis refused to update the session index's key {key} ({error}): the events are in the "
            "stream, but this session's entry is not kept; something other than hookd wrote that key: "
            f"delete it (redis-cli DEL '{key}') and hookd writes it again with the session's next event"
        )
    if len(refused) > MAX_NAMED_FILES:
        reasons.append(f"{len(refused) - MAX_NAMED_FILES} more session index keys were refused (see status --json)")
    reasons += _liveness_reasons(status)
    reasons += [f"the directory {path} {problem}" for path, problem in (status.get("directories") or {}).items()]
    inbox = status.get("inbox") or {}
    if inbox.get("error"):
        reasons.append(
            f"the inbox {inbox['error']}: events hook-send keeps there (while hookd is away or slow) "
            "cannot be counted, nor taken; make it a directory of yours you can read (chmod 700)"
        )
    if inbox.get("spare_problem") and inbox.get("spare_events"):
        # Nothing moves them: shown on the spare inbox's line alone, it read as healthy.
        reasons.append(
            f"the spare inbox {inbox['spare']} holds {inbox['spare_events']} events that hookd does "
            f"not take: {inbox['spare_problem']}; make it a directory of yours only you can write "
            "to (chmod 700)"
        )
    unreadable = sorted((inbox.get("unreadable") or {}).items())
    for path, error in unreadable[:MAX_NAMED_FILES]:
        reasons.append(
            f"the inbox file {path} cannot be read ({error}); it is tried again on every sweep; "
            "check the disk, then move the file away if it stays unreadable"
        )
    more = max(inbox.get("unreadable_count", 0), len(unreadable)) - MAX_NAMED_FILES
    if more > 0:
        reasons.append(f"{more} more inbox files cannot be read")
    if spool.get("flush_error"):
        reasons.append(
            f"an fsync of the spool failed ({spool['flush_error']}) {spool['flush_failed_s']:g}s ago: the "
            "events written before it may not be on the disk, and are not counted as such until Redis has "
            f'them ({spool["events"]} events spooled; under spool_fsync = "batch" new events are refused and '
            "kept in hook-send's inbox meanwhile); check the disk (dmesg) and its free space"
        )
    if spool.get("disk_full"):
        refused = status["counters"]["rejected"].get("disk_full", 0)
        reasons.append(
            f"DISK FULL: the spool's filesystem has no space; "
            f"{spool['reserve_bytes'] >> 20} of {spool['reserve_target_bytes'] >> 20} MiB "
            f"of reserve left; {refused} events refused (kept by hook-send in its inbox "
            "or spare inbox); free space there"
        )
    return (DEGRADED if reasons else HEALTHY), reasons


def health(status: dict[str, Any], code: int) -> str:
    """healthy, degraded, or stalled: events wait and nothing moves them (hookd/liveness.py)."""
    if status.get("stalled"):
        return "stalled"
    return "healthy" if code == HEALTHY else "degraded"


def _liveness_reasons(status: dict[str, Any]) -> list[str]:
    """Reasons from the progress section; a daemon older than it has none of them."""
    reasons = [f"stalled: {reason}" for reason in status.get("stalled") or ()]
    lag = status.get("loop_lag_ms") or {}
    if lag.get("recent_p99") is not None and lag["recent_p99"] > liveness.LAG_WARN_S * 1000:
        reasons.append(
            f"the event loop runs late: p99 {lag['recent_p99']:.0f} ms over the last "
            f"{liveness.LAG_VERDICT_S:.0f} s, at worst {lag['max']:.0f} ms over the last minute"
        )
    logging = status.get("logging") or {}
    if logging.get("stderr_error"):
        where = logging["file"] if not logging.get("file_error") else f"nowhere ({logging['file_error']})"
        reasons.append(f"stderr failed ({logging['stderr_error']}); log lines go to {where}")
    if logging.get("dropped"):
        reasons.append(f"{logging['dropped']} log lines were dropped (stderr blocked or gone)")
    blocked = logging.get("blocked_s")
    if blocked is not None and blocked >= log_sink.BLOCKED_AFTER_S and logging.get("stderr_error"):
        reasons.append(f"the log file {logging['file']} has taken no line for {blocked:g}s; check its disk")
    elif blocked is not None and blocked >= log_sink.BLOCKED_AFTER_S:
        reasons.append(
            f"stderr has taken no log line for {blocked:g}s: whatever reads it (the journal, a pipe, a "
            f"paused terminal) has stopped reading; {logging.get('queued_bytes', 0):,} bytes of lines wait, "
            f"and lines are dropped once {log_sink.MAX_QUEUED_BYTES >> 20} MiB wait; make that reader read, "
            "or start hookd with its stderr to a file"
        )
    tasks = status.get("tasks") or {}
    if tasks.get("restarts"):
        reasons.append(
            "tasks restarted after failing: "
            + ", ".join(f"{name} {n}x" for name, n in sorted(tasks["restarts"].items()))
            + " (see the log)"
        )
    if tasks.get("callback_errors"):
        reasons.append(f"{tasks['callback_errors']} internal errors in connection handlers (see the log)")
    return reasons
