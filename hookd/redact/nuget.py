"""A NuGet source's password outside its XML config (issue 16, h221): the command that stores it and the variable.

* ``nuget_source_password``: ``dotnet nuget add source <url> -n feed -u user -p <password>`` (``--password``;
  ``update source`` too) and nuget.exe's ``sources add ... -Password <password>``.
* ``nuget_credentials_env``: ``NuGetPackageSourceCredentials_<feed>="Username=u;Password=<password>"``, the variable
  NuGet reads a source's credentials from (CI, Dockerfiles' ENV, PowerShell's $env:).

NuGet stores what it is given there as the password, as it does ClearTextPassword's value (xmlpairs.py): a value
that reads as words naming one (``TestSourcePassword``) is the password too, and only references and masks are kept
(values.written_password). cli_secret_option reads dotnet nuget's ``-p`` already, but as any command's value.
"""

from __future__ import annotations

import re

from hookd.redact.checks import not_a_call
from hookd.redact.commands import _COMMAND_REACH, command_names
from hookd.redact.patterns import VALUE, VALUE_REACH
from hookd.redact.rule import Rule
from hookd.redact.values import written_password

_NUGET = frozenset(("nuget", "nuget.exe"))
# What stands between a command's word and its option: no separator commands.command_start stops at (; | & ( `,
# a line break raw or escaped, a quote not escaped), backslashes taken with the character they escape (a trailing
# run too): every text the check accepts, in Hyperscan's syntax.
_IN_COMMAND = r"""(?:[^;|&(`\n"\\]|\\+[^;|&(`\n\\n])*\\*"""
_SOURCE = frozenset(("source", "sources"))


def _source_password_ok(match: re.Match[str]) -> bool:
    """The option is a NuGet source command's (dotnet nuget add source, nuget sources add) and the value is no
    reference or mask."""
    text, start = match.string, match.start()
    names = {name.lower() for name in command_names(text, max(0, start - _COMMAND_REACH), start)}
    if names.isdisjoint(_NUGET) or names.isdisjoint(_SOURCE):
        return False
    return written_password(match.group("value")) and not_a_call(match)


def _env_password_ok(match: re.Match[str]) -> bool:
    return written_password(match.group("value"))


NUGET_RULES: tuple[Rule, ...] = (
    Rule(
        name="nuget_source_password",
        replaces="the password given to a NuGet source (dotnet nuget add/update source -p, --password; "
        "nuget sources add -Password)",
        pattern=VALUE,
        group="value",
        # The trigger holds its need: "nuget" before the option in the command (_IN_COMMAND), so the gated scan
        # loses no report (test_redact_trigger_parts) and a flood of other commands' -p (mkdir -p, ssh -p)
        # reaches neither the trigger nor the check.
        trigger=r"(?i:nuget)" + _IN_COMMAND + r"\s(?i:-p|--password|-password)(?:=|\s{1,4})[^\s\-]",
        trigger_needs=(("(?i)nuget",),),
        anchored=True,
        back=1,
        reach=VALUE_REACH,
        check=_source_password_ok,
        example="`dotnet nuget add source <url> -n feed -u ci -p <password>`",
    ),
    Rule(
        name="nuget_credentials_env",
        replaces="the password in NuGetPackageSourceCredentials_<feed> (Username=...;Password=...)",
        pattern=r"(?P<value>(?:[^;\"'\\\s]|\\\\){1,256}+)",
        group="value",
        # The name, its sign (=, :, ENV's space; quoted as a JSON key or not), the value's other fields up to
        # Password=, and the password's first character
        trigger=r"(?i)nugetpackagesourcecredentials_[A-Za-z0-9_.-]{1,100}(?:\\{0,15}[\"'])?"
        r"(?:\s{0,4}[:=]\s{0,4}|\s{1,4})(?:\\{0,15}[\"'])?(?:[^;\"'\\\r\n]{0,256};\s{0,4}){0,3}"
        r"password=[^;\"'\\\s]",
        trigger_needs=(("(?i)nugetpackagesourcecredentials_",),),
        anchored=True,
        back=1,
        reach=600,
        check=_env_password_ok,
        example='`NuGetPackageSourceCredentials_feed="Username=ci;Password=<password>"`',
    ),
)
