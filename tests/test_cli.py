"""The hookd command line as a terminal user meets it: help, flags, errors, exit codes, pipes,
Ctrl-C, colour and completion."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hookd.cli import build_parser, main
from hookd.console import exits
from hookd.terminal import color
from hookd.terminal.progress import Progress

REPO = Path(__file__).resolve().parent.parent
ANSI = re.compile(r"\x1b\[[0-9;]*m")
SUBCOMMANDS = [
    "run",
    "config",
    "print-hook-command",
    "status",
    "redact",
    "replay",
    "tail",
    "service",
    "completion",
    "hooks install",
    "hooks uninstall",
    "hooks status",
]


@pytest.fixture
def cli_env(monkeypatch, tmp_path):
    """No hookd settings from this machine: a fresh HOME and XDG dirs, no HOOKD_* variables."""
    for name in list(os.environ):
        if name.startswith("HOOKD_") or name in ("NO_COLOR", "FORCE_COLOR"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    return tmp_path


def env_of(cli_env: Path, **extra: str) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("HOOKD_") and k not in ("NO_COLOR", "FORCE_COLOR")},
        **extra,
    }


def hookd(*args: str, env: dict[str, str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "hookd", *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=60, **kwargs
    )


def help_of(command: str, capsys) -> str:
    with pytest.raises(SystemExit) as caught:
        main([*command.split(), "--help"])
    assert caught.value.code == 0
    return capsys.readouterr().out


# ---------------------------------------------------------------- help


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_every_command_documents_its_exit_codes(command, capsys):
    text = " ".join(help_of(command, capsys).split())
    assert "exit status:" in text
    for code in ("2 usage error", "130 interrupted", "141 output closed early"):
        assert code in text, (command, code)
    if command not in ("status", "completion"):
        assert "78 bad setting" in text, command


@pytest.mark.parametrize(
    "command, offered, not_offered",
    [
        ("status", ["--socket", "--state-dir", "--config"], ["--redis-url", "--spool-fsync", "--redact"]),
        ("redact", ["--redact-allow", "--truncate-strings-at", "--config"], ["--redis-url", "--socket"]),
        ("tail", ["--redis-url", "--stream", "--redis-tls-verify"], ["--spool-max-bytes", "--state-dir"]),
        ("hooks install", ["--state-dir", "--socket", "--http-addr"], ["--redis-url", "--log-level"]),
        ("replay", ["--redis-url", "--state-dir", "--batch-max-events"], ["--http-addr", "--redact"]),
    ],
)
def test_each_command_offers_only_the_settings_it_uses(command, offered, not_offered, capsys):
    text = help_of(command, capsys)
    for flag in offered:
        assert re.search(rf"\s{flag}[\s,]", text), (command, flag)
    for flag in not_offered:
        assert not re.search(rf"\s{flag}[\s,]", text), (command, flag)


def test_help_is_short_for_commands_that_use_few_settings(capsys):
    for command in ("status", "redact", "print-hook-command", "hooks status", "completion"):
        assert len(help_of(command, capsys).splitlines()) < 60, command


def test_settings_are_grouped_with_real_metavars_choices_and_boolean_flags(capsys):
    text = help_of("run", capsys)
    for group in ("paths settings:", "redis settings:", "spool settings:", "redaction settings:", "logging settings:"):
        assert group in text
    assert "--redact, --no-redact" in text
    assert "--log-level {debug,info,warning,error}" in text
    assert "--redis-url URL" in text and "--state-dir PATH" in text
    assert "--batch-max-events N" in text and "--drain-timeout-s SECONDS" in text
    assert "VALUE" not in text


def test_each_metavar_says_what_the_flag_takes(cli_env, capsys):
    # A newcomer's reading of --help (h152): a rate shown as SECONDS, a table and a directory as NAME.
    text = " ".join(help_of("run", capsys).split())
    assert "--redis-min-bytes-per-s BYTES/S" in text and "--spare-inbox PATH" in text
    assert "--usage-prices JSON" in text
    prices = '{"claude-x": {"input": 1, "output": 2, "cache_read": 0.1, "cache_write": 1}}'
    assert main(["config", "--json", "--usage-prices", prices, "--spare-inbox", "/tmp/spare"]) == 0
    values = json.loads(capsys.readouterr().out)
    assert values["usage_prices"]["claude-x"]["output"] == 2 and values["spare_inbox"] == "/tmp/spare"


def test_booleans_are_flags(cli_env, capsys):
    assert main(["config", "--json", "--no-redact", "--redis-cluster"]) == 0
    values = json.loads(capsys.readouterr().out)
    assert values["redact"] is False and values["redis_cluster"] is True


def test_a_value_after_a_boolean_flag_is_a_usage_error_that_says_how(cli_env, capsys):
    with pytest.raises(SystemExit) as caught:
        main(["config", "--redact", "no"])
    assert caught.value.code == exits.USAGE
    assert "--no-redact" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "meant"),
    [
        (["run", "--redis-ulr", "redis://127.0.0.1:6379/0"], "hookd run: error: .*; did you mean --redis-url\\?"),
        (["hooks", "install", "--dry-rn"], "hookd hooks install: error: .*; did you mean --dry-run\\?"),
        (["status", "--jsn"], "hookd status: error: .*; did you mean --json\\?"),
    ],
)
def test_a_mistyped_flag_is_named_with_the_flag_meant_by_its_command(cli_env, capsys, argv, meant):
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == exits.USAGE
    err = capsys.readouterr().err
    assert re.search(meant, err), err
    assert f"`hookd {' '.join(argv[: 2 if argv[0] == 'hooks' else 1])} --help`" in err, err


def test_a_bad_choice_lists_the_valid_ones(cli_env, capsys):
    with pytest.raises(SystemExit) as caught:
        main(["config", "--log-level", "verbose"])
    assert caught.value.code == exits.USAGE
    assert "debug" in capsys.readouterr().err


# ---------------------------------------------------------------- config errors


def test_a_typo_in_the_config_file_names_the_line_and_suggests_the_setting(cli_env, capsys):
    config = cli_env / "config.toml"
    config.write_text('stream = "x"\n\nredis_ulr = "redis://127.0.0.1:6379/0"\n')
    assert main(["config", "--config", str(config)]) == exits.CONFIG
    err = capsys.readouterr().err
    assert f"config file {config}, line 3" in err and "did you mean redis_url?" in err


def test_a_bad_choice_in_the_environment_lists_the_valid_values(cli_env, capsys, monkeypatch):
    monkeypatch.setenv("HOOKD_SPOOL_FSYNC", "always")
    assert main(["config"]) == exits.CONFIG
    err = capsys.readouterr().err
    assert "HOOKD_SPOOL_FSYNC from the environment" in err
    assert all(v in err for v in ("interval", "batch", "never"))


def test_a_bad_number_from_a_flag_names_the_flag_and_the_value(cli_env, capsys):
    assert main(["config", "--stream-maxlen", "lots"]) == exits.CONFIG
    err = capsys.readouterr().err
    assert "--stream-maxlen on the command line" in err and "'lots' is not a whole number" in err


@pytest.mark.parametrize(
    "url, expected",
    [
        ("127.0.0.1:6379", "did you mean redis://127.0.0.1:6379?"),
        ("localhost:6379/2", "did you mean redis://localhost:6379/2?"),
        ("redis://host/abc", "must be a database number"),
        ("redis://host:6379/0/extra", "must be a database number"),
    ],
)
def test_redis_url_mistakes_are_explained(cli_env, capsys, url, expected):
    assert main(["config", "--redis-url", url]) == exits.CONFIG
    assert expected in capsys.readouterr().err


def test_metrics_addr_as_a_bare_port_means_loopback(cli_env, capsys):
    assert main(["config", "--json", "--metrics-addr", "9464"]) == 0
    assert json.loads(capsys.readouterr().out)["metrics_addr"] == "127.0.0.1:9464"
    assert main(["config", "--metrics-addr", "metrics.example:x"]) == exits.CONFIG
    assert "metrics_addr" in capsys.readouterr().err


def test_a_config_error_in_a_subprocess_exits_78_without_a_traceback(cli_env):
    result = hookd("replay", env=env_of(cli_env, HOOKD_REDIS_URL="127.0.0.1:6379"))
    assert result.returncode == 78 and "Traceback" not in result.stderr
    assert "HOOKD_REDIS_URL from the environment" in result.stderr


# ---------------------------------------------------------------- pipes and Ctrl-C


def closed_pipe_run(args: list[str], env: dict[str, str], stdin: bytes = b"") -> tuple[int, str]:
    """Run hookd with stdout a pipe whose reader has already gone (as `| head` once it is done)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "hookd", *args],
            env=env,
            cwd=REPO,
            stdout=write_end,
            stderr=subprocess.PIPE,
            input=stdin,
            timeout=60,
        )
    finally:
        os.close(write_end)
    return done.returncode, done.stderr.decode()


@pytest.mark.parametrize(
    "args, stdin",
    [
        (["config"], b""),
        (["config", "--json"], b""),
        (["status"], b""),
        (["status", "--json"], b""),
        (["status", "--watch", "0.1"], b""),
        (["hooks", "status", "--json"], b""),
        (["print-hook-command"], b""),
        (["redact"], b'{"a": "b"}'),
        (["replay", "--export", "-"], b""),
        (["completion", "bash"], b""),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else None,
)
def test_a_closed_pipe_ends_quietly_with_141(cli_env, args, stdin):
    code, err = closed_pipe_run(args, env_of(cli_env), stdin)
    if args == ["replay", "--export", "-"] and code == 0:
        return  # nothing waits in an empty spool: nothing was written
    assert code == exits.BROKEN_PIPE, err
    assert "Traceback" not in err and "BrokenPipeError" not in err
    assert "cannot write" not in err  # hooks status only reads settings files


def wait_blocked_on_stdin(proc: subprocess.Popen, timeout: float = 30) -> None:
    """Until the process sleeps in a read of its stdin pipe (its imports are done)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            wchan = Path(f"/proc/{proc.pid}/wchan").read_text()
            state = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            wchan, state = "", ""
        if state == "S" and "pipe" in wchan:
            return
        time.sleep(0.05)
    pytest.skip("cannot tell from /proc when the process waits on its stdin")


@pytest.mark.parametrize("args", [["redact"], ["replay", "--file", "-"]], ids=" ".join)
def test_ctrl_c_while_reading_stdin_ends_quietly_with_130(cli_env, args):
    if not Path("/proc/self/wchan").exists():
        pytest.skip("needs /proc/PID/wchan")
    proc = subprocess.Popen(
        [sys.executable, "-m", "hookd", *args],
        env=env_of(cli_env),
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        wait_blocked_on_stdin(proc)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == exits.INTERRUPTED, err
    assert b"Traceback" not in err and b"KeyboardInterrupt" not in err


# ---------------------------------------------------------------- colour


@pytest.mark.parametrize(
    "environ, tty, expected",
    [
        ({}, True, True),
        ({}, False, False),
        ({"NO_COLOR": "1"}, True, False),
        ({"NO_COLOR": ""}, True, True),
        ({"FORCE_COLOR": "1"}, False, True),
        ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, False, False),
        ({"TERM": "dumb"}, True, False),
    ],
)
def test_colour_follows_no_color_and_force_color(environ, tty, expected):
    stream = io.StringIO()
    stream.isatty = lambda: tty  # type: ignore[method-assign]
    assert color.enabled(stream, environ) is expected


def test_force_color_paints_status_in_a_pipe_and_no_color_wins(cli_env):
    forced = hookd("status", env=env_of(cli_env, FORCE_COLOR="1"))
    assert forced.returncode == 2 and ANSI.search(forced.stdout)
    both = hookd("status", env=env_of(cli_env, FORCE_COLOR="1", NO_COLOR="1"))
    assert not ANSI.search(both.stdout)


def test_logs_follow_no_color_and_force_color(cli_env, monkeypatch, capfd):
    import structlog

    from hookd import logs

    try:
        monkeypatch.setenv("FORCE_COLOR", "1")
        logs.configure("console", "info")
        structlog.get_logger("t").warning("painted_event")
        logs.release_stderr()  # the log lines go through a sink to fd 2: written out by now
        assert ANSI.search(capfd.readouterr().err)
        monkeypatch.setenv("NO_COLOR", "1")
        logs.configure("console", "info")
        structlog.get_logger("t").warning("plain_event")
        logs.release_stderr()
        err = capfd.readouterr().err
        assert "plain_event" in err and not ANSI.search(err)
    finally:
        structlog.reset_defaults()


# ---------------------------------------------------------------- completion


def test_bash_completion_completes_commands_and_flags(cli_env, tmp_path):
    if not shutil.which("bash"):
        pytest.skip("no bash")
    result = hookd("completion", "bash", env=env_of(cli_env))
    assert result.returncode == 0
    script = tmp_path / "hookd.bash"
    script.write_text(result.stdout)

    def complete(*words: str) -> list[str]:
        array = " ".join(f"'{w}'" for w in ("hookd", *words))
        probe = (
            f"source {script}; COMP_WORDS=({array}); COMP_CWORD={len(words)}; "
            f"COMP_LINE='hookd {' '.join(words)}'; COMP_POINT=${{#COMP_LINE}}; "
            "_shtab_hookd hookd; printf '%s\\n' \"${COMPREPLY[@]}\""
        )
        done = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, timeout=30)
        return done.stdout.split()

    assert {"run", "status", "tail", "hooks", "completion"} <= set(complete(""))
    assert "status" in complete("st")
    assert "--watch" in complete("status", "--w")
    assert "--no-redact" in complete("run", "--no-re")


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_zsh_and_fish_completion_scripts(cli_env, shell):
    result = hookd("completion", shell, env=env_of(cli_env))
    assert result.returncode == 0 and result.stdout
    for command in ("run", "status", "tail", "hooks", "service"):
        assert command in result.stdout
    if shell == "fish":
        assert "complete -c hookd" in result.stdout and "-l watch" in result.stdout
    binary = shutil.which(shell)
    if binary:  # a syntax check where the shell is installed
        check = subprocess.run([binary, "-n"], input=result.stdout, capture_output=True, text=True, timeout=30)
        assert check.returncode == 0, check.stderr


# ---------------------------------------------------------------- progress


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_draws_on_a_terminal_and_clears_its_line():
    stream = FakeTerminal()
    with Progress("publishing", 100, stream=stream, min_s=0) as progress:
        progress.update(50)
    text = stream.getvalue()
    assert "publishing 50 events of 100 events" in text and text.endswith("\r\x1b[K")


def test_progress_writes_nothing_in_a_pipe():
    stream = io.StringIO()
    with Progress("publishing", 100, stream=stream, min_s=0) as progress:
        progress.update(50)
    assert stream.getvalue() == ""


def test_parser_builds_every_command():
    parser = build_parser()
    for command in SUBCOMMANDS:
        assert parser.parse_known_args(
            [*command.split(), "--help"][:-1]
            + (["bash"] if command == "completion" else ["install"] if command == "service" else [])
        )


def test_a_big_spool_at_start_shows_its_drain_on_a_terminal():
    import asyncio

    from hookd.terminal.drain import show_drain

    class Spool:
        pending_events = 20_000

    async def publish(spool: Spool) -> None:
        while spool.pending_events:
            await asyncio.sleep(0.01)
            spool.pending_events = max(0, spool.pending_events - 2_000)

    async def both(stream) -> None:
        spool = Spool()
        await asyncio.gather(show_drain(spool, stream, interval_s=0.005), publish(spool))

    terminal = FakeTerminal()
    asyncio.run(both(terminal))
    assert "publishing the spool" in terminal.getvalue() and "of 20,000 events" in terminal.getvalue()
    pipe = io.StringIO()
    asyncio.run(both(pipe))
    assert pipe.getvalue() == ""


def test_ctrl_c_stops_status_watch_quietly_with_130(cli_env):
    proc = subprocess.Popen(
        [sys.executable, "-m", "hookd", "status", "--watch", "0.1"],
        env=env_of(cli_env),
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert proc.stdout.read(1)  # the first screen is out: the loop runs
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == exits.INTERRUPTED
    assert b"Traceback" not in err and b"KeyboardInterrupt" not in err


def test_replay_export_into_a_closed_pipe_ends_quietly_with_141(hookd_factory):
    from conftest import free_port

    daemon = hookd_factory(redis_url=f"redis://127.0.0.1:{free_port()}/0", drain_timeout_s="0.5")
    for n in range(3):  # Redis is not there: the events stay in the spool
        assert daemon.send(json.dumps({"hook_event_name": "Stop", "session_id": f"p{n}"}).encode()).returncode == 0
    assert daemon.stop() == 0
    code, err = closed_pipe_run(["replay", "--export", "-"], daemon.env)
    assert code == exits.BROKEN_PIPE, err
    assert "Traceback" not in err and "cannot read" not in err


def test_fish_completion_completes_commands_flags_and_choices(cli_env, tmp_path):
    fish = shutil.which("fish")
    if fish is None:
        pytest.skip("fish is not installed")
    script = tmp_path / "hookd.fish"
    script.write_text(hookd("completion", "fish", env=env_of(cli_env)).stdout)

    def complete(line: str) -> list[str]:
        done = subprocess.run(
            [fish, "--no-config", "-c", f"source {script}; complete -C '{line}'"],
            capture_output=True,
            text=True,
            timeout=30,
            env={**env_of(cli_env), "HOME": str(tmp_path)},
        )
        return [row.split("\t")[0] for row in done.stdout.splitlines()]

    assert "status" in complete("hookd st")
    assert "--watch" in complete("hookd status --w")
    assert {"install", "uninstall", "status"} <= set(complete("hookd hooks "))
    assert {"debug", "info", "warning", "error"} <= set(complete("hookd run --log-level "))
