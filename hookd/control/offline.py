"""What `hookd status` reads from the disk when no daemon answers: the spool, the inbox, and the mark
of a failed fsync (spool/unsure.py) that the last run left."""

from __future__ import annotations

from typing import Any

from hookd.config import Config
from hookd.control import snapshot
from hookd.paths import UnsafePathError
from hookd.spool.inspect import summarize
from hookd.spool.unsure_file import read_unsure


def offline(config: Config, why: str) -> dict[str, Any]:
    """What can be read from the disk when no daemon answers."""
    try:
        spool = summarize(config.spool_dir)
        oldest = spool.oldest_received_at
        spool_info: dict[str, Any] = {"events": spool.events, "bytes": spool.bytes, "oldest_received_at": oldest}
    except OSError as exc:
        spool_info = {"error": f"cannot read {config.spool_dir}: {exc.strerror}"}
    if spool_info.get("events"):
        spool_info["unsure"] = _unsure_mark(config.spool_dir)
    return {
        "running": False,
        "error": why,
        "socket": config.socket,
        "control_socket": config.control_socket,
        "state_dir": config.state_dir,
        "spool": spool_info,
        "inbox": {**snapshot.inbox_count(config.inbox_dir), **_spare(config)},
    }


def _spare(config: Config) -> dict[str, Any]:
    """The spare inbox's count: hook-send keeps events there when the inbox cannot be written (a
    read-only home, a full disk), and a stopped hookd's status read "0 events waiting" beside them."""
    if not config.spare_inbox:
        return {}
    counted = snapshot.inbox_count(config.spare_inbox)
    return {"spare": config.spare_inbox, "spare_events": counted["events"], "spare_error": counted.get("error")}


def _unsure_mark(spool_dir: str) -> dict[str, Any] | None:
    """The failed fsync a run left marked (spool/unsure.py): its events may not be on the disk."""
    try:
        unsure = read_unsure(spool_dir)
    except (OSError, UnsafePathError):
        return None
    return None if unsure is None else {"errno": unsure.errno, "error": unsure.error}
