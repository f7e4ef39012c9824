"""hookd's own directories while it runs: still the ones it checked at start, and still private.

hookd checks its state directory, spool and inbox when it starts (paths.open_private_dir) and
holds the state directory and the spool open, reaching their files relative to them. One
opened to others afterwards (a `chmod 777`, a restored backup, a tool run under another umask)
lets another user remove the owner's events, or move the spool aside and put a directory of
theirs in its place (hookd goes on in its own, which hook-send and hookd's commands no longer
reach); one removed (an `rm -rf` of the state directory) leaves hookd writing to a segment no
path reaches. `hookd status` said healthy through both (tests/test_redteam9_state_dir.py). Now
status asks this watch, which looks again each time (what changed, and the fix), and the watch
logs each change as it finds it.

Each look (an lstat of the directory and a stat of each directory above it) is made in a thread of
its own, one at a time per directory (unjoined.py): on a mount that stopped answering the look does
not return, and made on the event loop it froze the daemon, status, and the stop with it. A look
that has not returned within WAIT_S is reported as such, naming the mount; past stall_after_s it is
a stall (daemon/parts.py).
"""

from __future__ import annotations

import asyncio
import functools
import os
import time
from collections.abc import Iterable, Mapping

import structlog

from hookd.mounts import mount_of, not_answering
from hookd.trust import UnsafePathError, check_ancestors, describe, why_untrusted
from hookd.unjoined import off_loop

log = structlog.get_logger("hookd")

CHECK_S = 1.0

# How long status waits for a look before it reports the directory's filesystem as not answering.
WAIT_S = 1.0


class DirectoryWatch:
    """``kept``: directories that must stay the very ones hookd opened at start (it holds files in
    them: the state directory, the spool); ``checked``: directories that may be made afresh while
    hookd runs (hook-send makes the inbox again if it is gone) but must stay private."""

    def __init__(self, kept: Mapping[str, int], checked: Iterable[str] = ()) -> None:
        """``kept`` maps each path to the descriptor hookd holds it by: the identity to keep is the
        held directory's, not whatever the path reaches by now."""
        self.identities: dict[str, tuple[int, int] | None] = {}
        for path, fd in kept.items():
            info = os.fstat(fd)
            self.identities[os.path.abspath(path)] = (info.st_dev, info.st_ino)
        for path in checked:
            self.identities.setdefault(os.path.abspath(path), None)
        # Looked up now, while the filesystems answer: a mount that hangs later is named by it.
        self.mounts = {path: mount_of(path) for path in self.identities}
        self.looks: dict[str, tuple[asyncio.Future[str | None], float]] = {}  # path -> the look under way, since
        self.found: dict[str, str] = {}

    def problems(self) -> dict[str, str]:
        """Each directory that is not as it should be -> what is wrong and the fix, one sentence
        that follows its path; as the last look found it (``look``)."""
        return dict(self.found)

    async def look(self) -> dict[str, str]:
        """Look at each directory again, off the loop, waiting at most WAIT_S: a look under way is
        shared, not started again, so a hung mount holds one thread per directory, not one per ask."""
        mine = {}
        for path, identity in self.identities.items():
            if path not in self.looks:
                call = functools.partial(_problem, path, identity)
                self.looks[path] = (asyncio.ensure_future(off_loop(call, "hookd-dir-watch")), time.monotonic())
            mine[path] = self.looks[path]
        await asyncio.wait([future for future, _ in mine.values()], timeout=WAIT_S)
        found = {}
        for path, (future, since) in mine.items():
            if future.done():
                if self.looks.get(path, (None, 0.0))[0] is future:
                    del self.looks[path]
                problem = future.result()
            else:
                problem = f"cannot be looked at (waited {time.monotonic() - since:.1f}s): {self._hung(path)}"
            if problem is not None:
                found[path] = problem
        self.found = found
        return found

    def stalled(self, after_s: float, now: float) -> list[str]:
        """A reason for each look that has waited past ``after_s`` (liveness: nothing is said while it hangs)."""
        return [
            f"the check of {path} has waited {now - since:.1f}s: {self._hung(path)}"
            for path, (future, since) in self.looks.items()
            if not future.done() and now - since > after_s
        ]

    def _hung(self, path: str) -> str:
        return f"{not_answering(self.mounts[path])}; check that mount"

    async def run(self) -> None:
        """Look every CHECK_S and log each change once (``directory_untrusted``, and
        ``directory_private_again``): status says it when asked, the log when it happens."""
        said: dict[str, str] = {}
        try:
            while True:
                await asyncio.sleep(CHECK_S)
                looked = await self.look()
                # A look that has not returned is a stall, said by the stalls task (daemon/stalls.py) once.
                found = {path: problem for path, problem in looked.items() if path not in self.looks}
                for path, problem in found.items():
                    if said.get(path) != problem:
                        log.error("directory_untrusted", directory=path, problem=problem)
                for path in said.keys() - found.keys() - self.looks.keys():
                    log.info("directory_private_again", directory=path)
                said = {path: said[path] for path in said.keys() & self.looks.keys()} | found
        finally:
            for future, _ in self.looks.values():
                future.cancel()  # its thread is left to the mount (unjoined.py)


def _problem(path: str, identity: tuple[int, int] | None) -> str | None:
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        if identity is None:
            return None  # made again when needed
        return (
            "was removed while hookd ran: hookd goes on writing to files no path reaches; "
            "restart hookd, which makes it afresh"
        )
    except OSError as exc:
        return f"cannot be looked at ({exc.strerror}); check its permissions"
    if identity is not None and (info.st_dev, info.st_ino) != identity:
        return (
            f"was replaced by another directory while hookd ran ({describe(info)}): hookd keeps its "
            "files in the one it opened at start, which this path no longer reaches (hook-send and "
            "hookd's commands reach this one); stop hookd, check what is in it and where hookd's "
            "own went, then start hookd again"
        )
    why = why_untrusted(info)
    if why is not None:
        return (
            f"{why} ({describe(info)}): other users can remove the events hookd keeps there, or put "
            f"their own directory in place of one; check what is in it, then chmod 700 {path}"
        )
    try:
        check_ancestors(path)
    except (UnsafePathError, OSError) as exc:
        return f"can be changed by other users: {exc}"
    return None
