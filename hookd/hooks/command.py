"""The hook command: what Claude Code runs for each event, and where it sends it.

One function builds it (``hook_command``), so that another client (a native
one) plugs in here. The command reaches the daemon it was installed for: when
that daemon's socket or state directory is not what hook-send would find by
itself, the command carries them as ``env HOOKD_STATE_DIR=... HOOKD_SOCKET=...``; and
``HOOKD_MAX_EVENT_BYTES`` when the daemon's max_event_bytes is not hook-send's default, since
hook-send does not hold a larger payload (it hands on a too_large marker instead).
``route`` reads a command back: the socket and inbox it would use.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from dataclasses import dataclass
from typing import Mapping

# What hook-send reads to find the daemon; the hook command sets them when needed.
ROUTE_VARS = ("HOOKD_STATE_DIR", "HOOKD_SOCKET")
# The daemon's settings the command hands hook-send besides its route (route_env): the variable,
# and the setting of hookd's it carries, which hook-send reads with its function of that name
# (hook_send.max_event_bytes(environ)). `hooks status` and `status` check each against the daemon's.
SETTING_VARS = {"HOOKD_MAX_EVENT_BYTES": "max_event_bytes"}


def interpreter() -> str:
    """The Python that runs the hook, by a path that outlives an interpreter upgrade.

    In a virtualenv, the venv's own ``bin/python`` (not resolved): it is where hookd
    is installed, it survives a patch upgrade of the base Python (Homebrew, uv and
    pyenv put each version in its own directory, which resolving would name), and
    it costs only the read of ``pyvenv.cfg``. Outside one, ``sys.executable`` as
    the system names it (``/usr/bin/python3``, which a distribution upgrade keeps).
    A shim (pyenv's is a shell script) is never used: it would
    cost a process per event.
    """
    return os.path.abspath(sys.executable)


def client_dir() -> str:
    from hookd_client import hook_send

    path: str = hook_send.__file__
    return os.path.dirname(os.path.realpath(path))


def python_argv(event: str | None = None) -> list[str]:
    """The fast form: the interpreter with -I -S, importing the client by name.

    An import uses the cached bytecode, where running the file would compile it
    every time; and a missing client then exits 1, a non-blocking error for Claude
    Code, where a missing script file exits 2, which blocks the tool call.
    """
    code = f"import sys;sys.path[:0]=[{json.dumps(client_dir())}];import hook_send;hook_send.exit_after_main()"
    return [interpreter(), "-I", "-S", "-c", code] + ([event] if event else [])


def route_env(
    socket: str | None,
    state_dir: str | None,
    environ: Mapping[str, str] | None = None,
    max_event_bytes: int | None = None,
    pin_socket: bool = False,
) -> dict[str, str]:
    """The variables the command must set for hook-send to reach this socket and state dir, and to
    hold events up to this max_event_bytes.

    Compared with what hook-send finds in an environment without ``HOOKD_*`` routing
    variables (Claude Code's own environment is not known at install time), so a
    daemon on the defaults gets a command without any.
    """
    from hookd_client.hook_send import MAX_EVENT_BYTES, default_socket_path, default_state_dir

    base = {k: v for k, v in (os.environ if environ is None else environ).items() if k not in ROUTE_VARS}
    wanted: dict[str, str] = {}
    if state_dir and _absolute(default_state_dir(base)) != os.path.abspath(state_dir):
        wanted["HOOKD_STATE_DIR"] = os.path.abspath(state_dir)
    # pin_socket: named by the user (hooks install --socket), so written whatever this shell's default
    # is: hook-send's default follows XDG_RUNTIME_DIR, which Claude Code's environment may not share.
    if socket and (pin_socket or _absolute(default_socket_path({**base, **wanted})) != os.path.abspath(socket)):
        wanted["HOOKD_SOCKET"] = os.path.abspath(socket)
    # Against hook-send's default, not this shell's HOOKD_MAX_EVENT_BYTES: Claude Code's may lack it.
    if max_event_bytes is not None and max_event_bytes != MAX_EVENT_BYTES:
        wanted["HOOKD_MAX_EVENT_BYTES"] = str(max_event_bytes)
    return wanted


def hook_command(
    event: str | None = None,
    socket: str | None = None,
    state_dir: str | None = None,
    environ: Mapping[str, str] | None = None,
    native: str | None = None,
    max_event_bytes: int | None = None,
    pin_socket: bool = False,
) -> list[str]:
    """The hook command as argv, for the daemon at ``socket`` with ``state_dir``; with
    ``native``, that binary (hookd/hooks/native.py) instead of the Python client."""
    variables = route_env(socket, state_dir, environ, max_event_bytes, pin_socket)
    prefix = ["env", *(f"{k}={v}" for k, v in variables.items())] if variables else []
    if native:  # `exec`: /bin/sh (dash) would otherwise fork for the command and wait for it
        return ["exec", *prefix, native] + ([event] if event else [])
    return prefix + python_argv(event)


def hook_command_line(
    event: str | None = None,
    socket: str | None = None,
    state_dir: str | None = None,
    environ: Mapping[str, str] | None = None,
    native: str | None = None,
    max_event_bytes: int | None = None,
) -> str:
    return shlex.join(hook_command(event, socket, state_dir, environ, native, max_event_bytes))


@dataclass(frozen=True)
class Route:
    """Where a hook command sends: the socket, the state directory (its inbox), the program."""

    socket: str
    state_dir: str
    program: str  # argv[0] after any env prefix

    @property
    def inbox(self) -> str:
        return os.path.join(self.state_dir, "inbox")


def split_env(argv: list[str]) -> tuple[dict[str, str], list[str]]:
    """(variables set by a leading ``env A=B`` or ``A=B``, the rest of argv)."""
    variables: dict[str, str] = {}
    rest = list(argv)
    if rest and rest[0] == "exec":
        rest = rest[1:]
    if rest and os.path.basename(rest[0]) == "env":
        rest = rest[1:]
    while (
        rest and "=" in rest[0] and rest[0].split("=", 1)[0].replace("_", "").isalnum() and not rest[0].startswith("-")
    ):
        key, value = rest.pop(0).split("=", 1)
        variables[key] = value
    return variables, rest


def split_command(command: str) -> list[str]:
    """A hook command's words as the shell reads them (shlex); ValueError when it cannot be run: a
    NUL byte, which no program's arguments can hold (Claude Code's spawn refuses the command), and
    which a path checked later could not be looked up with."""
    if "\0" in command:
        raise ValueError("a NUL byte in the command")
    return shlex.split(command)


def route(command: str, environ: Mapping[str, str] | None = None) -> Route | None:
    """The socket and state dir a hook command sends to, as hook-send would find them.

    Variables the command sets win over ``environ`` (this shell's, standing in for
    Claude Code's). None when the command cannot be parsed.
    """
    from hookd_client.hook_send import default_socket_path, default_state_dir

    split = client_env(command)
    if split is None:
        return None
    variables, program = split
    given = os.environ if environ is None else environ
    # A variable the line sets without exporting reaches hook-send only if it was exported already.
    unexported = {k: v for k, v in _unexported(command).items() if k in given}
    env = {**given, **unexported, **variables}
    return Route(_absolute(default_socket_path(env)), _absolute(default_state_dir(env)), program)


def client_env(command: str) -> tuple[dict[str, str], str] | None:
    """The variables a hook command sets for the hook-send it runs, read as the shell runs it
    (``sh -c 'HOOKD_SOCKET=... hook-send'`` too), and that program; for a command that runs no
    hook-send, those of its leading ``env``. None when it cannot be parsed."""
    from hookd.hooks import shell

    reading = shell.read(command)
    if reading is None:
        return None
    if reading.clients:
        run = reading.clients[0]
        return dict(run.variables), run.program
    variables, rest = split_env(split_command(command))
    return variables, rest[0] if rest else ""


def _unexported(command: str) -> dict[str, str]:
    from hookd.hooks import shell

    reading = shell.read(command)
    return dict(reading.clients[0].unexported) if reading is not None and reading.clients else {}


def _absolute(path: str | None) -> str:
    """The path made absolute; "" for none (hook-send without a home: it keeps events in its spare inbox)."""
    return os.path.abspath(path) if path else ""


def written_settings(command: str) -> dict[str, int] | None:
    """The value hook-send takes for each of SETTING_VARS when run by this command (its default when
    the command sets none: Claude Code's environment is not known here); None when it cannot be parsed."""
    from hookd_client import hook_send

    split = client_env(command)
    if split is None:
        return None
    variables = split[0]
    return {variable: getattr(hook_send, setting)(variables) for variable, setting in SETTING_VARS.items()}
