"""The rows of `hookd status` that say whether the daemon moves: its loop's lag, its progress (publish
and flush), the frames it holds, and where its log goes (status_text.py shows them with the rest)."""

from __future__ import annotations

from typing import Any

from hookd.units import format_age, format_bytes, plural


def liveness_rows(status: dict[str, Any]) -> list[tuple[str, str]]:
    """Loop lag and progress (hookd/liveness.py); nothing for a daemon older than them."""
    rows = []
    lag = status.get("loop_lag_ms")
    if lag:
        rows.append(
            (
                "loop lag",
                "no samples yet"
                if not lag["samples"]
                else f"p50 {lag['p50']} ms  p99 {lag['p99']} ms  max {lag['max']} ms over 1 min",
            )
        )
    progress = status.get("progress")
    if progress:

        def ago(s: float | None) -> str:
            return "never" if s is None else f"{format_age(s)} ago"

        text = f"publish tried {ago(progress['publish_attempt_s'])}, succeeded {ago(progress['publish_success_s'])}"
        if progress["publish_waiting_s"] is not None and progress["publish_waiting_s"] >= 1:
            text += f", waiting {format_age(progress['publish_waiting_s'])} for Redis"
            size = progress.get("publish_waiting_bytes")
            if size and progress.get("publish_allowed_extra_s"):
                # Status must not read as a Redis that does not answer while a large batch crawls.
                text += (
                    f" to take a batch of {format_bytes(size)} (given "
                    f"{format_age(progress['publish_allowed_extra_s'])} past redis_timeout_s to cross the link)"
                )
        text += f"; spool flushed {ago(progress['flush_s'])}"
        rows.append(("progress", text))
    frames = status.get("pending_frames")
    if frames and (frames["bytes"] or frames["pauses"]):
        rows.append(
            (
                "frames",
                f"{format_bytes(frames['bytes'])} of {format_bytes(frames['limit'])} "
                f"held in unfinished frames by {plural(frames['connections'], 'connection')}, "
                f"{frames['waiting']} waiting; budget full {plural(frames['pauses'], 'time')}",
            )
        )
    logging = status.get("logging")
    if logging:
        text = f"to {logging['file']}" if logging["stderr_error"] else "to stderr"
        if logging["dropped"]:
            text += f", {plural(logging['dropped'], 'line')} dropped"
        if logging.get("blocked_s"):
            text += f", a write waiting {logging['blocked_s']:g}s"
        rows.append(("logging", text))
    return rows
