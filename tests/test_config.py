"""Loading the settings: defaults, precedence, conversion, errors that name their source; mask_url.

``load`` here is hookd.console.settings.load, what the commands call: hookd.config.load and
then every part's check (tests/test_config_parts.py tests which checks run when).
"""

from __future__ import annotations

import json
import os
import re
import socket

import pytest

from hookd.cli import main
from hookd.config import SECRET_SETTINGS, Config, ConfigError, mask_url, setting_info, setting_names
from hookd.config_errors import SettingError
from hookd.console.settings import load


@pytest.fixture
def env(tmp_path):
    """A minimal, private environment: no HOOKD_* variables, a home and XDG dirs under tmp_path."""
    return {"HOME": str(tmp_path / "home"), "XDG_CONFIG_HOME": str(tmp_path / "xdg-config")}


def write_toml(tmp_path, text: str, name: str = "config.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def default_file(env) -> str:
    path = os.path.join(env["XDG_CONFIG_HOME"], "hookd", "config.toml")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return path


# ---------------------------------------------------------------- defaults


def test_defaults_without_file_environment_or_flags(env):
    config = load({}, environ=env)
    assert config.redis_url == "redis://127.0.0.1:6379/0"
    assert config.stream == "hookd:events"
    assert config.stream_maxlen == 1_000_000
    assert config.max_event_bytes == 8 * 1024 * 1024
    assert config.client_timeout_s == 5.0
    assert config.drain_timeout_s == 10.0
    assert config.batch_max_events == 5000
    assert config.spool_fsync == "interval"
    assert config.log_format == "auto" and config.log_level == "info"
    assert config.host == socket.gethostname()
    assert config.socket == os.path.join(config.state_dir, "run", "hookd.sock")
    assert config.state_dir == os.path.join(env["HOME"], ".local/state/hookd")
    assert config.inbox_dir == os.path.join(config.state_dir, "inbox")
    assert config.spool_dir == os.path.join(config.state_dir, "spool")


def test_socket_default_follows_xdg_runtime_dir(env, tmp_path):
    config = load({}, environ={**env, "XDG_RUNTIME_DIR": str(tmp_path / "run")})
    assert config.socket == str(tmp_path / "run" / "hookd" / "hookd.sock")


def test_socket_default_falls_back_to_the_state_dir_never_a_shared_tmp_name(env, tmp_path):
    # A /tmp/hookd-$UID name could be created first, and listened on, by another user.
    expected = os.path.join(env["HOME"], ".local", "state", "hookd", "run", "hookd.sock")
    assert load({}, environ=env).socket == expected
    assert load({}, environ={**env, "XDG_RUNTIME_DIR": ""}).socket == expected
    # The daemon's rule is the client's, applied to the state_dir it resolved (here a flag).
    assert load({"state_dir": str(tmp_path / "s")}, environ=env).socket == str(tmp_path / "s" / "run" / "hookd.sock")


def test_state_dir_default_follows_xdg_state_home_then_home(env, tmp_path):
    assert load({}, environ={**env, "XDG_STATE_HOME": str(tmp_path / "st")}).state_dir == str(tmp_path / "st" / "hookd")
    assert load({}, environ=env).state_dir == os.path.join(env["HOME"], ".local", "state", "hookd")


def test_explicit_socket_and_state_dir_win_over_xdg(env, tmp_path):
    environ = {
        **env,
        "XDG_RUNTIME_DIR": "/run/user/1",
        "XDG_STATE_HOME": "/var/st",
        "HOOKD_SOCKET": str(tmp_path / "s.sock"),
        "HOOKD_STATE_DIR": str(tmp_path / "state"),
    }
    config = load({}, environ=environ)
    assert config.socket == str(tmp_path / "s.sock")
    assert config.state_dir == str(tmp_path / "state")


def test_relative_paths_are_made_absolute(env, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = load({"socket": "rel/hookd.sock", "state_dir": "rel-state"}, environ=env)
    assert config.socket == str(tmp_path / "rel" / "hookd.sock")
    assert config.state_dir == str(tmp_path / "rel-state")


@pytest.mark.parametrize("variable", ["HOOKD_STATE_DIR", "HOOKD_SOCKET", "HOOKD_SPARE_INBOX"])
@pytest.mark.parametrize("value", ["rel/state", "~/hookd", "./x"])
def test_a_relative_routing_variable_is_refused_because_hook_send_ignores_it(
    env, tmp_path, monkeypatch, variable, value
):
    # hook-send counts such a variable as unset (test_redteam6_client_paths.py): a daemon that took
    # it relative to its own directory would listen where no hook-send looks.
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as info:
        load(environ={**env, variable: value})
    message = str(info.value)
    assert variable in message and "not an absolute path" in message and "fix:" in message
    assert info.value.setting == variable.removeprefix("HOOKD_").lower()


def test_a_flag_overrides_a_relative_routing_variable(env, tmp_path):
    config = load({"state_dir": str(tmp_path / "st")}, environ={**env, "HOOKD_STATE_DIR": "rel"})
    assert config.state_dir == str(tmp_path / "st")


def test_host_setting_overrides_the_host_name(env):
    assert load({"host": "laptop-7"}, environ=env).host == "laptop-7"


# ---------------------------------------------------------------- precedence and conversion


def test_precedence_is_file_then_environment_then_flags(env, tmp_path):
    path = write_toml(
        tmp_path,
        """
        stream = "from-file"
        stream_maxlen = 11
        client_timeout_s = 1.5
        log_level = "debug"
        batch_max_events = 7
    """,
    )
    environ = {
        **env,
        "HOOKD_CONFIG": str(path),
        "HOOKD_STREAM": "from-env",
        "HOOKD_STREAM_MAXLEN": "22",
        "HOOKD_CLIENT_TIMEOUT_S": "2.5",
    }
    flags = {"stream": "from-flag", "client_timeout_s": "3.5", "redis_url": None}
    config = load(flags, environ=environ)
    assert config.stream == "from-flag"  # file < env < flag
    assert config.client_timeout_s == 3.5  # file < env < flag
    assert config.stream_maxlen == 22  # file < env
    assert config.log_level == "debug"  # file only
    assert config.batch_max_events == 7  # file only
    assert config.redis_url == "redis://127.0.0.1:6379/0"  # a None flag is "not given"


def test_default_config_file_is_read_from_xdg_config_home(env):
    with open(default_file(env), "w") as fh:
        fh.write('stream = "from-default-file"\n')
    assert load({}, environ=env).stream == "from-default-file"


def test_config_flag_wins_over_hookd_config_variable(env, tmp_path):
    a = write_toml(tmp_path, 'stream = "a"\n', "a.toml")
    b = write_toml(tmp_path, 'stream = "b"\n', "b.toml")
    assert load({}, environ={**env, "HOOKD_CONFIG": str(a)}).stream == "a"
    assert load({"config": str(b)}, environ={**env, "HOOKD_CONFIG": str(a)}).stream == "b"


def test_numbers_from_the_environment_and_flags_are_converted(env):
    environ = {
        **env,
        "HOOKD_STREAM_MAXLEN": "0",
        "HOOKD_MAX_EVENT_BYTES": "4096",
        "HOOKD_CLIENT_TIMEOUT_S": "0.25",
        "HOOKD_DRAIN_TIMEOUT_S": "0",
        "HOOKD_SPOOL_FSYNC_INTERVAL_MS": "50",
    }
    config = load({"batch_max_events": "3", "redis_timeout_s": "2"}, environ=environ)
    assert (config.stream_maxlen, config.max_event_bytes) == (0, 4096)
    assert type(config.stream_maxlen) is int and type(config.max_event_bytes) is int
    assert config.client_timeout_s == 0.25 and config.drain_timeout_s == 0.0
    assert config.spool_fsync_interval_ms == 50
    assert config.batch_max_events == 3 and type(config.batch_max_events) is int
    assert config.redis_timeout_s == 2.0 and type(config.redis_timeout_s) is float


def test_empty_environment_variables_count_as_unset(env):
    config = load({}, environ={**env, "HOOKD_STREAM": "", "HOOKD_STREAM_MAXLEN": ""})
    assert config.stream == "hookd:events" and config.stream_maxlen == 1_000_000


def test_other_environment_variables_are_ignored(env):
    config = load({}, environ={**env, "HOOKD_NO_SUCH_SETTING": "x", "STREAM": "y"})
    assert config.stream == "hookd:events"


@pytest.mark.parametrize(
    ("variable", "meant"), [("HOOKD_REDIS_ULR", "HOOKD_REDIS_URL"), ("HOOKD_STATEDIR", "HOOKD_STATE_DIR")]
)
def test_a_mistyped_setting_variable_is_refused_naming_the_one_meant(env, variable, meant):
    # On the code before, the setting stayed at its default and nothing said so.
    with pytest.raises(SettingError) as caught:
        load({}, environ={**env, variable: "redis://127.0.0.1:6390/0"})
    message = str(caught.value)
    assert message.startswith(f"{variable} from the environment: "), message
    assert f"did you mean {meant}?" in message and f"unset {variable}" in message, message


def test_hookds_own_variables_beside_the_settings_are_not_typos(env):
    own = {"HOOKD_HTTP_TOKEN": "t", "HOOKD_SEND_TIMEOUT_MS": "250", "HOOKD_DEBUG": "1", "HOOKD_INBOX_FSYNC": "0"}
    assert load({}, environ={**env, **own}).http_token_file.endswith("http.token")


def test_a_config_file_that_is_not_toml_says_where_and_how_values_are_written(env, tmp_path):
    # A newcomer's first file: the URL without quotes. Before: "Invalid value (at line 2, column 13)" only.
    path = write_toml(tmp_path, 'stream = "x"\nredis_url = redis://127.0.0.1:6380/0\n')
    with pytest.raises(ConfigError) as caught:
        load({}, environ={**env, "HOOKD_CONFIG": str(path)})
    message = str(caught.value)
    assert message.startswith(f"config file {path} is not valid TOML: ") and "line 2" in message, message
    assert 'text goes in quotes (redis_url = "redis://127.0.0.1:6379/0")' in message, message


# ---------------------------------------------------------------- errors name their source


def test_unknown_key_in_the_file_is_an_error_naming_the_file_and_key(env, tmp_path):
    path = write_toml(tmp_path, 'stream = "ok"\nstreem_maxlen = 5\n')
    with pytest.raises(ConfigError) as caught:
        load({}, environ={**env, "HOOKD_CONFIG": str(path)})
    assert str(path) in str(caught.value) and "streem_maxlen" in str(caught.value)


def test_unknown_table_in_the_file_is_an_error(env, tmp_path):
    path = write_toml(tmp_path, '[redis]\nurl = "redis://x"\n')
    with pytest.raises(ConfigError, match=re.escape(str(path))):
        load({}, environ={**env, "HOOKD_CONFIG": str(path)})


def test_toml_syntax_error_names_the_file(env, tmp_path):
    path = write_toml(tmp_path, "stream = \n")
    with pytest.raises(ConfigError, match=re.escape(str(path))):
        load({}, environ={**env, "HOOKD_CONFIG": str(path)})


@pytest.mark.parametrize("value", ["abc", "-1", "1.5"])
def test_bad_number_from_the_environment_names_the_variable(env, value):
    with pytest.raises(ConfigError) as caught:
        load({}, environ={**env, "HOOKD_STREAM_MAXLEN": value})
    message = str(caught.value)
    assert "HOOKD_STREAM_MAXLEN" in message and "environment" in message


def test_bad_value_in_the_file_names_the_file_and_setting(env, tmp_path):
    path = write_toml(tmp_path, 'max_event_bytes = "lots"\n')
    with pytest.raises(ConfigError) as caught:
        load({}, environ={**env, "HOOKD_CONFIG": str(path)})
    assert "max_event_bytes" in str(caught.value) and str(path) in str(caught.value)


@pytest.mark.parametrize(
    "name, value",
    [
        ("log_format", "xml"),
        ("spool_fsync", "always"),
        ("client_timeout_s", "0"),
        ("max_event_bytes", "100"),
        ("batch_max_events", "0"),
        ("log_level", "verbose"),
    ],
)
def test_bad_flag_names_the_setting_and_the_command_line(env, name, value):
    with pytest.raises(ConfigError) as caught:
        load({name: value}, environ=env)
    assert name in str(caught.value) and "command line" in str(caught.value)


def test_the_source_actually_used_is_blamed(env, tmp_path):
    # A bad value in the file is harmless when the environment overrides it...
    path = write_toml(tmp_path, 'stream_maxlen = "bad"\n')
    environ = {**env, "HOOKD_CONFIG": str(path)}
    assert load({}, environ={**environ, "HOOKD_STREAM_MAXLEN": "5"}).stream_maxlen == 5
    # ...and a bad environment value over a good file value is the environment's fault.
    path.write_text("stream_maxlen = 5\n")
    with pytest.raises(ConfigError, match="HOOKD_STREAM_MAXLEN from the environment"):
        load({}, environ={**environ, "HOOKD_STREAM_MAXLEN": "bad"})


def test_bad_stream_name_from_the_environment_names_the_variable(env):
    with pytest.raises(ConfigError, match="HOOKD_STREAM from the environment"):
        load({}, environ={**env, "HOOKD_STREAM": "bad}name"})


def test_bad_stream_name_is_refused(env):
    with pytest.raises(ConfigError, match="bad}name"):
        load({}, environ={**env, "HOOKD_STREAM": "bad}name"})


def test_missing_explicit_config_file_is_an_error(env, tmp_path):
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError, match=re.escape(str(missing))):
        load({"config": str(missing)}, environ=env)
    with pytest.raises(ConfigError, match=re.escape(str(missing))):
        load({}, environ={**env, "HOOKD_CONFIG": str(missing)})


def test_missing_default_config_file_is_fine(env):
    assert not os.path.exists(os.path.join(env["XDG_CONFIG_HOME"], "hookd", "config.toml"))
    assert load({}, environ=env).stream == "hookd:events"


# ---------------------------------------------------------------- masking passwords


@pytest.mark.parametrize(
    "url, masked",
    [
        ("redis://user:s3cret@127.0.0.1:6379/0", "redis://user:****@127.0.0.1:6379/0"),
        ("rediss://default:s3cret@redis.example.com:6380/2", "rediss://default:****@redis.example.com:6380/2"),
        ("redis://:s3cret@127.0.0.1:6379/0", "redis://:****@127.0.0.1:6379/0"),
        ("redis://:s3cret@localhost", "redis://:****@localhost"),
        ("redis://user:s3cret@[::1]:6379/0", "redis://user:****@[::1]:6379/0"),
        ("redis://user:p%40ss%3Aword@host:6379/0", "redis://user:****@host:6379/0"),
        ("redis://127.0.0.1:6379/0?password=s3cret", "redis://127.0.0.1:6379/0?password=****"),
        (
            "redis://127.0.0.1:6379/0?db=1&password=s3cret&ssl=false",
            "redis://127.0.0.1:6379/0?db=1&password=****&ssl=false",
        ),
        ("redis://u:s3cret@127.0.0.1:6379/0?password=s3cret2", "redis://u:****@127.0.0.1:6379/0?password=****"),
    ],
)
def test_mask_url_hides_the_password(url, masked):
    assert mask_url(url) == masked
    assert "s3cret" not in mask_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "redis://127.0.0.1:6379/0",
        "redis://user@127.0.0.1:6379/0",
        "rediss://redis.example.com:6380/1?ssl_cert_reqs=none",
        "unix:///run/redis/redis.sock?db=0",
    ],
)
def test_mask_url_leaves_a_url_without_password_unchanged(url):
    assert mask_url(url) == url


# ---------------------------------------------------------------- the settings and the CLI


def test_every_setting_has_a_description():
    for field in setting_info():
        description = getattr(field.type, "extra_json_schema", {}).get("description", "")
        assert description.strip(), f"setting {field.name} has no description"


@pytest.mark.parametrize("command", ["run", "config"])
def test_help_shows_every_setting_as_a_flag_with_its_description(command, capsys):
    with pytest.raises(SystemExit) as caught:
        main([command, "--help"])
    assert caught.value.code == 0
    help_text = " ".join(capsys.readouterr().out.split())
    for field in setting_info():
        if field.name in SECRET_SETTINGS:  # a secret is never a flag: ps shows flags to everyone
            assert f"--{field.name.replace('_', '-')} " not in help_text
            continue
        assert f"--{field.name.replace('_', '-')}" in help_text
        description = " ".join(field.type.extra_json_schema["description"].split())
        assert description in help_text, field.name


def test_setting_names_are_the_config_fields():
    assert list(setting_names()) == [f.name for f in setting_info()]
    assert set(setting_names()) == set(Config.__struct_fields__)


@pytest.fixture
def cli_env(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith("HOOKD_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    return tmp_path


def test_hookd_config_prints_every_setting(cli_env, capsys):
    assert main(["config"]) == 0
    out = capsys.readouterr().out
    printed = {line.split("=", 1)[0].strip() for line in out.splitlines() if "=" in line}
    assert printed == set(setting_names())


def test_hookd_config_json_prints_every_setting_with_effective_values(cli_env, capsys, monkeypatch):
    monkeypatch.setenv("HOOKD_STREAM_MAXLEN", "42")
    monkeypatch.setenv("HOOKD_REDIS_URL", "redis://me:s3cret@127.0.0.1:6379/0")
    assert main(["config", "--json", "--stream", "flagged"]) == 0
    values = json.loads(capsys.readouterr().out)
    assert set(values) == set(setting_names())
    assert values["stream_maxlen"] == 42 and values["stream"] == "flagged"
    assert values["redis_url"] == "redis://me:****@127.0.0.1:6379/0"


def test_hookd_config_with_a_bad_setting_exits_78_naming_it(cli_env, capsys, monkeypatch):
    monkeypatch.setenv("HOOKD_STREAM_MAXLEN", "many")
    assert main(["config"]) == 78  # EX_CONFIG: not a usage error (2)
    captured = capsys.readouterr()
    assert captured.out == "" and "HOOKD_STREAM_MAXLEN" in captured.err


def test_config_prints_user_redaction_rules(tmp_path, capsys):
    from hookd.cli import main

    path = tmp_path / "config.toml"
    path.write_text('[[redact_rules]]\nname = "ticket"\npattern = "tkt_[0-9]+"\nkeywords = ["tkt_"]\n')
    assert main(["config", "--json", "--config", str(path)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["redact_rules"] == [
        {"name": "ticket", "pattern": "tkt_[0-9]+", "keywords": ["tkt_"], "ignore_case": False, "group": 0}
    ]
    assert main(["config", "--config", str(path)]) == 0
    assert '"ticket"' in capsys.readouterr().out


# ---------------------------------------------------------------- errors say where, what and the fix


def test_an_error_carries_the_setting_and_its_source_with_the_file_line(env, tmp_path):
    path = write_toml(tmp_path, 'stream = "ok"\n# a comment\nspool_fsync = "always"\n')
    with pytest.raises(ConfigError) as caught:
        load({}, environ={**env, "HOOKD_CONFIG": str(path)})
    assert caught.value.setting == "spool_fsync"
    assert caught.value.source == f"config file {path}, line 3"
    assert "valid values: interval, batch, never" in str(caught.value)  # in the order written


def test_an_unknown_setting_gets_a_did_you_mean(env, tmp_path):
    path = write_toml(tmp_path, 'stream = "ok"\nredis_ulr = "redis://x"\n')
    with pytest.raises(ConfigError, match=r"line 2: redis_ulr is not a setting; did you mean redis_url\?"):
        load({}, environ={**env, "HOOKD_CONFIG": str(path)})
    path.write_text("zzzzzz = 1\n")
    with pytest.raises(ConfigError, match="hookd config --markdown"):  # nothing close: where to look
        load({}, environ={**env, "HOOKD_CONFIG": str(path)})


def test_a_table_in_the_file_is_found_by_its_header_line(env, tmp_path):
    path = write_toml(tmp_path, 'stream = "ok"\n\n[[redact_rules]]\nname = "x"\n')
    with pytest.raises(ConfigError) as caught:
        load({}, environ={**env, "HOOKD_CONFIG": str(path)})
    assert caught.value.setting == "redact_rules" and caught.value.source.endswith("line 3")


@pytest.mark.parametrize("value, expected", [("true", True), ("false", False), ("1", True), ("0", False)])
def test_booleans_from_the_environment(env, value, expected):
    assert load({}, environ={**env, "HOOKD_REDACT": value}).redact is expected


def test_a_bad_boolean_says_what_it_accepts(env):
    with pytest.raises(ConfigError, match="'yes' is not true or false; valid values: true, false"):
        load({}, environ={**env, "HOOKD_REDACT": "yes"})


@pytest.mark.parametrize(
    "url, message",
    [
        ("127.0.0.1:6379", "did you mean redis://127.0.0.1:6379?"),
        ("redis://localhost/abc", "must be a database number"),
        ("redis://localhost:6379/", None),
        ("redis://localhost:6379/15", None),
        ("unix:///run/redis.sock", None),
    ],
)
def test_redis_url_shapes(env, url, message):
    if message is None:
        assert load({"redis_url": url}, environ=env).redis_url == url
    else:
        with pytest.raises(ConfigError, match=re.escape(message)):
            load({"redis_url": url}, environ=env)


def test_a_password_in_a_url_without_scheme_is_never_repeated(env):
    with pytest.raises(ConfigError) as caught:
        load({}, environ={**env, "HOOKD_REDIS_URL": "me:s3cret@db.example:6379"})
    assert "s3cret" not in str(caught.value)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("9464", "127.0.0.1:9464"),
        (":9464", "127.0.0.1:9464"),
        ("localhost:9464", "127.0.0.1:9464"),
        ("0.0.0.0:9464", "0.0.0.0:9464"),
        ("[::1]:9464", "[::1]:9464"),
    ],
)
def test_metrics_addr_forms(env, value, expected):
    assert load({"metrics_addr": value}, environ=env).metrics_addr == expected


@pytest.mark.parametrize("value", ["metrics.example:9464", "127.0.0.1", "127.0.0.1:99999"])
def test_bad_metrics_addr_is_refused(env, value):
    with pytest.raises(ConfigError, match="metrics_addr"):
        load({"metrics_addr": value}, environ=env)
