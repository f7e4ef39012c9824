"""The command-risk rules' flood check, shared by the tests of each rule family: a command made of
one rule's own words repeated to SIZE characters is rated in a child process under a CPU limit, so a
rule whose cost grows faster than its input is killed by the limit instead of holding the suite."""

from __future__ import annotations

import os
import subprocess
import sys

SIZE = 512 << 10
CPU_LIMIT_S = 20

CHILD = """
import resource, sys
resource.setrlimit(resource.RLIMIT_CPU, ({limit}, {limit}))
from hookd.enrich.commands import command_reasons
head, unit, end = sys.argv[1:4]
command = head + unit * ({size} // len(unit)) + end
print("|".join(reason for reason, _ in command_reasons(command)))
"""


def assert_flood_is_linear_and_rated(name: str, head: str, unit: str, end: str, reason: str) -> None:
    """``head + unit * n + end`` finishes under the CPU limit and still raises ``reason``."""
    child = CHILD.format(limit=CPU_LIMIT_S, size=SIZE)
    done = subprocess.run(
        [sys.executable, "-c", child, head, unit, end], capture_output=True, text=True, timeout=600, cwd=os.getcwd()
    )
    assert done.returncode == 0, f"{name}: killed by its CPU limit ({done.returncode}): {done.stderr[-500:]}"
    assert reason in done.stdout.strip().split("|"), (name, done.stdout)
