"""Credential files whose secrets have no telling `=` beside them (hookd/redact/files.py), and the
bare base64 rule read at chunk borders: found by the engine exactly as by every regex over the text."""

from __future__ import annotations

import base64
import json
import random

import pytest

from hookd.redact import Redactor, build_redactor
from hookd.redact.rules import BUILTIN_RULES

ENGINE = build_redactor(True)
REFERENCE = Redactor(BUILTIN_RULES, exhaustive=True)
_rng = random.Random(4242)
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def fake(n: int = 15) -> str:
    while True:
        value = "".join(_rng.choice(ALNUM) for _ in range(n))
        if any(c.isdigit() for c in value) and any(c.isupper() for c in value) and any(c.islower() for c in value):
            return value


def redact(stdout: str) -> tuple[str, dict]:
    text = json.dumps({"tool_response": {"stdout": stdout}})
    out, counts = ENGINE.redact(text)
    assert out == REFERENCE.redact(text)[0]  # the engine's shortcuts change nothing
    assert ENGINE.redact(out) == (out, {})  # idempotent
    return json.loads(out)["tool_response"]["stdout"], dict(counts)


S = "{secret}"


@pytest.mark.parametrize(
    ("rule", "template"),
    [
        ("netrc_password", f"machine api.github.com\n  login bob\n  password {S}\n"),
        ("netrc_password", f"machine urs.earthdata.nasa.gov login alice password {S}"),
        ("netrc_password", f"machine 10.0.0.5 password {S} login root"),
        ("netrc_password", f"machine localhost login x account y password {S}"),
        ("netrc_password", f"default login anonymous password {S}"),
        ("netrc_password", f'machine git.example.com login bob password "{S}"'),
        ("pgpass_password", f"$ cat ~/.pgpass\ndb.example.com:5432:shop:app:{S}\n"),
        ("pgpass_password", f"PGPASSFILE=/etc/pg.conf\n*:*:*:replicator:{S}"),
        ("pgpass_password", f"cat ~/.pgpass\nlocalhost:5433:*:postgres:{S}"),
        ("secret_name_value", f"env:\n  - name: DB_PASSWORD\n    value: {S}\n"),
        ("secret_name_value", f'- name: API_TOKEN\n  value: "{S}"'),
        ("secret_name_value", f"- name: stripe-secret\n  value: '{S}'"),
        ("secret_name_value", json.dumps([{"name": "DB_PASSWORD", "value": S}])),
        ("secret_name_value", json.dumps({"Name": "/prod/db/password", "Type": "SecureString", "Value": S}, indent=2)),
        ("secret_name_value", f"- key: CLIENT_SECRET\n  value: {S}"),
        ("secret_assignment", f"Server=db;Database=shop;Uid=sa;Pwd={S};"),
        ("cli_password", f"smbclient //fs01/share -U alice%{S} -c 'ls'"),
        ("cli_password", f'smbclient -L //fs01 -U "CORP\\\\alice%{S}"'),
        ("piped_user_password", f"echo -n alice:{S} | base64"),
        ("piped_user_password", f"curl -H \"Authorization: Basic $(echo -n 'ci-bot:{S}' | base64)\" https://x"),
        ("piped_user_password", f"printf '%s' deploy@example.com:{S} | base64 -w0"),
        ("piped_user_password", f'base64 <<< "alice:{S}"'),
    ],
)
def test_a_credential_file_secret_is_replaced_and_nothing_else(rule, template):
    secret = fake()
    out, counts = redact(template.replace(S, secret))
    assert secret not in out
    assert counts == {rule: template.count(S)}
    assert out == template.replace(S, f"[REDACTED:{rule}]")


def test_name_value_pairs_in_json_two_and_three_levels_down():
    secret = fake()
    env = [{"name": "PORT", "value": "8080"}, {"name": "DB_PASSWORD", "value": secret}]
    for levels in (1, 2):
        text = json.dumps(env)
        for _ in range(levels):
            text = json.dumps({"stdout": text})
        out, counts = redact(text)
        assert secret not in out and counts, levels


@pytest.mark.parametrize(
    "text",
    [
        "machine learning password manager",
        "by default password authentication is off",
        "the machine example.com has password login disabled",
        "machine api.example.com login bob password $NETRC_PASSWORD",
        "machine api.example.com login bob password ********",
        "12:30:45:123:456",
        "aa:bb:cc:dd:ee:ff",
        "root:x:0:0:root:/root:/bin/bash",
        "fe80:0:0:0:1",
        "localhost:5432:*:postgres:*",
        "db:5432:shop:app:12345",
        "- name: DB_PASSWORD\n  valueFrom:\n    secretKeyRef: {name: db, key: password}",
        "- name: GITHUB_TOKEN\n  value: ${{ secrets.GITHUB_TOKEN }}",
        "- name: token_count\n  value: abc123x",
        '[{"name": "API_KEY", "value": ""}, {"name": "PORT", "value": "8080"}]',
        '{"name": "password", "type": "string", "minLength": 8}',
        "Driver={SQLite3};Database=/tmp/x.db;Trusted_Connection=yes;",
        "cd /tmp;pwd;ls\nOLDPWD=/home/bob PWD=/tmp",
        "echo -n alice:$PASSWORD | base64",
        "smbclient //fs01/share -U alice -N; smbclient -U bob%$SMB_PASS //fs01/x",
        "echo YWxpY2U6eHl6 | base64 -d; echo -n user:pass | base64; echo -n key:value | base64",
        "echo http://example.com:8080 | base64; echo alice:Zq8vT3mKx9 > creds.txt",
    ],
)
def test_look_alikes_are_kept(text):
    assert redact(text) == (text, {})


def test_pgpass_look_alikes_near_the_word_are_kept():
    text = (
        "$ grep -c . ~/.pgpass\n0\n12:30:45:123:456\naa:bb:cc:dd:ee:ff\nroot:x:0:0:root:/root:/bin/bash\n"
        "fe80:0:0:0:1\nlocalhost:5432:*:postgres:*\ndb:5432:shop:app:12345\ndb:5432:shop:1000:x9Yz8Wq7\n"
    )
    assert redact(text) == (text, {})


def test_a_pgpass_line_far_from_the_word_is_read_as_text():
    """The rule's stated limit: without "pgpass" within 4096 characters a line is just text (with a port
    other than PostgreSQL's 5432, 5433 and 6432, which pgpass_line takes without the word)."""
    secret = fake()
    line = f"db.example.com:15432:shop:app:{secret}"
    assert redact(line) == (line, {})
    assert redact("pgpass" + " " * 5000 + line) == ("pgpass" + " " * 5000 + line, {})
    assert secret not in redact("pgpass" + " " * 3000 + line)[0]


def test_bare_base64_credentials_at_chunk_borders_are_found_as_the_regex_finds_them():
    """The scanner works in chunks of 8192 with an overlap: a run across a border is still reported."""
    runs = [base64.b64encode(f"user{i}:{fake()}".encode()).decode() for i in range(40)]
    for offset in range(8150, 8200, 7):
        filler = "".join(_rng.choice(ALNUM + " ") for _ in range(offset))
        text = filler + " " + " ".join(runs) + "\n"
        out, counts = redact(text)
        assert counts == {"base64_user_password": 40}
        assert not any(run in out for run in runs)


@pytest.mark.parametrize(
    "payload",
    [
        '{"a": "machine a.b.c login x password\\n"}',  # the string ends where a value would begin
        '{"a": "- name: DB_PASSWORD\\n  value: "}',
        '{"a": "- name: DB_PASSWORD\\n  value: ", "b": "x"}',
        '{"t": "{\\"DB_PASSWORD\\": \\"\\\\\\"a \\\\\\"quoted\\\\\\" thing\\\\\\"\\"}"}',  # a value that starts with a quote
    ],
)
def test_a_value_never_reads_past_its_json_string(payload):
    out, _ = ENGINE.redact(payload)
    value = json.loads(out)
    for text in [v for v in value.values() if isinstance(v, str) and v.startswith("{")]:
        json.loads(text)  # JSON inside a string stays JSON
    assert ENGINE.redact(out) == (out, {})


def test_two_base64_runs_joined_by_padding_redact_the_same_on_a_second_pass():
    run = base64.b64encode(f"alice:{fake(14)}".encode()).decode()  # 20 bytes: one "=" of padding
    assert run.endswith("=") and not run.endswith("==")
    text = json.dumps({"a": run + run + "%3D x"})
    once, _ = ENGINE.redact(text)
    assert ENGINE.redact(once) == (once, {})
