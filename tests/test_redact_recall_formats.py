"""Formats agents really see that leaked before the eleventh session (formats.py), and their look-alikes.

SQL statements that set a password, .pgpass lines with no "pgpass" near them, an object field after a
quoted one, the short names PASS=/PW=, a Terraform variable's default. Each case runs through the reference
(every rule's regex over the whole text) and the engine, which must agree. The fake secrets are built from
pieces at run time.
"""

from __future__ import annotations

import pytest
from recall_helpers import assert_kept, assert_redacted

PW = "Tr0ub4dor" + "&3xQcMz9"
PLAIN = "Xk9mQ2vL" + "8pR4tZw7"

SQL = [
    f"CREATE USER bob WITH PASSWORD '{PW}';",
    f"create role app with login password '{PW}' valid until 'infinity';",
    f"ALTER ROLE app PASSWORD '{PW}'",
    f"psql -c \"ALTER USER app WITH ENCRYPTED PASSWORD '{PW}'\"",
    f"ALTER USER bob IDENTIFIED BY '{PW}';",
    f"ALTER USER system IDENTIFIED BY {PLAIN};",  # Oracle, unquoted
    f'CREATE USER scott IDENTIFIED BY "{PLAIN}";',  # Oracle, double quotes
    f"CREATE USER 'bob'@'localhost' IDENTIFIED WITH mysql_native_password BY '{PW}';",
    f"SET PASSWORD FOR 'bob'@'%' = '{PW}';",
    f"SET PASSWORD FOR 'bob'@'%' = PASSWORD('{PW}');",
    f"GRANT ALL ON db.* TO 'bob'@'%' IDENTIFIED BY '{PW}';",
    f"ALTER LOGIN sa WITH PASSWORD = N'{PW}';",
    f"CREATE USER u IDENTIFIED BY N'{PW}';",
    f"CREATE USER u IDENTIFIED BY Nx{PLAIN};",
    f"CREATE DATABASE LINK l CONNECT TO u IDENTIFIED BY {PLAIN} USING 'db';",
    f"mysql -e \"CREATE USER 'app'@'%' IDENTIFIED BY '{PW}'\"",
    f"CREATE USER bob\n  WITH LOGIN\n  PASSWORD '{PW}';",
]


@pytest.mark.parametrize("text", SQL)
def test_sql_that_sets_a_password(text):
    secret = PLAIN if PLAIN in text else PW
    assert_redacted(text, secret)


SQL_KEPT = [
    "ALTER TABLE users ADD COLUMN password VARCHAR(255) NOT NULL;",
    "SELECT id, password_hash FROM users WHERE email = 'bob@example.com';",
    "CREATE USER bob WITH PASSWORD NULL;",
    "CREATE ROLE app WITH LOGIN PASSWORD :'app_password';",  # a psql variable
    "CREATE USER u IDENTIFIED BY RANDOM PASSWORD;",
    "ALTER USER bob IDENTIFIED BY '$DB_PASSWORD';",
    "IDENTIFIED BY PASSWORD '<hash>' is deprecated",
    "the column password is checked by the trigger",
    "AIX filesets are identified by four decimal values: V.R.M.F.",  # prose (stdlib's _aix_support.py)
    'Execute "command arg ..." with messages identified by UID,',  # (imaplib.py)
    "Type your password 'twice' to confirm",
    'a.b password \\npassword \\tpassword \\"x\\"',  # escapes after the word: no quote
]


@pytest.mark.parametrize("text", SQL_KEPT)
def test_sql_look_alikes_are_kept(text):
    assert_kept(text)


PGPASS = [
    f"db.internal:5432:app:bob:{PW}",
    f"*:*:*:postgres:{PLAIN}",
    f"10.0.0.5:5432:app:bob:{PLAIN}",
    f"localhost:*:*:bob:{PLAIN}",
    f"pgbouncer.local:6432:shop:app:{PLAIN}\nreplica:5433:shop:app:{PLAIN}",
    f'echo "db:5432:app:bob:{PLAIN}" >> ~/.pg_credentials',
]


@pytest.mark.parametrize("text", PGPASS)
def test_pgpass_lines_with_postgres_port(text):
    assert_redacted(text, PLAIN if PLAIN in text else PW)


PGPASS_KEPT = [
    "ports:\n  - 5432:5432",
    "localhost:5432: connection refused",
    "cache:5432:app:hits:1234",
    "2024-01-01 12:30:45:123:info:started",
    "fe80::1:5432:a:b:c",
    "web:8080:app:bob:x7Yq2",  # not PostgreSQL's port, no pgpass word
    "a:*:b:c:d",  # a star port alone
]


@pytest.mark.parametrize("text", PGPASS_KEPT)
def test_pgpass_look_alikes_are_kept(text):
    assert_kept(text)


OBJECTS = [
    f"const cfg = {{ user: 'bob', password: '{PW}' }};",
    f"const cfg = {{ host: 'db', port: 5432, password: '{PW}' }};",
    f'new Client({{ user: "bob", password: "{PW}" }})',
    f"opts = {{ tls: {{ ca }}, password: '{PW}' }}",
    f"[{{ name: 'a' }}, password: '{PW}']",
]


@pytest.mark.parametrize("text", OBJECTS)
def test_object_field_after_another(text):
    assert_redacted(text, PW, "secret_assignment")


OBJECTS_KEPT = [
    "Reset it, password: see the wiki",
    "Log in with your name, password: the one from the email",
    "const schema = { user: 'string', password: string };",
]


@pytest.mark.parametrize("text", OBJECTS_KEPT)
def test_prose_after_a_comma_is_kept(text):
    assert_kept(text)


SHORT = [
    f"PASS='{PW}'",
    f'PASS="{PW}"',
    f"PASS={PLAIN}",
    f"export PW={PLAIN}",
    f"pw = '{PW}'",
    f"$pass = '{PW}';",
    f"https://x.io/login?user=bob&pass={PLAIN}",
    f"PSWD={PLAIN} ./deploy.sh",
]


@pytest.mark.parametrize("text", SHORT)
def test_short_password_names(text):
    assert_redacted(text, PLAIN if PLAIN in text else PW)


SHORT_KEPT = [
    "PASS tests/test_redact.py::test_a (0.01s)",
    "PASS: 12 FAIL: 0",
    "PASS=0; FAIL=0",
    "PASS=$((PASS+1))",
    "PWD=/home/bob/src",
    "OLDPWD=/tmp",
    "bypass=true",
    "pw = getpass.getpass()",
    "if pass == expected:",
    "PASS=true",
    "const pass = new PassThrough();",  # code (the harm check over site-packages and /usr/share/doc)
    "transport, pw = yield from loop.connect_read_pipe(factory, fd)",
    "pw = -pw",
    'pw = "\\n".join(pairs) + last',
]


@pytest.mark.parametrize("text", SHORT_KEPT)
def test_short_name_look_alikes_are_kept(text):
    assert_kept(text)


TERRAFORM = [
    f'variable "db_password" {{\n  default = "{PW}"\n}}',
    f'variable "api_token" {{\n  type      = string\n  sensitive = true\n  description = "API token"\n  default   = "{PW}"\n}}',
    f'variable "client_secret" {{ default = "{PLAIN}" }}',
]


@pytest.mark.parametrize("text", TERRAFORM)
def test_terraform_secret_variable_default(text):
    assert_redacted(text, PLAIN if PLAIN in text else PW)


TERRAFORM_KEPT = [
    'variable "region" {\n  default = "us-east-1"\n}',
    'variable "db_password" {\n  type      = string\n  sensitive = true\n}',
    'variable "api_token" {\n  default = var.token_from_vault\n}',
    'variable "db_password" {\n  default = ""\n}',
]


@pytest.mark.parametrize("text", TERRAFORM_KEPT)
def test_terraform_look_alikes_are_kept(text):
    assert_kept(text)
