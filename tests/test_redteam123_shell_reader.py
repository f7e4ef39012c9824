"""Hundred-twenty-third red-team pass: the shell reader's gaps (hookd/hooks/shell*.py).

As in test_redteam118_hook_spellings.py, each spelling is run by a real /bin/sh (and bash for bash's
own) with a hook-send that leaves a mark, so that what hookd says a line runs is what the shell ran:
quoted operators and ``#``, ``"$(hook-send)"``, functions, here-documents, ``case``, ``xargs``,
``builtin``, an earlier ``export``. Where hookd cannot read a line safely (an alias, a program named
by a variable, nesting past its bounds, a 1 MB command) it says so in hooks status and leaves the
hook on uninstall; a hostile settings file of such lines is read in bounded work, without recursion.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from test_redteam118_hook_spellings import _filled, _handler, _shell_runs_client, place  # noqa: F401

from hookd.cli import main
from hookd.hooks import entries
from hookd.hooks.command import route

ALONE = {
    "$( ) in double quotes": '"$(hook-send)"',
    "a function called": 'f() { hook-send "$@"; }; f Stop',
    "a function with a subshell body, on lines": "f()\n(\n  hook-send Stop\n)\nf",
    # a case branch runs on some paths only: the user's since the 129th pass (test_redteam129_shell_conditions.py)
    "a quoted here-document's body runs nothing": "hook-send <<'EOF'\n$(notify-me)\nEOF",
    "a here-document then a line": "hook-send <<EOF\nplain\nEOF\ntrue",
    "a line continued inside the name": "hook-\\\nsend Stop",
    "quotes inside the name": "ho'ok'-se\"nd\" Stop",
    "escapes inside the name": "\\hook\\-send Stop",
    "subshells 6 deep": "((((( (hook-send) )))))",
    "braces in a subshell": "( { hook-send; } )",
    "sh -e -x -c": "sh -e -x -c 'hook-send Stop'",
    "env -S": "env -S 'hook-send Stop'",
    "an absolute path": "{bin}/hook-send Stop",
    "a relative path up and down": "../project/tools/hook-send Stop",
    "&> (dash: background and a redirection)": "hook-send &>/dev/null",
    "a comment after a quoted #": "hook-send '#not a comment' # a comment: notify-me",
}
AMONG = {
    "2>&1|": ("hook-send 2>&1| notify-me", "notify-me"),
    "xargs": ("notify-me | xargs hook-send", "notify-me"),
    "a function calling another program too": ("f() { hook-send; notify-me; }; f", "notify-me"),
    "a case's other branch (it may run)": ("case x in x) hook-send;; *) notify-me;; esac", "notify-me"),
}
NOT = {
    "a quoted ;": "echo ';' hook-send",
    "a quoted &&": 'echo "&&" hook-send',
    "a quoted word starting with #": "echo '#x' hook-send",
    "# inside a word": "echo a#b hook-send",
    "a function defined, never called": "f() { hook-send; }",
    "a function named hook-send shadows the program": "hook-send() { :; }; hook-send Stop",
    "builtin": "builtin hook-send",
    "a here-document's body": "cat <<'EOF'\nhook-send\nEOF",
    "an unquoted here-document's body, no substitution": "cat <<EOF\nhook-send $HOME\nEOF",
    "$( ) inside single quotes": "echo '$(hook-send)'",
    "a backquote escaped": "echo \\`hook-send\\`",
}
# hookd cannot tell: the user's, said by status, left by uninstall (the shell may well run hook-send).
UNSURE = {
    "an alias": ("alias hs=hook-send\nhs Stop", "alias"),
    "a variable as the program": ("HS=hook-send; $HS Stop", "named by a variable"),
    "a substitution's output as the program": ("$(echo hook-send) Stop", "named by a variable"),
    "an unquoted here-document running a substitution": ("cat <<EOF\n$(hook-send)\nEOF", "here-document"),
    "$'...' (sh and bash differ)": ("$'hook-send' Stop", "$'...'"),
    "substitutions 20 deep": ("echo " + "$(" * 20 + "hook-send" + ")" * 20, "nested"),
    "sh -c 6 deep": ("sh -c " + "'sh -c \"eval eval eval eval hook-send\"'", "nested more than 4"),
}
# bash's own operators, run by bash: a shell that does not know them runs less, never more.
BASH = {
    "|&": ("hook-send |& notify-me", "notify-me"),
    "$( ) inside a here-string": ('hook-send <<< "$(notify-me)"', "notify-me"),
}


@pytest.mark.parametrize("shape", sorted(ALONE))
def test_runs_hook_send_alone(place, shape):
    command = _filled(ALONE[shape], place)
    assert _shell_runs_client(command, place), f"the test's own spelling does not run hook-send: {command!r}"
    assert entries.is_hookd(_handler(command)), f"{shape}: {command!r} runs hook-send alone, not seen as hookd's"
    assert entries.shared(_handler(command)) == () and entries.unsure(_handler(command)) == ()


@pytest.mark.parametrize("shape", sorted(AMONG))
def test_runs_hook_send_among_others(place, shape):
    command, other = AMONG[shape]
    command = _filled(command, place)
    assert _shell_runs_client(command, place)
    assert not entries.is_hookd(_handler(command)), f"{shape}: uninstall would take the user's {other} with it"
    assert other in entries.shared(_handler(command))


@pytest.mark.parametrize("shape", sorted(NOT))
def test_runs_no_hook_send(place, shape):
    command = _filled(NOT[shape], place)
    assert not _shell_runs_client(command, place)
    assert not entries.is_hookd(_handler(command)), f"{shape}: {command!r} runs no hook-send"
    assert entries.shared(_handler(command)) == () and entries.unsure(_handler(command)) == ()


@pytest.mark.parametrize("shape", sorted(UNSURE))
def test_cannot_tell_is_the_users(place, shape):
    command, why = UNSURE[shape]
    command = _filled(command, place)
    assert not entries.is_hookd(_handler(command)), f"{shape}: uninstall would delete {command!r}"
    (said,) = entries.unsure(_handler(command))
    assert said.startswith("cannot tell whether it runs hook-send") and why in said


@pytest.mark.parametrize("shape", sorted(BASH))
def test_bash_operators(place, shape):
    command, other = BASH[shape]
    ran = Path(place["home"]) / "ran"
    subprocess.run(["bash", "-c", command], stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
    assert ran.exists()
    assert not entries.is_hookd(_handler(command)) and other in entries.shared(_handler(command))


def _socket_seen(command: str, place: dict[str, str], env: dict[str, str]) -> str:
    """The HOOKD_SOCKET the shell gave hook-send."""
    seen = Path(place["home"]) / "seen"
    client = Path(place["bin"]) / "hook-send"
    client.write_text(f'#!/bin/sh\nprintf %s "${{HOOKD_SOCKET-}}" > {seen}\n')
    subprocess.run(["/bin/sh", "-c", command], env=env, stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
    return seen.read_text()


@pytest.mark.parametrize(
    "command",
    [
        "export HOOKD_SOCKET=/run/x/h.sock; hook-send Stop",
        "HOOKD_SOCKET=/run/x/h.sock; export HOOKD_SOCKET; hook-send Stop",
        "set -a; HOOKD_SOCKET=/run/x/h.sock; hook-send Stop",
        "set -o allexport; HOOKD_SOCKET=/run/x/h.sock; set +o allexport; hook-send Stop",
        "set -a; set +o allexport; HOOKD_SOCKET=/run/x/h.sock; hook-send Stop",
        "HOOKD_SOCKET=/run/x/h.sock && hook-send Stop",
        "(export HOOKD_SOCKET=/run/x/h.sock); hook-send Stop",
        "export HOOKD_SOCKET=/run/x/h.sock | true; hook-send Stop",
        "f() { hook-send; }; HOOKD_SOCKET=/run/x/h.sock f",
        "export HOOKD_SOCKET=/run/x/h.sock; sh -c 'hook-send Stop'",
    ],
)
@pytest.mark.parametrize("inherited", [False, True])
def test_the_route_is_what_the_shell_gives_hook_send(place, command, inherited):
    """A variable set or exported by an earlier command of the line is the one hook-send is given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOOKD_")}
    if inherited:
        env["HOOKD_SOCKET"] = "/run/claude/h.sock"
    shell_gave = _socket_seen(command, place, env) or None
    where = route(command, env)
    assert where is not None
    assert where.socket == (shell_gave or route("hook-send", env).socket), command  # type: ignore[union-attr]


def test_a_hostile_settings_file_is_read_in_bounded_work(place, capsys):
    """A 1 MB command, nesting 100,000 deep of each kind, a function calling itself: hooks status
    answers (the test's timeout is its bound), says it cannot tell, and uninstall leaves them."""
    deep = 100_000
    hostile = [
        "hook-send " + "x " * 500_000,
        "(" * deep + "hook-send" + ")" * deep,
        "$(" * deep + "hook-send" + ")" * deep,
        "{ " * deep + "hook-send" + "; }" * deep,
        "f() { " * 2000 + "hook-send" + "; }" * 2000,
        "f() { f; f; hook-send; }; f",
        "eval " * deep + "hook-send",
        "sh -c " * 1000 + "hook-send",
    ]
    settings = Path(place["home"]) / ".claude" / "settings.json"
    settings.parent.mkdir()
    data = {"hooks": {"Stop": [{"hooks": [_handler(c) for c in hostile]}]}}
    settings.write_text(json.dumps(data))
    main(["hooks", "status", "--scope", "user", "--json"])
    (found,) = json.loads(capsys.readouterr().out)["files"]
    assert found["events"] == []
    said = " ".join(found["notes"])
    assert "hooks for Stop name hook-send, but hookd cannot tell whether it runs hook-send" in said
    assert main(["hooks", "uninstall", "--scope", "user"]) == 0
    assert json.loads(settings.read_text()) == data
