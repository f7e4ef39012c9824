"""A command line's tokens (shell_words.py) as the shell groups them: simple commands, subshells'
bounds, function definitions; redirections, case patterns and here-documents left out."""

from __future__ import annotations

from typing import NamedTuple, Union

from hookd.hooks import shell_words
from hookd.hooks.shell_programs import ASSIGNMENT

SEPARATORS = frozenset({";", ";;", ";&", ";;&", "&", "&&", "||", "|", "|&", "\n", "(", ")"})
_CASE_ENDS = frozenset({";;", ";&", ";;&"})
_APART = frozenset({"|", "|&", "&"})  # a command beside one of these runs in a subshell of its own
CANNOT = "cannot tell whether it runs hook-send"


class Command(NamedTuple):
    words: tuple[shell_words.Token, ...]
    subs: tuple[str, ...]  # command substitutions: they run first, each in a subshell
    apart: bool  # in a pipeline or the background: what it sets does not last
    guard: str = ""  # why it may not run (or runs again): a condition, a loop, a case branch; "" when it always runs


class Function(NamedTuple):
    name: str
    body: tuple[Item, ...]


Item = Union[Command, Function, str]  # a str: "(" or ")", a subshell's start and end


def split(tokens: list[shell_words.Token], i: int, end: int, level: int) -> tuple[tuple[Item, ...] | str, int]:
    """Tokens ``i`` to ``end`` as simple commands, subshells' bounds and function definitions; redirections,
    case patterns and here-documents left out. A str where it cannot be read."""
    if level > 16:
        return f"{CANNOT}: functions defined inside one another more than 16 deep", end
    items: list[Item] = []
    words: list[shell_words.Token] = []
    subs: list[str] = []
    opened = ""  # the separator before the command being read
    pattern = False  # what comes before the next ) is a case pattern
    guards = _Guards()
    while i < end:
        t = tokens[i]
        i += 1
        if not t.op:
            words.append(t)
            subs.extend(t.subs)
            continue
        if t.text not in SEPARATORS:  # a redirection: the descriptor glued before it, its target
            if t.glued and words and words[-1] is tokens[i - 2] and words[-1].text.isdigit() and not words[-1].quoted:
                words.pop()
            if i < end and not tokens[i].op:
                subs.extend(tokens[i].subs)
                i += 1
            continue
        if t.text == "(" and len(words) == 1 and not words[0].quoted and i < end and tokens[i].text == ")":
            name, words = words[0].text, []
            i += 1
            while i < end and tokens[i].op and tokens[i].text == "\n":
                i += 1
            stop = _body_end(tokens, i, end)
            if stop is None:
                return f"{CANNOT}: the body of function {name} is not a {{ }} or ( ) group", end
            body, _ = split(tokens, i + 1, stop, level + 1)
            if isinstance(body, str):
                return body, end
            items.append(Function(name, body))
            i, opened = stop + 1, ""
            continue
        case = bool(words) and words[0].text == "case" and not words[0].quoted
        if t.text == ")" and (pattern or case):
            if case:
                guards.opens("case")
            words, subs, pattern = [], [], False
            continue
        if words or subs:
            guard = guards.of(words)
            items.append(Command(tuple(words), tuple(subs), opened in _APART or t.text in _APART, guard))
            guards.after(words, t.text)
        elif t.text == "\n":
            continue  # an empty line: what was expected next still is
        else:
            guards.after(words, t.text)
        words, subs, opened = [], [], t.text
        pattern = case or t.text in _CASE_ENDS
        if t.text in "()":
            items.append(t.text)
            guards.opens("(") if t.text == "(" else guards.closes()
    if words or subs:
        items.append(Command(tuple(words), tuple(subs), opened in _APART, guards.of(words)))
    return tuple(items), end


class _Guards:
    """Which commands run on some paths only (docs/hooks.md "Which hooks are hookd's"): those in an if's branches, a
    loop, a case branch, or after ``&&``/``||``. An if's first condition runs on every path, and so does
    a command after ``cd DIR &&`` (the documented way to run a project's tool)."""

    _OPEN = {"if": "", "while": "a loop (while)", "until": "a loop (until)", "for": "", "select": "", "{": ""}
    _CLOSE = frozenset({"fi", "done", "esac", "}"})

    def __init__(self) -> None:
        # each open construct: its keyword, the guard of what runs in it now (its own or an enclosing one's),
        # the chain at its start; the guard kept whole so that a command's is the top's, not a walk of them all
        self.stack: list[list[str]] = []
        self.chain = ""  # the && or || the command being read follows

    def opens(self, keyword: str) -> None:
        guard = "a case branch" if keyword == "case" else self._OPEN.get(keyword, "")
        self.stack.append([keyword, (self.stack[-1][1] if self.stack else "") or guard, self.chain])

    def closes(self) -> None:
        if self.stack:
            self.chain = self.stack.pop()[2]

    def of(self, words: list[shell_words.Token]) -> str:
        """The guard of a command with these words, its leading keywords read."""
        for w in words:
            if w.quoted or w.text not in _KEYWORDS:
                break
            if w.text == "case":
                self.opens("case")  # its subject follows, then patterns (dropped)
                break
            if w.text in self._OPEN:
                self.opens(w.text)
            elif w.text in self._CLOSE:
                self.closes()
            elif self.stack and w.text in ("then", "else", "elif"):
                self.stack[-1][1] = self._enclosing() or f"a condition ({'if' if w.text == 'then' else w.text})"
            elif self.stack and w.text == "do" and not self.stack[-1][1]:
                self.stack[-1][1] = f"a loop ({self.stack[-1][0]})"
        return (self.stack[-1][1] if self.stack else "") or self.chain

    def _enclosing(self) -> str:
        """The guard of the construct around the top one."""
        return self.stack[-2][1] if len(self.stack) > 1 else ""

    def after(self, words: list[shell_words.Token], separator: str) -> None:
        """The chain after ``separator`` ends a command with ``words``."""
        if separator in ("&&", "||"):
            self.chain = self.chain or ("" if _succeeds(words, separator) else f"a condition ({separator})")
        elif separator not in ("|", "|&", "(", ")"):
            self.chain = self.stack[-1][2] if self.stack else ""


def _succeeds(words: list[shell_words.Token], separator: str) -> bool:
    """``cd DIR &&`` and ``X=1 &&`` before a hook-send: no condition of the user's (a cd that fails
    leaves hook-send's tool unfound, as the user meant)."""
    if separator != "&&" or not words or words[0].quoted:
        return False
    return words[0].text == "cd" or all(
        (m := ASSIGNMENT.match(w.text)) is not None and m.end() <= w.plain and not w.subs for w in words
    )


_KEYWORDS = frozenset({"!", "{", "}", "if", "then", "else", "elif", "fi", "do", "done", "while", "until", "esac",
                       "for", "select", "case"})  # fmt: skip


def _body_end(tokens: list[shell_words.Token], i: int, end: int) -> int | None:
    """The index of the } or ) that closes the group starting at ``i``."""
    if i >= end:
        return None
    first = tokens[i]
    brace = not first.op and not first.quoted and first.text == "{"
    if not brace and not (first.op and first.text == "("):
        return None
    level = 0
    for j in range(i, end):
        t = tokens[j]
        starts = j == i or (tokens[j - 1].op and tokens[j - 1].text in SEPARATORS)
        if brace and not t.op and not t.quoted and starts and t.text in "{}":
            level += 1 if t.text == "{" else -1
        elif not brace and t.op and t.text in "()":
            level += 1 if t.text == "(" else -1
        if level == 0:
            return j
    return None
