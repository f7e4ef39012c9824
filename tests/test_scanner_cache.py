"""The redaction scanner's compiled database, kept in the state directory between starts."""

from __future__ import annotations

import json
import os
import stat

import hyperscan
import pytest

import hookd.redact.scanner_cache as scanner_cache
from hookd.redact import Rule, build_redactor

SECRETS = (
    '{"cmd": "curl -u admin:hunter2 https://x", "key": "AKIA' + "A" * 16 + '", '
    '"url": "postgres://app:s3cret@db:5432/shop"}'
)


@pytest.fixture(autouse=True)
def nothing_shipped(tmp_path_factory, monkeypatch):
    """No database shipped beside the code: what an install without `make setup`'s prebuild compiles
    and keeps in its state directory (a shipped one is read from where it is: test_scanner_shipped)."""
    monkeypatch.setattr(scanner_cache, "SHIPPED_DIR", str(tmp_path_factory.mktemp("shipped")))


def cached_files(directory) -> list[str]:
    return sorted(name for name in os.listdir(directory) if name.startswith(scanner_cache.PREFIX))


def test_a_second_start_loads_the_scanner_instead_of_compiling_it(tmp_path, monkeypatch):
    expected = build_redactor(True).redact(SECRETS)
    assert expected[1]  # the text does hold secrets
    assert build_redactor(True, cache_dir=str(tmp_path)).redact(SECRETS) == expected
    [saved] = cached_files(tmp_path)
    assert stat.S_IMODE(os.stat(tmp_path / saved).st_mode) == 0o600

    class NoCompiling(hyperscan.Database):
        def compile(self, *args, **kwargs):
            raise AssertionError("compiled although the database was saved")

    monkeypatch.setattr(hyperscan, "Database", NoCompiling)
    assert build_redactor(True, cache_dir=str(tmp_path)).redact(SECRETS) == expected


def garbage(data: bytes) -> bytes:
    return b"not a database" * 100


def one_byte_flipped(data: bytes) -> bytes:
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0xFF
    return bytes(flipped)


@pytest.mark.parametrize("damage", [garbage, one_byte_flipped, lambda data: data[: len(data) // 2]])
def test_a_damaged_file_is_compiled_over(tmp_path, damage):
    expected = build_redactor(True).redact(SECRETS)
    build_redactor(True, cache_dir=str(tmp_path))
    [saved] = cached_files(tmp_path)
    (tmp_path / saved).write_bytes(damage((tmp_path / saved).read_bytes()))
    assert build_redactor(True, cache_dir=str(tmp_path)).redact(SECRETS) == expected
    assert hyperscan.loadb((tmp_path / saved).read_bytes(), hyperscan.HS_MODE_BLOCK) is not None


def test_other_rules_get_their_own_file_and_the_old_one_goes(tmp_path):
    build_redactor(True, cache_dir=str(tmp_path))
    [first] = cached_files(tmp_path)
    ticket = Rule("ticket", r"tkt_[0-9]+", "a ticket", keywords=("tkt_",))
    from hookd.redact.redactor import Redactor

    redactor = Redactor([ticket], cache_dir=str(tmp_path))
    [second] = cached_files(tmp_path)
    assert second != first
    assert redactor.redact('{"a": "tkt_42"}') == ('{"a": "[REDACTED:ticket]"}', {"ticket": 1})


def test_a_directory_it_cannot_write_costs_only_the_compile(tmp_path):
    missing = tmp_path / "gone"
    expected = build_redactor(True).redact(SECRETS)
    assert build_redactor(True, cache_dir=str(missing)).redact(SECRETS) == expected
    assert not missing.exists()


def test_no_database_is_saved_where_it_would_leave_the_spool_no_room(tmp_path, monkeypatch):
    """The state directory's filesystem is the spool's: a start does without the saved database (and
    compiles again next time) rather than take space the spool waits out an outage in."""
    info = os.statvfs(tmp_path)
    # The filesystem's whole size: free space never reaches it, whatever other tests free meanwhile.
    monkeypatch.setattr(scanner_cache, "SAVE_ROOM", info.f_blocks * info.f_frsize)
    expected = build_redactor(True).redact(SECRETS)
    assert build_redactor(True, cache_dir=str(tmp_path)).redact(SECRETS) == expected
    assert cached_files(tmp_path) == []


class Compiles(hyperscan.Database):
    count = 0

    def compile(self, *args, **kwargs):
        Compiles.count += 1
        return super().compile(*args, **kwargs)


# A rule of the main database first, then rules with gated databases (needs, parts, needs scanned LATER).
GATED = ("aws_access_key_id", "cli_password", "netrc_password", "secret_name_value")
GATED_TEXT = json.dumps(
    {
        "a": "curl -u alice:Zq8vT3mW9x https://a.example",
        "b": "machine api.example.com login bob password Qk4nV8rT2w\n",
        "c": '{"name": "DB_PASSWORD", "value": "Hx7pL2vN9q"}',
        "d": "AKIAQ3EGTRV5XJ7KZP2M",
    }
)


@pytest.mark.parametrize("left_out", ["aws_access_key_id", "cli_password"])
def test_a_rule_left_out_compiles_only_the_database_that_held_it(tmp_path, monkeypatch, left_out):
    """redact_disable: a start keeps the databases of the rules it still has, though each id after the
    rule left out shifted; only the main database (and its twin), which held the rule, is compiled."""
    from hookd.redact.redactor import Redactor
    from hookd.redact.rules import BUILTIN_RULES

    rules = [rule for rule in BUILTIN_RULES if rule.name in GATED]
    assert [rule.name for rule in rules] == list(GATED)
    Redactor(rules, cache_dir=str(tmp_path))._triggers.compile_twins()
    fewer = [rule for rule in rules if rule.name != left_out]
    expected = Redactor(fewer).redact(GATED_TEXT)
    assert len(expected[1]) == 3  # the three rules still there each redact
    monkeypatch.setattr(scanner_cache, "_LAST", {})  # a new process: what it reads is on disk
    monkeypatch.setattr(hyperscan, "Database", Compiles)
    Compiles.count = 0
    redactor = Redactor(fewer, cache_dir=str(tmp_path))
    redactor._triggers.compile_twins()
    assert Compiles.count <= 2, f"{Compiles.count} databases compiled, not the main one and its twin"
    assert redactor.redact(GATED_TEXT) == expected
