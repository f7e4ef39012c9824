"""Fifth red-team pass: hookd's socket file removed under it.

A running hookd whose event socket file was removed (tmpfiles cleaning /tmp, a
logout emptying XDG_RUNTIME_DIR, an rm) still listened on the unlinked socket,
where nothing can connect: every hook-send fell back to the inbox (its write and
fsync on every hook, the event half a second later), and `hookd status` said
healthy, exit 0. Now status names the socket and says hookd is stalled (exit
status non-zero); under systemd the watchdog is withheld, so hookd is restarted
and binds it again. A socket the service manager passed is its own: not judged.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.process


def status(daemon) -> tuple[int, dict]:
    done = subprocess.run(
        [sys.executable, "-m", "hookd", "status", "--json"], env=daemon.env, capture_output=True, timeout=30
    )
    return done.returncode, json.loads(done.stdout)


def test_a_replaced_event_socket_is_not_healthy(hookd_process_factory, redis_db):
    # Replaced, not only removed: a removed one is now bound again within a second
    # (tests/test_redteam6_sockets.py); another file at the path is left alone.
    daemon = hookd_process_factory()
    assert status(daemon)[0] == 0
    os.unlink(daemon.socket)
    daemon.socket.write_text("")
    code, found = status(daemon)
    assert code != 0 and found["health"] == "stalled", found.get("reasons")
    assert any(str(daemon.socket) in reason and "gone" in reason for reason in found["reasons"]), found["reasons"]
    # Once the file is gone, a restart binds it again: healthy.
    assert daemon.stop() == 0
    os.unlink(daemon.socket)
    daemon.start()
    assert status(daemon)[0] == 0
