"""The health verdict drawn from a status document: the exit code, and each reason in words.

Each reason names what is wrong, what it costs (events spooled, lines dropped) and the fix.
Read from the document alone, so that `hookd status` judges a daemon by what it answered.
"""

from __future__ import annotations

from typing import Any

from hookd import liveness, log_sink
from hookd.ingest.inbox_files import listing_fix, spare_fix
from hookd.state import redis_down_fix
from hookd.units import plural

HEALTHY, DEGRADED, NOT_RUNNING, UNKNOWN = 0, 1, 2, 3
SPOOL_WARN_FRACTION = 0.8
# Redis answers in these states (its last_error says how), and the events wait for what ends the state.
SPOOLED_UNTIL = {
    "holding_writes": "Redis takes writes",
    "busy_script": "the script ends",
    "slow": "a batch crosses",
}
MAX_NAMED_FILES = 5  # unreadable inbox files (and refused index keys) named one by one among the reasons


def verdict(status: dict[str, Any]) -> tuple[int, list[str]]:
    """The exit code for a status, and the reasons when it is not healthy."""
    reasons = []
    spool = status["spool"]
    if status["redis"]["state"] == "down":
        reasons.append(
            f"redis is down ({status['redis']['last_error']}); {plural(spool['events'], 'event')} spooled, sent once it "
            f"answers; fix: {redis_down_fix(status['redis'].get('url') or '')}"
        )
    elif (until := SPOOLED_UNTIL.get(status["redis"]["state"])) is not None:
        reasons.append(f"{status['redis']['last_error']}; {plural(spool['events'], 'event')} spooled until {until}")
    elif status["redis"]["state"] == "refusing":
        reasons.append(
            f"Redis answers but refuses every batch ({status['redis']['last_error']}); "
            f"{plural(spool['events'], 'event')} spooled until it takes them"
        )
    elif status["redis"]["state"] == "unconfirmed":
        reasons.append(
            f"Redis takes the batches but too few replicas confirm them ({status['redis']['last_error']}); "
            f"{plural(spool['events'], 'event')} spooled until they do"
        )
    elif status["breaker"]["state"] != "closed" and spool["events"]:
        reasons.append(
            f"the circuit breaker is {status['breaker']['state']}; {plural(spool['events'], 'event')} spooled"
        )
    # Published segments kept for dedupe are freed the moment room is needed: only
    # what waits for Redis counts towards full.
    if spool["bytes"] > SPOOL_WARN_FRACTION * spool["max_bytes"]:
        reasons.append(f"the spool is {spool['bytes'] * 100 // spool['max_bytes']}% full")
    if spool["dropped"]:
        reasons.append(f"{plural(spool['dropped'], 'event')} dropped from a full spool")
    skipped_unsent = (status.get("counters") or {}).get("skipped_unsent")
    if skipped_unsent:
        reasons.append(
            f"{plural(skipped_unsent, 'event')} skipped by the stream's high-water mark "
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
        reasons.append(
            f"{plural(len(refused) - MAX_NAMED_FILES, 'more session index key')} refused (see status --json)"
        )
    reasons += _liveness_reasons(status)
    reasons += [f"the directory {path} {problem}" for path, problem in (status.get("directories") or {}).items()]
    inbox = status.get("inbox") or {}
    if inbox.get("error"):
        # snapshot.inbox_count's "cannot read <path>: <strerror>"; the path may hold ": " itself
        reasons.append(
            f"the inbox {inbox['error']}: events hook-send keeps there (while hookd is away or slow) "
            f"cannot be counted, nor taken; {listing_fix(inbox['error'].rpartition(': ')[2])}"
        )
    if inbox.get("spare_error") and not inbox.get("spare_problem"):
        # Where hook-send writes when the inbox cannot take a file: its events are not taken either.
        reasons.append(
            f"the spare inbox {inbox['spare_error']}: events hook-send keeps there cannot be counted, nor "
            f"taken; {listing_fix(inbox['spare_error'].rpartition(': ')[2])}"
        )
    if inbox.get("spare_problem") and inbox.get("spare_events"):
        # Nothing moves them: shown on the spare inbox's line alone, it read as healthy.
        reasons.append(
            f"the spare inbox {inbox['spare']} holds {plural(inbox['spare_events'], 'event')} that hookd does "
            f"not take: {inbox['spare_problem']}{spare_fix(inbox['spare_problem'])}"
        )
    unreadable = sorted((inbox.get("unreadable") or {}).items())
    for path, error in unreadable[:MAX_NAMED_FILES]:
        reasons.append(
            f"the inbox file {path} cannot be read ({error}); it is tried again on every sweep; "
            "check the disk, then move the file away if it stays unreadable"
        )
    more = max(inbox.get("unreadable_count", 0), len(unreadable)) - MAX_NAMED_FILES
    if more > 0:
        reasons.append(f"{plural(more, 'more inbox file')} cannot be read")
    not_removed = sorted((inbox.get("not_removed") or {}).items())
    for path, error in not_removed[:MAX_NAMED_FILES]:
        reasons.append(
            f"the inbox file {path} cannot be deleted ({error}) although its event is in the spool; a "
            "restarted hookd would take it again (the event published twice); let hookd delete files "
            "there (a read-only mount, or ReadWritePaths= in a systemd unit), or move the file away"
        )
    more = max(inbox.get("not_removed_count", 0), len(not_removed)) - MAX_NAMED_FILES
    if more > 0:
        reasons.append(f"{plural(more, 'more inbox file')} cannot be deleted")
    if spool.get("lost_events"):
        # Lost, not waiting: the events after them were sent; said until hookd restarts.
        reasons.append(
            f"{plural(spool['lost_events'], 'event')} {'was' if spool['lost_events'] == 1 else 'were'} lost to damage in the spool ({plural(spool['damaged_bytes'], 'byte')} "
            f"that failed their checksum, last in {spool['damage_at']}; the log's spool_damage_lost says where): "
            "the disk returned other bytes than hookd wrote, so they cannot be sent; the events after them "
            "were; check the disk (dmesg, smartctl) and move the spool to a sound one; a restart of hookd "
            "clears this line"
        )
    elif spool.get("damaged_bytes"):
        reasons.append(
            f"{plural(spool['damaged_bytes'], 'byte')} of the spool failed their checksum and were skipped (see the "
            "log's spool_damage_skipped for where): the disk returned other bytes than hookd wrote; check it "
            "(dmesg, smartctl); a restart of hookd clears this line"
        )
    if spool.get("read_error"):
        reasons.append(
            f"the spool cannot be read ({spool['read_error']}): "
            + (
                f"{plural(spool['events'], 'event')} wait"
                if spool.get("events_counted", True)
                else f"at least {plural(spool['events'], 'event')} wait (an earlier run's are counted once it reads)"
            )
            + " and are read again every second, none skipped; check the disk (dmesg)"
        )
    if spool.get("flush_error"):
        reasons.append(
            f"an fsync of the spool failed ({spool['flush_error']}) {spool['flush_failed_s']:g}s ago: the "
            "events written before it may not be on the disk, and are not counted as such until Redis has "
            f'them ({plural(spool["events"], "event")} spooled; under spool_fsync = "batch" new events are refused and '
            "kept in hook-send's inbox meanwhile); check the disk (dmesg) and its free space"
        )
    if spool.get("reserve_short") and not spool.get("disk_full"):
        reasons.append(
            f"the filesystem refused the spool's reserve ({spool['reserve_short']}): it holds "
            f"{spool['reserve_bytes'] >> 20} of {spool['reserve_target_bytes'] >> 20} MiB, so a full disk "
            "refuses events sooner; raise the quota or free space there, or lower spool_reserve_bytes"
        )
    if spool.get("disk_full"):
        refused = status["counters"]["rejected"].get("disk_full", 0)
        reasons.append(
            f"DISK FULL: the spool's filesystem has no space; "
            f"{spool['reserve_bytes'] >> 20} of {spool['reserve_target_bytes'] >> 20} MiB "
            f"of reserve left; {plural(refused, 'event')} refused (kept by hook-send in its inbox "
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
        reasons.append(f"{plural(logging['dropped'], 'log line')} dropped (stderr blocked or gone)")
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
        reasons.append(f"{plural(tasks['callback_errors'], 'internal error')} in connection handlers (see the log)")
    return reasons
