"""Hundred-twenty-ninth red-team pass: conditions, case patterns and wrappers in hook commands.

A hook-send that runs on some paths only (an if's branch, a loop, a case branch, after ``&&``/``||``)
or through a program that is the user's own (``sudo``, ``find -exec``, ``watch``, ``flock``) is found,
and the line is the user's: hooks status says so, install and uninstall leave it byte for byte. Each
spelling is run by a real /bin/sh (dash) with a hook-send that leaves a mark, as in
test_redteam118_hook_spellings.py; programs the machine lacks (sudo, doas) are read only.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_redteam118_hook_spellings import _filled, _handler, _shell_runs_client, place  # noqa: F401

from hookd.cli import main
from hookd.hooks import entries, shell

# shape -> (command, what hooks status says it runs behind, whether dash runs hook-send here)
CONDITIONAL = {
    "if false": ("if false; then hook-send Stop; fi", "a condition (if)", False),
    "if true": ("if true; then hook-send Stop; fi", "a condition (if)", True),
    "else": ("if true; then :; else hook-send Stop; fi", "a condition (else)", False),
    "elif": ("if false; then :; elif true; then hook-send Stop; fi", "a condition (if)", True),
    "[ -x ] &&": ("[ -x {bin}/hook-send ] && hook-send Stop", "a condition (&&)", True),
    "[ -x ] && (missing)": ("[ -x ~/bin/nothing ] && hook-send Stop", "a condition (&&)", False),
    "true &&": ("true && hook-send Stop", "a condition (&&)", True),
    "an assignment from $( ) &&": ("X=$(false) && hook-send Stop", "a condition (&&)", False),
    "||": ("true || hook-send Stop", "a condition (||)", False),
    "&& in braces": ("true && { :; hook-send Stop; }", "a condition (&&)", True),
    "&& in a subshell": ("true && (:; hook-send Stop)", "a condition (&&)", True),
    "&& a function": ("f() { hook-send Stop; }; true && f", "a condition (&&)", True),
    "&& $( )": ("true && $(hook-send Stop)", "a condition (&&)", True),
    "case": ("case Stop in Stop) hook-send Stop;; *) exit 0;; esac", "a case branch", True),
    "case, not matching": ("case $0 in nothing) hook-send Stop;; esac", "a case branch", False),
    "case on lines, a leading (": ("case x in\n(y)\n  hook-send Stop;;\nesac", "a case branch", False),
    "while": ("while :; do hook-send Stop; break; done", "a loop (while)", True),
    "until": ("until :; do hook-send Stop; done", "a loop (until)", False),
    "for": ("for e in Stop; do hook-send $e; done", "a loop (for)", True),
    "for over nothing": ("for e in; do hook-send $e; done", "a loop (for)", False),
}
# Unconditional, as before: hookd's (install writes none of these, but the eighteenth pass's are kept).
STILL_ALONE = {
    "if's own condition": "if hook-send Stop; then :; fi",
    "cd DIR && (the documented way to run a project's tool)": "cd {bin} && ./hook-send Stop",
    "|| true after": "hook-send Stop || true",
    "an assignment &&": "HOOKD_SOCKET=/run/x/h.sock && hook-send Stop",
    "after a closed if": "if true; then :; fi; hook-send Stop",
    "after a closed &&": "true && :; hook-send Stop",
    "after a closed case": "case x in y) :;; esac\nhook-send Stop",
    "a case in $( ) before it": "$(case x in x) :;; esac) hook-send Stop",
    "an empty case in $( ) (esac where a pattern may be)": "hook-send Stop $(case a in\nesac)",
    "wrappers": "command exec env nice -n 1 nohup timeout 5 stdbuf -oL setsid hook-send Stop",
    "sh -c, bash -lc": "sh -c 'bash -lc \"~/bin/hook-send Stop\"'",
}
# A shell's builtin after a wrapper program is a file looked for on PATH: Debian has none (before, hookd's).
NO_SUCH_PROGRAM = {
    "env command": "env command hook-send Stop",
    "nice exec": "nice exec hook-send Stop",
    "timeout 5 command": "timeout 5 command hook-send Stop",
    "exec command": "exec command hook-send Stop",
}
# Programs that run their argument on terms of their own: (command, said, whether this machine runs it)
RUNNERS = {
    "sudo": ("sudo hook-send Stop", "as another user (sudo)", None),
    "sudo -u, assignments": ("sudo -u bob -E FOO=1 hook-send Stop", "as another user (sudo)", None),
    "doas": ("doas -u bob hook-send Stop", "as another user (doas)", None),
    "pkexec": ("pkexec --user bob hook-send Stop", "as another user (pkexec)", None),
    "su -c": ("su -c 'hook-send Stop' bob", "as another user (su)", None),
    "runuser -u": ("runuser -u bob -- hook-send Stop", "as another user (runuser)", None),
    "find -exec": ("find {bin} -name hook-send -exec hook-send Stop {} \\;", "find -exec", True),
    "find -exec, nothing found": ("find {bin} -name nothing -exec hook-send Stop {} +", "find -exec", False),
    "flock": ("flock {home}/lock hook-send Stop", "flock", True),
    "flock -c": ("flock {home}/lock -c 'hook-send Stop'", "flock", True),
}


@pytest.mark.parametrize("shape", sorted(CONDITIONAL))
def test_a_hook_send_behind_a_condition_is_found_and_the_users(place, shape):
    command, said, runs = CONDITIONAL[shape]
    command = _filled(command, place)
    assert _shell_runs_client(command, place) is runs, f"the test's own premise: {command!r}"
    assert not entries.is_hookd(_handler(command)), f"{shape}: uninstall would delete the user's condition"
    assert said in entries.shared(_handler(command)), entries.shared(_handler(command))
    assert shell.read(command).clients  # type: ignore[union-attr]


@pytest.mark.parametrize("shape", sorted(STILL_ALONE))
def test_a_hook_send_that_runs_on_every_path_is_hookds(place, shape):
    command = _filled(STILL_ALONE[shape], place)
    assert _shell_runs_client(command, place)
    assert entries.is_hookd(_handler(command)), f"{shape}: install would add hookd's hook beside it"
    assert entries.shared(_handler(command)) == ()


@pytest.mark.parametrize("shape", sorted(NO_SUCH_PROGRAM))
def test_a_builtin_after_a_wrapper_program_is_no_wrapper(place, shape):
    command = NO_SUCH_PROGRAM[shape]
    if shutil.which(command.split()[1]) is None:  # the system has no such program: nothing runs
        assert not _shell_runs_client(command, place)
    assert not entries.is_hookd(_handler(command)), f"{shape}: status would call hookd's hook installed"


@pytest.mark.parametrize("shape", sorted(RUNNERS))
def test_programs_that_run_hook_send_on_their_own_terms(place, shape):
    command, said, runs = RUNNERS[shape]
    command = _filled(command, place)
    program = command.split()[0]
    if runs is not None and shutil.which(program):
        assert _shell_runs_client(command, place) is runs, f"the test's own premise: {command!r}"
    assert not entries.is_hookd(_handler(command)), f"{shape}: uninstall would delete {command!r}"
    shared = entries.shared(_handler(command))
    assert program in shared and any(said in s for s in shared), shared


def test_watch_runs_it_again_and_again(place):
    """watch runs its command every interval without end: found, the user's."""
    command = "watch -n 0.1 hook-send Stop"
    if shutil.which("watch"):
        ran = Path(place["home"]) / "ran"
        # watch draws on a terminal: script(1) gives it one; without script, the reading alone is checked
        if shutil.which("script"):
            proc = subprocess.Popen(
                ["script", "-qc", command, "/dev/null"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL
            )
            try:
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline and len(ran.read_text().splitlines() if ran.exists() else []) < 2:
                    time.sleep(0.05)
                assert len(ran.read_text().splitlines()) >= 2
            finally:
                proc.kill()
                proc.wait()
    assert not entries.is_hookd(_handler(command))
    assert any("watch (" in s for s in entries.shared(_handler(command)))


def test_a_case_pattern_inside_a_substitution(place):
    """``$(case x in a) ...;; esac)``: the pattern's ``)`` does not end the substitution. Before, the
    hook-send inside was not seen (the line read as ``echo`` of a word)."""
    command = "echo $(case a in a) hook-send Stop;; esac)"
    assert _shell_runs_client(command, place)
    reading = shell.read(command)
    assert reading is not None and reading.clients and reading.others == ("echo",)
    nested = "echo $(case a in (a|b) echo $(case b in b) hook-send Stop;; esac);; esac) >/dev/null"
    assert _shell_runs_client(nested, place)
    assert shell.read(nested).clients  # type: ignore[union-attr]


def test_uninstall_leaves_a_users_condition_and_status_says_so(place, capsys):
    """``[ -x ~/bin/hook-send ] && hook-send Stop``: status tells the user the hook is theirs; uninstall
    leaves the file byte for byte; install adds hookd's own, and status then says events come twice."""
    theirs = [_handler(_filled(c, place)) for c in ("[ -x {bin}/hook-send ] && hook-send Stop",)]
    theirs += [_handler("case $x in a) hook-send Stop;; esac"), _handler("sudo hook-send Stop")]
    settings = Path(place["home"]) / ".claude" / "settings.json"
    settings.parent.mkdir()
    text = json.dumps({"hooks": {"Stop": [{"hooks": theirs}]}}, indent=2)
    settings.write_text(text)
    main(["hooks", "status", "--scope", "user", "--json"])
    (found,) = json.loads(capsys.readouterr().out)["files"]
    assert found["events"] == []
    said = " ".join(found["notes"])
    for part in ("a condition (&&)", "a case branch", "as another user (sudo)"):
        assert part in said and "they are yours" in said, said
    assert main(["hooks", "uninstall", "--scope", "user"]) == 0
    assert settings.read_text() == text


def test_a_hostile_line_is_read_in_bounded_work(place, capsys):
    """Each program named by a different variable was a reason of its own, each looked for in a list of
    the others (8,179 reasons, quadratic; as many notes in hooks status); a function of 32,000 commands
    called 256 times was read 8 million commands deep. Now a few reasons are kept, and the commands read
    in all are bounded: status answers, says it cannot tell, and uninstall leaves both."""
    variables = "".join(f"$a{i};" for i in range(8000)) + "hook-send Stop"
    calls = "f() { " + ":;" * 32_000 + " }; " + "f;" * 256 + "hook-send Stop"
    reading = shell.read(variables)
    assert reading is not None and 0 < len(reading.unsure) <= 8
    reading = shell.read(calls)
    assert reading is not None and any("commands" in why for why in reading.unsure), reading.unsure
    settings = Path(place["home"]) / ".claude" / "settings.json"
    settings.parent.mkdir()
    data = {"hooks": {"Stop": [{"hooks": [_handler(variables), _handler(calls)]}]}}
    settings.write_text(json.dumps(data))
    main(["hooks", "status", "--scope", "user", "--json"])
    (found,) = json.loads(capsys.readouterr().out)["files"]
    assert found["events"] == [] and len(found["notes"]) <= 16
    assert main(["hooks", "uninstall", "--scope", "user"]) == 0
    assert json.loads(settings.read_text()) == data


def _steps(line: str) -> int:
    """Python lines run in shell_parse.py reading ``line``: a count, not a time."""
    from hookd.hooks import shell_parse, shell_words

    count = 0
    lexed = shell_words.tokens(line)

    def tracer(frame, event, arg):  # noqa: ARG001
        nonlocal count
        if frame.f_code.co_filename == shell_parse.__file__:
            count += 1
            return tracer
        return None

    sys.settrace(tracer)
    try:
        shell_parse.split(lexed.tokens, 0, len(lexed.tokens), 0)
    finally:
        sys.settrace(None)
    return count


def test_open_groups_cost_no_walk_per_command():
    """Each command's guard was found by walking every open group: ``{ `` 16,000 times then 16,000
    commands read in 6 s. Doubling both must about double the work, not quadruple it."""
    small, large = (_steps("{ " * n + ":;" * n + "hook-send") for n in (1000, 2000))
    assert large < 2.5 * small, (small, large)
