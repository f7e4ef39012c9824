"""Issue 16 (h186): a password manager's CSV export that h179's rule did not read.

Its header with the password column first (the trigger wanted a comma before it); every line under a diff's
``+``/``-`` or set -x's ``+ `` (the header's cells began with the mark; a diff's ``+"`` and set -x's ``+ "`` after a
quoted line were read by the view as a string's concatenation, the header and the row one string); a terminal's
OSC (a title, a hyperlink) or SGR colours before its quoted cells. Each as a Bash command's output, a Read, a
Write and an Edit's patch where the helpers give them, and one JSON level down.
"""

from __future__ import annotations

import csv
import json

import pytest
from recall_helpers import EVERY_KIND, apply_twice, assert_gone_in, nested
from test_redact_recall_h179 import EXPORTS, assert_only_passwords_gone, cell, password, quoted
from test_redact_recall_h179 import test_look_alikes_are_kept as kept_as_h179s


def reordered(name: str, passwords: list[str], column: int) -> str:
    """The export with its password column moved to ``column`` (0: first, -1: last)."""
    head, row = EXPORTS[name]
    every_quoted = head.startswith('"')
    names = next(csv.reader([head]))
    at = next(i for i, n in enumerate(names) if n.lower() in ("password", "login_password"))
    rows = [next(csv.reader([row("PLACEHOLDER")])) for _ in passwords]
    lines = []
    for cells in [names] + rows:
        moved = cells[:at] + cells[at + 1 :]
        moved.insert(column if column >= 0 else len(moved), cells[at])
        lines.append(moved)
    for cells, p in zip(lines[1:], passwords):
        cells[cells.index("PLACEHOLDER")] = p
    write = quoted if every_quoted else cell
    return "\n".join(",".join(write(c) for c in cells) for cells in lines) + "\n"


@pytest.mark.parametrize("name", sorted(EXPORTS))
@pytest.mark.parametrize("kind", EVERY_KIND)
def test_a_header_with_the_password_column_first_is_read(name: str, kind: str) -> None:
    passwords = [password(f"h186-first-{name}-{kind}-{i}") for i in range(3)]
    text = reordered(name, passwords, 0)
    for p in passwords:
        out = assert_gone_in(text, p, kind, rule="csv_export_password")
    assert_only_passwords_gone(out, passwords)


@pytest.mark.parametrize("name", sorted(EXPORTS))
@pytest.mark.parametrize("column", [0, -1])
@pytest.mark.parametrize("levels", [0, 1])
def test_the_password_column_first_or_last_at_any_level(name: str, column: int, levels: int) -> None:
    passwords = [password(f"h186-col-{name}-{column}-{levels}-{i}") for i in range(2)]
    out = apply_twice(nested(reordered(name, passwords, column), levels))
    assert_only_passwords_gone(out, passwords)


MARKS = {"diff_plus": "+", "diff_minus": "-", "set_x": "+ ", "diff_context": " "}


@pytest.mark.parametrize("name", sorted(EXPORTS))
@pytest.mark.parametrize("mark", sorted(MARKS))
@pytest.mark.parametrize("levels", [0, 1])
def test_an_export_under_a_mark_on_every_line(name: str, mark: str, levels: int) -> None:
    passwords = [password(f"h186-mark-{name}-{mark}-{levels}-{i}") for i in range(2)]
    head, row = EXPORTS[name]
    lines = [head] + [row(cell(p)) for p in passwords]
    text = "".join(MARKS[mark] + line + "\n" for line in lines)
    out = apply_twice(nested(text, levels))
    assert_only_passwords_gone(out, passwords)


def test_a_diff_that_adds_rows_below_a_context_header() -> None:
    passwords = [password(f"h186-diff-{i}") for i in range(2)]
    head, row = EXPORTS["firefox"]
    text = "@@ -1,2 +1,3 @@\n " + head + "\n " + row(quoted(passwords[0])) + "\n+" + row(quoted(passwords[1])) + "\n"
    out = apply_twice(nested(text, 0))
    assert_only_passwords_gone(out, passwords)


TERMINAL = {
    "osc_title_bel": lambda s: "\x1b]0;user@host: ~\x07" + s,
    "osc_title_st": lambda s: "\x1b]0;user@host: ~\x1b\\" + s,
    "osc8_link": lambda s: "\x1b]8;;https://x.io/a\x1b\\link\x1b]8;;\x1b\\" + s,
    "sgr_between_cells": lambda s: s.replace(',"', ',\x1b[0m\x1b[32m"').replace("\n", "\x1b[0m\n"),
}


@pytest.mark.parametrize("name", ["firefox", "keepassxc"])
@pytest.mark.parametrize("how", sorted(TERMINAL))
@pytest.mark.parametrize("ensure_ascii", [True, False])
def test_a_quoted_export_after_a_terminals_sequences(name: str, how: str, ensure_ascii: bool) -> None:
    passwords = [password(f"h186-osc-{name}-{how}-{i}") for i in range(2)]
    head, row = EXPORTS[name]
    text = TERMINAL[how]("\n".join([head] + [row(quoted(p)) for p in passwords]) + "\n")
    doc = json.dumps({"tool_response": {"stdout": text}}, ensure_ascii=ensure_ascii)
    out = apply_twice(doc)
    assert_only_passwords_gone(out, passwords)


@pytest.mark.parametrize(
    "text",
    [
        "password,url,username = row\nprint(url)\n",
        "password,username,url\n",
        "password, username and url are required\nalice,https://x.io,bob\n",
        "Password,Title,Notes\nno rows were exported from the vault\n",
        "+password,url,username = row\n+print(url)\n",
        '+ "password","url","username"\n+ echo done\n',
    ],
)
def test_look_alikes_of_a_first_column_header_are_kept(text: str) -> None:
    kept_as_h179s(text)  # kept plain and one level down


@pytest.mark.parametrize(
    "text",
    [
        'key = "sk-proj-"\n  + "Xq3vT9mLp2Rk8sWz4YbN7cJd1FgH6aE0uViO5tKy"\n',
        'key = ("sk-proj-"\n    "Xq3vT9mLp2Rk8sWz4YbN7cJd1FgH6aE0uViO5tKy")\n',
    ],
)
def test_a_concatenation_over_lines_is_still_joined(text: str) -> None:
    out = apply_twice(nested(text, 0))
    assert "Xq3vT9mLp2Rk8sWz4YbN7cJd1FgH6aE0uViO5tKy" not in out, out
