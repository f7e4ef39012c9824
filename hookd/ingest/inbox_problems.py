"""The inbox files hookd cannot deal with now: refused frames it cannot move to rejected/, and files
whose read fails. Each is said once (unreadable ones at most one line a minute, set-aside ones a few
lines per interval), passed over by the sweep so that the files after it are taken, tried again on every sweep, and shown by `hookd status`."""

from __future__ import annotations

import os

import structlog

from hookd.ingest.inbox_files import listing_fix, remove
from hookd.paths import UnsafePathError, open_private_dir
from hookd.peers import Throttle

log = structlog.get_logger("hookd.inbox")

# One inbox_file_unreadable line per interval, however many files fail (the next says how many).
UNREADABLE_LOG_EVERY_S = 60.0
# Set-aside lines, as event_rejected's before them (pipeline/refusal_counts.py): a flood of refused
# files is a few lines an interval, each saying how many it stands for, not a line a file.
SET_ASIDE_LOG_EVERY_S = 10.0
SET_ASIDE_LINES_PER_INTERVAL = 20


class ProblemFiles:
    def __init__(self) -> None:
        # Refused frames that could not be moved to rejected/ (path -> why): counted and said
        # once, passed over by later sweeps, which only try the move again.
        self.not_set_aside: dict[str, str] = {}
        # Files whose read failed (path -> error), tried again on every sweep; for status.
        self.unreadable: dict[str, str] = {}
        self.unreadable_total = 0
        # Files whose events are spooled but that could not be deleted (path -> error): passed
        # over by later sweeps, since taking one again once its hand-off id is forgotten (a minute)
        # would publish its event again; for status.
        self.not_removed: dict[str, str] = {}
        self.linked_total = 0  # taken files that had other names, emptied (linked)
        self._lines = Throttle(UNREADABLE_LOG_EVERY_S)
        self._aside_lines = Throttle(SET_ASIDE_LOG_EVERY_S, burst=SET_ASIDE_LINES_PER_INTERVAL)
        # Inbox directories a sweep could not open (path -> why): their events wait, and only
        # status showed it; now said once per cause, and again when they open.
        self.closed_dirs: dict[str, str] = {}

    def directory(self, path: str, problem: str | None) -> None:
        """What a sweep found opening the inbox directory ``path``: None when it opened (or is
        absent, made again when needed), else why not."""
        if problem == self.closed_dirs.get(path):
            return
        if problem is None:
            del self.closed_dirs[path]
            log.info("inbox_readable", directory=path)
            return
        self.closed_dirs[path] = problem
        log.error(
            "inbox_unreadable",
            directory=path,
            error=problem,
            hint="events hook-send keeps there are not taken while this lasts; " + listing_fix(problem),
        )

    def forget_gone(self) -> None:
        """Drop the files that are gone (the user moved them)."""
        for path in [p for p in self.not_set_aside if not os.path.lexists(p)]:
            del self.not_set_aside[path]
        for path in [p for p in self.unreadable if not os.path.lexists(p)]:
            del self.unreadable[path]
        for path in [p for p in self.not_removed if not os.path.lexists(p)]:
            del self.not_removed[path]

    def readable(self, path: str) -> None:
        """The file was read: no longer unreadable, if it was."""
        if self.unreadable.pop(path, None) is not None:
            log.info("inbox_file_readable", file=path)

    def set_aside(self, path: str, dir_fd: int) -> None:
        """Move a refused frame to rejected/ beside it; one that cannot be moved stays where it is,
        said once (the sweep goes on past it, and tries the move again on each sweep). Both ends
        are reached from ``dir_fd``, the inbox as the sweep holds it: a directory put in its place
        meanwhile neither gives the file nor receives it."""
        name = os.path.basename(path)
        rejected_dir = os.path.join(os.path.dirname(path), "rejected")
        target = os.path.join(rejected_dir, name.lstrip("."))
        try:
            rejected_fd = open_private_dir(rejected_dir, dir_fd)
        except (OSError, UnsafePathError) as exc:
            self._not_set_aside(path, str(exc))
            return
        try:
            os.replace(name, os.path.basename(target), src_dir_fd=dir_fd, dst_dir_fd=rejected_fd)
        except FileNotFoundError:
            self.not_set_aside.pop(path, None)  # gone: the user moved it
            return
        except OSError as exc:
            self._not_set_aside(path, str(exc))
            return
        finally:
            os.close(rejected_fd)
        self.not_set_aside.pop(path, None)
        count = self._aside_lines.ready("set_aside")
        if count is None:
            return
        log.warning(
            "inbox_file_set_aside",
            file=target,
            count=count,
            hint="hookd refused this frame (see the event_rejected line before); "
            "it is kept for inspection and can be deleted",
        )

    def unreadable_file(self, path: str, exc: OSError) -> None:
        error = exc.strerror or str(exc)
        if path not in self.unreadable:
            self.unreadable_total += 1
            count = self._lines.ready("unreadable")
            if count is not None:
                log.error(
                    "inbox_file_unreadable",
                    file=path,
                    error=error,
                    count=count,
                    total=self.unreadable_total,
                    hint="hookd cannot read this inbox file (a disk error?); it is left where it is and "
                    "tried again on every sweep, the files after it are taken; check the disk, then "
                    "move the file away if it stays unreadable",
                )
        self.unreadable[path] = error  # as many as the inbox lists: the sweep reads each anyway

    def _not_set_aside(self, path: str, why: str) -> None:
        if path not in self.not_set_aside and (count := self._aside_lines.ready("not_set_aside")) is not None:
            log.error(
                "inbox_file_not_set_aside",
                file=path,
                error=why,
                count=count,
                hint="hookd refused this frame (see the event_rejected line before) but cannot move it to "
                "rejected/ beside it; it stays here, and is moved once rejected/ is a private directory of yours",
            )
        self.not_set_aside[path] = why

    def not_removable(self, path: str, exc: OSError) -> None:
        """A file whose event is spooled could not be deleted: said at the first such file, then
        one line per interval, and kept from being taken again."""
        if path not in self.not_removed:
            count = self._lines.ready("not_removed")
            if count is not None:
                log.error(
                    "inbox_file_not_removed",
                    file=path,
                    error=exc.strerror or str(exc),
                    count=count,
                    total=len(self.not_removed) + 1,
                    hint="its event is in the spool, and this hookd does not take the file again; a "
                    "restarted one would (its event published twice): let hookd delete files there "
                    "(a read-only mount, or ReadWritePaths= in a systemd unit), or move the file away",
                )
        self.not_removed[path] = exc.strerror or str(exc)

    def linked(self, path: str, others: int) -> None:
        """A taken file still had ``others`` other names when hookd deleted its own, and was emptied
        (inbox_files.remove): counted, and said at most one line per interval."""
        self.linked_total += 1
        if (count := self._lines.ready("linked")) is not None:
            log.warning(
                "inbox_file_linked",
                file=path,
                names=others,
                count=count,
                total=self.linked_total,
                hint="this inbox file had another name (a hard link: an ln, a cp -al of the state directory); "
                "it held the event as hook-send wrote it, before redaction, so hookd emptied it once the spool "
                "had the redacted event: the other name is left as an empty file; copy the state directory "
                "without -l (or with hookd stopped and the inbox empty), and remove the empty files",
            )

    def remove_again(self, path: str, dir_fd: int) -> None:
        """Try again to delete a file whose event is spooled (the mount made writable meanwhile)."""
        try:
            if others := remove(path, dir_fd):
                self.linked(path, others)
        except FileNotFoundError:
            pass
        except OSError:
            return
        del self.not_removed[path]
        log.info("inbox_file_removed", file=path)
