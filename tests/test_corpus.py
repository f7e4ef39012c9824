"""The project's own hook payload corpus is what tests/corpus/generate.py writes."""

from __future__ import annotations

import subprocess
import sys

from conftest import CORPUS


def test_the_committed_corpus_is_what_the_generator_writes():
    result = subprocess.run([sys.executable, str(CORPUS / "generate.py"), "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
