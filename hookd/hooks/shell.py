"""What a command hook runs, read as the shell reads it: which of its commands run hook-send.

Claude Code runs a command hook's ``command`` with a shell (hooks reference, "Exec form and shell
form"), so hook-send is run by any shell spelling of it: glued to an operator (``hook-send>/dev/null``,
``hook-send;true``, ``(hook-send)``, `` `hook-send` ``), behind variables and wrappers (``FOO=1``,
``exec``, ``command``, ``env -i``, ``nice``, ``timeout 5``, ``nohup``), by a quoted or ``~``/``$HOME``
path, inside ``sh -c '...'`` / ``bash -lc '...'`` / ``eval``, on a line of its own among comments.
The words come from the standard library's shell lexer (shlex with punctuation_chars); what is only
a word (``echo hook-send``, ``grep hook-send log``, ``# hook-send``) runs nothing of hookd's.

``read`` says which simple commands run the client (with the variables set on each) and which other
programs the line runs: a line that runs hook-send and nothing else is hookd's; one that also runs
something else (``hook-send || curl ...``) is the user's, which hookd neither rewrites nor removes.
"""

from __future__ import annotations

import os
import re
import shlex
import time
from functools import lru_cache
from typing import NamedTuple

_OPERATORS = "();<>|&`\n"
# What makes the shell read a line otherwise than its words split at blanks: quotes, escapes,
# expansions, operators, comments, a line's end.
_SPECIAL = re.compile(r"[\"'\\$`;&|()<>#\n]")
_BLANKS = re.compile(r"[ \t]+")  # the shell's blanks; str.split would split at others (a no-break space)
_NATIVE = re.compile(r"hook-send-[0-9a-f]{12}")  # hookd/hooks/native.py's binaries
_PYTHON = re.compile(r"(?:python|pypy)[0-9.]*")
_IMPORT = re.compile(r"(?:^|[;\n])\s*(?:import hook_send\b|from hook_send import\b)")  # a statement, not a string
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
_SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "posh", "yash"})
# Builtins that run no program: a hook-send after `cd "$CLAUDE_PROJECT_DIR" &&` or followed by
# `|| true` or `; exit 0` is still hookd's alone.
_HARMLESS = frozenset({"true", ":", "exit", "return", "cd", "set", "export", "unset", "umask", "ulimit"})
# Reserved words at a command's start: the command follows them.
_KEYWORDS = frozenset({"!", "{", "}", "if", "then", "else", "elif", "fi", "do", "done", "while", "until"})
# Wrappers that run their operand as a program: each with the options that take a value.
_WRAPPERS: dict[str, frozenset[str]] = {
    "exec": frozenset({"-a"}),
    "command": frozenset(),
    "builtin": frozenset(),
    "nohup": frozenset(),
    "time": frozenset({"-f", "-o"}),
    "env": frozenset({"-u", "-C", "--unset", "--chdir"}),
    "nice": frozenset({"-n", "--adjustment"}),
    "timeout": frozenset({"-s", "-k", "--signal", "--kill-after"}),
    "setsid": frozenset(),
    "stdbuf": frozenset({"-i", "-o", "-e", "--input", "--output", "--error"}),
    "ionice": frozenset({"-c", "-n", "-p", "-P", "-u", "--class", "--classdata"}),
    "chrt": frozenset(),
}
_DEPTH = 4  # sh -c inside sh -c: deeper is read as another program, so that work stays bounded


class Run(NamedTuple):  # a NamedTuple, not a dataclass: one is made for each handler of a settings file
    """One simple command that runs hook-send: the variables set on it, and its argv."""

    variables: tuple[tuple[str, str], ...]
    argv: tuple[str, ...]

    @property
    def program(self) -> str:
        return self.argv[0] if self.argv else ""


class Reading(NamedTuple):
    clients: tuple[Run, ...]  # the commands that run hook-send
    others: tuple[str, ...]  # the other programs the line runs, by name, in order

    @property
    def alone(self) -> bool:
        return bool(self.clients) and not self.others


def read(line: str) -> Reading | None:
    """What ``line`` runs; None when the shell could not run it (unclosed quote, a NUL byte)."""
    return _read(line, 0)


def _read(line: str, depth: int) -> Reading | None:
    commands = _commands(line)
    if commands is None:
        return None
    clients: list[Run] = []
    others: list[str] = []
    for words in commands:
        _judge(list(words), depth, clients, others)
    return Reading(tuple(clients), tuple(others))


def _commands(line: str) -> tuple[tuple[str, ...], ...] | None:
    """The words of each simple command, redirections, here-documents and comments left out."""
    # A settings file's checks read the same commands several times each; a long line is not kept.
    return _remembered(line) if len(line) <= 4096 else _lexed(line)


@lru_cache(maxsize=1024)
def _remembered(line: str) -> tuple[tuple[str, ...], ...] | None:
    return _lexed(line)


def _lexed(line: str) -> tuple[tuple[str, ...], ...] | None:
    if "\0" in line:
        return None
    if not _SPECIAL.search(line):  # the shell reads these words as they are written (most commands)
        words = tuple(w for w in _BLANKS.split(line) if w)
        return (words,) if words else ()
    lexer = shlex.shlex(line.replace("\\\n", ""), posix=True, punctuation_chars=_OPERATORS)
    lexer.whitespace_split = True
    lexer.whitespace = " \t"  # a newline ends a command: it is an operator here
    lexer.commenters = ""  # a comment runs to the end of its line, not past it (below)
    try:
        tokens = list(lexer)
    except ValueError:
        return None
    commands: list[list[str]] = [[]]
    skip_to_newline = False
    heredoc: str | None = None  # the delimiter of a here-document whose body starts at the next line
    body: str | None = None  # the delimiter ending the body being skipped
    i = 0
    while i < len(tokens):
        token = tokens[i]
        i += 1
        if body is not None:
            if token == body and "\n" in tokens[i - 2] and (i == len(tokens) or "\n" in tokens[i]):
                body = None
            continue
        if skip_to_newline:
            skip_to_newline = "\n" not in token
            continue
        if token and all(c in _OPERATORS for c in token):
            redirect = "<" in token or ">" in token
            if any(c in ";|()`\n" for c in token) or ("&" in token and not redirect):
                commands.append([])
            if "\n" in token and heredoc is not None:
                body, heredoc = heredoc, None
            if redirect:
                if commands[-1] and commands[-1][-1].isdigit() and tokens[i - 2] == commands[-1][-1]:
                    commands[-1].pop()  # the descriptor of 2>/dev/null
                if "<<" in token and "<<<" not in token and i < len(tokens):
                    heredoc = tokens[i]
                i += 1  # its target
            continue
        if token == "$" and i < len(tokens) and tokens[i].startswith("("):
            continue  # $( ... ): the parenthesis starts the command substituted
        if token.startswith("#"):  # a word starting with # starts a comment (a quoted "#..." is read so too)
            skip_to_newline = True
            continue
        commands[-1].append(token)
    return tuple(tuple(words) for words in commands if words)


def _judge(words: list[str], depth: int, clients: list[Run], others: list[str]) -> None:
    variables: list[tuple[str, str]] = []
    while words:
        head = words[0]
        if head in _KEYWORDS:
            words = words[1:]
        elif _ASSIGNMENT.match(head):
            key, value = head.split("=", 1)
            variables.append((key, value))
            words = words[1:]
        elif head.rpartition("/")[2] in _WRAPPERS:
            name = head.rpartition("/")[2]
            if name == "command" and len(words) > 1 and words[1] in ("-v", "-V"):
                return  # says where a program is, runs nothing
            words = _operand(name, words[1:], variables)
        else:
            break
    if not words:
        return
    program = words[0].rpartition("/")[2]  # expanding ~ or $HOME changes no last part
    if program in ("for", "case", "select", "function"):
        return  # their words are names and patterns; what they run follows an operator
    if program in _SHELLS or program == "eval":
        script = words[1:] if program == "eval" else _script(words[1:])
        if script is not None and depth < _DEPTH:
            inner = _read(" ".join(script) if program == "eval" else script[0], depth + 1)
            if inner is not None:
                clients.extend(Run(tuple(variables) + r.variables, r.argv) for r in inner.clients)
                others.extend(inner.others)
                return
    if _runs_client(program, words):
        clients.append(Run(tuple(variables), tuple(words)))
    elif program not in _HARMLESS:
        others.append(program)


def _operand(name: str, args: list[str], variables: list[tuple[str, str]]) -> list[str]:
    """The command a wrapper runs: past its options (and the values they take), env's assignments
    (added to ``variables``), timeout's duration."""
    valued = _WRAPPERS[name]
    while args:
        arg = args[0]
        if arg == "--":
            args = args[1:]
            break
        if name == "env" and _ASSIGNMENT.match(arg):
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
        if name == "nice" and arg[1:].isdigit():
            args = args[1:]
            continue
        takes = arg in valued or (arg[:2] in valued and len(arg) == 2)
        args = args[2:] if takes and "=" not in arg else args[1:]
    if name == "timeout" and args:
        args = args[1:]  # the duration
    return args


def _script(args: list[str]) -> list[str] | None:
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


def _runs_client(program: str, words: list[str]) -> bool:
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
