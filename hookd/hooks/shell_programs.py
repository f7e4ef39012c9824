"""What a simple command's words run: past wrappers (``exec``, ``env``, ``nice``, ``timeout``...) to
their operand, a shell's ``-c`` script, and whether a program is hookd's client (by name, a Python
importing it, a link to it)."""

from __future__ import annotations

import os
import re
import shlex
import time
from functools import lru_cache

_NATIVE = re.compile(r"hook-send-[0-9a-f]{12}")  # hookd/hooks/native.py's binaries
_PYTHON = re.compile(r"(?:python|pypy)[0-9.]*")
_IMPORT = re.compile(r"(?:^|[;\n])\s*(?:import hook_send\b|from hook_send import\b)")  # a statement, not a string
ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "posh", "yash"})
# Wrappers that run their operand as a program: each with the options that take a value.
WRAPPERS: dict[str, frozenset[str]] = {
    "exec": frozenset({"-a"}),
    "command": frozenset(),
    "nohup": frozenset(),
    "time": frozenset({"-f", "-o"}),
    "env": frozenset({"-u", "-C", "--unset", "--chdir"}),
    "nice": frozenset({"-n", "--adjustment"}),
    "timeout": frozenset({"-s", "-k", "--signal", "--kill-after"}),
    "setsid": frozenset(),
    "stdbuf": frozenset({"-i", "-o", "-e", "--input", "--output", "--error"}),
    "ionice": frozenset({"-c", "-n", "-p", "-P", "-u", "--class", "--classdata"}),
    "chrt": frozenset(),
}  # fmt: skip
# Short options with which a wrapper prints (where a program is, its help, its version) and runs nothing.
_PRINTS_ONLY = {"command": "vV", "setsid": "hV", "ionice": "hV", "chrt": "hV", "time": "V"}


def prints_only(name: str, arg: str) -> bool:
    """Whether the option ``arg`` makes wrapper ``name`` print and run nothing: --help, --version (or a
    prefix getopt_long takes for one, or refuses as ambiguous: either way nothing runs), or a short one in
    _PRINTS_ONLY, alone or in a cluster (``command -pv``)."""
    if arg.startswith("--"):
        return len(arg) > 2 and "=" not in arg and ("--help".startswith(arg) or "--version".startswith(arg))
    return any(c in _PRINTS_ONLY.get(name, "") for c in arg[1:])


def operand(name: str, args: list[str], variables: list[tuple[str, str]]) -> list[str]:
    """The command a wrapper runs: past its options (and the values they take), env's assignments
    (added to ``variables``), timeout's duration."""
    valued = WRAPPERS[name]
    while args:
        arg = args[0]
        if arg == "--":
            args = args[1:]
            break
        if name == "env" and ASSIGNMENT.match(arg):
            key, value = arg.split("=", 1)
            variables.append((key, value))
            args = args[1:]
            continue
        if name == "env" and arg == "-":
            args = args[1:]
            continue
        if name == "env" and arg in ("-S", "--split-string") and len(args) > 1:
            return shlex.split(args[1]) + args[2:] if "\0" not in args[1] else []
        if not arg.startswith("-") or arg == "-":
            break
        if prints_only(name, arg):
            return []
        if name == "nice" and arg[1:].isdigit():
            args = args[1:]
            continue
        takes = arg in valued or (arg[:2] in valued and len(arg) == 2)
        args = args[2:] if takes and "=" not in arg else args[1:]
    if name == "timeout" and args:
        args = args[1:]  # the duration
    return args


def script(args: list[str]) -> list[str] | None:
    """The script a shell runs with -c (and its $0, $1...), None when it reads a file or stdin."""
    for i, arg in enumerate(args):
        if arg == "--" or not arg.startswith(("-", "+")):
            return None
        if arg in ("-o", "+o", "-O", "+O"):
            continue  # its value follows, checked as a word starting with neither
        if not arg.startswith("--") and "c" in arg[1:]:
            rest = [a for a in args[i + 1 :] if a not in ("--",)]
            options = [a for a in rest if a.startswith(("-", "+"))]
            script = rest[len(options) :] if options == rest[: len(options)] else rest
            return script or None
    return None


def runs_client(program: str, words: list[str]) -> bool:
    if program in ("hook-send", "hook_send.py") or _NATIVE.fullmatch(program):
        return True
    if _PYTHON.fullmatch(program):
        return _python_runs_client(words[1:])
    return "/" in words[0] and links_to_client(words[0])


def _python_runs_client(args: list[str]) -> bool:
    """Whether a Python's arguments run the client: its script, a -c importing it, or -m."""
    for i, arg in enumerate(args):
        if arg == "-c":
            return i + 1 < len(args) and bool(_IMPORT.search(args[i + 1]))
        if arg == "-m":
            return i + 1 < len(args) and args[i + 1] in ("hook_send", "hookd_client.hook_send")
        if not arg.startswith("-"):
            return os.path.basename(arg) == "hook_send.py"
    return False


def links_to_client(word: str) -> bool:
    """A program path that is a symbolic link to hook-send by another name (``~/bin/hs``)."""
    # Asked for each handler of a settings file, several times a check, where most share a few
    # programs: each path looked at once a second.
    return _links_to_client(word, int(time.monotonic()))


@lru_cache(maxsize=256)
def _links_to_client(word: str, second: int) -> bool:
    path = expand(word)
    if "/" not in path:
        return False
    try:
        if not os.path.islink(path):
            return False
        target = os.path.basename(os.path.realpath(path))
    except (OSError, ValueError):
        return False
    return target in ("hook-send", "hook_send.py") or bool(_NATIVE.fullmatch(target))


def expand(word: str) -> str:
    """``~``, ``$HOME`` and ``${HOME}`` as the shell expands them (this user's home standing in for
    Claude Code's); other variables (``${CLAUDE_PROJECT_DIR}``) are left, their last part named."""
    if word.startswith("~"):
        return os.path.expanduser(word)
    for var in ("$HOME", "${HOME}"):
        if word == var or word.startswith(var + "/"):
            return os.path.expanduser("~") + word[len(var) :]
    return word
