"""What a command hook runs, read as the shell reads it: which of its commands run hook-send.

Claude Code runs a command hook's ``command`` with a shell (hooks reference, "Exec form and shell
form"), so hook-send is run by any shell spelling of it: glued to an operator (``hook-send>/dev/null``,
``hook-send;true``, ``(hook-send)``, `` `hook-send` ``, ``"$(hook-send)"``), behind variables and
wrappers (``FOO=1``, ``exec``, ``command``, ``env -i``, ``nice``, ``timeout 5``), by a
quoted or ``~``/``$HOME`` path, inside ``sh -c '...'`` / ``eval``, in a function the line defines and
calls. The tokens come from shell_words.py, which keeps what was quoted apart from operators; what is
only a word (``echo hook-send``, ``echo ';' hook-send``, ``# hook-send``) runs nothing of hookd's.

``read`` says which simple commands run the client (with the variables they are given, those an
earlier ``export`` set too), which other programs the line runs, and why it cannot tell, where it
cannot (an alias, a program named by a variable, nesting past the bounds), and what a hook-send runs
behind (shell_parse's guards: an if's branch, a loop, ``&&``; shell_runners: sudo, find -exec): a line
that runs hook-send and nothing else, on every path, surely, is hookd's; any other is the user's.
"""

from __future__ import annotations

from functools import lru_cache, partial
from typing import Callable, NamedTuple

from hookd.hooks import shell_words
from hookd.hooks.shell_parse import CANNOT, Command, Function, Item, split
from hookd.hooks.shell_programs import SHELLS, WRAPPERS, operand, runs_client, script
from hookd.hooks.shell_runners import RUNNERS, runs_of
from hookd.hooks.shell_programs import ASSIGNMENT as _ASSIGNMENT
from hookd.hooks.shell_programs import expand as expand
from hookd.hooks.shell_programs import links_to_client as links_to_client

# Builtins that run no program: a hook-send after `cd "$CLAUDE_PROJECT_DIR" &&` or followed by
# `|| true` or `; exit 0` is still hookd's alone.
_HARMLESS = frozenset({"true", ":", "exit", "return", "cd", "set", "export", "unset", "umask", "ulimit", "builtin"})
# Reserved words at a command's start: the command follows them.
_KEYWORDS = frozenset({"!", "{", "}", "if", "then", "else", "elif", "fi", "do", "done", "while", "until", "esac"})
_BUILTIN_WRAPPERS = frozenset({"exec", "command"})
_EXPORTS = frozenset({"export", "declare", "typeset", "local", "readonly"})
_DEPTH = 4  # sh -c, eval, $( ), a function call, inside one another: deeper is not read
_CALLS = 256
# Commands read in all, function bodies read once per call: 256 calls of a 64 KiB body would be 8 million
# (seconds of a hooks status); a real hook runs a few dozen.
_COMMANDS = 20_000
_REASONS = 8  # why it cannot tell: one is enough to leave the line to the user; a few say where
# A hook's command is a line or a short script. Reading is linear but in Python (bench/README.md),
# so what a hostile settings file costs is bounded by this times its hooks; a longer line is the
# user's, hookd cannot tell.
MAX_LINE = 64 * 1024
_NESTING = 64  # ( ( ( ...: past it, not read


class Run(NamedTuple):  # a NamedTuple, not a dataclass: one is made for each handler of a settings file
    """One simple command that runs hook-send: the variables it is given (an earlier ``export``'s,
    its own), its argv, and the variables the line set without exporting them (hook-send has
    them only if they were in Claude Code's environment already)."""

    variables: tuple[tuple[str, str], ...]
    argv: tuple[str, ...]
    unexported: tuple[tuple[str, str], ...] = ()

    @property
    def program(self) -> str:
        return self.argv[0] if self.argv else ""


class Reading(NamedTuple):
    clients: tuple[Run, ...]  # the commands that run hook-send
    others: tuple[str, ...]  # the other programs the line runs, by name, in order
    unsure: tuple[str, ...] = ()  # why hookd cannot tell what it runs: then it is the user's
    # what a hook-send runs behind (a condition, a loop, a case branch, find -exec, sudo): the line is the
    # user's, which uninstall leaves, though hookd's hook is there on some path
    conditions: tuple[str, ...] = ()

    @property
    def alone(self) -> bool:
        return bool(self.clients) and not self.others and not self.unsure and not self.conditions


class _State:
    """What the commands read so far leave for the next: variables, exported or not, and functions."""

    def __init__(self) -> None:
        self.exported: dict[str, str] = {}
        self.assigned: dict[str, str] = {}
        self.allexport = False
        self.functions: dict[str, tuple[Item, ...]] = {}

    def copy(self) -> _State:
        new = _State()
        new.exported, new.assigned = dict(self.exported), dict(self.assigned)
        new.allexport, new.functions = self.allexport, dict(self.functions)
        return new

    def set(self, key: str, value: str) -> None:
        if self.allexport or key in self.exported:
            self.exported[key] = value
        else:
            self.assigned[key] = value


class _Found:
    def __init__(self) -> None:
        self.clients: list[Run] = []
        self.others: list[str] = []
        self.unsure: dict[str, None] = {}
        self.conditions: list[str] = []
        self.calls = _CALLS  # function calls left to follow: each reads its body again
        self.commands = _COMMANDS

    def doubt(self, why: str) -> None:
        if len(self.unsure) < _REASONS:
            self.unsure[why] = None


def read(line: str) -> Reading | None:
    """What ``line`` runs; None when the shell could not run it (unclosed quote, a NUL byte)."""
    found = _Found()
    if len(line) > MAX_LINE:
        found.doubt(f"{CANNOT}: it is {len(line)} characters long, and hookd reads {MAX_LINE} at most")
    elif not _read(line, 0, _State(), found):
        return None
    return Reading(tuple(found.clients), tuple(found.others), tuple(found.unsure), tuple(found.conditions))


def _read(line: str, depth: int, state: _State, found: _Found, guard: str = "") -> bool:
    items = _items_of(line)
    if items is None:
        return False
    if isinstance(items, str):
        found.doubt(items)
        return True
    _run(items, depth, state, found, guard)
    return True


def _items_of(line: str) -> tuple[Item, ...] | str | None:
    # A settings file's checks read the same commands several times each; a long line is not kept.
    return _remembered(line) if len(line) <= 4096 else _parsed(line)


@lru_cache(maxsize=1024)
def _remembered(line: str) -> tuple[Item, ...] | str | None:
    return _parsed(line)


def _parsed(line: str) -> tuple[Item, ...] | str | None:
    if "\0" in line:
        return None
    try:
        lexed = shell_words.tokens(line)
    except shell_words.Unreadable:
        return None
    except shell_words.TooDeep as exc:
        return f"{CANNOT}: {exc}"
    if lexed.live_heredoc:
        return f"{CANNOT}: a here-document's body runs a command substitution"
    if any(t.ansi for t in lexed.tokens):
        return f"{CANNOT}: $'...' is read one way by bash, another by sh"
    items, _ = split(lexed.tokens, 0, len(lexed.tokens), 0)
    return items if isinstance(items, tuple) else items


def _run(items: tuple[Item, ...], depth: int, state: _State, found: _Found, guard: str = "") -> None:
    outer: list[_State] = []
    for item in items:
        if isinstance(item, str):
            if item == "(":
                if len(outer) >= _NESTING:
                    found.doubt(f"{CANNOT}: subshells nested more than {_NESTING} deep")
                    return
                outer.append(state)
                state = state.copy()
            elif outer:
                state = outer.pop()
            continue
        if isinstance(item, Function):
            state.functions[item.name] = item.body
            continue
        _command(item, depth, state.copy() if item.apart else state, found, guard or item.guard)


def _command(command: Command, depth: int, state: _State, found: _Found, guard: str) -> None:
    found.commands -= 1
    if found.commands < 0:
        found.doubt(f"{CANNOT}: it runs more than {_COMMANDS} commands (function calls read again each time)")
        return
    others, unsure = len(found.others), len(found.unsure)
    for sub in command.subs:
        _deeper(depth, found, lambda: _read(sub, depth + 1, state.copy(), found, guard))
    words = list(command.words)
    if (others, unsure) == (len(found.others), len(found.unsure)):
        # What they ran prints nothing (hook-send never does): the words they make are empty, and go.
        while words and words[0].only_subs:
            words.pop(0)
    variables: list[tuple[str, str]] = []
    while words and not words[0].quoted and words[0].text in _KEYWORDS:
        words.pop(0)
    while words and (m := _ASSIGNMENT.match(words[0].text)) is not None and m.end() <= words[0].plain:
        key, value = words.pop(0).text.split("=", 1)
        variables.append((key, value))
    if not words:
        for key, value in variables:
            state.set(key, value)
        return
    argv = [w.text for w in words]
    if _changes_state(argv, state, found):
        return
    builtins = True  # exec and command are the shell's: a wrapper program (env exec ...) looks for a file
    while argv and argv[0].rpartition("/")[2] in WRAPPERS:
        name = argv[0].rpartition("/")[2]
        if name in _BUILTIN_WRAPPERS and (not builtins or "/" in argv[0]):
            break  # a program of that name, if the system has one: not hookd's
        builtins = builtins and name == "command"  # exec runs a file: `exec command` looks for one
        argv = operand(name, argv[1:], variables)
    if not argv:
        return
    program = argv[0].rpartition("/")[2]  # expanding ~ or $HOME changes no last part
    if program in ("for", "case", "select"):
        return  # their words are names and patterns; what they run follows an operator
    if "$" in program or "`" in program or program == "function":
        found.doubt(f"{CANNOT}: its program is named by a variable or a function keyword ({argv[0][:80]})")
        return
    if "/" not in argv[0] and program in state.functions:
        found.calls -= 1
        if found.calls < 0:
            found.doubt(f"{CANNOT}: it calls its functions more than {_CALLS} times")
            return
        inner = state.copy()
        inner.exported.update(variables)
        _deeper(depth, found, lambda: _run(state.functions[program], depth + 1, inner, found, guard))
        return
    inline = script(argv[1:]) if program in SHELLS else None
    if program == "eval" or inline is not None:
        inner = state.copy() if inline is None else _State()
        inner.exported = {**state.exported, **dict(variables)}
        text = " ".join(argv[1:]) if inline is None else inline[0]
        if _deeper(depth, found, lambda: _read(text, depth + 1, inner, found, guard)):
            return
    if program in RUNNERS:
        found.others.append(program)
        inner = state.copy()
        inner.exported.update(variables)
        for run, why in runs_of(program, argv[1:]):
            _deeper(depth, found, partial(_read, run, depth + 1, inner, found, why))
        return
    if runs_client(program, argv):
        if guard and guard not in found.conditions:
            found.conditions.append(guard)
        found.clients.append(Run((*state.exported.items(), *variables), tuple(argv), tuple(state.assigned.items())))
    elif program not in _HARMLESS:
        found.others.append(program)


def _deeper(depth: int, found: _Found, reading: Callable[[], object]) -> bool:
    """Reads one level deeper (``reading`` says whether the shell could run what it read); past
    _DEPTH, says hookd cannot tell."""
    if depth >= _DEPTH:
        found.doubt(f"{CANNOT}: shells, evals, substitutions or function calls nested more than {_DEPTH} deep")
        return True
    return reading() is not False


def _changes_state(argv: list[str], state: _State, found: _Found) -> bool:
    """``export``, ``unset``, ``set -a`` and ``alias``: what they do to the commands after them."""
    name, args = argv[0], argv[1:]
    if name in _EXPORTS:
        flags = "".join(a[1:] for a in args if a.startswith("-"))
        exporting = name == "export" and "n" not in flags or "x" in flags
        for arg in (a for a in args if not a.startswith("-")):
            key, _, value = arg.partition("=")
            if not exporting and name == "export":  # export -n
                state.exported.pop(key, None)
            elif not exporting:
                if "=" in arg:
                    state.set(key, value)
            elif "=" in arg:
                state.assigned.pop(key, None)
                state.exported[key] = value
            elif key in state.assigned:
                state.exported[key] = state.assigned.pop(key)
        return True
    if name == "unset":
        for key in args:
            state.exported.pop(key, None)
            state.assigned.pop(key, None)
        return True
    if name == "set":
        for i, arg in enumerate(args):
            if arg in ("-o", "+o") and args[i + 1 : i + 2] == ["allexport"]:
                state.allexport = arg == "-o"
            elif arg.startswith(("-", "+")) and "a" in arg[1:] and not arg.startswith("--"):
                state.allexport = arg.startswith("-")
        return True
    if name == "alias" and any("=" in a for a in args):
        found.doubt(f"{CANNOT}: it defines an alias, which sh expands on later lines and bash does not")
        return True
    return False
