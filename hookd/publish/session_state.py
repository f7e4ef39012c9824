"""A session's state from its hooks: the one definition the session index (PUBLISH_BATCH writes
each session's `state`) and `hookd ui`'s memory of the events it read (ui/store.py) both use.

Each event either puts its session in a state or leaves the state as it was; the session's state
is the one its last event that put it in one gave. A session none of whose events did reads
"running".
"""

from __future__ import annotations

STATES = ("running", "waiting", "stopped", "ended", "failed")
# The Notification types of a session that waits on its user: a permission, an MCP server's form or
# its link, or an agent's question.
WAITING_NOTIFICATIONS = frozenset(
    ("permission_prompt", "elicitation_dialog", "elicitation_url_dialog", "agent_needs_input")
)
# Events that say something of a session without moving it on, unless they say it waits: a stopped
# session that Claude Code's idle reminder (idle_prompt) or a login (auth_success) follows is still
# stopped, and one that waits on a permission still waits after its idle reminder.
ASIDES = frozenset(("Notification", "PermissionDenied"))
_ENDS = {"Stop": "stopped", "SessionEnd": "ended", "StopFailure": "failed"}


def state_after(hook: str, notification_type: object = None) -> str:
    """The state an event of ``hook`` puts its session in ('' when it leaves it as it was)."""
    # The type is whatever JSON the hook gave: a list or an object is unhashable, and raised here while the
    # publisher built a batch's arguments, which stopped publishing.
    waits = isinstance(notification_type, str) and notification_type in WAITING_NOTIFICATIONS
    if hook == "PermissionRequest" or (hook == "Notification" and waits):
        return "waiting"
    if hook in ASIDES:
        return ""
    return _ENDS.get(hook, "running")


def indexed_state(row: dict[str, str]) -> str:
    """A session's state from its hash in the index, as each hookd version writes it.

    - Before `state` (h265): only the hook of the session's last event (`last_hook`), which tells
      as much as that hook does.
    - `state` without `state_events` (h265 to h279): `state` is the last state an event gave. An
      older hookd's later events leave it behind; its `last_hook` then gives another state, and wins.
      An aside (an idle reminder) gives none: the `state` stands.
    - `state` and `state_events` (the hash's count of events when `state` was last the session's):
      taken while the count is the hash's. An older hookd's events since (an upgrade then a downgrade)
      count on without it: its last one read by its `last_hook`, but for a lone aside since, which
      leaves the state as it was (the older hookd writes no notification type: a waiting one is told
      from a reminder by the PermissionRequest before it, which gives "waiting" itself)."""
    state = row.get("state", "")
    if state not in STATES:
        return state_after(row.get("last_hook", "")) or "running"
    last = state_after(row.get("last_hook", ""))
    if "state_events" not in row:
        return last if last and last != state else state
    if row["state_events"] == row.get("events"):
        return state
    events, known = _count(row.get("events")), _count(row["state_events"])
    if not last and events is not None and known is not None and events == known + 1:
        return state
    return last or "running"


def _count(text: str | None) -> int | None:
    return int(text) if text and text.isascii() and text.isdigit() else None
