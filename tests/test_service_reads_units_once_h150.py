"""`hookd service status` and `hookd service install` read each unit file once: what status
shows of a file (its state, the namespace options it sets) and its exit status come from the same
text, which a file changed meanwhile cannot split."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import REPO
from test_service_install import Home

# hookd's CLI in a process that counts, by Python's audit hook, each opening of a file for reading.
COUNTING = """
import collections, json, sys
opened = collections.Counter()
def count(event, args):
    if event == "open" and isinstance(args[0], str) and (args[1] or "r").startswith("r"):
        opened[args[0]] += 1
sys.addaudithook(count)
from hookd.cli import main
sys.argv = ["hookd"] + sys.argv[1:]
try:
    code = main()
finally:
    print(json.dumps(opened), file=sys.stderr)
sys.exit(code)
"""

CHANGING_CTL = """#!/bin/sh
# systemctl for the test: the user manager answers; `status` changes hookd.service meanwhile.
case "$*" in *status*) echo "# changed" >> "{unit}"; echo "hookd.service - hookd";; esac
"""


def _opened(home: Home, *args: str) -> tuple[subprocess.CompletedProcess, dict[str, int]]:
    done = subprocess.run(
        [sys.executable, "-c", COUNTING, "service", *args],
        capture_output=True,
        text=True,
        env=home.env(),
        cwd=REPO,
        timeout=60,
    )
    return done, json.loads(done.stderr.strip().splitlines()[-1])


def test_status_and_install_read_each_unit_file_once(tmp_path):
    home = Home(tmp_path)
    home.without()
    service = home.units / "hookd.service"
    home.units.mkdir(parents=True)
    service.write_text("[Service]\nExecStart=/bin/true\nPrivateTmp=yes\n")
    done, opened = _opened(home, "status", "--manager", "systemd")
    assert done.returncode == 1 and "differs" in done.stdout and "PrivateTmp=yes" in done.stdout, done.stdout
    assert opened.get(str(service)) == 1, opened
    assert opened.get(str(home.units / "hookd.socket")) == 1, opened  # missing: tried once
    done, opened = _opened(home, "install", "--files-only", "--manager", "systemd")
    assert done.returncode == 0 and "it replaces a unit that set PrivateTmp=yes" in done.stdout, done.stdout
    assert opened.get(str(service)) == 1, opened


def test_status_exits_by_the_state_it_showed_though_the_unit_changes_meanwhile(tmp_path):
    home = Home(tmp_path)
    assert home.hookd("install", "--files-only", "--manager", "systemd").returncode == 0
    service = home.units / "hookd.service"
    ctl = home.bin / "systemctl"
    ctl.write_text(CHANGING_CTL.format(unit=service))
    ctl.chmod(0o755)
    home.path = f"{home.bin}:{home.path}"
    done = home.hookd("status", "--manager", "systemd")
    assert f"{service}: up to date" in done.stdout and "hookd.service - hookd" in done.stdout, done.stdout
    assert service.read_text().endswith("# changed\n")  # systemctl status did change it
    assert done.returncode == 0, done.stdout  # what it said: both up to date
    after = home.hookd("status", "--manager", "systemd")
    assert f"{service}: differs" in after.stdout and after.returncode == 1
