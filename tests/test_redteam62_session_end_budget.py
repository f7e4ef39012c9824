"""Sixty-second red-team pass: CLAUDE_CODE_SESSIONEND_HOOKS_TIMEOUT_MS, and a hook's timeout, of many digits.

Claude Code reads the variable with parseInt, whose Number is a double: any count of digits is a
number (Infinity past 1e308). hookd read it with int(), which refuses a string of more than 4300
digits (ValueError), and divided the int by 1000 into a float, which overflows past 1e308: `hookd
hooks status` ended on Python's own message, naming neither the variable nor the fix, from this
environment or a settings file's ``env``. Now the value is read as the double parseInt gives. A
handler's ``timeout`` past 1e308 (JSON.parse reads it as Infinity) overflowed float() the same way.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def hookd(tmp_path: Path, *args: str, budget: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)}
    env |= {f"XDG_{name}": str(tmp_path / name.lower()) for name in ("RUNTIME_DIR", "STATE_HOME", "CONFIG_HOME")}
    if budget is not None:
        env["CLAUDE_CODE_SESSIONEND_HOOKS_TIMEOUT_MS"] = budget
    return subprocess.run(
        [sys.executable, "-m", "hookd", *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("digits", [400, 5000])
def test_a_budget_of_many_digits_is_judged_as_a_long_one(tmp_path, digits):
    (tmp_path / "runtime_dir").mkdir(mode=0o700)
    assert hookd(tmp_path, "hooks", "install").returncode == 0
    long = hookd(tmp_path, "hooks", "status", budget="9" * 9)
    many = hookd(tmp_path, "hooks", "status", budget="9" * digits)
    assert "Exceeds the limit" not in many.stderr and "too large" not in many.stderr, many.stderr
    assert (many.returncode, many.stdout, many.stderr) == (long.returncode, long.stdout, long.stderr)


def test_a_hooks_timeout_past_a_double_is_judged_as_a_long_one(tmp_path):
    """A handler's ``timeout`` of 10**400 (JSON.parse: Infinity) made float() overflow in `hookd hooks
    status` (OverflowError); now it is judged as any timeout past hook-send's deadline."""
    (tmp_path / "runtime_dir").mkdir(mode=0o700)
    assert hookd(tmp_path, "hooks", "install").returncode == 0
    path = tmp_path / ".claude" / "settings.json"
    settings = json.loads(path.read_text())
    results = []
    for timeout in ("999999999", "1" + "0" * 400):
        settings["hooks"]["Stop"][0]["hooks"][0]["timeout"] = "@"
        path.write_text(json.dumps(settings).replace('"@"', timeout))
        done = hookd(tmp_path, "hooks", "status")
        assert "OverflowError" not in done.stderr, done.stderr
        results.append((done.returncode, done.stdout, done.stderr))
    assert results[0] == results[1]
