"""Programs that run a command they are given, but are not hookd's plain wrappers (shell_programs.WRAPPERS):
each is a program of the user's in its own right, and what it runs it runs on some terms only, said here.

``sudo hook-send`` runs hook-send as root, whose connection hookd's daemon refuses (only its owner talks
to it); ``find -exec`` runs it once per file found, maybe never; ``watch`` again and again; ``flock``
after waiting for a lock (hook-send must never wait); ``xargs`` hands it its input as arguments and its
stdin empty, so the event's payload never reaches it. A hook-send run so is found (hooks status says the
hook is there), and the line is the user's: install and uninstall leave it (docs/hooks.md "Which hooks are hookd's").
"""

from __future__ import annotations

import shlex

from hookd.hooks.shell_programs import ASSIGNMENT, prints_only

_AS_ANOTHER = "as another user ({}), whose hook-send the daemon refuses"
# Options that take a value, each program's.
_VALUED = {
    "sudo": frozenset({"-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "-T", "-R", "--user", "--group",
                       "--chdir", "--prompt", "--role", "--type", "--other-user", "--command-timeout",
                       "--close-from", "--host", "--chroot"}),
    "doas": frozenset({"-u", "-C"}),
    "runuser": frozenset({"-u", "-g", "-G", "-w", "--user", "--group", "--supp-group", "--whitelist-environment"}),
    "su": frozenset({"-g", "-G", "-s", "-w", "--group", "--supp-group", "--shell", "--whitelist-environment"}),
    "pkexec": frozenset({"--user"}),
    "watch": frozenset({"-n", "-d", "-q", "--interval", "--equexit"}),
    "flock": frozenset({"-w", "-E", "--timeout", "--wait", "--conflict-exit-code"}),
    "xargs": frozenset({"-a", "-d", "-E", "-I", "-L", "-n", "-P", "-s", "--arg-file", "--delimiter", "--max-args",
                        "--max-procs", "--max-chars", "--max-lines", "--process-slot-var"}),
}  # fmt: skip
RUNNERS = frozenset({*_VALUED, "find"})
_FIND_RUNS = frozenset({"-exec", "-execdir", "-ok", "-okdir"})


def runs_of(program: str, args: list[str]) -> list[tuple[str, str]]:
    """The shell lines ``program`` runs given ``args``, each with what it runs behind."""
    if program == "find":
        return _find(args)
    by_user = program == "runuser" and any(a in ("-u", "--user") or a.startswith("--user=") for a in args)
    script, args = _options(program, args)
    if program in ("su", "runuser") and not by_user:
        for i, arg in enumerate(args):  # -c may follow the user's name
            if arg in ("-c", "--command") and i + 1 < len(args):
                script = args[i + 1]
        if script is not None:
            return [(script, _AS_ANOTHER.format(program))]
        return []  # a login shell, reading its input
    if program == "flock":
        args = args[1:]  # the lock file (or descriptor: then nothing runs)
        if args[:1] in (["-c"], ["--command"]) and len(args) > 1:
            return [(args[1], "flock (it waits for a lock, and hook-send must not wait)")]
    if not args:
        return []
    line = args[0] if program == "watch" and len(args) == 1 else shlex.join(args)
    if program == "watch":
        return [(line, "watch (it runs it again every few seconds, without end)")]
    if program == "xargs":
        return [(line, "xargs (it passes its input as arguments, stdin empty: the event's payload never arrives)")]
    if program == "flock":
        return [(line, "flock (it waits for a lock, and hook-send must not wait)")]
    return [(line, _AS_ANOTHER.format(program))]


def _options(program: str, args: list[str]) -> tuple[str | None, list[str]]:
    """Past ``program``'s options (and sudo's assignments): a ``-c`` script (su, runuser, flock
    before its file), and the arguments left."""
    valued = _VALUED[program]
    script = None
    while args:
        arg = args[0]
        if arg == "--":
            return script, args[1:]
        if program == "sudo" and ASSIGNMENT.match(arg):
            args = args[1:]
            continue
        if program in ("su", "runuser") and arg in ("-c", "--command") and len(args) > 1:
            script, args = args[1], args[2:]
            continue
        if not arg.startswith("-") or arg == "-":
            break
        if prints_only(program, arg):
            return None, []
        takes = arg in valued or (arg[:2] in valued and len(arg) == 2)
        args = args[2:] if takes and "=" not in arg else args[1:]
    return script, args


def _find(args: list[str]) -> list[tuple[str, str]]:
    found = []
    i = 0
    while i < len(args):
        arg, i = args[i], i + 1
        if arg in _FIND_RUNS:
            start = i
            while i < len(args) and args[i] not in (";", "+"):
                i += 1
            if i > start:
                found.append((shlex.join(args[start:i]), f"find {arg} (once for each file it finds, or never)"))
    return found
