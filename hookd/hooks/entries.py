"""hookd's hook handlers: how they are written, and how they are recognised later.

A handler is recognised by what it runs, not by an exact string, so that
uninstall and status also find the entries of an older install whose
interpreter, checkout or port has changed since: a command handler is hookd's
when, read as the shell runs it (shell.py), it runs the client (``import hook_send``, ``hook_send.py``,
the ``hook-send`` script, a native ``hook-send-<hash>`` or a link to one) and nothing else; one that
also runs another program is the user's (``shared``); an http handler is hookd's when it sends the
``HOOKD_HTTP_TOKEN`` variable or posts to the configured listener.
"""

from __future__ import annotations

import json
import os
import re
import shlex
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from hookd.hooks import shell
from hookd.hooks.events import BY_NAME

TOKEN_VAR = "HOOKD_HTTP_TOKEN"
HTTP_PATH = "/hook"
# hook-send exits within its own deadline (250 ms by default); this only bounds a process that
# cannot even start (a hung disk), so that Claude Code never waits long on hookd.
COMMAND_TIMEOUT_S = 5
# A listener that accepts but never answers costs the agent this much per event.
HTTP_TIMEOUT_S = 2
# SessionEnd hooks share one budget (1.5 s) at exit, /clear and /resume, which Claude Code raises to
# the longest timeout a settings file gives one of them (session_end.py): hookd's must not lengthen it
# for the others.
SESSION_END_TIMEOUT_S = 1

_NATIVE = re.compile(r"(?:^|/)hook-send-[0-9a-f]{12}$")  # hookd/hooks/native.py's binaries
_UNQUOTED = str.maketrans("", "", "'\"\\")
_CLIENT_DIR = re.compile(r"sys\.path\[:0\]=\[(\"(?:[^\"\\]|\\.)*\")\]")


def command_handler(argv: list[str]) -> dict[str, Any]:
    return {"type": "command", "command": shlex.join(argv), "timeout": COMMAND_TIMEOUT_S}


def http_handler(url: str) -> dict[str, Any]:
    return {
        "type": "http",
        "url": url,
        "timeout": HTTP_TIMEOUT_S,
        "headers": {"Authorization": f"Bearer ${TOKEN_VAR}"},
        "allowedEnvVars": [TOKEN_VAR],
    }


def http_url(http_addr: str) -> str:
    return f"http://{http_addr}{HTTP_PATH}"


def group(event: str, handler: dict[str, Any]) -> dict[str, Any]:
    """The matcher group hookd adds for one event: every occurrence, one handler."""
    if event == "SessionEnd" and handler.get("timeout", 0) > SESSION_END_TIMEOUT_S:
        handler = {**handler, "timeout": SESSION_END_TIMEOUT_S}
    info = BY_NAME.get(event)
    if info is not None and not info.matcher:
        return {"hooks": [handler]}
    return {"matcher": "*", "hooks": [handler]}


def command_line(handler: dict[str, Any]) -> str:
    """What a command handler runs, as one shell line. In exec form (an ``args`` list, hooks
    reference "Exec form and shell form") ``command`` is the program alone and ``args`` its
    arguments, hook-send's event among them; quoted here, they read back as that argv."""
    command = handler.get("command")
    if not isinstance(command, str):
        return ""
    args = handler.get("args")
    if isinstance(args, list) and all(isinstance(a, str) for a in args):
        return shlex.join([command, *args])
    return command


def is_hookd(handler: Any, url: str | None = None) -> bool:
    if not isinstance(handler, dict):
        return False
    if handler.get("type") == "command":
        line = command_line(handler)
        reading = _reading(line) if "args" not in handler else reading_of(handler)
        if reading is not None:
            return reading.alone
        # One the shell cannot run, that names the client: hookd's, and hooks status says it cannot be
        # parsed (missing_paths).
        return _names_client(line) and shell.read(line) is None
    if handler.get("type") == "http":
        env = handler.get("allowedEnvVars")
        return (isinstance(env, list) and TOKEN_VAR in env) or (
            url is not None and _to_listener(handler.get("url"), url)
        )
    return False


def reading_of(handler: dict[str, Any]) -> shell.Reading | None:
    """What a command handler runs (shell.read); None when it runs no client or cannot be parsed.

    In exec form Claude Code spawns ``command`` as one program: hookd's whole shell line put there
    (``args`` even ``[]``) runs nothing, a program of that name; it is still hookd's hook, whose
    program hooks status says does not exist, and which install repairs."""
    reading = _reading(command_line(handler))
    args: Any = handler.get("args")
    exec_form = isinstance(args, list) and all(isinstance(a, str) for a in args)
    if reading is None and exec_form and isinstance(handler.get("command"), str):
        whole = _reading(handler["command"])
        if whole is not None and whole.alone:
            return shell.Reading((shell.Run((), (handler["command"], *args)),), ())
    return reading


def _names_client(line: str) -> bool:
    """Whether the line may name the client: quotes, escapes and continued lines taken out first
    (``ho'ok'-send``, ``hook-\\<newline>send`` run hook-send)."""
    plain = line.replace("\\\n", "").translate(_UNQUOTED) if "\\" in line or "'" in line or '"' in line else line
    return "hook_send" in plain or "hook-send" in plain


def _reading(line: str) -> shell.Reading | None:
    # A plain find first, as each check reads every handler of a settings file, most of them other
    # tools': only a link to hook-send by another name lacks both, and it is looked for as the
    # command's first word alone (not a parse of every other tool's command).
    if not _names_client(line):
        first = line.split(None, 1)[0] if line and not line.isspace() else ""
        if "/" not in first or not shell.links_to_client(first.strip("\"'")):
            return None
    reading = shell.read(line)
    return reading if reading is not None and reading.clients else None


def shared(handler: Any) -> tuple[str, ...]:
    """The other programs a command handler runs besides hook-send (``hook-send || curl ...``), and what
    its hook-send runs behind (``[ -x f ] &&``, a case branch, sudo): () when it runs no hook-send, or
    hook-send alone (hookd's)."""
    if not isinstance(handler, dict) or handler.get("type") != "command":
        return ()
    reading = reading_of(handler)
    return (*reading.others, *reading.conditions) if reading is not None else ()


def unsure(handler: Any) -> tuple[str, ...]:
    """Why hookd cannot tell whether a command handler that names hook-send runs it (an alias, a
    program named by a variable, nesting past the reader's bounds): () when it can. Such a handler
    is the user's: install and uninstall leave it."""
    if not isinstance(handler, dict) or handler.get("type") != "command":
        return ()
    line = command_line(handler)
    if not _names_client(line):
        return ()
    reading = shell.read(line)
    return reading.unsure if reading is not None else ()


def _to_listener(given: Any, url: str) -> bool:
    """Whether ``given`` posts to the listener install's ``url`` names: the same scheme and address, any
    path the listener takes (``/hook``, ``/hook/``, ``/hook/<EventName>``; http_checks.py), any query.
    Only the exact URL was: a hook written by hand to ``/hook/WorktreeRemove`` with the token in its
    headers was nobody's, and no check of hookd's hooks looked at it."""
    if given == url:
        return True
    if not isinstance(given, str):
        return False
    try:
        parts = urlsplit(given)
        return (parts.scheme, parts.netloc.lower()) == _listener(url) and (
            parts.path == HTTP_PATH or parts.path.startswith(HTTP_PATH + "/")
        )
    except ValueError:  # a malformed URL (an unclosed [) names no listener
        return False


@lru_cache(maxsize=8)
def _listener(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc.lower()


def mode_of(handler: dict[str, Any]) -> str:
    return "http" if handler.get("type") == "http" else "command"


def client_of(handler: dict[str, Any]) -> str:
    """Which hook-send a handler runs: native, python, or http (no client)."""
    if handler.get("type") != "command":
        return "http"
    reading = reading_of(handler)
    programs = [_program(run) for run in reading.clients] if reading is not None else []
    return "native" if any(_NATIVE.search(program) for program in programs) else "python"


def _program(run: shell.Run) -> str:
    """The program a client command runs, a link to hook-send read through."""
    program = shell.expand(run.program)
    return os.path.realpath(program) if "/" in program and shell.links_to_client(program) else program


def run_paths(handler: dict[str, Any]) -> list[tuple[str, bool]] | None:
    """What a command handler runs: (path, is the program) for an absolute argv[0] (the
    interpreter, or the native client) and each hook_send.py it names; None when it cannot be parsed."""
    if handler.get("type") != "command":
        return []
    line = command_line(handler)
    if shell.read(line) is None:
        return None
    reading = reading_of(handler)
    paths: list[tuple[str, bool]] = []
    for run in reading.clients if reading is not None else ():
        paths += _run_paths([shell.expand(run.program), *run.argv[1:]])
    return list(dict.fromkeys(paths))


def _run_paths(argv: list[str]) -> list[tuple[str, bool]]:
    paths = [(argv[0], True)] if argv and os.path.isabs(argv[0]) else []
    for word in argv[1:]:
        found = _CLIENT_DIR.search(word)
        if found:
            try:
                client = os.path.join(json.loads(found.group(1)), "hook_send.py")
            except (ValueError, TypeError):
                continue
        elif os.path.isabs(word) and (word.endswith(("hook_send.py", "hook-send")) or _NATIVE.search(word)):
            client = word
        else:
            continue
        paths.append((client, False))
    return paths


def code_paths(handler: dict[str, Any]) -> list[tuple[str, ...]]:
    """What the handler runs (run_paths), each with what else decides its code: for a Python
    client, the directory it is imported from and that directory's bytecode cache (the import,
    sys.path[:0], takes a module or a .pyc planted there in place of hook_send.py)."""
    groups: list[tuple[str, ...]] = []
    for path, program in run_paths(handler) or []:
        where = os.path.dirname(path)
        extra = () if program or not path.endswith("hook_send.py") else (where, os.path.join(where, "__pycache__"))
        groups.append((path, *extra))
    return groups


def missing_paths(handler: dict[str, Any]) -> list[str]:
    """What a command handler names that no longer exists (the interpreter, the client)."""
    paths = run_paths(handler)
    if paths is None:
        return [f"(the command cannot be parsed: {command_line(handler)!r})"]
    return [p for p, program in paths if not (os.access(p, os.X_OK) if program else os.path.isfile(p))]
