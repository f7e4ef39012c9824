"""`hookd hooks status` reads the machine's listening sockets once, however many settings files
hold HTTP hooks: it read /proc/net/tcp (and tcp6) again for each such file."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from conftest import REPO, free_port

STRACE = shutil.which("strace")


@pytest.mark.skipif(STRACE is None, reason="strace counts the reads (apt-get install strace)")
def test_hooks_status_reads_proc_net_tcp_once_for_every_settings_file(tmp_path):
    home, project = tmp_path / "home", tmp_path / "project"
    home.mkdir(mode=0o700)
    project.mkdir()
    token = home / "http.token"
    token.write_text("a-token\n")
    token.chmod(0o600)
    (tmp_path / "config.toml").write_text("")
    env = {
        "HOME": str(home),
        "PATH": os.environ["PATH"],
        "HOOKD_CONFIG": str(tmp_path / "config.toml"),
        "HOOKD_STATE_DIR": str(tmp_path / "state"),
        "HOOKD_HOOK_CLIENT": "python",
        "HOOKD_HTTP_ADDR": f"127.0.0.1:{free_port()}",
        "HOOKD_HTTP_TOKEN_FILE": str(token),
        "HOOKD_HTTP_TOKEN": "a-token",
        "PYTHONPATH": str(REPO),
    }
    hookd = [sys.executable, "-m", "hookd", "hooks"]
    for scope in ("user", "project", "local"):
        subprocess.run([*hookd, "install", "--mode", "http", "--scope", scope], env=env, cwd=project, check=True)
    trace = tmp_path / "trace"
    done = subprocess.run(
        [STRACE, "-f", "-qq", "-e", "trace=open,openat", "-o", str(trace), *hookd, "status", "--json"],
        env=env,
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert '"modes": ["http"' in done.stdout or '"http"' in done.stdout, done.stdout + done.stderr
    assert done.stdout.count('"urls": ["http://') == 3, done.stdout  # three files with HTTP hooks
    opens = trace.read_text().splitlines()
    assert len([line for line in opens if '"/proc/net/tcp"' in line]) == 1, [
        line for line in opens if "/proc/net/tcp" in line
    ]
