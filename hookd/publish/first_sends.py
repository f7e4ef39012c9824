"""Events the high-water mark skipped although hookd had never sent them: said, never silent.

The publish script skips an event at or below its sender's mark (script.py): that is what
makes a batch sent again harmless. A batch can only be a repeat if hookd sent it before, in
this run or (for what the spool held at start) an earlier one; an event numbered in this run
and above everything sent so far is on its first send. If the mark skips such an event, the
mark is ahead of anything this daemon published: another daemon shares its host and instance
(a state directory copied with a machine image), someone set the mark, or whatever answers on
redis_url says so without it being so. The events are not in the stream; before this they
were only counted as repeats, `hookd status` said healthy. Now each is counted
(``counters.skipped_unsent``, a reason in status) and logged (``events_skipped_unsent``, at
most once a minute), and kept: appended to ``unsent.jsonl`` in the state directory (a file of
envelopes, private, fsynced before the spool moves past them) for `hookd replay --file` once
the mark is put right. In a batch on its first send the seqs rise, and the mark only moves up
to what the script adds, so the events skipped are the batch's first ``skipped``.
tests/test_redteam6_redis_replies.py.
"""

from __future__ import annotations

import os

import structlog

from hookd.jsonl import one_line
from hookd.paths import UnsafePathError, open_private, write_all
from hookd.peers import Throttle
from hookd.publish.script import marks_key, sender
from hookd.spool import Batch, Event
from hookd.state import DaemonState

log = structlog.get_logger("hookd.publish")

LOG_EVERY_S = 60.0


class FirstSends:
    def __init__(
        self,
        stream: str,
        state: DaemonState,
        first_new_seq: int | None,
        unsent_path: str | None = None,
        unsent_dir_fd: int | None = None,
        run_sender: str | None = None,
    ) -> None:
        """``unsent_path``: the file the skipped events are appended to (None: not kept); with
        ``unsent_dir_fd`` (the state directory hookd holds), its last part in that directory.
        ``run_sender``: the sender (script.sender) this run numbers its events as; a batch of
        another's (an instance renewed at start, a host renamed) was numbered before this run."""
        self.marks = marks_key(stream)
        self.unsent_path = unsent_path
        self.unsent_dir_fd = unsent_dir_fd
        self.state = state
        # None: not known (a publisher built without a sequence); nothing is judged then.
        self.first_new_seq = first_new_seq
        self.run_sender = run_sender
        self.sent_max = 0  # of this run's sender: another's numbers (older) say nothing of its
        self.lines = Throttle(LOG_EVERY_S)

    def sending(self, batch: Batch) -> bool:
        """Note that ``batch`` goes out; whether this is its first send."""
        if not batch.events:
            return False
        if self.run_sender is not None and sender(batch.events[0]) != self.run_sender:
            # Numbered before this run, under another instance: a renewed sequence's numbers start
            # again from the clock, below the old instance's, so seqs alone would call the old
            # events first sends (a false alarm) and hide the new ones' (tests/test_redteam15_left_first_sends.py).
            return False
        first, last = batch.events[0].seq, batch.events[-1].seq
        fresh = self.first_new_seq is not None and first >= self.first_new_seq and first > self.sent_max
        self.sent_max = max(self.sent_max, last)
        return fresh

    def answered(self, batch: Batch, skipped: int, fresh: bool) -> None:
        """Redis skipped ``skipped`` events of ``batch``; on a first send that is no repeat."""
        if not (fresh and skipped):
            return
        self.state.skipped_unsent += skipped
        kept = self._keep(batch.events[:skipped])
        count = self.lines.ready("skipped")
        if count is not None:
            log.error(
                "events_skipped_unsent",
                skipped=skipped,
                total=self.state.skipped_unsent,
                sender=sender(batch.events[0]),
                first_seq=batch.events[0].seq,
                marks=self.marks,
                kept_in=kept,
                hint=(
                    "the high-water mark skipped events hookd had never sent, so they are not in the "
                    "stream: another daemon uses this host and instance (a copied state directory: "
                    "remove its sequence.instance), or the mark was set by hand (HGET the field "
                    "named by sender; HDEL it if no daemon should be there); then publish the kept "
                    "ones with hookd replay --file KEPT_IN"
                ),
            )

    def _keep(self, events: list[Event]) -> str | None:
        """Append ``events`` to the unsent file, durably; its path, or None if not kept."""
        if self.unsent_path is None:
            return None
        data = b"".join(one_line(event.envelope) + b"\n" for event in events)
        try:
            fd = open_private(self.unsent_path, os.O_WRONLY | os.O_APPEND, create=True, dir_fd=self.unsent_dir_fd)
            try:
                write_all(fd, data)
                os.fsync(fd)
            finally:
                os.close(fd)
        except (OSError, UnsafePathError) as exc:
            log.error("unsent_not_kept", path=self.unsent_path, events=len(events), error=str(exc))
            return None
        return self.unsent_path
