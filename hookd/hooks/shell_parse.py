"""A command line's tokens (shell_words.py) as the shell groups them: simple commands, subshells'
bounds, function definitions; redirections, case patterns and here-documents left out."""

from __future__ import annotations

from typing import NamedTuple, Union

from hookd.hooks import shell_words

SEPARATORS = frozenset({";", ";;", ";&", ";;&", "&", "&&", "||", "|", "|&", "\n", "(", ")"})
_CASE_ENDS = frozenset({";;", ";&", ";;&"})
_APART = frozenset({"|", "|&", "&"})  # a command beside one of these runs in a subshell of its own
CANNOT = "cannot tell whether it runs hook-send"


class Command(NamedTuple):
    words: tuple[shell_words.Token, ...]
    subs: tuple[str, ...]  # command substitutions: they run first, each in a subshell
    apart: bool  # in a pipeline or the background: what it sets does not last


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
            words, subs, pattern = [], [], False
            continue
        if words or subs:
            items.append(Command(tuple(words), tuple(subs), opened in _APART or t.text in _APART))
        elif t.text == "\n":
            continue  # an empty line: what was expected next still is
        words, subs, opened = [], [], t.text
        pattern = case or t.text in _CASE_ENDS
        if t.text in "()":
            items.append(t.text)
    if words or subs:
        items.append(Command(tuple(words), tuple(subs), opened in _APART))
    return tuple(items), end


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
