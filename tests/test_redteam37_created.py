"""Thirty-seventh pass: a record of a created settings file that came with a checkout.

``uninstall`` removes a settings file ``install`` created while the record of it matches the file's
bytes (hooks/created.py). The thirty-fourth pass moved the record out of the project's ``.claude/``,
where a repository could ship one, but still read a record found there (``<file>.hookd-created``,
the older layout): a checkout holding ``.claude/settings.json`` with hookd's entries and such a
record beside it got its committed file deleted by ``hookd hooks uninstall --scope project``, or
claimed for good by an ``install`` there, which carried the claim into hookd's state. Real files
under a throwaway HOME; the CLI in-process (test_hooks_install.py).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from test_hooks_install import hookd_handlers, home, run_hooks  # noqa: F401 - fixture


def _checkout(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project as a clone brings it: ``.claude/settings.json`` holding hookd's entries only (a
    teammate's, committed) and a record beside it claiming hookd made the file; none in hookd's state."""
    state = home / "elsewhere"
    with monkeypatch.context() as teammate:  # the teammate's install, whose record is not in our state
        teammate.setenv("HOOKD_STATE_DIR", str(state))
        assert run_hooks("install", "--scope", "project", "--events", "Stop") == 0
    path = home / "project" / ".claude" / "settings.json"
    data = path.read_bytes()
    path.unlink()
    path.write_bytes(data)  # written by git: 0644 under the usual umask
    path.chmod(0o644)
    beside = path.parent / "settings.json.hookd-created"
    beside.write_text(hashlib.sha256(data).hexdigest() + "\n")
    beside.chmod(0o644)
    return path


def test_uninstall_keeps_a_checkouts_settings_file_a_record_beside_it_claims(home, monkeypatch):  # noqa: F811
    path = _checkout(home, monkeypatch)
    assert run_hooks("uninstall", "--scope", "project") == 0
    assert path.exists(), "a file that came with the checkout was removed as hookd's"
    assert hookd_handlers(json.loads(path.read_text() or "{}")) == {}


def test_install_does_not_carry_a_checkouts_claim_into_hookds_state(home, monkeypatch):  # noqa: F811
    path = _checkout(home, monkeypatch)
    assert run_hooks("install", "--scope", "project", "--events", "Stop,SessionEnd") == 0
    assert run_hooks("uninstall", "--scope", "project") == 0
    assert path.exists(), "install took a checkout's record as hookd's own, and uninstall removed the file"
