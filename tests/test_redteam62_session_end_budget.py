"""Sixty-second red-team pass: CLAUDE_CODE_SESSIONEND_HOOKS_TIMEOUT_MS of many digits.

Claude Code reads the variable with parseInt, whose Number is a double: any count of digits is a
number (Infinity past 1e308). hookd read it with int(), which refuses a string of more than 4300
digits (ValueError), and divided the int by 1000 into a float, which overflows past 1e308: `hookd
hooks status` ended on Python's own message, naming neither the variable nor the fix, from this
environment or a settings file's ``env``. Now the value is read as the double parseInt gives.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def hookd(tmp_path: Path, *args: str, budget: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "XDG_RUNTIME_DIR": str(tmp_path / "run"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    if budget is not None:
        env["CLAUDE_CODE_SESSIONEND_HOOKS_TIMEOUT_MS"] = budget
    return subprocess.run(
        [sys.executable, "-m", "hookd", *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("digits", [400, 5000])
def test_a_budget_of_many_digits_is_judged_as_a_long_one(tmp_path, digits):
    (tmp_path / "run").mkdir(mode=0o700)
    assert hookd(tmp_path, "hooks", "install").returncode == 0
    long = hookd(tmp_path, "hooks", "status", budget="9" * 9)
    many = hookd(tmp_path, "hooks", "status", budget="9" * digits)
    assert "Exceeds the limit" not in many.stderr and "too large" not in many.stderr, many.stderr
    assert (many.returncode, many.stdout, many.stderr) == (long.returncode, long.stdout, long.stderr)
