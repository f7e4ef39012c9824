"""`hookd status`'s reason for an inbox it cannot list named chmod whatever the error: a process
out of file descriptors, or a failing disk, was told to fix permissions, which changes nothing.
h116 mended the sweep's log line for EMFILE; status's inbox.error now names the cause's own fix."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys

import pytest

from conftest import REPO
from hookd.control import verdict
from test_status import wait_status

# status's own count of the inbox (snapshot.inbox_count), in a process at its open-files limit: a
# real EMFILE from a real listing.
_COUNT_AT_THE_LIMIT = r"""
import json, os, resource, sys
from hookd.control.snapshot import inbox_count

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (64, hard))
held = []
try:
    while True:
        held.append(os.open(os.devnull, os.O_RDONLY))
except OSError:
    pass
counted = inbox_count(sys.argv[1])
for fd in held:
    os.close(fd)
print(json.dumps([counted, inbox_count(sys.argv[1])]))
"""


def reason_for(document: dict, inbox: dict) -> str:
    code, reasons = verdict.verdict({**document, "inbox": {**document["inbox"], **inbox}})
    assert code == verdict.DEGRADED
    [reason] = [r for r in reasons if r.startswith("the inbox cannot read")]
    return reason


def test_status_of_an_inbox_unlistable_for_want_of_descriptors_names_the_limit(hookd):
    document = wait_status(hookd, lambda s: "events" in s["inbox"], "status answers")
    inbox = hookd.state_dir / "inbox"
    inbox.mkdir(mode=0o700, exist_ok=True)
    done = subprocess.run(
        [sys.executable, "-c", _COUNT_AT_THE_LIMIT, str(inbox)], cwd=REPO, capture_output=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    at_limit, after = json.loads(done.stdout)
    assert at_limit == {"events": 0, "error": f"cannot read {inbox}: {os.strerror(errno.EMFILE)}"}, at_limit
    assert after == {"events": 0}
    reason = reason_for(document, at_limit)
    # Before: "make it a directory of yours you can read (chmod 700)".
    assert "ulimit -n" in reason and "LimitNOFILE=" in reason and "chmod" not in reason, reason


@pytest.mark.parametrize(
    "code, named, not_named",
    [
        (errno.EACCES, "chmod 700", "ulimit"),
        (errno.EPERM, "chmod 700", "ulimit"),
        (errno.ENFILE, "ulimit -n", "chmod"),
        (errno.EIO, "check the disk", "chmod"),
        (errno.ENOSPC, "check the disk", "chmod"),
        (errno.EROFS, "check the disk", "chmod"),
        (errno.ENOTDIR, "move it away", "chmod"),
        (errno.ELOOP, "move it away", "chmod"),
    ],
)
def test_each_cause_of_an_unlistable_inbox_gets_its_own_fix(hookd, code, named, not_named):
    """As snapshot.inbox_count words it (the path may hold ': ' itself), and the sweep's log line alike."""
    from structlog.testing import capture_logs

    from hookd.ingest.inbox_problems import ProblemFiles

    document = wait_status(hookd, lambda s: "events" in s["inbox"], "status answers")
    reason = reason_for(document, {"events": 0, "error": f"cannot read /odd: name/inbox: {os.strerror(code)}"})
    assert named in reason and not_named not in reason, reason
    with capture_logs() as logs:
        ProblemFiles().directory("/odd", os.strerror(code))
    assert named in logs[0]["hint"] and not_named not in logs[0]["hint"], logs
