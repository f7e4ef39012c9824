"""paths.replace_file: the one atomic replace of a file outside hookd's private directories (the
user's Claude Code settings, unit files, hookd ui's URL file), with the mode asked for whatever
the umask, and nothing left behind when it fails."""

from __future__ import annotations

import os
import stat

import pytest


@pytest.mark.parametrize("mode", [0o600, 0o644])
def test_the_file_gets_its_mode_whatever_the_umask(tmp_path, mode):
    from hookd.paths import replace_file

    target = tmp_path / "unit.service"
    target.write_text("old")
    old_umask = os.umask(0o077 if mode == 0o644 else 0o000)
    try:
        replace_file(str(target), b"new", mode)
    finally:
        os.umask(old_umask)
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == mode
    assert sorted(p.name for p in tmp_path.iterdir()) == ["unit.service"]


def test_a_url_file_that_cannot_be_replaced_leaves_no_copy_of_the_url(tmp_path):
    """hookd ui --url-file naming a directory: the write fails, and no temporary file holding the
    URL (its token) stays beside it (the old write_private left one, named after its pid)."""
    from hookd.ui.server import write_private

    shown = tmp_path / "ui"
    shown.mkdir(mode=0o700)
    (shown / "ui.url").mkdir()
    with pytest.raises(OSError):
        write_private(str(shown / "ui.url"), "http://127.0.0.1:1/x/?token=secret\n")
    assert [p.name for p in shown.iterdir()] == ["ui.url"]
    assert list((shown / "ui.url").iterdir()) == []


def test_unit_files_are_written_whole_and_readable_by_the_service_manager(tmp_path):
    from hookd.service.manager import write_atomically

    unit = tmp_path / "systemd" / "user" / "hookd.service"
    write_atomically(str(unit), "[Unit]\nDescription=hookd\n")
    write_atomically(str(unit), "[Unit]\nDescription=hookd again\n")
    assert unit.read_text() == "[Unit]\nDescription=hookd again\n"
    assert stat.S_IMODE(unit.stat().st_mode) == 0o644
    assert [p.name for p in unit.parent.iterdir()] == ["hookd.service"]
