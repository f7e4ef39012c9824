"""Each part checks its own settings, for the commands that use it; each gets only its settings.

config.load checks each value on its own; whether a part's settings work together (Redis,
redaction, HTTP) is checked by that part, from hookd/console/settings.py, only for a command
that uses them (issue 18: a broken Redis setting must not stop `hookd hooks status`).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import typing
from pathlib import Path

import msgspec
import pytest

from conftest import REPO
from hookd.config import Config, Section, SettingError, load, setting_names
from hookd.console import settings as checked
from hookd.console.options import USES, chosen
from hookd.ingest.http_setup import HttpSettings
from hookd.policies import FsyncPolicy, FullPolicy, SentinelTls
from hookd.publish.settings import PublishSettings, RedisSettings
from hookd.spool.settings import SpoolSettings

BROKEN_REDIS = {"HOOKD_REDIS_PASSWORD_FILE": "/nonexistent"}


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    """This machine's environment without its hookd settings: a fresh HOME and XDG dirs."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("HOOKD_")}
    return {
        **base,
        "HOME": str(tmp_path / "home"),
        "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"),
        "XDG_STATE_HOME": str(tmp_path / "xdg-state"),
        "XDG_RUNTIME_DIR": str(tmp_path / "run"),
    }


def hookd(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "hookd", *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=60
    )


# ---------------------------------------------------------------- the example


def test_a_command_that_does_not_use_redis_runs_with_a_broken_redis_setting(env):
    for args in (["hooks", "status"], ["print-hook-command", "Stop"], ["status"]):
        result = hookd(*args, env={**env, **BROKEN_REDIS})
        assert result.returncode != 78, (args, result.stderr)
        assert "redis_password_file" not in result.stderr, (args, result.stderr)


@pytest.mark.parametrize("args", [["run"], ["config"], ["tail"], ["replay"]])
def test_a_command_that_uses_redis_refuses_it_naming_the_setting_source_and_fix(env, args):
    result = hookd(*args, env={**env, **BROKEN_REDIS})
    assert result.returncode == 78, result.stderr
    assert "Traceback" not in result.stderr
    assert (
        "HOOKD_REDIS_PASSWORD_FILE from the environment: cannot read redis_password_file "
        "/nonexistent: No such file or directory; point redis_password_file at the file that "
        "holds the password"
    ) in result.stderr


def test_a_check_error_carries_its_setting_and_source_as_attributes():
    with pytest.raises(SettingError) as caught:
        checked.load(environ={**BROKEN_REDIS, "XDG_CONFIG_HOME": "/nonexistent"})
    assert caught.value.setting == "redis_password_file"
    assert caught.value.source == "HOOKD_REDIS_PASSWORD_FILE from the environment"


def test_a_setting_from_the_config_file_is_blamed_on_its_line(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('stream = "s"\nredis_cluster_nodes = "10.0.0.6:7000"\n')
    with pytest.raises(SettingError) as caught:
        checked.load({"config": str(path)}, environ={})
    assert caught.value.setting == "redis_cluster_nodes"
    assert caught.value.source == f"config file {path}, line 2"
    assert "set redis_cluster = true" in str(caught.value)


def test_config_load_checks_values_but_not_how_parts_use_them():
    environ = {
        **BROKEN_REDIS,
        "HOOKD_REDACT_DISABLE": '["no_such_rule"]',
        "HOOKD_HTTP_ADDR": "0.0.0.0:8787",
        "HOOKD_STREAM": "a}b",
        "XDG_CONFIG_HOME": "/nonexistent",
    }
    config = load(environ=environ)  # the leaf: types, ranges, syntax only
    assert config.redis_password_file == "/nonexistent"
    for uses, setting in (
        (["stream"], "stream"),
        (["redis_password_file"], "redis_password_file"),
        (["redact_disable"], "redact_disable"),
        (["http_addr"], "http_addr"),
    ):
        with pytest.raises(SettingError) as caught:
            checked.load(environ=environ, uses=uses)
        assert caught.value.setting == setting
        assert caught.value.source == f"HOOKD_{setting.upper()} from the environment"
    assert checked.load(environ=environ, uses=chosen(USES["status"])).stream == "a}b"


@pytest.mark.parametrize(
    "command, checked_parts",
    [
        ("run", {"stream", "redis", "redaction", "http"}),
        ("config", {"stream", "redis", "redaction", "http"}),
        ("tail", {"stream", "redis"}),
        ("replay", {"stream", "redis"}),
        ("ui", {"stream", "redis"}),
        ("redact", {"redaction"}),
        ("hooks", {"http"}),
        ("service", {"http"}),
        ("status", set()),
        ("print-hook-command", set()),
    ],
)
def test_each_command_checks_the_parts_it_uses_and_no_other(command, checked_parts):
    names = {
        checked._check_stream: "stream",
        checked._check_redis: "redis",
        checked._check_redaction: "redaction",
        checked._check_http: "http",
    }
    used = set(chosen(USES[command]))
    assert {names[check] for settings, check in checked.CHECKS if settings & used} == checked_parts


# ---------------------------------------------------------------- each part gets only its settings


def _base(hint: object) -> object:
    while typing.get_origin(hint) is typing.Annotated:
        hint = typing.get_args(hint)[0]
    return hint


@pytest.mark.parametrize("section", [RedisSettings, PublishSettings, SpoolSettings, HttpSettings])
def test_each_settings_field_is_the_setting_of_that_name_and_type(section: type[Section]):
    config_hints = typing.get_type_hints(Config, include_extras=True)
    section_hints = typing.get_type_hints(section)
    for field, name in zip(section.__struct_fields__, section.setting_names()):
        if name == "spool_dir":  # derived from state_dir, not a setting of its own
            continue
        assert name in setting_names(), f"{section.__name__}.{field}: no setting {name}"
        assert _base(config_hints[name]) == section_hints[field], (section.__name__, field)


def test_each_settings_object_holds_its_part_s_settings_and_nothing_else():
    redis = set(RedisSettings.setting_names())
    assert redis == {n for n in setting_names() if n.startswith("redis_")} - {"redis_wait_replicas"}
    assert set(PublishSettings.setting_names()) == {
        "stream",
        "stream_maxlen",
        "session_index",
        "session_retention_s",
        "publish_channel",
        "batch_max_events",
        "batch_max_bytes",
        "publish_linger_ms",
        "redis_wait_replicas",
        "breaker_failures",
        "breaker_backoff_min_s",
        "breaker_backoff_max_s",
        "breaker_trial_timeout_s",
    }
    assert set(SpoolSettings.setting_names()) == {n for n in setting_names() if n.startswith("spool_")} | {"spool_dir"}
    assert set(HttpSettings.setting_names()) == {
        "http_addr",
        "http_token_file",
        "http_allow_public",
        "http_public_name",
        "max_event_bytes",
        "client_timeout_s",
        "listen_backlog",
    }
    settings = RedisSettings.from_config(
        load(environ={"HOOKD_REDIS_URL": "redis://r:1/2", "XDG_CONFIG_HOME": "/nonexistent"})
    )
    assert settings.url == "redis://r:1/2" and not hasattr(settings, "stream")
    with pytest.raises(AttributeError):
        settings.url = "redis://elsewhere"  # type: ignore[misc]  # frozen: built once


def test_the_publish_code_never_sees_the_config():
    for path in sorted((REPO / "hookd" / "publish").glob("*.py")):
        text = path.read_text()
        assert not re.search(r"\bconfig\.[a-z]", text), f"{path.name} reads the Config"
        assert "import Config" not in text and "Config," not in text, f"{path.name} imports Config"


# ---------------------------------------------------------------- policies are Enums


def test_policies_load_as_enum_members(tmp_path):
    config = load(
        environ={
            "HOOKD_SPOOL_FSYNC": "batch",
            "HOOKD_SPOOL_FULL_POLICY": "drop_oldest",
            "HOOKD_REDIS_SENTINEL_TLS": "on",
            "XDG_CONFIG_HOME": "/nonexistent",
        }
    )
    assert config.spool_fsync is FsyncPolicy.BATCH
    assert config.spool_full_policy is FullPolicy.DROP_OLDEST
    assert config.redis_sentinel_tls is SentinelTls.ON
    assert SpoolSettings.from_config(config).fsync is FsyncPolicy.BATCH
    assert msgspec.to_builtins(config)["spool_fsync"] == "batch"  # printed as the text


def test_no_policy_is_compared_as_a_bare_string():
    # the spool's policy words anywhere, and any comparison of a policy setting with text
    values = "|".join(member.value for enum in (FsyncPolicy, FullPolicy) for member in enum)
    policies = "fsync|policy|sentinel_tls|hook_client|log_format|log_level|choice|mode"
    compared = re.compile(
        rf"""(==|!=|\bis|\bin)\s*["']({values})["']|["']({values})["']\s*(==|!=)"""
        rf"""|({policies})\s*(==|!=|\bis\b|\bin\b)\s*["'(]"""
    )
    found = [
        f"{path.relative_to(REPO)}:{n}: {line.strip()}"
        for path in sorted(Path(REPO / "hookd").rglob("*.py"))
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if compared.search(line)
    ]
    assert not found, found
