"""A unit and its drop-ins are judged together, as systemd reads them (hookd/service/userns.py):
the drop-ins beside the unit in the lexicographic order of their names, after the unit, a later
assignment replacing an earlier one. `service status` and `service install` name each option that
would run hookd in a user namespace only if it is left on at the end, with the file that last set it."""

from __future__ import annotations

from test_service_install import Home

WHY = "user namespace that maps only your uid"


def _unit(home: Home, text: str) -> None:
    home.units.mkdir(parents=True, exist_ok=True)
    (home.units / "hookd.service").write_text(text)


def _drop_in(home: Home, name: str, text: str):
    path = home.units / "hookd.service.d" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _said(home: Home) -> list[str]:
    """The lines of `service status` that name a file's namespace options."""
    done = home.hookd("status", "--manager", "systemd")
    return [line.strip() for line in done.stdout.splitlines() if WHY in line]


def test_a_drop_in_that_turns_an_option_off_leaves_it_unnamed(tmp_path):
    home = Home(tmp_path)
    _unit(home, "[Service]\nExecStart=/bin/true\nPrivateUsers=yes\nPrivateTmp=yes\n")
    _drop_in(home, "override.conf", "[Service]\nPrivateUsers=no\n")
    said = _said(home)
    unit = home.units / "hookd.service"
    assert len(said) == 1 and said[0].startswith(f"{unit} sets PrivateTmp=yes, which make"), said
    assert said[0].endswith("fix: run hookd service install")
    _drop_in(home, "override.conf", "[Service]\nPrivateUsers=no\nPrivateTmp=false\n")
    assert _said(home) == []


def test_a_drop_in_that_sets_an_option_again_or_one_the_unit_does_not_is_the_one_named(tmp_path):
    home = Home(tmp_path)
    _unit(home, "[Service]\nExecStart=/bin/true\nProtectSystem=strict\n")
    drop_in = _drop_in(home, "override.conf", "[Service]\nProtectSystem=full\nProtectHome=yes\n")
    said = _said(home)
    assert len(said) == 1 and said[0].startswith(f"{drop_in} sets ProtectSystem=full, ProtectHome=yes, which"), said
    assert said[0].endswith("fix: remove them from it")


def test_drop_ins_are_read_in_the_order_of_their_names_the_last_one_wins(tmp_path):
    home = Home(tmp_path)
    # Written out of order: the names decide, compared as strings ("10-" before "9-").
    _drop_in(home, "9-off.conf", "[Service]\nProtectSystem=no\n")
    _drop_in(home, "10-on.conf", "[Service]\nProtectSystem=strict\nPrivateTmp=yes\n")
    fifty = _drop_in(home, "50-off.conf", "[Service]\nPrivateTmp=no\nPrivateDevices=yes\n")
    done = home.hookd("install", "--files-only", "--manager", "systemd")
    assert done.returncode == 0, done.stderr
    named = [line for line in done.stderr.splitlines() if WHY in line]
    assert len(named) == 1 and named[0].startswith(f"hookd: {fifty} sets PrivateDevices=yes, which"), named
    said = _said(home)
    assert len(said) == 1 and said[0].startswith(f"{fifty} sets PrivateDevices=yes, which"), said
    # 9-off.conf, read last of the three, turns ProtectSystem= off: 10-on.conf, which set it, is not named.
    _drop_in(home, "10-on.conf", "[Service]\nProtectSystem=strict\n")
    _drop_in(home, "50-off.conf", "[Service]\n")
    assert _said(home) == []
