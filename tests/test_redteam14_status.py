"""Fourteenth red-team pass: `hookd status` when the inbox cannot be read. hook-send keeps events there
while hookd is away; status counted them with any error taken as none, so an inbox its user could
not list (a chmod, a directory put in its place, an I/O error) read "0 events waiting", and a
running daemon whose sweeps failed on it was not called stalled (the count behind that reason was 0
too). Now status says it cannot read the inbox, and why, in the text, in --json and among the
reasons."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from hookd import config as hookd_config
from hookd.control import status, status_text, verdict
from other_user import NOBODY, needs_root, run_as_nobody
from test_status import live_status, wait_status


def offline_status(env: dict[str, str]) -> tuple[int, dict, str]:
    code, document = status.gather(hookd_config.load({}, env))
    return code, document, status_text.render(document, code, False)


@pytest.fixture
def nobody_home():
    """A directory of nobody's in /tmp (pytest's tmp_path is under root's 0700 directory)."""
    base = Path(tempfile.mkdtemp(prefix="hookd-rt14-"))
    os.chown(base, NOBODY, NOBODY)
    yield base
    shutil.rmtree(base, ignore_errors=True)


@needs_root
def test_status_of_a_stopped_daemon_says_it_cannot_read_the_inbox(nobody_home):
    tmp_path = nobody_home
    state = tmp_path / "state"
    inbox = state / "inbox"
    (state / "spool").mkdir(parents=True)
    inbox.mkdir()
    for n in range(3):
        (inbox / f"{n}.hookd").write_bytes(b"x")
    for path in (state, state / "spool", inbox, *inbox.iterdir()):
        os.chown(path, NOBODY, NOBODY)
    os.chmod(state, 0o700)
    os.chmod(inbox, 0)  # its user cannot list it
    env = {"HOOKD_STATE_DIR": str(state), "HOOKD_SOCKET": str(state / "hookd.sock"), "HOME": str(tmp_path)}
    code, document, shown = run_as_nobody(offline_status, env)
    assert code == verdict.NOT_RUNNING
    assert document["inbox"]["error"] == f"cannot read {inbox}: Permission denied", document
    assert "0 events waiting" not in shown.split("inbox", 1)[1].splitlines()[0], shown
    assert f"cannot read {inbox}: Permission denied" in shown, shown


def test_status_of_a_running_daemon_says_it_cannot_read_the_inbox(hookd):
    inbox = hookd.state_dir / "inbox"
    wait_status(hookd, lambda s: "events" in s["inbox"], "status answers")
    os.rename(inbox, hookd.state_dir / "inbox.away")
    inbox.write_bytes(b"not a directory")
    try:
        document = live_status(hookd)
        assert document["inbox"]["error"] == f"cannot read {inbox}: Not a directory", document["inbox"]
        code, reasons = verdict.verdict(document)
        assert code == verdict.DEGRADED
        assert any(r.startswith(f"the inbox cannot read {inbox}") for r in reasons), reasons
        shown = status_text.render({"running": True, "reasons": reasons, **document}, code, False)
        [line] = [line for line in shown.splitlines() if line.startswith("inbox ")]
        assert line.split(None, 1)[1].startswith(f"cannot read {inbox}: Not a directory"), shown
    finally:
        inbox.unlink()
        os.rename(hookd.state_dir / "inbox.away", inbox)
