"""Ninetieth pass: conformity with Claude Code's hooks, part four (docs/security.md).

Claude Code runs PreModelSwitch and PostModelSwitch hooks with a 30 s default ``timeout``, as it
runs UserPromptSubmit's (its bundle passes the same constant as their ``timeoutMs``); the hooks
reference's "Common fields" row does not list them. Real settings files under a throwaway HOME,
the CLI in-process.
"""

from __future__ import annotations

import pytest

from test_hooks_install import home, user_settings  # noqa: F401 - fixture
from test_pass29_conformity import managed  # noqa: F401 - fixture
from test_pass39_conformity import _groups, _hooks_status, _write
from test_pass71_conformity import _no_timeout, http_status

SWITCHES = ["PreModelSwitch", "PostModelSwitch"]


@pytest.mark.parametrize("event", SWITCHES)
def test_an_http_hook_without_timeout_on_a_model_switch_is_not_said(home, managed, capsys, event):  # noqa: F811
    """Their default (30 s) is within the longest hook-send waits: not the 600 s said before."""
    out = http_status(home, capsys, event, timeout=None)
    assert "carry no timeout" not in out and "600 s" not in out, out


@pytest.mark.parametrize("event", SWITCHES)
def test_an_http_hook_with_a_long_timeout_on_a_model_switch_is_still_said(home, managed, capsys, event):  # noqa: F811
    out = http_status(home, capsys, event, timeout=600)
    assert "carry timeout = 600 s, so Claude Code waits up to that" in out, out


@pytest.mark.parametrize("event", SWITCHES)
def test_a_deadline_past_a_model_switchs_default_timeout_is_said(home, managed, capsys, monkeypatch, event):  # noqa: F811
    """Without a timeout Claude Code ends hook-send at 30 s, before a 45 s deadline of its own."""
    monkeypatch.setenv("HOOKD_SEND_TIMEOUT_MS", "45000")
    _write(user_settings(home), _groups({event: _no_timeout(event)}))
    code, out = _hooks_status(capsys)
    assert code == 1, out
    said = f"carry no timeout ({event}'s default is 30 s), but hook-send takes HOOKD_SEND_TIMEOUT_MS=45000"
    assert said in out and "ends it after 30 s, before its own deadline" in out, out
    assert "lower HOOKD_SEND_TIMEOUT_MS in this environment to under 30000" in out, out


def test_a_deadline_within_a_model_switchs_default_is_not_said(home, managed, capsys, monkeypatch):  # noqa: F811
    monkeypatch.setenv("HOOKD_SEND_TIMEOUT_MS", "20000")
    _write(user_settings(home), _groups({"PostModelSwitch": _no_timeout("PostModelSwitch")}))
    _, out = _hooks_status(capsys)
    assert "HOOKD_SEND_TIMEOUT_MS" not in out, out
