"""Hundred-thirty-second red-team pass: a wrapper told to print runs nothing.

``command -pv hook-send`` says where hook-send is; ``env --version hook-send Stop``, ``setsid -V``,
``timeout --help`` print and exit. The reader passed over their options to the operand and called the line
hookd's: hooks status said hookd's hook was installed where nothing ever ran, and install added none.
Each line is run by a real /bin/sh (dash) and bash with a hook-send that leaves a mark, as in
test_redteam118_hook_spellings.py.

``xargs hook-send Stop`` was a plain wrapper, hookd's ("hook-send runs, once, as you"): xargs hands
hook-send the event's payload as arguments, its quotes stripped, and its stdin empty. Now it is a runner:
found, the line the user's, and status says why.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from test_redteam118_hook_spellings import _handler, place  # noqa: F401

from hookd.hooks import entries

PRINTS = [
    "command -pv hook-send",
    "command -p -V hook-send",
    "command -Vp hook-send",
    "env --version hook-send Stop",
    "env -u X --help hook-send Stop",
    "nice -n 5 --help hook-send Stop",
    "nohup --vers hook-send Stop",
    "timeout --help 5 hook-send Stop",
    "stdbuf --version -oL hook-send Stop",
    "setsid -V hook-send Stop",
    "setsid -wh hook-send Stop",
    "ionice -V hook-send Stop",
    "xargs --version hook-send Stop",
]
# Options around them that still run hook-send: hookd's, as before.
RUNS = [
    "command hook-send Stop",
    "env -u X hook-send Stop",
    "nice -n 5 hook-send Stop",
    "timeout -s KILL 5 hook-send Stop",
    "setsid -w hook-send Stop",
]


def _runs(shell: str, command: str, place: dict[str, str]) -> bool:  # noqa: F811
    ran = Path(place["home"]) / "ran"
    ran.unlink(missing_ok=True)
    subprocess.run([shell, "-c", command], stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
    return ran.exists()


def _shells() -> list[str]:
    return [s for s in ("/bin/sh", shutil.which("bash")) if s]


@pytest.mark.parametrize("command", PRINTS)
def test_a_wrapper_that_prints_runs_nothing_and_is_not_hookds(place, command):  # noqa: F811
    program = command.split()[0]
    if program == "command" or shutil.which(program):
        for shell in _shells():
            assert not _runs(shell, command, place), f"the test's own premise: {shell} -c {command!r} ran it"
    assert not entries.is_hookd(_handler(command)), f"{command!r} runs nothing: not hookd's hook"


@pytest.mark.parametrize("command", RUNS)
def test_a_wrapper_that_runs_it_is_still_hookds(place, command):  # noqa: F811
    program = command.split()[0]
    if program == "command" or shutil.which(program):
        assert all(_runs(shell, command, place) for shell in _shells()), f"the test's own premise: {command!r}"
    assert entries.is_hookd(_handler(command))


@pytest.mark.parametrize("command", ["xargs hook-send Stop", "xargs -r -I{} hook-send Stop", "xargs -n 1 hook-send"])
def test_xargs_keeps_the_payload_from_hook_send_and_is_the_users(place, command):  # noqa: F811
    payload = json.dumps({"hook_event_name": "Stop", "session_id": "xargs"}).encode()
    got = Path(place["home"]) / "stdin"
    # the premise: what xargs runs reads nothing on its stdin, where hook-send reads the payload
    subprocess.run(
        ["/bin/sh", "-c", command.replace("hook-send", f"sh -c 'cat > {got}' x", 1)],
        input=payload,
        capture_output=True,
        timeout=30,
        check=True,
    )
    assert got.read_bytes() == b""
    assert not entries.is_hookd(_handler(command)), f"{command!r}: status would call hookd's hook installed"
    shared = entries.shared(_handler(command))
    assert "xargs" in shared and any("payload never arrives" in s for s in shared), shared
