"""The UI's reads of hookd's session index (publish/session_index.py): one session's hash, and the
most recently active sessions. Beside the stream reads (ui/reader.py), with the requests' client."""

from __future__ import annotations

from typing import Any

import redis.exceptions

from hookd.publish.session_index import session_key_prefix, sessions_key
from hookd.publish.session_state import indexed_state
from hookd.publish.stream_replies import awaited, hash_fields, members
from hookd.ui.reader import Client
from hookd.ui.store import SessionSummary


def _text(row: dict[bytes, bytes]) -> dict[str, str]:
    return {k.decode("utf-8", "replace"): v.decode("utf-8", "replace") for k, v in row.items()}


class IndexReads:
    def __init__(self, client: Client, stream: str) -> None:
        self.client = client
        self.stream = stream

    async def indexed_session(self, session: str) -> dict[str, str]:
        """One session's entry in hookd's session index ({} when it has none)."""
        reply = await awaited("HGETALL", self.client.hgetall(session_key_prefix(self.stream) + session))
        return _text(hash_fields("HGETALL", reply))

    async def indexed_sessions(self, limit: int = 500) -> list[dict[str, str]]:
        """The most recently active sessions of the index, each with its hash's fields."""
        ids = members(
            "ZREVRANGE",
            await awaited("ZREVRANGE", self.client.zrevrange(sessions_key(self.stream), 0, limit - 1)),
            limit,
        )
        return await self.indexed_rows([sid.decode("utf-8", "replace") for sid in ids])

    async def indexed_rows(self, ids: list[str]) -> list[dict[str, str]]:
        """The hashes of the sessions named (in one round trip), each with its id as "s"; a session
        the index has no hash of is left out."""
        if not ids:
            return []
        prefix = session_key_prefix(self.stream)
        pipe = self.client.pipeline(transaction=False)
        for sid in ids:
            pipe.hgetall(prefix + sid)
        # One row Redis refuses (a hash someone made another type: WRONGTYPE) leaves that session
        # to what the stream holds, not every session of the index (hookd status names the key).
        replies = await awaited("HGETALL", pipe.execute(raise_on_error=False))
        rows = [
            {} if isinstance(row, redis.exceptions.ResponseError) else hash_fields("HGETALL", row) for row in replies
        ]
        return [{"s": sid, **_text(row)} for sid, row in zip(ids, rows) if row]


def summary_of(sid: str, summary: SessionSummary | None, row: dict[str, str]) -> dict[str, Any]:
    """A session's summary as the page is sent it: what the UI's memory holds of it, and its hash in
    hookd's index (``row``, {} for none) beside it. The index is written with the events, in the same
    script call, so it has every one; memory may hold a session's latest events only (the UI started
    after its Stop, and an idle reminder came since): its state is then the index's."""
    mine: dict[str, Any] = summary.as_dict() if summary else {"s": sid}
    if not row:
        return mine
    if summary is None or not summary.moved_to:
        mine["state"] = indexed_state(row)
    mine.setdefault("tok", None)
    mine["host"] = row.get("host") or mine.get("host", "")
    mine["cwd"] = row.get("cwd") or mine.get("cwd", "")
    mine["model"] = mine.get("model") or row.get("model", "")
    mine["first"] = int_field(row.get("first_seen_ms")) or mine.get("first", 0)
    mine["last"] = max(int_field(row.get("last_seen_ms")), mine.get("last", 0))
    mine["events"] = max(int_field(row.get("events")), mine.get("events", 0))
    mine["calls"] = max(int_field(row.get("tool_calls")), mine.get("calls", 0))
    mine["failures"] = max(int_field(row.get("tool_failures")), mine.get("failures", 0))
    return mine


def int_field(value: Any) -> int:
    """A count or time from an index hash's field; 0 when it is missing or not a number."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
