"""Forms the fifteenth session left and a probe of pasted formats found (h77, issue 16): a password echoed into
openssl's -pass stdin, Sybase's and FreeTDS' -P, a shell's quote pieces in mysql -p'...', a wpa_supplicant
block on one line, an OpenVPN auth file's lines inside a longer string or typed, fetchmail's defaults and via
lines, a value with a space after NAME=, a value's end in JSON nested in a string, ODBC's PWD=, commands
that print a secret, and Consul's, Nomad's and Vault's ACL secret ids. Each case runs through the reference and the engine, which must agree, as a command and
in every kind of hook payload, and as a file's content two JSON levels down; the look-alikes are kept. The
fake secrets are built at run time.
"""

from __future__ import annotations

import json

import pytest
from recall_helpers import (
    PAYLOAD_KINDS,
    REFERENCE,
    apply,
    assert_kept,
    assert_redacted,
    assert_redacted_in_payload,
    assert_redacted_two_levels_down,
)

PW = "Tr0ub4dor" + "Q3xQz9"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "zQ9pL2vX8kM"
UUID = "1f2e3d4c-5b6a-4789" + "-8abc-def012345678"

SECRETS = [
    # item 1: openssl's stdin, the SQL Server and Sybase clients' -P, mysql's quote pieces
    (f"echo {PW} | openssl enc -aes-256-cbc -pbkdf2 -in f -out f.enc -pass stdin", PW),
    (f"echo '{PW}' | openssl rsa -in k.pem -passin stdin -out k2.pem", PW),
    (f"printf %s {PW} | openssl genrsa -aes256 -passout stdin 4096", PW),
    (f"openssl enc -d -aes-256-cbc -pass stdin -in f.enc <<< '{PW}'", PW),
    (f"isql -S SYBSRV -U sa -P {PW} -D master", PW),
    (f"isql -Usa -P{PW} -SSYBSRV", PW),
    (f"tsql -H db.local -p 1433 -U sa -P {PW}", PW),
    (f"sqsh -S SYB -U sa -P '{PW}'", PW),
    (f"sqlcmd -S localhost -U sa -P{PW} -Q 'select 1'", PW),
    (f"bcp db.dbo.t out t.dat -S srv -U sa -P{PW} -c", PW),
    (f"mysql -u root -p'Tr0ub'\"'\"'{PW}' app", PW),
    (f"mysql -u root -p'Tr0ub'\\''{PW}' app", PW),
    (f"DB_PASSWORD='Tr0ub'\"'\"'{PW}' make migrate", PW),
    # item 2: one-line wpa block, OpenVPN's auth lines in a longer string, fetchmail's defaults and via
    (f'network={{ssid="HomeNet" key_mgmt=WPA-PSK psk="{PW}"}}', PW),
    (f'network={{ssid="HomeNet" scan_ssid=1 psk="{PW}" priority=5}}', PW),
    (
        "==> /etc/openvpn/client.conf <==\nauth-user-pass /etc/openvpn/auth.txt\n\n"
        f"==> /etc/openvpn/auth.txt <==\nbob\n{PW}\n",
        PW,
    ),
    (f"$ openvpn --config c.ovpn --auth-user-pass creds.txt\n$ cat creds.txt\nbob\n{PW}\n\n$ ls", PW),
    (f"cat > /etc/openvpn/auth.txt <<EOF\nbob\n{PW}\nEOF\nopenvpn --auth-user-pass /etc/openvpn/auth.txt", PW),
    (
        f"printf 'bob\\n{PW}\\n' > /etc/openvpn/auth.txt && openvpn --config c.ovpn --auth-user-pass /etc/openvpn/auth.txt",
        PW,
    ),
    (f'echo -e "bob\\n{PW}" > auth.txt; openvpn --auth-user-pass auth.txt', PW),
    (f'defaults proto imap user "bob" password "{PW}"', PW),
    (f'defaults proto imap user "bob" password "{PW}" fetchall keep', PW),
    (f"defaults user bob password {PW} fetchall", PW),
    (f'poll mail.example.com\n  via gw.example.com user "bob" password "{PW}" is bob here', PW),
    (f'poll mail.example.com\n  via gw.example.com user "bob" password "{PW}"', PW),
    (f'poll mail.example.com\n  proto imap user "bob" password "{PW}"', PW),
    # item 3: NAME=<word> <word>, a value over symbols where its line ends in JSON nested in the string
    (f"DB_PASSWORD={PW} 3xQz7", "3xQz7"),
    (f"export DB_PASSWORD={PW} 3xQz7", "3xQz7"),
    (f"services:\n  db:\n    environment:\n      - MYSQL_PASSWORD={PW} 3xQz7\n", "3xQz7"),
    (f"DB_PASSWORD={PW} 3xQz7 # rotated", "3xQz7"),
    (f"DB_PASSWORD= {PW} 3xQz7", "3xQz7"),
    (json.dumps({"env": ["DB_PASSWORD=Tr0ub4dor&3xQz7!"]}), "3xQz7"),
    (json.dumps({"env": [f"API_TOKEN= {PW} 3xQz7 extra"]}), "3xQz7"),
    # item 4: ODBC's PWD=, commands that print a secret
    (f"[MyDSN]\nDriver=PostgreSQL\nServer=db\nUID=app\nPWD={PW}\n", PW),
    (f"[MyDSN]\nUID = app\nPWD = {PW}\n", PW),
    # a .pgpass line alone ended at its string's end only at the payload's own depth
    (f"db.example.com:5432:app:app:{PW}", PW),
    # a second probe: a token as a command's one argument, rabbitmqadmin's -p
    (f"ngrok config add-authtoken {PW}x7Yq2LmN0pQ", PW),
    (f"ngrok authtoken {PW}x7Yq2LmN0pQ", PW),
    (f"cargo login {PW}x7Yq2LmN0pQ", PW),
    (f"cargo login --registry my-reg {PW}x7Yq2LmN0pQ", PW),
    (f"rabbitmqadmin -u admin -p {PW} list queues", PW),
    (f"http -a bob:{PW} https://api.example.com/me", PW),
    (f"http --auth 'bob:{PW}' POST api.example.com/items name=x", PW),
    (f"xh -a bob:{PW} api.example.com", PW),
    # Consul's, Nomad's and Vault's ACL secrets are UUIDs under their name
    (f"AccessorID:       0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d\nSecretID:         {UUID}\n", UUID),
    (f"Accessor ID  = 0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d\nSecret ID    = {UUID}\n", UUID),
    (f"Key                   Value\n---                   -----\nsecret_id             {UUID}\n", UUID),
    (json.dumps({"AccessorID": "0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d", "SecretID": UUID}), UUID),
]

# Commands whose stdout is the secret alone.
PRINTED = [
    ("aws configure get aws_secret_access_key", AWS_SECRET),
    ("aws configure get prod.aws_session_token", "IQoJb3JpZ2luX2VjE" + PW + "x7Yq"),
    ("terraform output -raw db_password", PW),
    ("tofu output -raw admin_token", PW),
    ("op item get Prod --fields password --reveal", PW),
]

KEPT = [
    "echo hello | openssl enc -base64\nopenssl enc -aes-256-cbc -pass file:key.txt -in f",
    "echo $PW | openssl enc -pass stdin -in f\ncat pw.txt | openssl rsa -passin stdin\nopenssl enc -pass stdin < pw",
    "isql -S SYBSRV -U sa -D master\nisql -U sa -P $PW -S srv\nsqlcmd -S localhost -E",
    "mvn -Pprod -DskipTests package\nmvn -Prelease,sign deploy\nzip -P -r x.zip d",
    'network={ ssid="HomeNet" key_mgmt=NONE }\nnetwork={ssid="x" psk=$PSK}',
    "defaults proto imap timeout 60\npoll mail.example.com via gw.example.com",
    "the user bob password is required\nvia the user bob password field",
    "bob\nalice\n\n==> notes.txt <==\nbob\nalice",
    "PWD=/home/bob/src\nOLDPWD=/tmp\ncd $PWD\nPWD = /srv/app\n    pwd = os.getcwd()",
    "echo PWD=$(pwd)\nexport PWD=C:\\Users\\bob",
    "export DB_PASSWORD=$DB_PASS DB_USER=bob1\nAPI_KEY=$KEY node app.js",
    "terraform output -raw vpc_id\naws configure get region\nop item get Prod --fields username",
    'GITHUB_PAT = re.compile(r"\\bghp_[A-Za-z0-9]{36}\\b")',
    "echo 'it'\\''s' done\nmsg='a'\"'\"'b'",
    "http -a bob: x.io\nhttp -a bob:$PW x.io\nhttp --auth-type=bearer x.io\nls -a bob:x\nsee http -a docs",
    "cargo login\ncargo login --help\ncargo login < token.txt\nngrok authtoken $NGROK_TOKEN\nrabbitmqadmin list queues",
    "secret_id_accessor    0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d\nAccessorID: 0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d",
    'secret_id = "projects/p/secrets/db"\nSecretID: 00000000-0000-0000-0000-000000000000\nrequest 1f2e3d4c-5b6a-4789-8abc-def012345678',
]

# Where a form's value stops short of the whole line: a shell's command or a second name keeps its words.
PARTS = [
    ("PW=abc123x make test", "make test"),
    ("export DB_PASSWORD=abc123x DB_USER=bob1", "DB_USER=bob1"),
    ("API_KEY=abc123xyz node app.js", "node app.js"),
    ("API_KEY=abc123xyz python3 app", "python3 app"),
    ("isql -Usa -PTr0ub4dorQ3 -SSYB", "-SSYB"),
]


@pytest.mark.parametrize(("text", "secret"), SECRETS)
def test_a_form_left_or_probed_is_redacted(text, secret):
    assert_redacted(text, secret)


@pytest.mark.parametrize("kind", sorted(PAYLOAD_KINDS))
@pytest.mark.parametrize(("text", "secret"), SECRETS)
def test_in_every_kind_of_payload(text, secret, kind):
    assert_redacted_in_payload(text, secret, kind)


@pytest.mark.parametrize(("text", "secret"), SECRETS)
def test_two_json_levels_down_in_a_file(text, secret):
    assert_redacted_two_levels_down(text, secret)


@pytest.mark.parametrize(("command", "secret"), PRINTED)
def test_a_printed_secret_is_redacted(command, secret):
    payload = {"tool_name": "Bash", "tool_input": {"command": command}}
    payload["tool_response"] = {"stdout": secret + "\n", "stderr": ""}
    out = apply(json.dumps(payload))
    assert secret not in out, out


@pytest.mark.parametrize("text", KEPT)
def test_a_look_alike_is_kept(text):
    assert_kept(text)


@pytest.mark.parametrize(("text", "kept"), PARTS)
def test_the_value_ends_before_a_command_or_a_name(text, kept):
    out = apply(json.dumps({"tool_input": {"command": text}}))
    assert kept in out, out


def test_a_printed_output_that_is_no_secret_is_kept():
    payload = {"tool_name": "Bash", "tool_input": {"command": "terraform output -raw vpc_id"}}
    payload["tool_response"] = {"stdout": "vpc-0a1b2c3d4e5f60718\n", "stderr": ""}
    doc = json.dumps(payload)
    assert apply(doc) == doc


def test_the_reference_knows_every_new_rule():
    assert {"openvpn_auth_lines", "openvpn_auth_typed", "acl_secret_id"} <= {rule.name for rule in REFERENCE.rules}
