"""Twenty-fifth red-team pass: Claude Code sends HTTP hooks through the proxy of its environment.

Claude Code posts an HTTP hook with its own HTTP agent, which goes through the proxy named in
``https_proxy``/``HTTPS_PROXY``/``http_proxy``/``HTTP_PROXY`` for every URL its ``no_proxy``
(read first) or ``NO_PROXY`` does not exempt, 127.0.0.1 included, and matches those entries
more narrowly than curl (the host exactly: ``localhost`` does not exempt 127.0.0.1). In a
proxied environment, http-mode hooks thus went to the proxy, with every event unredacted and
the token, or were lost when it could not reach this machine, and ``hookd hooks status``
called them sound. Now status names the variable, the proxy (never its password) and the fix,
and ``install --mode http`` warns; command hooks, which use no proxy, are not concerned.
"""

from __future__ import annotations

import json

import pytest

from test_hooks_install import home, run_hooks, user_settings  # noqa: F401 - fixture

ADDR = "127.0.0.1:8787"
PROXY = "http://alice:pr0xy-pa55@proxy.example:3128"


def _status(capsys, monkeypatch) -> str:
    monkeypatch.setenv("HOOKD_HTTP_TOKEN", "x")
    capsys.readouterr()
    run_hooks("status", "--scope", "user", "--http-addr", ADDR)
    return capsys.readouterr().out


@pytest.fixture
def http_hooks(home, capsys):  # noqa: F811
    assert run_hooks("install", "--mode", "http", "--http-addr", ADDR, "--events", "Stop") == 0
    capsys.readouterr()
    return home


@pytest.mark.parametrize("var", ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"])
def test_a_proxy_in_the_environment_is_named_without_its_password(http_hooks, capsys, monkeypatch, var):
    monkeypatch.setenv(var, PROXY)
    out = _status(capsys, monkeypatch)
    assert f"{var} is set in this environment (proxy.example:3128)" in out, out
    assert "through that proxy" in out and "fix: add 127.0.0.1 to NO_PROXY" in out, out
    assert "pr0xy-pa55" not in out and "alice" not in out, out


def test_without_a_proxy_nothing_is_said(http_hooks, capsys, monkeypatch):
    assert "through that proxy" not in _status(capsys, monkeypatch)


@pytest.mark.parametrize(
    "no_proxy, exempt",
    [
        ("localhost,127.0.0.1", True),
        ("localhost 127.0.0.1", True),
        ("127.0.0.1:8787", True),
        ("*", True),
        ("localhost", False),  # Claude Code compares the host as written: no name resolution
        ("127.0.0.0/8", False),  # nor address ranges
        ("127.0.0.1:9999", False),
        ("example.com,.corp", False),
    ],
)
def test_no_proxy_is_read_as_claude_code_reads_it(http_hooks, capsys, monkeypatch, no_proxy, exempt):
    monkeypatch.setenv("HTTPS_PROXY", PROXY)
    monkeypatch.setenv("NO_PROXY", no_proxy)
    out = _status(capsys, monkeypatch)
    assert ("through that proxy" not in out) is exempt, out


def test_lowercase_no_proxy_is_read_first(http_hooks, capsys, monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", PROXY)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("no_proxy", "localhost")
    assert "through that proxy" in _status(capsys, monkeypatch)


def test_a_proxy_set_in_the_settings_files_env_is_named(http_hooks, capsys, monkeypatch):
    path = user_settings(http_hooks)
    data = json.loads(path.read_text())
    path.write_text(json.dumps({**data, "env": {"HTTPS_PROXY": "http://proxy.example:3128"}}))
    out = _status(capsys, monkeypatch)
    assert f"HTTPS_PROXY is set in the env of {path}" in out, out
    path.write_text(json.dumps({**data, "env": {"HTTPS_PROXY": "http://proxy.example:3128", "NO_PROXY": "127.0.0.1"}}))
    assert "through that proxy" not in _status(capsys, monkeypatch)


def test_status_exit_code_says_the_problem(http_hooks, capsys, monkeypatch):
    monkeypatch.setenv("HOOKD_HTTP_TOKEN", "x")
    assert run_hooks("status", "--scope", "user", "--http-addr", ADDR) == 0  # sound without the proxy
    monkeypatch.setenv("HTTPS_PROXY", PROXY)
    assert run_hooks("status", "--scope", "user", "--http-addr", ADDR) == 1


def test_install_in_http_mode_warns(home, capsys, monkeypatch):  # noqa: F811
    monkeypatch.setenv("HTTPS_PROXY", PROXY)
    assert run_hooks("install", "--mode", "http", "--http-addr", ADDR, "--events", "Stop") == 0
    err = capsys.readouterr().err
    assert "hookd: warning: HTTPS_PROXY is set" in err and "pr0xy-pa55" not in err, err


def test_command_hooks_are_not_concerned(home, capsys, monkeypatch):  # noqa: F811
    monkeypatch.setenv("HTTPS_PROXY", PROXY)
    assert run_hooks("install", "--events", "Stop") == 0
    assert "through that proxy" not in capsys.readouterr().err
    assert "through that proxy" not in _status(capsys, monkeypatch)


# Claude Code's sandbox: with sandbox.enabled, HTTP hooks go through the sandbox's network proxy,
# which refuses (403) a host that sandbox.network.allowedDomains does not list.


@pytest.fixture
def no_managed(home, monkeypatch):  # noqa: F811
    from hookd.hooks import switches

    monkeypatch.setattr(switches, "MANAGED_SETTINGS", (str(home / "managed-settings.json"),))


def test_the_sandbox_is_named_with_its_file(http_hooks, no_managed, capsys, monkeypatch):
    local = http_hooks / "project" / ".claude" / "settings.local.json"
    local.parent.mkdir()
    local.write_text(json.dumps({"sandbox": {"enabled": True}}))
    monkeypatch.setenv("HOOKD_HTTP_TOKEN", "x")
    capsys.readouterr()
    assert run_hooks("status", "--http-addr", ADDR) == 1
    out = capsys.readouterr().out
    assert f"sandbox.enabled is true in {local}" in out and "sandbox.network.allowedDomains" in out, out
    for allowed in ("127.0.0.1", ADDR):
        local.write_text(json.dumps({"sandbox": {"enabled": True, "network": {"allowedDomains": [allowed]}}}))
        assert run_hooks("status", "--http-addr", ADDR) == 0, capsys.readouterr().out
    local.write_text(json.dumps({"sandbox": {"enabled": True, "network": {"allowedDomains": ["127.0.0.1:9"]}}}))
    assert run_hooks("status", "--http-addr", ADDR) == 1


def test_a_sandbox_that_is_off_or_command_hooks_are_not_concerned(home, no_managed, capsys, monkeypatch):  # noqa: F811
    local = home / "project" / ".claude" / "settings.local.json"
    local.parent.mkdir()
    local.write_text(json.dumps({"sandbox": {"enabled": True}}))
    assert run_hooks("install", "--events", "Stop") == 0
    capsys.readouterr()
    run_hooks("status")
    assert "sandbox.enabled" not in capsys.readouterr().out
    local.write_text(json.dumps({"sandbox": {"enabled": False}}))
    assert run_hooks("install", "--mode", "http", "--http-addr", ADDR, "--events", "Stop") == 0
    capsys.readouterr()
    monkeypatch.setenv("HOOKD_HTTP_TOKEN", "x")
    run_hooks("status", "--http-addr", ADDR)
    assert "sandbox.enabled" not in capsys.readouterr().out
