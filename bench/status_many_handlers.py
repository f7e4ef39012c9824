"""What `hookd status` and `hookd hooks status` cost on a settings file of many handlers.

A throwaway HOME whose user settings hold COUNT command handlers spread over eight events, each
hookd's (a path to hook_send.py, so the checks parse it) or, with `--others`, another tool's;
no daemon runs. Each command is run as its own process (`python -m hookd`), the best of ROUNDS,
wall time and CPU time (user and system).
With PYTHONPATH naming another tree, that tree's hookd is measured (it says which).

    .venv/bin/python bench/status_many_handlers.py COUNT [ROUNDS] [--others]
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

EVENTS = [
    "PreToolUse",
    "PostToolUse",
    "Stop",
    "SessionStart",
    "UserPromptSubmit",
    "Notification",
    "SubagentStop",
    "PreCompact",
]


def write(root: str, count: int, others: bool) -> str:
    path = os.path.join(root, "home", ".claude", "settings.json")
    os.makedirs(os.path.dirname(path))
    os.makedirs(os.path.join(root, "project"))
    program = "/usr/local/bin/formatter" if others else "/p/hook_send.py"
    per = count // len(EVENTS)
    hooks = {e: [{"hooks": [{"type": "command", "command": f"{program} {e} {i}"} for i in range(per)]}] for e in EVENTS}
    with open(path, "w") as fh:
        json.dump({"hooks": hooks}, fh)
    return path


def timed(argv: list[str], env: dict[str, str], cwd: str) -> tuple[float, float]:
    """The wall time and the CPU time (user and system) of one run: on a shared machine the CPU time
    varies less with the load."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=600)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(count: int, rounds: int, others: bool) -> None:
    root = tempfile.mkdtemp(prefix="hookd-bench-status-")
    try:
        path = write(root, count, others)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HOOKD_", "CLAUDE_"))}
        env.update(HOME=os.path.join(root, "home"), XDG_RUNTIME_DIR=os.path.join(root, "run"))
        where = subprocess.run(
            [sys.executable, "-c", "import hookd; print(hookd.__file__)"],
            env=env,
            cwd=os.path.join(root, "project"),
            capture_output=True,
            text=True,
        ).stdout.strip()
        print(f"{count} handlers ({'other tools' if others else 'hookd'}'s), {os.path.getsize(path):,} bytes, {where}")
        for args in (["status"], ["hooks", "status"]):
            runs = [
                timed([sys.executable, "-m", "hookd", *args], env, os.path.join(root, "project")) for _ in range(rounds)
            ]
            wall, cpu = min(r[0] for r in runs), min(r[1] for r in runs)
            print(f"  hookd {' '.join(args)}: best of {rounds} {wall:.2f} s, CPU {cpu:.2f} s")
    finally:
        shutil.rmtree(root)


if __name__ == "__main__":
    rest = [a for a in sys.argv[1:] if a != "--others"]
    main(int(rest[0]), int(rest[1]) if len(rest) > 1 else 3, "--others" in sys.argv)
