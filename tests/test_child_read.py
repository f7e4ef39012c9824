"""hookd/child_read.py: a command's read of the state directory, in a child waited a while only.

The read here blocks until the test lets it go, as a lookup on a mount that hung does (the faultfs
cases are tests/test_redteam111_hung_commands.py)."""

from __future__ import annotations

import os
import time

import pytest

from hookd.child_read import NotAnswering, read_within


def _held_read(started: str, go: str):
    def read() -> int:
        with open(started, "a") as fh:
            fh.write(f"{os.getpid()}\n")
        while not os.path.exists(go):
            time.sleep(0.01)
        return 7

    return read


def test_a_read_asked_again_while_one_waits_waits_on_that_child(tmp_path):
    """`hookd status --watch` asks every round: a mount that hung must not collect a child per round."""
    started, go = str(tmp_path / "started"), str(tmp_path / "go")
    read = _held_read(started, go)
    for _ in range(3):
        with pytest.raises(NotAnswering, match=r"cannot read /the/path \(waited .*check that mount"):
            read_within(read, "/the/path", wait_s=0.2)
    open(go, "w").close()
    assert read_within(read, "/the/path", wait_s=60) == 7
    with open(started) as fh:
        assert len(fh.read().split()) == 1  # one child made the read every ask waited on


def test_an_answer_and_an_error_come_back():
    assert read_within(lambda: {"holder": None}, "/p") == {"holder": None}

    def fails() -> None:
        raise ValueError("no such thing")

    with pytest.raises(OSError, match="no such thing"):
        read_within(fails, "/p")
