"""Counting the scanner's reports: its calls into Python (scan.py's _collect_limited), which the flood
tests bound (a flood's work is its chunks' limits, not its hits)."""

from __future__ import annotations

import pytest

import hookd.redact.scan as scan_module


class Reports:
    """Counts the scanner's calls into Python (reports) from its making on, for the test's life."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        original = scan_module._collect_limited

        def counting(*args: object) -> bool:
            self.calls += 1
            return original(*args)

        monkeypatch.setattr(scan_module, "_collect_limited", counting)
