"""A line's prefix does not hide a rule that wants the line's start (issue 16).

An agent sees files and output with something before each line: a diff's ``+`` or ``-`` (git diff, and every
Edit's ``structuredPatch``, whose lines are JSON strings that begin with one), ``cat -n``'s number and tab, the
Read tool's number and arrow, grep's ``path:N:``, a comment's ``# ``, set -x's ``+ ``. The line-start rules
(.netrc, .pgpass, redis's ``requirepass``, pgbouncer's userlist, a command's first word) read such a line as
mid-line and kept its secret. The view drops the prefix after a line break or a string's opening quote; what
it keeps (a list's ``- item``, a one-letter option, a PEM's dashes, ``host:port:``) is checked here too.
"""

from __future__ import annotations

import json
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "redaction_corpus"))

import load  # noqa: E402
from fakes import Fakes  # noqa: E402

from hookd.redact import build_redactor  # noqa: E402
from hookd.redact.view import View  # noqa: E402

REDACTOR = build_redactor(True)
VALUES = Fakes(84).all()
OLD, NEW = "IO0Wt9-0HSHFX", "QM9DqxOU-0VXij"  # an edit's old and new password


def _per_line(prefix):
    return lambda text: "\n".join(prefix(i + 1, line) for i, line in enumerate(text.split("\n")))


PREFIXES = {
    "diff_plus": _per_line(lambda i, line: "+" + line),
    "diff_minus": _per_line(lambda i, line: "-" + line),
    "cat_n": _per_line(lambda i, line: f"{i:6d}\t{line}"),
    "read_arrow": _per_line(lambda i, line: f"{i:6d}\u2192{line}"),
    "grep_n": _per_line(lambda i, line: f"src/config/app.env:{i}:{line}"),
    "grep_h": _per_line(lambda i, line: f"./deploy/.env:{line}"),
    "hash_comment": _per_line(lambda i, line: "# " + line),
    "slash_comment": _per_line(lambda i, line: "// " + line),
    "set_x": _per_line(lambda i, line: "+ " + line),
    "quote": _per_line(lambda i, line: "> " + line),
}
# The cases written with a prefix already (s700-s704, and s900-s907's log prefixes) are left out: the view reads one
# prefix a line (a marker or a log's prefix may follow a listing's number or path, as in a patch file or a log the
# Read tool shows), not a prefix before any prefix.
_PREFIXED = {"s700", "s701", "s702", "s703", "s704"} | {f"s90{i}" for i in range(8)} | {"s1300", "s1301", "s1302"}
_PREFIXED |= {"s1504"}  # a diff's marker and a log's prefix (h97)
_SECRET_TEXT_CASES = [case for case in load.text_secret_cases() if case.id not in _PREFIXED]
# Left on purpose. A token split into literals on two lines (implicit concatenation): the joint the view reads
# is a newline and indentation, and a numbered line's prefix sits between them. A string whose first line is a -
# and a token with no space, : or = in it: that is an argument's shape ("-p", "-psecret"), not a diff's. A
# quoted line after a quoted line and a newline and a +: the view joins the two as a concatenation ("a"\n+"b").
_SPLIT = {"s261", "o-s116", "o-s117"}
_LEFT = (
    {(prefix, case) for prefix in PREFIXES for case in _SPLIT}
    | {("diff_minus", case) for case in ("s102", "s128", "s130", "s131", "s243")}
    | {("diff_plus", "s306"), ("set_x", "s306")}
)


def _stdout(payload: str) -> str:
    return json.loads(payload)["tool_response"]["stdout"]


@pytest.mark.parametrize("prefix", sorted(PREFIXES))
def test_corpus_secrets_are_redacted_with_a_prefix_on_every_line(prefix: str) -> None:
    missed = [
        (case.id, case.where, ensure_ascii)
        for case, ensure_ascii in load.missed_rewritten(REDACTOR, _SECRET_TEXT_CASES, PREFIXES[prefix])
        if (prefix, case.id) not in _LEFT
    ]
    assert len(_SECRET_TEXT_CASES) > 400
    assert not missed, missed


def _edit_payload(path: str, old: str, new: str, context: list[str]) -> str:
    """A PostToolUse of Claude Code's Edit, as it sends it: the strings, and the patch's lines (+, - or a space)."""
    lines = [" " + line for line in context] + ["-" + line for line in old.split("\n")]
    lines += ["+" + line for line in new.split("\n")]
    hunk = {"oldStart": 3, "oldLines": len(context) + 1, "newStart": 3, "newLines": len(context) + 1, "lines": lines}
    return json.dumps(
        {
            "hook_event_name": "PostToolUse",
            "tool_name": "Edit",
            "tool_input": {"file_path": path, "old_string": old, "new_string": new},
            "tool_response": {
                "filePath": path,
                "oldString": old,
                "newString": new,
                "originalFile": "\n".join([*context, old]) + "\n",
                "structuredPatch": [hunk],
                "userModified": False,
                "replaceAll": False,
            },
        }
    )


EDITS = {
    "redis": ("/etc/redis/redis.conf", "requirepass {pw}", "requirepass {pw2}", ["bind 127.0.0.1", "port 6379"]),
    "netrc": ("/home/bob/.netrc", "  password {pw}", "  password {pw2}", ["machine db.example.com", "  login bob"]),
    "pgpass": (
        "/home/bob/.pgpass",
        "db.example.com:5432:app:bob:{pw}",
        "db.example.com:5432:app:bob:{pw2}",
        ["# host:port:db:user:password"],
    ),  # noqa: E501
    "pgbouncer": (
        "/etc/pgbouncer/userlist.txt",
        '"bob" "{pw}"',
        '"bob" "{pw2}"',
        ['"alice" "md5d41d8cd98f00b204e9800998ecf8427e"'],
    ),  # noqa: E501
}


# A context line that holds a secret itself (alice's hash, at its line's start in originalFile) loses it in the
# patch too: every copy of a value a context rule found is redacted (repeats.py). The other context lines stay.
_CONTEXT_REDACTED = {"pgbouncer": [' "alice" "[REDACTED:pgbouncer_auth_line]"']}


@pytest.mark.parametrize("name", sorted(EDITS))
def test_an_edits_structured_patch_loses_the_old_and_the_new_secret(name: str) -> None:
    path, old, new, context = EDITS[name]
    old, new = old.format(pw=OLD), new.format(pw2=NEW)
    out, counts = REDACTOR.redact(_edit_payload(path, old, new, context))
    patch = json.loads(out)["tool_response"]["structuredPatch"][0]["lines"]
    assert OLD not in out and NEW not in out, patch
    kept = [" " + line for line in context]  # the context lines kept byte for byte
    assert patch[: len(context)] == _CONTEXT_REDACTED.get(name, kept)
    assert counts


@pytest.mark.parametrize("ensure_ascii", [False, True])
def test_a_read_tools_numbered_lines_read_as_the_file(ensure_ascii: bool) -> None:
    text = "".join(f"{i:6d}\u2192{line}\n" for i, line in enumerate(["# redis", f"requirepass {VALUES['pw']}"], 1))
    payload = json.dumps({"tool_response": {"stdout": text}}, ensure_ascii=ensure_ascii)
    out, _ = REDACTOR.redact(payload)
    assert VALUES["pw"] not in out and _stdout(out).startswith("     1\u2192# redis\n     2\u2192requirepass "), out


def test_a_read_patch_files_numbered_markers_read_as_the_lines() -> None:
    text = f"     1\u2192--- a/redis.conf\n     2\u2192+++ b/redis.conf\n     3\u2192-requirepass {OLD}\n"
    text += f"     4\u2192+requirepass {NEW}\n     5\t# requirepass {OLD}\nsrc/x.env:9:+  password {NEW}\n"
    out, _ = REDACTOR.redact(json.dumps({"tool_response": {"stdout": text}}))
    assert OLD not in out and NEW not in out, out


def test_a_prefix_after_a_line_that_ends_in_a_backslash_is_dropped() -> None:
    # A shell's continuation reads as nothing (issue 16), the next line's number dropped with it.
    text = "     1\u2192redis-cli \\\n     2\u2192  --no-auth-warning\n     3\u2192requirepass x\\\n"
    payload = json.dumps({"tool_response": {"stdout": text}})
    want = json.dumps({"tool_response": {"stdout": "redis-cli   --no-auth-warning\nrequirepass x"}})
    assert View(payload).text == want


# What the view keeps: a list's item, a one-letter option, a PEM's dashes, a diff's headers, host:port: (a
# pgpass line, not grep's path:N:), path: before one space (an error message), a bare string's "-p".
KEPT = [
    "- item\n- password reset\n",
    "-p secret\n",
    "-----BEGIN CERTIFICATE-----\n",
    "--- a/redis.conf\n+++ b/redis.conf\n",
    "localhost:5432:db:user:x\n",
    "/usr/lib/libssl.so: cannot open shared object file\n",
    "12:30 meeting\n",
]


@pytest.mark.parametrize("text", KEPT)
def test_what_is_no_lines_prefix_is_kept_in_the_view(text: str) -> None:
    payload = json.dumps({"tool_response": {"stdout": "out\n" + text}})
    assert View(payload).text == payload
    assert View(json.dumps(["-p", "-psecret", "-u"])).text == json.dumps(["-p", "-psecret", "-u"])


@pytest.mark.parametrize(
    "text",
    [
        "+- the password field is required\n+- Token expired: sign in again\n",
        "     1\t# Password reset\n     2\tThe token field is optional.\n",
        "src/auth.py:12:    password = request.form['password']\n",
        "# password required\n// token expired\n> secret sauce\n",
    ],
)
def test_prose_and_code_behind_a_prefix_stay_as_they_are(text: str) -> None:
    payload = json.dumps({"tool_response": {"stdout": text}})
    assert REDACTOR.redact(payload) == (payload, {})


# A NUL, a BEL and an OSC's string terminator read as a line break in the view (h81's separators): a line's prefix
# right after one is a line's prefix too (a prompt's title, then grep -rn output; find -print0's records).
@pytest.mark.parametrize("before", ["\x07", "\x00", "\x1b]0;user@host: ~\x07", "\x1b]0;t\x1b\\", "$ ls\n\x00"])
@pytest.mark.parametrize(
    "line",
    [
        "/etc/redis/redis.conf:1036:requirepass {pw}",
        "+ requirepass {pw}",
        "     7\trequirepass {pw}",
        "# requirepass {pw}",
    ],
)
def test_a_lines_prefix_after_a_nul_a_bel_or_a_terminator_is_dropped(before: str, line: str) -> None:
    text = before + line.format(pw=VALUES["pw"]) + "\n"
    for ensure_ascii in (False, True):
        out, _ = REDACTOR.redact(json.dumps({"tool_response": {"stdout": text}}, ensure_ascii=ensure_ascii))
        assert VALUES["pw"] not in out and _stdout(out).startswith(before), out
