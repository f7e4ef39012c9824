"""Redact: secrets out of every payload before it touches the spool or Redis."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import TYPE_CHECKING

from hookd.config_errors import SettingError
from hookd.redact.dense import DENSE
from hookd.redact.redactor import Redactor
from hookd.redact.rule import Rule

if TYPE_CHECKING:
    from hookd.config import UserRule

__all__ = [
    "DENSE",
    "Redactor",
    "Rule",
    "build_redactor",
    "check_disable",
    "check_settings",
    "rules_reference",
    "user_rules",
]

# The name goes into the marker, [REDACTED:<name>], inside a JSON string: nothing that
# JSON would have to escape.
RULE_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}\Z")


def rules_reference() -> str:
    """The built-in rules as a Markdown table, for docs/redaction-reference.md (a test keeps the two equal)."""
    from hookd.redact.rules import BUILTIN_RULES

    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    rows = ["| rule | what it replaces | example (shape) |", "|---|---|---|"]
    rows += [f"| `{rule.name}` | {cell(rule.replaces)} | {cell(rule.example)} |" for rule in BUILTIN_RULES]
    return "\n".join(rows)


def build_redactor(
    enabled: bool,
    disable: Collection[str] = (),
    allow: Iterable[str] = (),
    extra: Iterable[UserRule] = (),
    cache_dir: str | None = None,
) -> Redactor | None:
    """The redactor the settings ask for: the built-in table less the disabled rules, plus extras.

    ``cache_dir`` keeps the compiled scanner between starts (the daemon's state directory).
    """
    if not enabled:
        return None
    from hookd.redact.rules import BUILTIN_RULES

    check_disable(disable)
    rules = [rule for rule in BUILTIN_RULES if rule.name not in set(disable)]
    return Redactor(rules + user_rules(extra), allow, cache_dir)


def check_settings(disable: Iterable[str], allow: Iterable[str], rules: Sequence[UserRule]) -> None:
    """redact_disable, redact_allow and redact_rules, each on its own, so that a SettingError
    names the one to fix.

    Without compiling the scanner (70 to 100 ms each time), which every command that
    redacts would otherwise pay for; what the scanner could refuse is refused here.
    """
    checks: tuple[tuple[str, Callable[[], object]], ...] = (
        ("redact_disable", lambda: check_disable(disable)),
        ("redact_allow", lambda: [re.compile(pattern) for pattern in allow]),
        ("redact_rules", lambda: user_rules(rules)),
    )
    for name, check in checks:
        try:
            check()
        except (ValueError, re.error) as exc:
            raise SettingError(str(exc), setting=name) from None


def check_disable(disable: Iterable[str]) -> None:
    """Raise ValueError if redact_disable names a rule that does not exist."""
    from hookd.redact.rules import BUILTIN_RULES

    unknown = set(disable) - {rule.name for rule in BUILTIN_RULES}
    if unknown:
        raise ValueError(
            f"redact_disable names no such rule: {', '.join(sorted(unknown))}; "
            f"the rules are: {', '.join(rule.name for rule in BUILTIN_RULES)}"
        )


def user_rules(extra: Iterable[UserRule]) -> list[Rule]:
    """The [[redact_rules]] as Rules; ValueError or re.error names what is wrong with one.

    Everything that could fail later, on an event or in the scanner's compile, is
    refused here: the settings are checked without building the scanner.
    """
    rules = []
    for r in extra:
        if not RULE_NAME.match(r.name):
            raise ValueError(
                f"the rule name {r.name!r} must be 1-64 of A-Z a-z 0-9 _ . - "
                "(it is written into the payload as [REDACTED:<name>])"
            )
        if r.name == DENSE:
            raise ValueError(
                f"the rule name {DENSE!r} is taken: it counts the text redacted in bulk "
                "because it was too dense with candidates (docs/redaction.md); choose another"
            )
        if any(not keyword for keyword in r.keywords):
            raise ValueError(
                f"rule {r.name!r}: a keyword is empty; every payload would contain "
                "it (leave keywords out to run the rule on every payload)"
            )
        rules.append(
            Rule(
                name=r.name,
                pattern=r.pattern,
                replaces="a user rule",
                group=r.group,
                keywords=tuple(r.keywords),
                ignore_case_keywords=r.ignore_case,
            )
        )
    return rules
