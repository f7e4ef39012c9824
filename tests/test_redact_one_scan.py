"""Two redactions at once in one process, as the daemon makes them when the backlog is redacted again
in a thread while new events are redacted on the loop: Hyperscan's scratch space takes one scan at a
time, and the second scan failed (ScratchInUseError). A clean-clone run saw it as an event refused
"unavailable" (left to hook-send's inbox, published out of order) in test_redteam30_backlog_record.
"""

from __future__ import annotations

import sys
import threading

import pytest

from hookd.redact import build_redactor

ROUNDS = 40
TEXT = ("password = 'Xq7vLp2mZ9wR4tAb' token: ghp_" + "a" * 36 + " curl -u bob:Secr3tPw x\n") * 300


@pytest.fixture
def switching_often():
    # Python's threads take turns at this interval; the match callbacks of a scan are where one
    # thread's scan yields to the other's. Often, so that the two scans overlap within the rounds.
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


def test_two_threads_redacting_at_once_both_finish_with_the_same_output(switching_often):
    redactor = build_redactor(True)
    assert redactor is not None
    expected, _ = redactor.redact(TEXT)
    failures: list[BaseException] = []
    outputs: list[str] = []

    def redact_rounds() -> None:
        try:
            for _ in range(ROUNDS):
                outputs.append(redactor.redact(TEXT)[0])
                outputs.append(redactor.redact_string(TEXT)[0])
        except BaseException as exc:  # noqa: BLE001 (what the thread met is the test's answer)
            failures.append(exc)

    threads = [threading.Thread(target=redact_rounds) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, [type(exc).__name__ for exc in failures]
    assert len(outputs) == 4 * ROUNDS
    assert set(outputs[::2]) | set(outputs[1::2]) <= {expected, redactor.redact_string(TEXT)[0]}
    assert "Secr3tPw" not in "".join(outputs)
