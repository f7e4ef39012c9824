"""Redact: secrets out of every payload before it touches the spool or Redis."""

from __future__ import annotations

from hookd.redact.redactor import Redactor
from hookd.redact.rule import Rule

__all__ = ["Redactor", "Rule", "build_redactor", "rules_reference"]


def rules_reference() -> str:
    """The built-in rules as a Markdown table, for the README (a test keeps the two equal)."""
    from hookd.redact.rules import BUILTIN_RULES

    rows = ["| rule | what it replaces |", "|---|---|"]
    rows += [f"| `{rule.name}` | {rule.replaces} |" for rule in BUILTIN_RULES]
    return "\n".join(rows)


def build_redactor(enabled: bool, disable=(), allow=(), extra=()) -> Redactor | None:
    """The redactor the settings ask for: the built-in table less the disabled rules, plus extras."""
    if not enabled:
        return None
    from hookd.redact.rules import BUILTIN_RULES

    known = {rule.name for rule in BUILTIN_RULES}
    unknown = set(disable) - known
    if unknown:
        raise ValueError(f"redact_disable names no such rule: {', '.join(sorted(unknown))}; "
                         f"the rules are: {', '.join(rule.name for rule in BUILTIN_RULES)}")
    rules = [rule for rule in BUILTIN_RULES if rule.name not in set(disable)]
    rules += [Rule(name=r.name, pattern=r.pattern, replaces="a user rule", group=r.group,
                   keywords=tuple(r.keywords), ignore_case_keywords=r.ignore_case)
              for r in extra]
    return Redactor(rules, allow)
