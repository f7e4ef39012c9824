"""The command table's rules for Claude Code's PowerShell tool on Windows, and cmd.exe run from it.

Each rates a Windows command as its Bash equivalent is rated: a forced recursive
Remove-Item or ``rd /s /q`` as ``rm -rf``, an unforced one as ``rm -r``; a download
run by ``iex`` as one piped to ``sh``; ``Format-Volume`` as ``mkfs``; a write to a
PowerShell profile as one to ``~/.bashrc``. PowerShell's words match in any case,
as PowerShell reads them.
"""

from __future__ import annotations

import re

from hookd.enrich.command_rule import HIGH, MEDIUM, REST, W, CommandRule, followed, options, rule

ANY_CASE = re.IGNORECASE


def _ps_recursive(args: str) -> bool:
    """Remove-Item's -Recurse, abbreviated as PowerShell accepts it (-r, -rec, ...)."""
    return any("-recurse".startswith(o) for o in (o.lower() for o in options(args)) if len(o) > 1)


def _ps_forced(args: str) -> bool:
    return any("-force".startswith(o) for o in (o.lower() for o in options(args)) if len(o) > 2)


def _ps_recursive_forced(args: str) -> bool:
    return _ps_recursive(args) and _ps_forced(args)


def _ps_recursive_unforced(args: str) -> bool:
    return _ps_recursive(args) and not _ps_forced(args)


def _cmd_switches(args: str) -> set[str]:
    """cmd.exe's switches, any case, apart or run together (``/S /Q``, ``/s/q``); a path such as
    ``/srv/q`` is not a run of switches."""
    found: set[str] = set()
    for word in args.split():
        parts = word.lower().split("/")
        if word.startswith("/") and all(p[:1].isalpha() and (len(p) == 1 or p[1] == ":") for p in parts[1:]):
            found.update(p[0] for p in parts[1:])
    return found


def _cmd_recursive_quiet(args: str) -> bool:
    return {"s", "q"} <= _cmd_switches(args)


def _cmd_recursive_asking(args: str) -> bool:
    switches = _cmd_switches(args)
    return "s" in switches and "q" not in switches


_OPEN_POLICY = re.compile(r"\b(?:unrestricted|bypass)\b", ANY_CASE)


def _opens_policy(args: str) -> bool:
    return _OPEN_POLICY.search(args) is not None


# $PROFILE (and $PROFILE.CurrentUserAllHosts, ...) or a profile file by its name.
PROFILE_NAME = r"microsoft\.(?:powershell|powershellise|vscode)_profile\.ps1\b"
_PROFILE = re.compile(r"(?:^|(?<=[\s'\"=:,(]))\$profile\b|" + PROFILE_NAME, ANY_CASE)


def _names_profile(args: str) -> bool:
    return _PROFILE.search(args) is not None


REMOVE_ITEM = r"(?:remove-item|ri|rm|rd|rmdir|del|erase)"
RD = r"(?:rd|rmdir)"
DEL = r"(?:del|erase)"
PS_REMOVE_WORDS = ("remove-item", "ri ", "rm ", "rd ", "rmdir", "del ", "erase")

POWERSHELL_RULES: tuple[CommandRule, ...] = (
    rule(
        "Remove-Item -Recurse -Force",
        HIGH,
        PS_REMOVE_WORDS,
        W + REMOVE_ITEM + r"\s" + REST,
        _ps_recursive_forced,
        ANY_CASE,
    ),
    # rm -r is Bash's "recursive rm" already, at the same level.
    rule(
        "Remove-Item -Recurse",
        MEDIUM,
        PS_REMOVE_WORDS,
        W + r"(?:remove-item|ri|rd|rmdir|del|erase)\s" + REST,
        _ps_recursive_unforced,
        ANY_CASE,
    ),
    rule("rd /s /q", HIGH, ("rd ", "rmdir"), W + RD + r"\s" + REST, _cmd_recursive_quiet, ANY_CASE),
    rule("rd /s", MEDIUM, ("rd ", "rmdir"), W + RD + r"\s" + REST, _cmd_recursive_asking, ANY_CASE),
    rule("del /s /q", HIGH, ("del ", "erase"), W + DEL + r"\s" + REST, _cmd_recursive_quiet, ANY_CASE),
    rule("del /s", MEDIUM, ("del ", "erase"), W + DEL + r"\s" + REST, _cmd_recursive_asking, ANY_CASE),
    rule(
        "download piped to shell",
        HIGH,
        ("iex", "invoke-expression"),
        W + r"(?:iwr|irm|curl|wget|invoke-webrequest|invoke-restmethod)\b[^|\n]*(\|\s*(?:iex|invoke-expression)\b)?",
        followed,
        ANY_CASE,
    ),
    rule(
        "download run by shell",
        HIGH,
        ("iex", "invoke-expression"),
        W + r"(?:iex|invoke-expression)\s*(?:\(\s*){0,2}"
        r"(?:iwr|irm|invoke-webrequest|invoke-restmethod|new-object\s+(?:system\.)?net\.webclient)\b",
        flags=ANY_CASE,
    ),
    rule("disk overwrite", HIGH, ("format-volume",), W + r"format-volume\b", flags=ANY_CASE),
    rule(
        "Set-ExecutionPolicy Unrestricted",
        HIGH,
        ("set-executionpolicy",),
        W + r"set-executionpolicy\b" + REST,
        _opens_policy,
        ANY_CASE,
    ),
    rule(
        "writes shell startup file",
        HIGH,
        ("$profile", "_profile.ps1"),
        # The path after a redirection holds no '>': a later '>' starts its own try.
        r">>?\s*['\"]?(?:\$profile\b|[^\s>'\"]*" + PROFILE_NAME + ")",
        flags=ANY_CASE,
    ),
    rule(
        "writes shell startup file",
        HIGH,
        ("$profile", "_profile.ps1"),
        W + r"(?:add-content|set-content|out-file|tee-object|ac|sc|tee)\s" + REST,
        _names_profile,
        ANY_CASE,
    ),
)
