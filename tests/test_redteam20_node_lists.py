"""Red team, twentieth pass: a password written into a HOST:PORT list was shown everywhere.

redis_sentinel and redis_cluster_nodes take HOST:PORT,HOST:PORT. An entry written as redis_url is
written (`redis://:pw@host:6379`, `user:pw@host:6379`) was split at its last colon and the rest taken
for a host name: `hookd config` printed it, and every message naming the nodes (`hookd tail`'s,
the log's redis_down, `hookd status`) showed the password whole; an entry without a port was
refused by a message that quoted it. Now an entry holding '@' is refused without being quoted, and a
host must be a name or an address (no scheme, path or brackets left in it).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import REPO

SECRET = "pw20-In-A-Node-List-k3J"
SETTINGS = {
    "redis_sentinel": {"HOOKD_REDIS_SENTINEL_MASTER": "mymaster"},
    "redis_cluster_nodes": {"HOOKD_REDIS_CLUSTER": "true"},
}
ENTRIES = [f"user:{SECRET}@10.0.0.5:26379", f"redis://:{SECRET}@10.0.0.5:26379", f"redis://:{SECRET}@10.0.0.5"]


def _run(tmp_path, setting: str, value: str, *args: str) -> subprocess.CompletedProcess:
    config = tmp_path / "config.toml"
    config.write_text("")
    config.chmod(0o600)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOOKD_")}
    env.update(
        HOOKD_CONFIG=str(config),
        HOOKD_STATE_DIR=str(tmp_path / "state"),
        HOOKD_REDIS_URL="redis://127.0.0.1:1/0",
        **SETTINGS[setting],
        **{f"HOOKD_{setting.upper()}": value},
    )
    return subprocess.run(
        [sys.executable, "-m", "hookd", *args], env=env, capture_output=True, text=True, timeout=60, cwd=REPO
    )


@pytest.mark.parametrize("setting", sorted(SETTINGS))
@pytest.mark.parametrize("entry", ENTRIES, ids=["userinfo", "url", "url-without-port"])
@pytest.mark.parametrize("command", [["config"], ["tail", "--count", "1"]], ids=["config", "tail"])
def test_a_login_in_a_node_list_is_refused_and_never_shown(tmp_path, setting, entry, command):
    done = _run(tmp_path, setting, f"10.0.0.9:26379,{entry}", *command)
    shown = done.stdout + done.stderr
    assert SECRET not in shown, shown
    assert done.returncode == 78, shown
    if "@10.0.0.5:" in entry:
        assert f"{setting} entry 2 holds '@'" in shown and "HOST:PORT alone" in shown, shown


@pytest.mark.parametrize("setting", sorted(SETTINGS))
def test_names_and_addresses_are_still_taken(tmp_path, setting):
    """A guard: host names (with _ and non-ASCII letters) and IPv6 addresses, bracketed or not."""
    done = _run(tmp_path, setting, "[::1]:26379,::1:26380,node_1.internal:7000,bücher.example:7001", "config")
    assert done.returncode == 0, done.stderr
