"""Ninety-ninth red-team pass: one limit on a control request line, not two that could drift apart.

The control socket is answered by the control server (control/server.py) and, during a long start, by the
start's own thread (daemon/start_answers.py); each had its own MAX_REQUEST_BYTES = 1024. The control layer
owns it; the start's answers import it.
"""

from __future__ import annotations

import re
from pathlib import Path

import hookd
from hookd.control import server
from hookd.daemon import start_answers


def test_the_request_limit_is_defined_once_by_the_control_layer_and_used_by_the_start_s_answers():
    package = Path(hookd.__file__).parent
    defined = [
        str(path.relative_to(package))
        for path in sorted(package.rglob("*.py"))
        if re.search(r"^MAX_REQUEST_BYTES\b.*=", path.read_text(), re.MULTILINE)
    ]
    assert defined == ["control/server.py"], defined
    assert start_answers.MAX_REQUEST_BYTES is server.MAX_REQUEST_BYTES
