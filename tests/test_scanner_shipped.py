"""The scanner databases `make setup` compiles beside the code (hookd/redact/prebuild.py): a state
directory without compiled databases loads them instead of compiling for seconds, and only files
trusted as the code is are read."""

from __future__ import annotations

import os
import stat

import hyperscan
import pytest

import hookd.redact.prebuild as prebuild
import hookd.redact.scanner_cache as scanner_cache
from hookd.redact import Rule, build_redactor
from hookd.redact.redactor import Redactor

EXPRESSIONS = [rb"tkt_[0-9]+", rb"(?:^|[^a-z])pw="]
FLAGS = [hyperscan.HS_FLAG_SOM_LEFTMOST] * 2
PREFIX = "redact-test-"
TICKET = Rule("ticket", r"tkt_[0-9]+", "a ticket", keywords=("tkt_",))


class Compiles(hyperscan.Database):
    count = 0

    def compile(self, *args, **kwargs):
        Compiles.count += 1
        return super().compile(*args, **kwargs)


@pytest.fixture
def shipped(tmp_path, monkeypatch):
    """An empty shipped directory, a process that has compiled nothing, and a count of compiles."""
    directory = tmp_path / "shipped"
    directory.mkdir(mode=0o755)
    monkeypatch.setattr(scanner_cache, "SHIPPED_DIR", str(directory))
    monkeypatch.setattr(scanner_cache, "_LAST", {})
    monkeypatch.setattr(hyperscan, "Database", Compiles)
    Compiles.count = 0
    return directory


def ship_by_hand(directory) -> str:
    """Compile EXPRESSIONS and write them where shipped ones go; the process forgets it did."""
    scanner_cache.compiled(EXPRESSIONS, FLAGS, None, prefix=PREFIX)
    [(key, data)] = scanner_cache._LAST.values()
    name = f"{PREFIX}{key[:32]}{scanner_cache.SUFFIX}"
    (directory / name).write_bytes(data)
    os.chmod(directory / name, 0o644)
    scanner_cache._LAST.clear()
    Compiles.count = 0
    return name


def matches(database) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    database.scan(b"a tkt_42 and pw=x", match_event_handler=lambda i, f, t, fl, c: found.append((i, t)))
    return sorted(found)


def test_a_fresh_state_directory_loads_the_shipped_database_and_keeps_no_copy(shipped, tmp_path):
    ship_by_hand(shipped)
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    database = scanner_cache.compiled(EXPRESSIONS, FLAGS, str(state), prefix=PREFIX)
    assert Compiles.count == 0, "compiled although make setup had shipped the database"
    assert matches(database) == [(0, 7), (0, 8), (1, 16)]
    assert os.listdir(state) == []  # the next start reads the shipped one again: the spool keeps the room


def _group_writable(directory, name):
    os.chmod(directory / name, 0o664)


def _world_writable_directory(directory, name):
    os.chmod(directory, 0o777)


def _a_link(directory, name):
    (directory / "real").write_bytes((directory / name).read_bytes())
    os.unlink(directory / name)
    os.symlink(directory / "real", directory / name)


def _another_users(directory, name):
    if os.getuid() != 0:
        pytest.skip("giving a file to another user needs root")
    os.chown(directory / name, 65534, 65534)


def _damaged(directory, name):
    (directory / name).write_bytes(b"not a database" * 50)


@pytest.mark.parametrize("spoil", [_group_writable, _world_writable_directory, _a_link, _another_users, _damaged])
def test_a_shipped_file_not_trusted_as_code_is_or_damaged_is_compiled_over(shipped, tmp_path, spoil):
    name = ship_by_hand(shipped)
    spoil(shipped, name)
    database = scanner_cache.compiled(EXPRESSIONS, FLAGS, None, prefix=PREFIX)
    assert Compiles.count == 1
    assert matches(database) == [(0, 7), (0, 8), (1, 16)]


def test_prebuild_writes_every_database_readable_by_all_and_removes_the_stale(shipped, monkeypatch):
    (shipped / f"{PREFIX}stale{scanner_cache.SUFFIX}").write_bytes(b"old")
    monkeypatch.setattr(prebuild, "build_redactor", lambda enabled: Redactor([TICKET]))
    names = prebuild.ship(str(shipped))
    assert sorted(os.listdir(shipped)) == sorted(names) and names
    for name in names:
        assert stat.S_IMODE(os.stat(shipped / name).st_mode) == 0o644
    compiles = Compiles.count
    scanner_cache._LAST.clear()
    assert Redactor([TICKET]).redact('{"a": "tkt_42"}') == ('{"a": "[REDACTED:ticket]"}', {"ticket": 1})
    assert Compiles.count == compiles, "the shipped databases were compiled again"
    assert prebuild.ship(str(shipped)) == names  # again: the same files, nothing to write


def test_make_setup_shipped_the_built_in_rules_databases(monkeypatch):
    """What a daemon with a fresh state directory reads, from this checkout as `make setup` left it."""
    monkeypatch.setattr(scanner_cache, "_LAST", {})
    monkeypatch.setattr(hyperscan, "Database", Compiles)
    Compiles.count = 0
    redactor = build_redactor(True)
    assert redactor is not None
    redactor._triggers.compile_twins()
    assert Compiles.count == 0, f"{Compiles.count} databases are not in {scanner_cache.SHIPPED_DIR}: run make setup"
