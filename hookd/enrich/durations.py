"""Tool-call durations: a PostToolUse paired with the PreToolUse of the same tool_use_id.

The daemon remembers when each PreToolUse was sent until its Post event comes.
Memory is bounded: at most ``cap`` calls are remembered (the oldest are
forgotten first), and a call older than ``max_age_s`` is forgotten when it is
found, so a Pre whose Post never comes (a denied call, a hook set only on
PreToolUse, a crash of the agent) costs nothing for long.
"""

from __future__ import annotations

from collections import OrderedDict


class PendingCalls:
    def __init__(self, cap: int = 10_000, max_age_s: float = 6 * 3600) -> None:
        self.cap = cap
        self.max_age_ns = int(max_age_s * 1e9)
        self._started: OrderedDict[str, tuple[int | None, int]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._started)

    def started(self, tool_use_id: str, sent_ns: int | None, received_ns: int) -> None:
        """Remember a PreToolUse; a repeat of one already remembered keeps the first."""
        if tool_use_id in self._started:
            return
        self._started[tool_use_id] = (sent_ns, received_ns)
        self._forget_old(received_ns)

    def finished(self, tool_use_id: str, sent_ns: int | None, received_ns: int) -> int | None:
        """Milliseconds since the call's PreToolUse, or None when it is not remembered.

        The senders' clocks (hook-send's ``sent``) are used when both events
        have one: an event that waited in hook-send's inbox reaches the daemon
        late, but was sent on time. Otherwise the daemon's arrival times.
        """
        start = self._started.pop(tool_use_id, None)
        if start is None:
            return None
        start_sent, start_received = start
        if received_ns - start_received > self.max_age_ns:
            return None
        if start_sent is not None and sent_ns is not None:
            elapsed = sent_ns - start_sent
        else:
            elapsed = received_ns - start_received
        return max(0, elapsed) // 1_000_000

    def _forget_old(self, now_ns: int) -> None:
        started = self._started
        while len(started) > self.cap:
            started.popitem(last=False)
        while started:
            _, (_, received) = next(iter(started.items()))
            if now_ns - received <= self.max_age_ns:
                break
            started.popitem(last=False)
