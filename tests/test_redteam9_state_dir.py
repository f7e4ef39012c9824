"""Red team, ninth pass: hookd's own directories opened to others, or replaced, while it runs.

hookd checks its state directory, spool and inbox when it starts (theirs alone, 0700, reached
only through directories no one else can change) and not again. Opened afterwards (a `chmod
777`, a restored backup, a tool run with the wrong umask), another user can remove the owner's
events from them, or put a directory of their own in place of the spool, where hookd then
writes its cursor; removed (an `rm -rf` of the state directory while hookd runs), hookd goes on
writing to a segment no path reaches. `hookd status` said healthy
through all of it. Now it names each such directory, what changed and the fix (degraded), and
is healthy again once it is put right.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile

import pytest

from conftest import wait_for_entries, wait_until
from other_user import needs_root, run_as_nobody
from test_redteam4_status import status


@pytest.fixture
def state_dir():
    path = tempfile.mkdtemp(prefix="hk9state", dir="/tmp")  # in /tmp, so that nobody can reach it
    yield path
    shutil.rmtree(path, ignore_errors=True)


def reason_for(document: dict, path: str) -> str:
    """The status reason that names ``path`` as the directory at fault."""
    [reason] = [r for r in document.get("reasons", []) if r.startswith(f"the directory {path} ")]
    return reason


def _put_own_spool(state: str) -> str:
    """As another user: hookd's spool moved aside, and a directory of theirs put in its place."""
    os.rename(os.path.join(state, "spool"), os.path.join(state, "spool.hidden"))
    os.mkdir(os.path.join(state, "spool"), 0o777)
    return "done"


@needs_root
def test_a_state_directory_opened_to_others_lets_them_replace_the_spool_and_status_says_so(
    hookd_factory, redis_db, state_dir
):
    daemon = hookd_factory(state_dir=state_dir)
    daemon.send_stop("before")
    wait_for_entries(redis_db, 1)
    assert status(daemon)[0] == 0
    os.chmod(state_dir, 0o777)
    code, document = status(daemon)
    assert code == 1 and document["health"] == "degraded", (code, document.get("reasons"))
    reason = reason_for(document, state_dir)
    assert "writable by other users" in reason and f"chmod 700 {state_dir}" in reason, reason
    assert run_as_nobody(_put_own_spool, state_dir) == "done"
    code, document = status(daemon)
    spool = os.path.join(state_dir, "spool")
    assert code == 1 and document["directories"].get(spool), document.get("directories")
    assert "replaced" in document["directories"][spool], document["directories"]


def test_an_inbox_opened_to_others_makes_status_degraded_until_it_is_closed_again(hookd, redis_db):
    inbox = str(hookd.state_dir / "inbox")
    assert status(hookd)[0] == 0
    os.chmod(inbox, 0o777)
    code, document = status(hookd)
    assert code == 1, (code, document.get("reasons"))
    reason = reason_for(document, inbox)
    assert "writable by other users" in reason and f"chmod 700 {inbox}" in reason, reason
    wait_until(lambda: "directory_untrusted" in hookd.log_text(), what="the log to say so")
    os.chmod(inbox, 0o700)
    code, document = status(hookd)
    assert code == 0 and document["directories"] == {}, (code, json.dumps(document.get("reasons")))
    wait_until(lambda: "directory_private_again" in hookd.log_text(), what="the log to say it is closed again")
    assert hookd.log_text().count("directory_untrusted") == 1  # once, not every second


def test_a_state_directory_removed_while_hookd_runs_is_named(hookd_factory, redis_db, state_dir):
    daemon = hookd_factory(state_dir=state_dir)
    daemon.send_stop("before")
    wait_for_entries(redis_db, 1)
    shutil.rmtree(state_dir)
    code, document = status(daemon)
    assert code == 1, (code, document.get("reasons"))
    reason = reason_for(document, state_dir)
    assert "was removed while hookd ran" in reason and "restart hookd" in reason, reason
