"""A command line's tokens as the shell reads them, each knowing whether it was quoted.

shlex (shell.py before) gives the same token for a quoted ``';'`` and the operator ``;``, for a
quoted ``'#x'`` and a comment, and does not look inside ``"$(...)"``; what runs differs. So the
line is read here by the shell grammar's token rules (POSIX XCU 2.3): quotes and escapes kept
apart from operators, ``$(...)`` and backquotes found (inside double quotes too) and handed back
as scripts to read again, here-document bodies passed over, comments only where a word starts
unquoted. Work is linear in the line: each character is looked at once per nesting level, and
nesting is bounded (``Unreadable`` past it, as for an unclosed quote).
"""

from __future__ import annotations

import re
from typing import NamedTuple

# Longest first: the shell takes the longest operator a prefix spells.
_OPERATORS = (
    ";;&", "&>>", "<<-", "<<<", ";;", ";&", "&&", "||", "|&", "&>", ">>", "<<", ">&", "<&", "<>", ">|",
    ";", "&", "|", "(", ")", "<", ">", "\n",
)  # fmt: skip
_OPERATOR = re.compile("|".join(map(re.escape, _OPERATORS)))
_OPERATOR_START = frozenset(op[0] for op in _OPERATORS)
_ENDS_WORD = _OPERATOR_START | {" ", "\t"}
_PLAIN = re.compile(r"[^\\'\"$` \t;&|()<>\n]+")  # what a word holds between quotes and expansions
_IN_DOUBLE = re.compile(r'[^"\\$`]+')
MAX_NESTING = 16  # $( inside $( ...: a real hook nests two or three


class Unreadable(ValueError):
    """The shell could not run it: an unclosed quote or substitution."""


class TooDeep(ValueError):
    """Substitutions nested past MAX_NESTING: the shell runs it, hookd does not read that far."""


class Token(NamedTuple):
    text: str  # a word with its quotes taken away (``$X`` left as written), or the operator
    op: bool  # an operator the shell acts on (not a quoted one)
    glued: bool  # no blank before it: ``2>`` is a descriptor's redirection, ``2 >`` is not
    quoted: bool  # a part of the word was quoted or escaped (``"X=1"`` is no assignment)
    subs: tuple[str, ...] = ()  # the scripts of the command substitutions the word holds
    ansi: bool = False  # held $'...', which bash and dash read differently
    plain: int = 0  # how many of text's first characters were neither quoted nor expanded
    only_subs: bool = False  # the word is command substitutions and nothing else: `hook-send`


class Lexed(NamedTuple):
    tokens: list[Token]
    live_heredoc: bool  # an unquoted here-document's body holds a substitution (it runs)


class _Case:
    """Where a ``case`` is in its grammar: a pattern's ``)`` ends no ``$(`` (``$(case x in a) ...;; esac)``)."""

    _STARTS = frozenset({";", ";;", ";&", ";;&", "&", "&&", "||", "|", "|&", "\n", "(", ")"})
    _KEYWORDS = frozenset({"then", "do", "else", "elif", "if", "while", "until", "!", "{"})

    def __init__(self) -> None:
        self.open = 0  # cases not yet closed by esac
        self.expect = ""  # "subject", "in", or "" (a command's words)
        self.pattern = False  # the next ( or ) is a pattern's
        self.fresh = False  # and no word of the pattern read yet: an esac here closes the case

    def word(self, token: Token, before: Token | None) -> None:
        bare = not token.quoted
        if self.expect == "subject":
            self.expect = "in"
        elif self.expect == "in":
            self.expect = ""
            self.pattern = self.fresh = bare and token.text == "in"
        elif self.pattern and bare and token.text == "esac" and self.fresh:
            self.open, self.pattern = self.open - 1, False
        elif self.pattern:
            self.fresh = False
        elif bare and self._starts(before) and token.text in ("case", "esac"):
            if token.text == "case":
                self.open, self.expect = self.open + 1, "subject"
            elif self.open:
                self.open -= 1

    def operator(self, op: str) -> None:
        if self.open and op in (";;", ";&", ";;&"):
            self.pattern = self.fresh = True

    def _starts(self, before: Token | None) -> bool:
        if before is None:
            return True
        return before.text in self._STARTS if before.op else not before.quoted and before.text in self._KEYWORDS


def tokens(line: str) -> Lexed:
    lexer = _Lexer(line, 0)
    found = lexer.run(0, closing=False)
    return Lexed(found, lexer.live_heredoc)


class _Lexer:
    def __init__(self, text: str, nesting: int) -> None:
        if nesting > MAX_NESTING:
            raise TooDeep(f"command substitutions nested more than {MAX_NESTING} deep")
        self.s = text
        self.nesting = nesting
        self.live_heredoc = False
        self.end = 0
        self.sub_chars = 0  # of the word being read, the characters of its command substitutions

    def run(self, i: int, closing: bool) -> list[Token]:
        """Tokens from ``i``; with ``closing``, up to the unmatched ``)`` that ends a ``$(``
        (``self.end`` is then the index after it)."""
        s = self.s
        out: list[Token] = []
        pending: list[tuple[str, bool, bool]] = []  # here-documents: delimiter, strip tabs, quoted
        depth = 0  # parentheses opened inside the substitution
        glued = False
        case = _Case()
        while i < len(s):
            c = s[i]
            if c in " \t":
                i, glued = i + 1, False
                continue
            if c == "\\" and s.startswith("\\\n", i):
                i += 2  # a line continued
                continue
            if c == "#":  # starts a word here: a comment, to its line's end
                i = s.find("\n", i)
                i = len(s) if i < 0 else i
                continue
            if c in _OPERATOR_START:
                op = _OPERATOR.match(s, i).group()  # type: ignore[union-attr]  # c starts one
                if case.pattern and op in "()":  # a pattern's ( and ), never a substitution's end
                    i, glued = i + 1, True
                    if op == ")":
                        case.pattern = False
                        out.append(Token(op, True, glued, False))
                    continue
                case.operator(op)
                if closing and op == ")" and depth == 0:
                    self.end = i + 1
                    return out
                depth += (op == "(") - (op == ")")
                if op in ("<", ">") and s.startswith("(", i + 1):  # <(...) runs its list
                    inner = _Lexer(s, self.nesting + 1)
                    inner.run(i + 2, closing=True)
                    out.append(Token(s[i : inner.end], False, glued, True, (s[i + 2 : inner.end - 1],)))
                    self.live_heredoc |= inner.live_heredoc
                    i, glued = inner.end, True
                    continue
                out.append(Token(op, True, glued, False))
                i, glued = i + len(op), True
                if op in ("<<", "<<-"):
                    pending.append(("", op == "<<-", False))
                elif op == "\n" and pending:
                    i = self._bodies(i, pending)
                    pending = []
                continue
            token, i = self._word(i, glued)
            case.word(token, out[-1] if out else None)
            if out and out[-1].op and out[-1].text in ("<<", "<<-") and pending and pending[-1][0] == "":
                pending[-1] = (token.text, pending[-1][1], token.quoted)
            out.append(token)
            glued = True
        if closing:
            raise Unreadable("a $( is not closed")
        return out

    def _bodies(self, i: int, pending: list[tuple[str, bool, bool]]) -> int:
        """Past the bodies of the here-documents started on the line just ended."""
        s = self.s
        for delimiter, tabs, quoted in pending:
            while i < len(s):
                stop = s.find("\n", i)
                stop = len(s) if stop < 0 else stop
                line = s[i:stop]
                i = stop + 1
                if (line.lstrip("\t") if tabs else line) == delimiter:
                    break
                if not quoted and ("$(" in line or "`" in line):
                    self.live_heredoc = True
        return min(i, len(s))

    def _word(self, i: int, glued: bool) -> tuple[Token, int]:
        s = self.s
        text: list[str] = []
        subs: list[str] = []
        quoted = ansi = False
        plain = -1
        self.sub_chars = 0
        while i < len(s) and s[i] not in _ENDS_WORD:
            c = s[i]
            if plain < 0 and c in "\\'\"$`":
                plain = sum(len(t) for t in text)
            if (run := _PLAIN.match(s, i)) is not None:
                text.append(run.group())
                i = run.end()
            elif c == "\\":
                if i + 1 >= len(s):
                    i += 1
                    continue
                if s[i + 1] != "\n":
                    text.append(s[i + 1])
                    quoted = True
                i += 2
            elif c == "'":
                stop = s.find("'", i + 1)
                if stop < 0:
                    raise Unreadable("a ' is not closed")
                text.append(s[i + 1 : stop])
                quoted, i = True, stop + 1
            elif c == '"':
                i = self._double(i + 1, text, subs)
                quoted = True
            elif c == "$" and s.startswith("$'", i):
                stop = i + 2
                while stop < len(s) and s[stop] != "'":
                    stop += 2 if s[stop] == "\\" else 1
                if stop >= len(s):
                    raise Unreadable("a $' is not closed")
                text.append(s[i : stop + 1])
                quoted = ansi = True
                i = stop + 1
            elif c in "$`":
                i = self._expansion(i, text, subs)
            else:
                text.append(c)
                i += 1
        word = "".join(text)
        plain = len(word) if plain < 0 else plain
        return Token(
            word, False, glued, quoted, tuple(subs), ansi, plain, bool(subs) and self.sub_chars == len(word)
        ), i

    def _double(self, i: int, text: list[str], subs: list[str]) -> int:
        s = self.s
        while i < len(s):
            c = s[i]
            if (run := _IN_DOUBLE.match(s, i)) is not None:
                text.append(run.group())
                i = run.end()
            elif c == '"':
                return i + 1
            elif c == "\\" and i + 1 < len(s) and s[i + 1] in '$`"\\\n':
                if s[i + 1] != "\n":
                    text.append(s[i + 1])
                i += 2
            elif c in "$`":
                i = self._expansion(i, text, subs)
            else:  # a backslash that escapes nothing
                text.append(c)
                i += 1
        raise Unreadable('a " is not closed')

    def _expansion(self, i: int, text: list[str], subs: list[str]) -> int:
        """``$(...)``, `` `...` ``, ``${...}`` or ``$((...))`` at ``i``: kept as written in the word;
        the script of a command substitution added to ``subs``."""
        s = self.s
        if s.startswith("$((", i):  # arithmetic: its words are numbers and names
            inner = _Lexer(s, self.nesting + 1)
            inner.run(i + 2, closing=True)
            stop = inner.end + 1 if s.startswith(")", inner.end) else inner.end
        elif s.startswith("$(", i):
            inner = _Lexer(s, self.nesting + 1)
            inner.run(i + 2, closing=True)
            self.live_heredoc |= inner.live_heredoc
            stop = inner.end
            subs.append(s[i + 2 : stop - 1])
            self.sub_chars += stop - i
        elif s[i] == "`":
            stop = i + 1
            while stop < len(s) and s[stop] != "`":
                stop += 2 if s[stop] == "\\" else 1
            if stop >= len(s):
                raise Unreadable("a ` is not closed")
            stop += 1
            script = s[i + 1 : stop - 1]
            for escaped in ("\\\\", "\\$", "\\`"):
                script = script.replace(escaped, escaped[1])
            subs.append(script)
            self.sub_chars += stop - i
        elif s.startswith("${", i):
            stop = s.find("}", i)
            if stop < 0:
                raise Unreadable("a ${ is not closed")
            stop += 1
        else:
            stop = i + 1
        text.append(s[i:stop])
        return stop
