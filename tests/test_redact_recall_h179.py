"""Issue 16 (h179): a password manager's CSV export pasted into a session.

Chrome, 1Password, Bitwarden, LastPass, Firefox, KeePassXC, Dashlane, Safari and Proton Pass export logins as CSV,
a header line naming the columns and a row per login. No name stands beside a row's password, so every one was
kept (h167's hunt). The rule ``csv_export_password`` reads the header and walks its rows: each password cell is
redacted, the names, urls, usernames and notes are kept; a Python tuple, a SQL column list, a header of no rows and
placeholders are kept.

Each case through the reference and the engine, which must agree; the fake passwords are drawn per test, seeded by
the test's id.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from recall_helpers import EVERY_KIND, LINE_KINDS, apply, apply_twice, assert_gone_in, assert_kept, nested

LOWER = "abcdefghijklmnopqrstuvwxyz"
ALNUM = LOWER.upper() + LOWER + "0123456789"
PUNCT = "!#$%&*+-.:;=?@^_~"


def password(salt: str, extra: str = "") -> str:
    """Random, with upper and lower case, digits and a sign (a run of one kind would be a placeholder)."""
    rng = random.Random(f"h179-csv-{salt}")
    while True:
        value = "".join(rng.choice(ALNUM + PUNCT) for _ in range(rng.randint(12, 24))) + extra
        if any(c.isupper() for c in value) and any(c.islower() for c in value) and any(c.isdigit() for c in value):
            return value


def quoted(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def cell(value: str) -> str:
    """A cell as a CSV writer writes it: quoted when it holds a comma or a quote."""
    return quoted(value) if "," in value or '"' in value else value


# Each export's header and a row of it around a password cell (as written).
EXPORTS: dict[str, tuple[str, Callable[[str], str]]] = {
    "chrome": ("name,url,username,password,note", lambda p: f"github.com,https://github.com/login,alice,{p},"),
    "1password": (
        "Title,Url,Username,Password,OTPAuth,Favorite,Archived,Tags,Notes",
        lambda p: f"GitHub,https://github.com,alice,{p},,false,false,dev,",
    ),
    "bitwarden": (
        "folder,favorite,type,name,notes,fields,reprompt,login_uri,login_username,login_password,login_totp",
        lambda p: f"Dev,,login,GitHub,,,0,https://github.com,alice,{p},",
    ),
    "lastpass": (
        "url,username,password,totp,extra,name,grouping,fav",
        lambda p: f"https://github.com,alice,{p},,,GitHub,Dev,0",
    ),
    "firefox": (
        '"url","username","password","httpRealm","formActionOrigin","guid","timeCreated","timeLastUsed",'
        '"timePasswordChanged"',
        lambda p: (
            f'"https://github.com","alice",{quoted(p)},,"https://github.com","{{3f2a-11}}","1700000000000",'
            '"1700000000000","1700000000000"'
        ),
    ),
    "keepassxc": (
        '"Group","Title","Username","Password","URL","Notes","TOTP","Icon","Last Modified","Created"',
        lambda p: (
            f'"Root","GitHub","alice",{quoted(p)},"https://github.com","","","0","2024-01-01T00:00:00Z",'
            '"2024-01-01T00:00:00Z"'
        ),
    ),
    "dashlane": (
        "username,username2,username3,title,password,note,url,category,otpSecret",
        lambda p: f"alice,,,GitHub,{p},,https://github.com,Dev,",
    ),
    "safari": (
        "Title,URL,Username,Password,Notes,OTPAuth",
        lambda p: f"github.com (alice),https://github.com/,alice,{p},,",
    ),
    "proton": (
        "name,url,email,username,password,note,totp,createTime,modifyTime,vault",
        lambda p: f"GitHub,https://github.com,alice@example.com,alice,{p},,,1700000000,1700000000,Personal",
    ),
}


def export(name: str, passwords: list[str]) -> str:
    head, row = EXPORTS[name]
    return "\n".join([head] + [row(cell(p)) for p in passwords]) + "\n"


def assert_only_passwords_gone(out: str, passwords: list[str]) -> None:
    for p in passwords:
        assert p not in out and json.dumps(p)[1:-1] not in out and p.replace('"', '""') not in out, out
    assert "alice" in out and "github.com" in out, out


@pytest.mark.parametrize("name", sorted(EXPORTS))
@pytest.mark.parametrize("kind", EVERY_KIND)
def test_every_password_of_an_export_is_redacted_in_every_kind_of_payload(name: str, kind: str) -> None:
    passwords = [password(f"{name}-{kind}-{i}") for i in range(3)]
    text = export(name, passwords)
    for p in passwords:
        out = assert_gone_in(text, p, kind, rule="csv_export_password")
    assert_only_passwords_gone(out, passwords)


@pytest.mark.parametrize("name", sorted(EXPORTS))
@pytest.mark.parametrize("levels", [1, 2])
def test_an_export_one_or_two_json_levels_down(name: str, levels: int) -> None:
    passwords = [password(f"{name}-{levels}-{i}") for i in range(2)]
    out = apply_twice(nested(export(name, passwords), levels))
    assert_only_passwords_gone(out, passwords)


@pytest.mark.parametrize("name", ["chrome", "lastpass", "firefox"])
def test_a_password_holding_a_comma_or_a_quote_is_redacted_whole(name: str) -> None:
    passwords = [password(f"{name}-comma", ",x9Q"), password(f"{name}-quote", '"q7Z'), password(f"{name}-both", '",Zz')]
    out = apply_twice(nested(export(name, passwords), 0))
    assert_only_passwords_gone(out, passwords)
    for p in passwords:
        for piece in p.replace('"', ",").split(","):
            assert len(piece) < 6 or piece not in out, (piece, out)


def test_only_the_password_column_is_redacted() -> None:
    passwords = [password("columns")]
    out = apply_twice(nested(export("proton", passwords), 0))
    text = json.loads(out)["tool_response"]["stdout"]
    assert text == (
        "name,url,email,username,password,note,totp,createTime,modifyTime,vault\n"
        "GitHub,https://github.com,alice@example.com,alice,[REDACTED:csv_export_password],,,1700000000,1700000000,"
        "Personal\n"
    )


def test_the_walk_ends_at_a_row_of_another_width() -> None:
    passwords = [password("width")]
    text = export("chrome", passwords) + "a,b,c,d,e,f\nnext,line,of,text,here\n"
    out = apply_twice(nested(text, 0))
    assert_only_passwords_gone(out, passwords)
    assert "next,line,of,text,here" in out and "a,b,c,d,e,f" in out


@pytest.mark.parametrize(
    "text",
    [
        "name,url,username,password = row\nprint(name, url)\n",
        "SELECT id,username,password\nFROM users\nWHERE id = 1;\n",
        "name,url,username,password,note\n",
        "name,url,username,password,note\nGitHub,https://github.com,alice,,\nGitLab,https://gitlab.com,bob,********,\n"
        "X,https://x.com,carol,{{password}},\nY,https://y.example,dan,<password>,\nZ,https://z.example,eve,$PW,\n"
        "W,https://w.example,fay,${VAULT_PW},\n",
        "id,username,password_hash,created_at\n1,alice,not-a-hash-here,2024-01-01\n",
        'writer.writerow(["name", "url", "username", "password"])\n',
        "cols = name,password,email\n",
        "name,url,username,password\nCSV exports hold these four columns, one row per login.\n",
    ],
)
def test_look_alikes_are_kept(text: str) -> None:
    assert_kept(text)
    doc = nested(text, 1)
    assert apply(doc) == doc


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(sorted(EXPORTS)),
    rows=st.integers(min_value=1, max_value=5),
    levels=st.integers(min_value=0, max_value=2),
    salt=st.integers(min_value=0, max_value=10**6),
    before=st.sampled_from(["", "Here is my export:\n", "$ cat passwords.csv\n"]),
)
def test_an_export_anywhere_redacts_every_password(name: str, rows: int, levels: int, salt: int, before: str) -> None:
    passwords = [password(f"prop-{salt}-{i}") for i in range(rows)]
    out = apply_twice(nested(before + export(name, passwords), levels))
    assert_only_passwords_gone(out, passwords)


# --- A Dropbox long-lived token before a = (found after %26 in a query: the engine kept it, the reference did not) --
def long_lived(salt: str) -> str:
    rng = random.Random(f"h179-dropbox-{salt}")
    while True:
        head = "".join(rng.choice(ALNUM) for _ in range(11))
        tail = "".join(rng.choice(ALNUM + "_-") for _ in range(43))
        if any(c.isdigit() for c in head + tail) and any(c.islower() for c in head + tail):
            return head + "A" * 10 + tail


@pytest.mark.parametrize("before", ["x ", "curl%26", "GET /cb?a=b%26", "x.%26", "curl&"])
@pytest.mark.parametrize("after", ["=abc -u :on:", "=", "==", "_ x", "=\n"])
@pytest.mark.parametrize("levels", [0, 1])
def test_a_long_lived_dropbox_token_before_an_equals_sign_is_found_by_the_engine(
    before: str, after: str, levels: int
) -> None:
    token = long_lived(f"{before}{after}{levels}")
    out = apply_twice(nested(f"{before}{token}{after}\n", levels))
    assert token not in out and "[REDACTED:dropbox_long_lived_token]" in out, out


# --- rclone.conf's pass line as an Edit's structuredPatch (each line a string; the hunt's one miss) ------------------
def rclone_conf(value: str, type_line: str = "type = sftp\n") -> str:
    return f"[nas]\n{type_line}host = example.com\nuser = alice\npass = {value}\n"


@pytest.mark.parametrize("kind", EVERY_KIND)
def test_rclone_conf_pass_is_found_in_every_kind_of_payload(kind: str) -> None:
    value = password(f"rclone-{kind}").replace("$", "x")
    assert_gone_in(rclone_conf(value), value, kind)


@pytest.mark.parametrize(
    "text",
    [
        rclone_conf("Zq8kLm2xPw7Rt", type_line=""),  # no type line: not rclone's
        "my $pass = shift;\npass = Zq8kLm2xPw7Rt\n",
    ],
)
def test_a_pass_line_that_is_not_rclones_is_kept_in_a_patch(text: str) -> None:
    doc = json.dumps(LINE_KINDS["patch"](text))
    assert apply(doc) == doc
