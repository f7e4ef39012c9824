"""Hundred-twenty-second red-team pass: a mount that answers lookups and statvfs but holds writes.

The hundred-sixteenth pass's check (a statvfs in a child, waited 2 s) asks what a hung mount holds first; a mount
that answers it and holds writes passed, and the command was held in its first write (`hooks install` had not
ended 20 s after it was asked). A command that writes now also has each place it writes take a probe's write in
the child (hookd/place_probe.py: a file made O_EXCL|O_NOFOLLOW 0600, written, fsynced, renamed, removed), and is
refused, naming the path and its mount, before it changes anything. The mount named is the one the path really
resolves to (a link followed in the child), not the link's own.
"""

from __future__ import annotations

import os
import subprocess

import pytest
from conftest import wait_until
from faultfs_daemon import NEEDS_FAULTFS, faulty_daemon  # noqa: F401
from test_redteam111_hung_commands import HELD_S, _ask, mounted  # noqa: F401

pytestmark = [pytest.mark.process, *NEEDS_FAULTFS]

# Lookups, statvfs and reads answered; writes, fsyncs and closes held (until the test clears the rules).
WRITES_HELD = [
    {"op": "write", "path": "*", "delay_s": HELD_S, "count": -1, "until_cleared": True},
    {"op": "fsync", "path": "*", "delay_s": HELD_S, "count": -1},
    {"op": "flush", "path": "*", "delay_s": HELD_S, "count": -1},
]


def _probes_left(directory) -> list[str]:
    return [name for name in os.listdir(directory) if name.startswith(".hookd-probe.")]


def test_hooks_install_is_refused_before_its_first_write_on_a_mount_that_holds_writes(mounted, tmp_path):
    daemon, fs, _ = mounted
    settings = tmp_path / "settings.json"
    fs.set_rules(WRITES_HELD)
    code, _, err = _ask({**daemon.env, "HOOKD_HOOK_CLIENT": "python"}, "hooks", "install", "--settings", str(settings))
    assert fs.faults(), "the mount's delay never fired"
    assert code == 1, (code, err)
    assert f"cannot write to {daemon.state_dir} (waited" in err, err
    assert f"mounted at {daemon.state_dir}, does not answer" in err and "check that mount" in err, err
    assert "nothing was changed" in err and not settings.exists(), err
    # The probe left behind on the mount ends when the mount takes its write, and removes its file.
    fs.set_rules([])
    wait_until(lambda: not _probes_left(daemon.state_dir), timeout=60, what="the probe to remove its file")


def test_a_write_probe_on_a_mount_that_answers_leaves_nothing_behind(mounted, tmp_path):
    daemon, _, _ = mounted
    settings = tmp_path / "settings.json"
    env = {**daemon.env, "HOOKD_HOOK_CLIENT": "python"}
    code, _, err = _ask(env, "hooks", "install", "--settings", str(settings))
    assert code == 0 and settings.exists(), err
    assert not _probes_left(daemon.state_dir) and not _probes_left(tmp_path)


def test_the_mount_named_is_the_one_a_link_leads_to(mounted, tmp_path):
    daemon, fs, _ = mounted
    settings = tmp_path / "settings.json"
    spelled = tmp_path / "a-link"
    spelled.symlink_to(daemon.state_dir)
    env = {**daemon.env, "HOOKD_HOOK_CLIENT": "python", "HOOKD_STATE_DIR": str(spelled)}
    fs.set_rules(WRITES_HELD)
    code, _, err = _ask(env, "hooks", "install", "--settings", str(settings))
    assert code == 1 and f"cannot write to {spelled} (waited" in err, (code, err)
    # Before: the link's own filesystem's mount (the link's path, by name) was named.
    assert f"mounted at {daemon.state_dir}, does not answer" in err, err
    fs.set_rules([])
    wait_until(lambda: not _probes_left(daemon.state_dir), timeout=60, what="the probe to remove its file")


def test_replay_export_is_refused_before_it_writes_on_a_mount_that_holds_writes(mounted):
    daemon, fs, _ = mounted
    export = daemon.state_dir / "export.jsonl"
    fs.set_rules(WRITES_HELD)
    code, _, err = _ask(daemon.env, "replay", "--export", str(export))
    assert code == 1 and f"cannot write to {export} (waited" in err, (code, err)
    assert "nothing was changed" in err and not export.exists(), err
    fs.set_rules([])
    wait_until(lambda: not _probes_left(daemon.state_dir), timeout=60, what="the probe to remove its file")


def test_a_probe_killed_between_its_create_and_its_unlink_is_removed_by_the_next(tmp_path):
    from hookd import place_probe

    dead = subprocess.Popen(["true"])
    dead.wait()
    left = tmp_path / f"{place_probe.PREFIX}{dead.pid}.0123abcd"
    left.write_bytes(b"\0")
    running = tmp_path / f"{place_probe.PREFIX}{os.getpid()}.0123abcd"  # a probe under way: not another's to take
    running.write_bytes(b"\0")
    place_probe.writable(str(tmp_path))
    assert _probes_left(tmp_path) == [running.name]
