"""Red team, eighteenth pass: a run of flag halves that made `hookd tail`'s work grow with its square.

`hookd tail` measures each line's text on the terminal with wcwidth's ``wcswidth``, which, at each
regional indicator (U+1F1E6..U+1F1FF, two of which make a flag), counts those before it back to
the start of their run: a run of n cost n squared steps. An event whose command (or prompt, or
hook or tool name) held 256 Ki of them held `hookd tail` for about 40 s per line it showed, and
every other reader's view of the stream with it; the UI's views cut their text by characters and
did not measure it.

The cost is bounded here by the CPU the real `hookd tail` may use (RLIMIT_CPU), not timed: the
new measure takes a fraction of a second, the old one far longer than the limit.
"""

from __future__ import annotations

import json
import random
import resource
import subprocess
import sys

from wcwidth import wcswidth, wcwidth

from conftest import REPO, wait_for_entries
from hookd.tail.summary import columns, fit

FLAGS = "".join(chr(0x1F1E6 + n % 26) for n in range(256 << 10))
CPU_LIMIT_S = 10


def _limit_cpu() -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_LIMIT_S, CPU_LIMIT_S))


def test_tail_shows_an_event_of_a_long_run_of_flags_within_its_cpu_limit(hookd, redis_db):
    body = json.dumps(
        {
            "hook_event_name": "PreToolUse",
            "session_id": "flags-session",
            "tool_name": "Bash",
            "tool_input": {"command": "echo " + FLAGS},
        },
        ensure_ascii=False,
    ).encode()
    assert hookd.send(body).returncode == 0
    wait_for_entries(redis_db, 1)
    done = subprocess.run(
        [sys.executable, "-m", "hookd", "tail", "--since", "1h", "--count", "1"],
        capture_output=True,
        text=True,
        env=hookd.env,
        cwd=REPO,
        timeout=120,
        preexec_fn=_limit_cpu,
    )
    assert done.returncode == 0, f"tail ended with {done.returncode} (killed by its CPU limit?): {done.stderr[-500:]}"
    shown = done.stdout.strip()
    assert "PreToolUse" in shown and "echo " + FLAGS[:4] in shown, shown
    text = shown.split("echo ", 1)[1].removesuffix("  [low]")
    # cut to its 200 columns, each flag (two indicators) counted as the two it shows
    assert text == FLAGS[:194] + "…", shown[-40:]


def _wcswidth_alone(text: str) -> int:
    width = wcswidth(text)
    return width if width >= 0 else sum(max(wcwidth(c), 0) for c in text)


def test_the_width_of_text_with_flags_is_what_wcswidth_says():
    flags = [chr(0x1F1E6), chr(0x1F1E7), chr(0x1F1FF)]
    others = ["a", " ", "\u200d", "\ufe0f", "\ufe0e", "\U0001f44d", "\U0001f3fd", "\u0301", "中", "\u094d", "क", "\x1b"]
    rng = random.Random(18)
    for _ in range(20000):
        text = "".join(
            rng.choice(flags) if rng.random() < 0.7 else rng.choice(others) for _ in range(rng.randint(0, 40))
        )
        assert columns(text) == _wcswidth_alone(text), ascii(text)
    for n in range(0, 40):
        for before in ("", "a", "\u200d", "\u094d", "\U0001f44d\u200d"):
            for after in ("", "a", "\ufe0f", "\U0001f3fd", "\u200d\U0001f44d"):
                text = before + FLAGS[:n] + after
                assert columns(text) == _wcswidth_alone(text), (n, ascii(before), ascii(after))


def test_fit_cuts_a_long_run_of_flags_at_its_room():
    cut = fit(FLAGS[:5000], 21)
    assert cut == FLAGS[:20] + "…"
    assert columns(FLAGS[:5001]) == 2 * 2501
