"""Red team, twenty-third pass: hookd out of file descriptors, said as a fault of the inbox.

With hookd at its open-files limit (`prlimit --nofile=48` and 80 connections held open to its socket,
by hand), the inbox sweep could not open the inbox: `inbox_unreadable` said `Too many open files` and
told the user to "make it a directory of yours you can read (chmod 700)", the fix for a directory
hookd may not read, which changes nothing here. Now it names the limit and how to raise it.

The sweep's open is run here in a process at its own open-files limit (a real EMFILE from a real
open): reaching the limit through a daemon's connections depended on how many descriptors the daemon
held at that moment, and CI saw the line fail to come within 15 s.
"""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import REPO

_SWEEP_AT_THE_LIMIT = r"""
import json, os, resource, sys
from structlog.testing import capture_logs
from hookd.ingest.inbox_files import close_sources, open_sources
from hookd.ingest.inbox_problems import ProblemFiles

inbox = sys.argv[1]
problems = ProblemFiles()
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (64, hard))
held = []
try:
    while True:
        held.append(os.open(os.devnull, os.O_RDONLY))
except OSError:
    pass
with capture_logs() as logs:
    close_sources(open_sources([inbox], problems.directory))
    for fd in held:
        os.close(fd)
    close_sources(open_sources([inbox], problems.directory))
print(json.dumps([{k: v for k, v in e.items() if k in ("event", "error", "hint")} for e in logs]))
"""


def test_the_inbox_unreadable_for_want_of_descriptors_names_the_limit(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir(mode=0o700)
    done = subprocess.run(
        [sys.executable, "-c", _SWEEP_AT_THE_LIMIT, str(inbox)], cwd=REPO, capture_output=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    unreadable, readable = json.loads(done.stdout)
    assert unreadable["event"] == "inbox_unreadable" and unreadable["error"] == "Too many open files", unreadable
    # Before: "make it a directory of yours you can read (chmod 700)".
    assert "chmod" not in unreadable["hint"] and "ulimit -n" in unreadable["hint"], unreadable
    assert readable["event"] == "inbox_readable"  # open again once descriptors are free


def test_an_inbox_hookd_may_not_read_still_names_chmod(tmp_path):
    """The guard: a directory refused for its permissions keeps its own fix."""
    from structlog.testing import capture_logs

    from hookd.ingest.inbox_problems import ProblemFiles

    problems = ProblemFiles()
    with capture_logs() as logs:
        problems.directory(str(tmp_path), "Permission denied")
    assert "chmod 700" in logs[0]["hint"] and "ulimit" not in logs[0]["hint"]
