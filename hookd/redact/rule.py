"""What a redaction rule is. The built-in table is in rules.py; users add theirs in the config."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

MARKER = "[REDACTED:{name}]"


@dataclass(frozen=True)
class Rule:
    """One kind of secret: where it is, and which part of the match the marker replaces.

    The redactor runs over the payload's JSON text (with printable ``\\u``
    escapes decoded, see view.py), so a pattern must match secrets as they
    appear inside JSON strings (a PEM block's newlines are the two characters
    backslash and n), and the replaced part must lie inside one JSON string
    and never split an escape sequence, so that the result stays valid JSON.

    A built-in rule says how far it reaches, which is what keeps its cost
    linear: either ``reach`` (every match lies within that many characters of
    one of its keywords or trigger matches, so its regex runs only over the
    stretches of text around them) or ``anchored`` (its trigger is the whole
    context, a Hyperscan pattern, and its regex reads only the value that
    starts where the trigger ends, at most ``reach`` characters).
    """

    name: str
    pattern: str
    replaces: str  # for people: what the marker stands in for
    group: int | str = 0  # the part of the match replaced by the marker
    keywords: tuple[str, ...] = ()  # the text must contain one of these for the rule to run at all
    ignore_case_keywords: bool = False  # compare keywords ignoring (ASCII) case
    # A Hyperscan pattern that every match of the rule contains, used instead of the
    # keywords when a literal is too common to gate on (digits, "key", "token").
    trigger: str = ""
    # Groups of literals (matched as written, case too), or of Hyperscan patterns (written starting with
    # "(?", as "(?i)value"): every match of ``trigger`` holds all the literals or matches of one group.
    # A trigger that starts on a common word (key, name, machine, curl) keeps Hyperscan busy on a flood
    # of that word; with these it is scanned (in a database of its own) only in the chunks that hold a
    # whole group (scan.py).
    trigger_needs: tuple[tuple[str, ...], ...] = ()
    # Or the trigger as parts whose union it is, each with the one group of literals its matches hold:
    # a part is scanned (in a database of its own) only in the chunks holding its group; a part with an
    # empty group, in the main database. ``trigger`` is then not scanned. Each needed literal costs a
    # little at each of its occurrences, so a group names the rarest word its part holds.
    trigger_parts: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # How far a match (with what its lookarounds read) extends from a keyword or
    # trigger hit. With it, the regex runs only near hits; without it (user
    # rules), over the whole text.
    reach: int | None = None
    anchored: bool = False  # the regex is matched exactly where the trigger ends (less ``back``)
    exact: bool = False  # the trigger is the token's whole shape: the regex runs only around its matches
    ahead: int = 4  # for an exact trigger: how far past its end a match may reach
    # Every match of the trigger fits in the scanner's overlap between chunks (2048 characters):
    # one that ends where a chunk ends is dropped, since the next chunk holds it whole (and a $
    # there is the chunk's end, not the text's).
    short_trigger: bool = False
    # An exact rule whose value is known by what stands beside it (a key file's name, a field's type), not by
    # its shape: its copies elsewhere in the event (an Edit's patch) are redacted too, as a context rule's
    # (repeats.py); a shape rule finds its copies itself.
    copies: bool = False
    back: int = 0  # characters of the value that the trigger takes (to know a value begins there)
    # For an anchored rule whose trigger starts at its context's last words (a trigger that read the whole
    # context kept Hyperscan busy at every occurrence of those words): whether a report, at that end in the
    # text, is one of the rule's contexts. Checked before the value is read, in both engines.
    trigger_check: Callable[[str, int], bool] | None = None
    # For an anchored rule whose context is a block of values (a Kubernetes Secret's data): from the reports that
    # passed ``trigger_check``, the ends to read, in order. It may add the block's other values (walked once, its
    # context checked once), which lie past what a trigger can reach in a chunk.
    select: Callable[[str, list[int]], list[int]] | None = None
    # For an anchored rule: a Hyperscan pattern for its contexts that end with ``confirm_after``
    # together with the start of a value that may pass (``password: str`` does not), reported
    # instead of those contexts alone. The context ends just past the last ``confirm_after`` among
    # the ``confirm_reach`` characters before the report's last one (what follows the context in
    # the pattern never holds that character). Contexts whose value cannot pass then cost nothing.
    confirm: str = ""
    # Or the confirm as parts whose union it is, each with the one group of literals or patterns its
    # matches hold (empty: in the main database), as ``trigger_parts``; ``confirm`` is then not scanned.
    # No two parts may report at the same end: a chunk's budget counts each report (scan.REPORT_LIMIT).
    confirm_parts: tuple[tuple[str, tuple[str, ...]], ...] = ()
    confirm_after: str = ""
    confirm_reach: int = 0
    # Its trigger keeps its ``^`` where a scanned piece begins inside the text (scanner_cache.Twin), because
    # its ``check`` verifies what stands before the trigger's first word itself (Hyperscan compiled one
    # without ``^`` half as fast on a flood of that word).
    keeps_start: bool = False
    flags: int = 0
    validate: Callable[[str], bool] | None = None  # the replaced text must pass (Luhn, ...)
    check: Callable[[re.Match[str]], bool] | None = None  # the match in its context must pass
    # The replaced text's length by its format (a serialized token's own end, before a name joined to it):
    # tokenends.py; the marker replaces that much of the group.
    ends: Callable[[str], int] | None = None
    # Decodes the replaced text (base64, hex...); it is a secret if the decoded text holds one.
    unwrap: Callable[[str], str | None] | None = None
    # For a rule gated by keywords: a Hyperscan pattern that finds every place its regex can begin,
    # and how far past a stretch it must read to see them (prefilter.py); the regex is then tried only
    # there, not at every character near a keyword.
    prefilter: tuple[str, int] | tuple[str, int, bool] | None = None  # and Prefilter's at_start
    example: str = ""  # for people: what it catches, written so that no scanner takes it for a key
    compiled: re.Pattern[str] = field(init=False, repr=False, compare=False)
    marker: str = field(init=False, repr=False, compare=False)  # what replaces the secret
    gates: bool = field(init=False, repr=False, compare=False)  # runs only where it has hits

    def __post_init__(self) -> None:
        object.__setattr__(self, "compiled", re.compile(self.pattern, self.flags))
        self._check_group()
        object.__setattr__(self, "marker", MARKER.format(name=self.name))
        object.__setattr__(self, "gates", bool(self.keywords or self.trigger))
        if self.ignore_case_keywords:
            object.__setattr__(self, "keywords", tuple(k.lower() for k in self.keywords))

    def _check_group(self) -> None:
        """The group the marker replaces must be one the pattern has (else every match fails)."""
        compiled = self.compiled
        if isinstance(self.group, int) and 0 <= self.group <= compiled.groups:
            return
        if isinstance(self.group, str) and self.group in compiled.groupindex:
            return
        named = f", named {', '.join(compiled.groupindex)}" if compiled.groupindex else ""
        raise ValueError(
            f"rule {self.name!r}: group {self.group!r} is not in its pattern, which "
            f"has {compiled.groups} numbered group(s){named}; 0 is the whole match"
        )
