"""Seventieth pass: conformity with Claude Code's hooks, part two (docs/security.md).

What the fifty-ninth pass left: a matcher is a JavaScript regular expression, read here as Claude
Code reads it (an ECMAScript engine, no flags) rather than by Python's ``re``; and an HTTP SessionEnd
hook of hookd's that ``CLAUDE_CODE_SESSIONEND_HOOKS_TIMEOUT_MS`` lets Claude Code wait past 60 s.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hookd.hooks import entries
from test_hooks_install import home, run_hooks, user_settings  # noqa: F401 - fixture
from test_pass29_conformity import managed  # noqa: F401 - fixture
from test_pass39_conformity import _hooks_status, _status_problems, _write
from test_pass50_conformity import short_state  # noqa: F401 - fixture
from test_pass59_conformity import _under

BUDGET = "CLAUDE_CODE_SESSIONEND_HOOKS_TIMEOUT_MS"


# Matchers in JavaScript's syntax.


@pytest.mark.parametrize("matcher", ["[^]*", "[^]?", r"\q*", r"\e?|Bash"])
def test_a_javascript_regex_that_matches_all_is_not_said(home, managed, capsys, matcher):  # noqa: F811
    """Python's re refuses each of these (so they were said as narrowing); JavaScript's matches every name."""
    _under(home, "PreToolUse", matcher)
    code, out = _hooks_status(capsys)
    assert code == 0 and "sit in a group with matcher" not in out, out


@pytest.mark.parametrize("matcher", ["x{,3}", "Bash|x{0,}y{,2}"])
def test_a_regex_python_reads_as_matching_all_but_javascript_does_not_is_said(home, managed, capsys, matcher):  # noqa: F811
    """``{,3}`` is a quantifier to Python and text to JavaScript: Claude Code's matcher wants ``x{,3}``."""
    path = _under(home, "PreToolUse", matcher)
    code, out = _hooks_status(capsys)
    assert code == 1, out
    assert f"hooks for PreToolUse sit in a group with matcher = {matcher!r}: Claude Code runs them only" in out, out
    assert run_hooks("install", "--settings", str(path), "--events", "PreToolUse") == 0
    code, out = _hooks_status(capsys)
    assert code == 0 and "sit in a group with matcher" not in out, out


@pytest.mark.parametrize(
    ("matcher", "why"), [("a*+", "Invalid atom character"), ("(?i).*", "Invalid group"), ("[", "")]
)
def test_a_regex_javascript_cannot_compile_is_said_to_match_nothing(home, managed, capsys, matcher, why):  # noqa: F811
    """``a*+`` and ``(?i)`` compile in Python (``a*+`` even matches all there); ``new RegExp`` throws on
    both, and Claude Code's group then matches nothing."""
    _under(home, "PostToolUse", matcher)
    code, out = _hooks_status(capsys)
    assert code == 1, out
    said = f"hooks for PostToolUse sit in a group with matcher = {matcher!r}: Claude Code cannot compile it"
    assert said in out and why in out, out
    assert "so it matches nothing: these never run and every such event is lost" in out, out


def test_hookd_status_says_a_matcher_javascript_cannot_compile(home, managed, capsys, short_state):  # noqa: F811
    _under(home, "PreToolUse", "a*+")
    [problem] = _status_problems(capsys)
    assert "matcher = 'a*+': Claude Code cannot compile it" in problem, problem


def test_a_regex_too_deeply_nested_to_judge_is_said_so_not_a_crash(home, managed, capsys):  # noqa: F811
    """The ECMAScript engine here refuses nesting deeper than it judges; not said to match nothing."""
    _under(home, "PreToolUse", "(" * 400 + ")" * 400)
    code, out = _hooks_status(capsys)
    assert code == 1 and "hookd cannot judge it (Regular expression is too deeply nested)" in out, out


# An HTTP SessionEnd hook and the budget's variable.


def _http_session_end(path: Path, **fields: object) -> None:
    handler = {**entries.http_handler("http://127.0.0.1:8787/hook"), **fields}
    if fields.get("timeout", 0) is None:
        del handler["timeout"]
    _write(path, {"hooks": {"SessionEnd": [{"hooks": [handler]}]}})


@pytest.mark.parametrize(
    ("value", "timeout", "waits"), [("120000", None, "120"), ("900000", 90, "90"), ("61000ms", 600, "61")]
)
def test_an_http_sessionend_hook_the_budget_lets_wait_past_a_minute_is_said(
    home, managed, capsys, monkeypatch, value, timeout, waits
):  # noqa: F811
    monkeypatch.setenv(BUDGET, value)
    _http_session_end(user_settings(home), timeout=timeout)
    code, out = _hooks_status(capsys)
    assert code == 1, out
    assert f"{BUDGET}={value} from this environment gives SessionEnd hooks" in out, out
    assert f"so Claude Code waits up to {waits} s for hookd's listener at the session's end" in out, out
    assert f"or lower {BUDGET} in this environment to 60000 or less" in out, out


@pytest.mark.parametrize(("value", "timeout"), [("120000", 2), ("120000", 60), ("30000", None), (None, None)])
def test_an_http_sessionend_hook_within_a_minute_is_not_said(home, managed, capsys, monkeypatch, value, timeout):  # noqa: F811
    if value is not None:
        monkeypatch.setenv(BUDGET, value)
    _http_session_end(user_settings(home), timeout=timeout)
    code, out = _hooks_status(capsys)
    assert "at the session's end" not in out, out


def test_the_budget_from_a_settings_files_env_is_named_for_the_http_hook(home, managed, capsys, short_state):  # noqa: F811
    project = home / "project" / ".claude" / "settings.local.json"
    _write(project, {"env": {BUDGET: "300000"}})
    _http_session_end(user_settings(home), timeout=None)
    problems = _status_problems(capsys)
    [problem] = [p for p in problems if "at the session's end" in p]
    assert f"{BUDGET}=300000 from the env of {project} gives SessionEnd hooks 300 s" in problem, problem
    assert "waits up to 300 s" in problem, problem


# FileChanged's and StopFailure's exact set: letters, digits, _ and | only.


@pytest.mark.parametrize(("event", "said"), [("StopFailure", False), ("PreToolUse", True)])
def test_a_hyphen_makes_a_stopfailure_matcher_a_regex(home, managed, capsys, event, said):  # noqa: F811
    """``x-|`` is a regex with an empty branch (so all) on StopFailure, the names ``x-`` and "" elsewhere."""
    _under(home, event, "x-|")
    code, out = _hooks_status(capsys)
    assert ("sit in a group with matcher = 'x-|'" in out) is said, out
    assert code == (1 if said else 0), out


@pytest.mark.parametrize("matcher", ["(a?){1000000}", "(((a?){1000}){1000}){1000}"])
def test_a_regex_whose_repeats_are_too_many_to_run_is_said_unjudged(home, managed, capsys, matcher):  # noqa: F811
    """The engine runs each counted repeat of what matches nothing, nested ones multiplied, with no
    bound of its own (the second took gigabytes a second): not run, said so."""
    _under(home, "PreToolUse", matcher)
    code, out = _hooks_status(capsys)
    assert code == 1 and "hookd cannot judge it (its counted repeats run" in out, out


def test_a_regex_with_few_repeats_that_matches_all_is_not_said(home, managed, capsys):  # noqa: F811
    _under(home, "PreToolUse", "((a?){100}){100}|Bash")
    code, out = _hooks_status(capsys)
    assert code == 0 and "sit in a group with matcher" not in out, out
