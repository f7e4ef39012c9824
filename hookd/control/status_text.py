"""The status document as `hookd status` shows it: one row per part, reasons in yellow.

Everything shown that events or settings files name is passed through ``visible``:
shown, never acted on.
"""

from __future__ import annotations

from typing import Any, Callable

from hookd.control.status_liveness import liveness_rows
from hookd.terminal.text import visible
from hookd.units import format_age, format_bytes, plural

GREEN, YELLOW, RED, RESET = "\x1b[32m", "\x1b[33m", "\x1b[31m", "\x1b[0m"
STATE_LABELS = {
    "refusing": "refusing batches",
    "unconfirmed": "replicas behind",
    "slow": "answering, link too slow",
    "holding_writes": "answering, holding writes",
    "busy_script": "answering BUSY, running a script",
}


# Colours a text with a terminal escape (or leaves it plain).
Paint = Callable[[str, str], str]


def render(status: dict[str, Any], code: int, color: bool) -> str:
    paint: Paint = (lambda text, c: f"{c}{text}{RESET}") if color else (lambda text, c: text)
    if status.get("running") is None and status.get("health") in ("starting", "stalled"):
        said = paint("stalled", RED) if status["health"] == "stalled" else paint("starting", YELLOW)
        reasons = "".join(f"\n  {paint(f'! {visible(reason)}', YELLOW)}" for reason in status.get("reasons", ()))
        return f"hookd: {said}: {visible(status['error'])}{reasons}"
    if status.get("running") is None:
        return f"hookd: {paint('cannot tell', RED)}: {status['error']}"
    if status["running"] is False:
        return _render_offline(status, paint)
    verdict = paint("healthy", GREEN) if code == 0 else paint("degraded", YELLOW)
    if status.get("health") == "stalled":
        verdict = paint("stalled", RED)
    rows = [("hookd", f"{status['version']}, pid {status['pid']}, up {format_age(status['uptime_s'])}: {verdict}")]
    # Reasons and Redis's errors can quote what events name (a session's key in a refused
    # command): shown, never acted on.
    rows += [("", paint(f"! {visible(reason)}", YELLOW)) for reason in status["reasons"]]
    redis = status["redis"]
    label = STATE_LABELS.get(redis["state"], redis["state"])  # publish/health.py
    state = paint("up", GREEN) if redis["state"] == "up" else paint(label, RED)
    line = f"{redis['url']}  {state}"
    if redis["state"] != "up" and redis["last_error"]:
        line += f" for {format_age(redis['down_for_s'] or 0)}: {visible(redis['last_error'])}"
    if redis.get("open_to_all"):
        line += paint("  open: it answers without a password, so anyone who can connect reads the stream", RED)
    rows.append(("redis", line))
    # Redis's loss, not hookd's: said in red, without changing the exit code (hookd's events move).
    lost = redis.get("lost") or []
    if lost:
        rows.append(
            (
                "",
                paint(f"! {visible(lost[-1])} ({plural(len(lost), 'such loss', 'such losses')} seen in this run)", RED),
            )
        )
    if redis.get("sentinels_mute"):
        mute = ", ".join(visible(address) for address in redis["sentinels_mute"])
        times = plural(redis["sentinel_mutes"], "time")
        rows.append(("", paint(f"! sentinel {mute} mute: asked in the background, not waited for ({times})", YELLOW)))
    for wait in redis.get("waiting_on") or ():
        # a step under a second old is the ordinary round (the master watch asks the sentinels every second)
        if wait["for_s"] >= 1:
            rows.append(("", paint(f"! waiting on {visible(wait['line'])}", YELLOW)))
    for address, reason in (redis.get("sentinels_failing") or {}).items():
        rows.append(("", paint(f"! sentinel {visible(address)}: {visible(reason)}", YELLOW)))
    breaker = status["breaker"]
    text = breaker["state"].replace("_", "-")
    if breaker["state"] != "closed":
        text = paint(text, YELLOW) + (
            f", {plural(breaker['failures'], 'failure')} in a row, next try in {breaker['next_attempt_in_s']:.1f}s"
        )
    rows.append(("breaker", text))
    spool = status["spool"]
    oldest = "" if spool["oldest_age_s"] is None else f", oldest {format_age(spool['oldest_age_s'])} old"
    rows.append(
        (
            "spool",
            f"{_spool_events(spool)} waiting, {format_bytes(spool['bytes'])}{oldest}; "
            f"{format_bytes(spool['disk_bytes'])} of {format_bytes(spool['max_bytes'])} on disk; "
            f"fsync {spool['fsync']}" + (f"; {spool['dropped']:,} dropped" if spool["dropped"] else ""),
        )
    )
    inbox = status["inbox"]
    linked = paint(f"; {plural(inbox['linked'], 'linked file')} emptied", YELLOW) if inbox.get("linked") else ""
    rows.append(("inbox", _inbox_waiting(inbox, paint, "waiting") + f", {inbox['taken']:,} taken{linked}"))
    if inbox.get("spare_events") or inbox.get("spare_problem"):
        rows.append(
            (
                "spare inbox",
                f"{inbox['spare']}: {inbox.get('spare_events', 0):,} waiting"
                + (paint(f"; not swept: {inbox['spare_problem']}", RED) if inbox.get("spare_problem") else ""),
            )
        )
    work = status.get("work") or {}
    if work.get("over_budget") or work.get("worker_failed"):
        rows.append(
            (
                "work",
                paint(
                    f"{plural(work['over_budget'], 'event')} over work_budget_ms, "
                    f"{work['worker_failed']:,} the worker failed on: payloads withheld",
                    YELLOW,
                ),
            )
        )
    if spool.get("redacted_on_publish"):
        left = spool["redacted_on_publish"]
        rows.append(
            (
                "backlog",
                paint(
                    f"{plural(left['events'], 'event')} spooled under other redaction settings are redacted again as "
                    f"they are published: the disk could not take redacted copies ({left['error']})",
                    YELLOW,
                ),
            )
        )
    if spool.get("disk_full"):
        rows.append(
            (
                "disk",
                paint(
                    f"DISK FULL, reserve {format_bytes(spool['reserve_bytes'])} of "
                    f"{format_bytes(spool['reserve_target_bytes'])} left",
                    RED,
                ),
            )
        )
    counters = status["counters"]
    rejected = ", ".join(f"{k} {v:,}" for k, v in sorted(counters["rejected"].items())) or "none"
    rows.append(
        (
            "events",
            f"received {counters['received']:,}, published {counters['published']:,} "
            f"in {plural(counters['batches'], 'batch', 'batches')}, "
            f"deduplicated {counters['deduplicated']:,}, redacted {counters['redacted']:,}",
        )
    )
    rows.append(("rejected", rejected))
    if counters.get("withheld"):  # taken with a marker: hook-send did not hold a payload over max_event_bytes
        withheld = ", ".join(f"{k} {v:,}" for k, v in sorted(counters["withheld"].items()))
        rows.append(("withheld", paint(f"{withheld}: payloads the sender dropped, markers kept", YELLOW)))
    # Other users' connections and untokened HTTP requests (docs/security.md): shown once there are any.
    refused = {f"{k} socket": v for k, v in (counters.get("refused_peers") or {}).items()}
    refused.update({f"http {k}": v for k, v in ((status.get("http") or {}).get("refused") or {}).items()})
    if counters.get("control_unread"):
        refused["control answers unread"] = counters["control_unread"]
    refused.update({f"control {k}": v for k, v in (counters.get("control_refused") or {}).items()})
    if refused:
        rows.append(("refused", ", ".join(f"{k} {v:,}" for k, v in sorted(refused.items()))))
    redactions = counters.get("redactions") or {}
    rows.append(("redacted", ", ".join(f"{k} {v:,}" for k, v in sorted(redactions.items())) or "none"))
    rows.append(("rate", f"{status['rates']['1m']:.2f}/s over 1 min, {status['rates']['5m']:.2f}/s over 5 min"))
    for name, lat in status["latency_ms"].items():
        rows.append(
            (
                f"{name} ms",
                "no samples yet"
                if not lat["samples"]
                else f"p50 {lat['p50']}  p95 {lat['p95']}  p99 {lat['p99']}  ({plural(lat['samples'], 'sample')})",
            )
        )
    rows += liveness_rows(status)
    # Hook names come from payloads: shown, never acted on (an escape sequence, a newline forging a row).
    hooks = ", ".join(f"{visible(k)} {v:,}" for k, v in status["by_hook"].items()) or "none yet"
    rows.append(("hooks", hooks))
    proc = status["process"]
    rows.append(
        (
            "process",
            f"rss {format_bytes(proc['rss_bytes'])}, cpu {proc['cpu_percent']:.1f}%, "
            f"{plural(proc['open_fds'], 'fd')}, {plural(proc['threads'], 'thread')}",
        )
    )
    rows.append(("socket", status["socket"]))
    # They quote settings files, the project's among them (a checkout's): shown, never acted on.
    rows += [("hooks", paint(f"! {visible(problem)}", YELLOW)) for problem in status.get("hooks_problems", [])]
    rows += [("hooks", f"note: {visible(note)}") for note in status.get("hooks_notes", [])]
    rows += _port_rows(status, paint)
    if status.get("http"):
        http = status["http"]
        answers = ", ".join(f"{s} {n:,}" for s, n in http["by_status"].items()) or "none yet"
        rows.append(
            ("http", f"http://{http['addr']}/hook, {plural(http['connections'], 'connection')}; answers {answers}")
        )
    return _table(rows)


def _render_offline(status: dict[str, Any], paint: Paint) -> str:
    spool = status["spool"]
    if "error" in spool:
        spool_text = spool["error"]
    else:
        spool_text = f"{plural(spool['events'], 'event')} waiting, {format_bytes(spool['bytes'])}"
        if spool["oldest_received_at"]:
            spool_text += f", oldest received {spool['oldest_received_at']}"
    return _table(
        [
            ("hookd", paint("not running", RED) + f" ({status['error']})"),
            ("spool", spool_text),
            *_unsure_rows(spool.get("unsure"), paint),
            ("inbox", _inbox_waiting(status["inbox"], paint, "waiting", "event")),
            *_offline_spare_rows(status["inbox"]),
            ("state", status["state_dir"]),
            *_offline_lock_rows(status, paint),
            *[("hooks", paint(f"! {visible(problem)}", YELLOW)) for problem in status.get("hooks_problems", [])],
            *[("hooks", f"note: {visible(note)}") for note in status.get("hooks_notes", [])],
            *_port_rows(status, paint),
            ("start", "hookd run  (or: systemctl --user start hookd)"),
        ]
    )


def _offline_lock_rows(status: dict[str, Any], paint: Paint) -> list[tuple[str, str]]:
    """Whether a hookd holds the state directory, when it could not be read: one may, so "start" may not be the fix."""
    error = (status.get("lock") or {}).get("error")
    return [("lock", paint(f"! {visible(error)}", YELLOW))] if error else []


def _offline_spare_rows(inbox: dict[str, Any]) -> list[tuple[str, str]]:
    """Events in the spare inbox, shown once there are any: hookd takes them at its next start."""
    if not inbox.get("spare_events"):
        return []
    return [("spare inbox", f"{inbox['spare']}: {plural(inbox['spare_events'], 'event')} waiting")]


def _port_rows(status: dict[str, Any], paint: Paint) -> list[tuple[str, str]]:
    """Another user on a port of hookd's (hooks/ports.py): the HTTP hooks' port in red."""
    return [
        ("ports", paint(f"! {visible(problem)}", RED if problem.startswith("SECURITY") else YELLOW))
        for problem in status.get("port_problems", [])
    ]


def _unsure_rows(unsure: dict[str, Any] | None, paint: Paint) -> list[tuple[str, str]]:
    if not unsure:
        return []
    text = (
        f"! an fsync of the spool failed before hookd stopped ({visible(unsure['error'] or 'errno ' + str(unsure['errno']))}):"
        " events written before it may not be on the disk, and hookd run holds the failure until Redis has"
        " them. Check the disk (dmesg), then start hookd"
    )
    return [("fsync", paint(text, RED))]


def _inbox_waiting(inbox: dict[str, Any], paint: Paint, waiting: str, noun: str = "") -> str:
    if inbox.get("error"):
        return paint(f"{inbox['error']}: its events cannot be counted", RED)
    return f"{plural(inbox['events'], noun) if noun else format(inbox['events'], ',')} {waiting}"


def _table(rows: list[tuple[str, str]]) -> str:
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


def _spool_events(spool: dict[str, Any]) -> str:
    """What waits; while an earlier run's backlog cannot be read, this run's only: a lower bound, said so."""
    if spool.get("events_counted", True):
        return plural(spool["events"], "event")
    return f"at least {plural(spool['events'], 'event')} (an earlier run's not counted yet: the spool cannot be read)"
