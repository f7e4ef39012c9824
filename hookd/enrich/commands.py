"""Shell commands that raise a Bash call's risk: one table, each rule with its reason and level.

Rules match words in the command's text, quoted or not. A destructive command
inside a string is flagged (``echo "rm -rf /"``, ``bash -c '...'``,
``ssh host '...'``, ``xargs rm -rf``): the table cannot tell a string that is
printed from one that is run, and a missed ``rm -rf`` costs more than a second
look at an echo. A word must start at a boundary (start, space, ``;&|(`'"{``),
so text that merely contains the letters (``farm -rf``, ``/docs/rm -rf.md``)
is not flagged. A rule's pattern runs only when one of its keywords (lower
case) is in the command; one Aho-Corasick pass finds them all, so an ordinary
command costs about a microsecond.

Every rule's work is linear in the command, however many of its words the command
repeats: command_rule.py says how. PowerShell's and cmd.exe's rules are in powershell.py.
"""

from __future__ import annotations

import re

import ahocorasick

from hookd.enrich.command_rule import HIGH, MEDIUM, OPTIONS, REST, W, CommandRule, followed, rule
from hookd.enrich.command_rule import options as _options
from hookd.enrich.powershell import POWERSHELL_RULES

__all__ = ["COMMAND_RULES", "HIGH", "MEDIUM", "command_reasons"]


def _rm_recursive_forced(args: str) -> bool:
    return _rm_recursive(args) and any(o == "--force" or (not o.startswith("--") and "f" in o) for o in _options(args))


def _rm_recursive(args: str) -> bool:
    return any(o == "--recursive" or (not o.startswith("--") and ("r" in o or "R" in o)) for o in _options(args))


def _rm_recursive_unforced(args: str) -> bool:
    return _rm_recursive(args) and not _rm_recursive_forced(args)


def _push_forced(args: str) -> bool:
    words = args.split()
    return any(
        w == "--force"
        or (w.startswith("-") and not w.startswith("--") and "f" in w)
        or (w.startswith("+") and len(w) > 1)
        for w in words
    )


def _push_with_lease(args: str) -> bool:
    return any(
        w.startswith("--force-with-lease") or w == "--force-if-includes" for w in args.split()
    ) and not _push_forced(args)


def _hard_reset(args: str) -> bool:
    return "--hard" in args


_FORCE_FLAG = re.compile(r"\s-\w*f")


def _forced_clean(args: str) -> bool:
    return _FORCE_FLAG.search(args) is not None


_DEVICE_OUTPUT = re.compile(r"\bof=/dev/")


def _writes_device(args: str) -> bool:
    return _DEVICE_OUTPUT.search(args) is not None


def _push_deletes(args: str) -> bool:
    words = args.split()
    return "--delete" in words or "-d" in words or any(w.startswith(":") and len(w) > 1 for w in words)


GIT = W + r"git(?:\s+-[Cc]\s+\S+|\s+--[\w-]+(?:=\S+)?)" + OPTIONS + r"\s+"
FLAGS = r"(?:-\S+\s+)" + OPTIONS
SHELLS = r"(?:sudo\s+" + FLAGS + r")?(?:ba|z|k|da|fi|c|tc)?sh|python[\d.]*|perl|ruby|node"

COMMAND_RULES: tuple[CommandRule, ...] = (
    rule("rm -rf", HIGH, ("rm",), W + r"rm\s" + REST, _rm_recursive_forced),
    rule("recursive rm", MEDIUM, ("rm",), W + r"rm\s" + REST, _rm_recursive_unforced),
    rule("git push --force", HIGH, ("push",), GIT + r"push\b" + REST, _push_forced),
    rule("git push --force-with-lease", MEDIUM, ("--force-",), GIT + r"push\b" + REST, _push_with_lease),
    rule("deletes remote branch", MEDIUM, ("push",), GIT + r"push\b" + REST, _push_deletes),
    rule("git reset --hard", MEDIUM, ("--hard",), GIT + r"reset\b" + REST, _hard_reset),
    rule("git clean", MEDIUM, ("clean",), GIT + r"clean\b" + REST, _forced_clean),
    rule(
        "chmod 777",
        HIGH,
        ("chmod",),
        W + r"chmod\s+" + FLAGS + r"(?:0?[0-7]?[0-7][0-7][2367]|[ugoa]*[oa][ugoa]*\+[rwxXst]*w[rwxXst]*)(?=\s|$)",
    ),
    rule("sudo", HIGH, ("sudo", "doas", "su "), W + r"(?:sudo|doas|su(?=\s+(?:-|root\b)))(?=\s|$)"),
    rule(
        "download piped to shell",
        HIGH,
        ("curl", "wget"),
        W + r"(?:curl|wget)\b[^|\n]*(\|\s*(?:" + SHELLS + r")\b)?",
        followed,
    ),
    rule(
        "download run by shell",
        HIGH,
        ("curl", "wget"),
        W + r"(?:(?:" + SHELLS + r")\s+" + FLAGS + r"<\(|(?:eval|(?:" + SHELLS + r")\s+-c)\s+[\"']?\$\()"
        r"\s*(?:curl|wget)\b",
    ),
    *POWERSHELL_RULES,
    rule(
        "disk overwrite",
        HIGH,
        ("mkfs", "wipefs", "shred", "/dev/"),
        W + r"(?:mkfs(?:\.\w+)?|wipefs|shred)(?=\s)|>\s*/dev/(?:sd|hd|vd|xvd|nvme|mmcblk|disk)",
    ),
    rule("disk overwrite", HIGH, ("/dev/",), W + r"dd\s" + REST, _writes_device),
    rule("fork bomb", HIGH, (":()",), r":\(\)\s*\{\s*:\s*\|\s*:\s*&\s*\}\s*;\s*:"),
    rule(
        "shutdown",
        HIGH,
        ("shutdown", "reboot", "poweroff", "halt"),
        W + r"(?:sudo\s+|systemctl\s+)?(?:shutdown|reboot|poweroff|halt)"
        r"(?:\s+(?:-\S+|now|\+?\d+(?::\d+)?))" + OPTIONS + r"\s*(?:$|[;&|])",
    ),
    rule(
        "SQL drop",
        HIGH,
        ("drop", "truncate"),
        r"\b(?:drop\s+(?:table|database|schema)|truncate\s+table)\b",
        flags=re.IGNORECASE,
    ),
    rule("kills processes", MEDIUM, ("kill",), W + r"(?:kill\s+-(?:9|KILL|SIGKILL)\b|killall\b|pkill\b)"),
    rule(
        "publishes a package",
        MEDIUM,
        ("publish", "upload"),
        W + r"(?:(?:npm|pnpm|yarn|cargo|gem|poetry)\s+publish|twine\s+upload)\b",
    ),
    rule("writes system file", HIGH, ("/etc/",), r"(?:>>?\s*|\btee\s+(?:-a\s+)?)/etc/"),
    rule(
        "writes shell startup file",
        HIGH,
        ("/.bash", "/.profile", "/.z"),
        # The path after a redirection holds no '>': a later '>' starts its own try.
        r"(?:>>?\s*|\btee\s+(?:-a\s+)?)[^\s>]*/\.(?:bashrc|bash_profile|profile|zshrc|zprofile|zshenv)\b",
    ),
    rule(
        "credential file",
        HIGH,
        (
            ".env",
            ".ssh",
            ".aws",
            ".netrc",
            ".pgpass",
            ".git-credentials",
            ".npmrc",
            ".pypirc",
            ".gnupg",
            "id_rsa",
            "id_ed25519",
            ".kube",
            ".docker/config",
            ".docker\\config",
        ),
        # A backslash separates too: PowerShell's paths (C:\Users\me\.ssh\id_rsa).
        r"(?:^|(?<=[\s'\"=<>/\\:;|&(]))(?:"
        r"\.env(?:\.(?!(?:example|sample|template|dist|defaults|tmpl)\b)\w+)?"
        r"|\.ssh[/\\](?!known_hosts\b|authorized_keys\b|config\b|[\w.-]+\.pub\b)[\w.-]+|\.ssh(?=[\s'\"]|$)"
        r"|\.aws[/\\](?:credentials|config)|\.netrc|\.pgpass|\.git-credentials|\.npmrc|\.pypirc"
        r"|\.gnupg\b|id_rsa|id_ed25519|\.kube[/\\]config|\.docker[/\\]config\.json"
        r")(?=$|[\s'\";|&)>])",
    ),
)


def _keyword_automaton() -> ahocorasick.Automaton:
    automaton = ahocorasick.Automaton()
    for keyword in {k for r in COMMAND_RULES for k in r.keywords}:
        automaton.add_word(keyword, keyword)
    automaton.make_automaton()
    return automaton


# One pass finds every rule's keywords; most commands hold none and cost nothing more.
_KEYWORDS = _keyword_automaton()


def command_reasons(command: str) -> list[tuple[str, str]]:
    """(reason, level) of each rule the command matches, in table order."""
    lowered = command.lower()
    if next(_KEYWORDS.iter(lowered), None) is None:
        return []
    present = {keyword for _, keyword in _KEYWORDS.iter(lowered)}
    found: list[tuple[str, str]] = []
    for r in COMMAND_RULES:
        if present.isdisjoint(r.keywords) or (r.reason, r.level) in found:  # a reason has rules of several shapes
            continue
        if r.check is None:
            if r.pattern.search(command):
                found.append((r.reason, r.level))
        elif any(r.check(m.group(1)) for m in r.pattern.finditer(command)):
            found.append((r.reason, r.level))
    return found
