"""hookd ui as a user service: the unit and plist it renders, `hookd service install --ui` with a
recording systemctl, and the URL file the service writes."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

from conftest import wait_until
from test_service_install import Home
from ui_stack import Ui


def test_the_user_service_runs_hookd_ui_and_writes_its_url_privately(hookd_factory, redis_db, tmp_path):
    daemon = hookd_factory()
    unit = subprocess.run(
        [sys.executable, "-m", "hookd", "ui", "--print-service", "systemd"],
        env=daemon.env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    url_file = daemon.state_dir / "ui.url"
    assert f"-m hookd ui --url-file {url_file}" in unit and "UMask=0077" in unit
    plist = subprocess.run(
        [sys.executable, "-m", "hookd", "ui", "--print-service", "launchd"],
        env=daemon.env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert f"<string>{url_file}</string>" in plist and "<string>ui</string>" in plist
    ui = Ui(daemon.env, tmp_path / "ui.log", extra=("--url-file", str(url_file)))
    try:
        wait_until(lambda: url_file.exists(), what="the URL file")
        assert url_file.read_text().strip() == ui.url
        assert stat.S_IMODE(os.stat(url_file).st_mode) == 0o600
        again = ui.new_url()
        wait_until(lambda: url_file.read_text().strip() == again, what="the new URL in the file")
    finally:
        ui.stop()


def test_service_install_ui_writes_and_enables_hookd_ui_beside_hookd(tmp_path):
    home = Home(tmp_path)
    home.record("systemctl")
    dry = home.hookd("install", "--ui", "--dry-run", "--manager", "systemd")
    assert dry.returncode == 0, dry.stderr
    assert f"# {home.units}/hookd-ui.service (would create)" in dry.stdout
    assert "systemctl --user enable --now hookd-ui.service" in dry.stdout
    first = home.hookd("install", "--ui", "--manager", "systemd")
    assert first.returncode == 0, first.stderr
    unit = (home.units / "hookd-ui.service").read_text()
    assert f"ExecStart={sys.executable} -m hookd ui --url-file {home.state}/ui.url" in unit
    assert not (home.units / "hookd.service").exists()  # hookd's own are not touched
    assert home.recorded()[-2:] == ["systemctl --user daemon-reload", "systemctl --user enable --now hookd-ui.service"]
    status = home.hookd("status", "--ui", "--manager", "systemd")
    assert status.returncode == 0 and "hookd-ui.service: up to date" in status.stdout
    gone = home.hookd("uninstall", "--ui", "--manager", "systemd")
    assert gone.returncode == 0 and not (home.units / "hookd-ui.service").exists()
    assert "systemctl --user disable --now hookd-ui.service" in home.recorded()
    plist = home.hookd("install", "--ui", "--dry-run", "--manager", "launchd")
    assert "com.hookd.ui.plist (would create)" in plist.stdout and "<string>ui</string>" in plist.stdout
