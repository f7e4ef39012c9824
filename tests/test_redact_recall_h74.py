"""Credential files as a Read or `cat` shows them, and five command forms a probe still missed (h74, issue 16):
yarn's npmAuthIdent and Bundler's host keys (user:password), composer's auth.json tokens under their hosts,
conda channel tokens, Wi-Fi pre-shared keys, terraform.tfstate's random_password result and ses_smtp_password_v4, SSHPASS=, SQL*Plus
CONNECT, secrets echoed into vncpasswd -f, vercel env add, wrangler secret put and gh secret set, and pgbouncer
userlist.txt lines. Each case runs through the reference and the engine, which must agree, as a command and
in every kind of hook payload; the look-alikes are kept. The fake secrets are built from pieces at run time.
"""

from __future__ import annotations

import json

import pytest
from recall_helpers import PAYLOAD_KINDS, REFERENCE, apply, assert_kept, assert_redacted, assert_redacted_in_payload

PW = "Tr0ub4dor" + "Q3xQz9"
TOKEN = "Zk3mQ9pL2vX8" + "rT4wN6yB1cF5hJ7dS0aG"
MD5 = "md5" + "3f2a9c0b" * 4
SCRAM = "SCRAM-SHA-256$4096:" + "c2FsdHNhbHQ=" + "$" + TOKEN + "=:" + TOKEN[::-1] + "="

COMPOSER_AUTH = json.dumps(
    {
        "http-basic": {"repo.example.com": {"username": "bob", "password": "$PW"}},
        "github-oauth": {"github.com": TOKEN},
        "gitlab-token": {"gitlab.example.com": TOKEN},
        "bearer": {"api.example.com": TOKEN},
    },
    indent=4,
)
TFSTATE = json.dumps(
    {
        "version": 4,
        "resources": [
            {"type": "aws_iam_access_key", "instances": [{"attributes": {"id": "x", "ses_smtp_password_v4": TOKEN}}]},
            {
                "mode": "managed",
                "type": "random_password",
                "name": "db",
                "instances": [{"attributes": {"id": "none", "length": 16, "result": PW, "special": True}}],
            },
        ],
    },
    indent=2,
)

SECRETS = [
    # the credential files
    (f'npmScopes:\n  myco:\n    npmAlwaysAuth: true\n    npmAuthIdent: "bob:{PW}"\n', PW),
    (f'---\nBUNDLE_PATH: "vendor/bundle"\nBUNDLE_GEMS__EXAMPLE__COM: "bob:{PW}"\nBUNDLE_JOBS: "4"\n', PW),
    (f"export BUNDLE_RUBYGEMS__PKG__GITHUB__COM=bob:{TOKEN}", TOKEN),
    (COMPOSER_AUTH, TOKEN),
    (f"channels:\n  - defaults\n  - https://conda.anaconda.org/t/{TOKEN}/private\n", TOKEN),
    (f"conda install -c https://conda.example.com/t/{TOKEN}/internal mypkg", TOKEN),
    (TFSTATE, PW),
    (TFSTATE, TOKEN),
    (f'network={{\n    ssid="Home"\n    key_mgmt=WPA-PSK\n    psk="{PW}"\n}}\n', PW),
    (f"[wifi-security]\nkey-mgmt=wpa-psk\npsk={PW}\n", PW),
    (f"interface=wlan0\nssid=Home\nwpa=2\nwpa_psk={MD5[3:]}{MD5[3:]}\n", MD5[3:]),
    # the five command forms
    (f"SSHPASS={PW} sshpass -e ssh bob@host", PW),
    (f"export SSHPASS='{PW}'\nsshpass -e rsync -a . bob@host:/srv", PW),
    (f"CONNECT scott/{PW}@orcl", PW),
    (f"SQL> conn system/{PW}@//db:1521/XEPDB1", PW),
    (f"sqlplus /nolog <<EOF\nconnect app/{PW}\nselect 1 from dual;\nEOF", PW),
    (f"vncpasswd -f <<< '{PW}' > ~/.vnc/passwd", PW),
    (f"echo '{PW}' | vncpasswd -f > ~/.vnc/passwd", PW),
    (f"echo {TOKEN} | vercel env add API_KEY production", TOKEN),
    (f"printf '%s' '{TOKEN}' | npx vercel env add API_KEY preview", TOKEN),
    (f"echo -n {TOKEN} | wrangler secret put API_TOKEN", TOKEN),
    (f"echo {TOKEN} | gh secret set API_TOKEN", TOKEN),
    (f'cat /etc/pgbouncer/userlist.txt\n"bob" "{PW}"\n"app" "{MD5}"\n', PW),
    (f'"bob" "{PW}"\n"alice" "{MD5}"\n', MD5),
    (f'"carol" "{SCRAM}"\n', TOKEN),
]

KEPT = [
    'BUNDLE_PATH: "vendor/bundle"\nBUNDLE_BUILD__NOKOGIRI: "--use-system-libraries"\nBUNDLE_JOBS: "4"',
    'BUNDLE_MIRROR__HTTPS://RUBYGEMS__ORG/: "https://mirror.example.com"',
    'npmAuthIdent: "${NPM_AUTH_IDENT}"\nnpmAuthToken: "${NPM_TOKEN}"',
    '{"github-oauth": {}, "platform": {"php": "8.2.0-stable"}, "require": {"monolog/monolog": "^2.0"}}',
    '{"require": {"github.com/acme/toolkit": "v2.3.4-beta"}, "Authorization": "Bearer"}',
    "https://discourse.example.org/t/how-to-install-4-12-0/1234\nhttps://conda.anaconda.org/conda-forge/noarch",
    "https://community.anaconda.cloud/t/conda-install-fails/56789",
    "https://discourse.conda.io/t/conda-23-1-0-release-notes/4567",
    '{"type": "random_string", "instances": [{"attributes": {"result": "' + PW + '"}}]}',
    '{"status": "ok", "result": "' + PW + '"}',
    'SSHPASS="$(cat ~/.pw)" sshpass -e ssh bob@host\nsshpass -f ~/.pw ssh bob@host',
    "connect client/server and peer/peer models\nSQL> connect / as sysdba\nconnect scott/$PASSWORD@orcl",
    "How to connect github/copilot\nthen connect frontend/backend\nnpm i connect actions/checkout@v4",
    "vncpasswd -f < pw.txt > passwd\necho \"$VNC_PW\" | vncpasswd -f > passwd\nvncpasswd <<< 'hello-world'",
    "vercel env add API_KEY production < key.txt\necho $TOKEN | vercel env add API_KEY\nvercel env ls",
    "echo done | vercel deploy --prod\necho hello-world | gh secret list",
    f'"bob" "{PW}"\n"alice" "Alice2024"',
    '"name" "value"\n"md5" "sha256"',
    'psk = derive_psk(password, ssid)\npsk = os.environ["PSK"]\nif psk == expected:\npsk=$WIFI_PSK\nself.psk = psk',
    "key_mgmt=WPA-PSK\npsk=\npsk=None\nconst psk = Buffer.from(key, 'hex')",
]


@pytest.mark.parametrize(("text", "secret"), SECRETS)
def test_a_credential_file_or_command_form_is_redacted(text, secret):
    assert_redacted(text, secret)


@pytest.mark.parametrize("kind", sorted(PAYLOAD_KINDS))
@pytest.mark.parametrize(("text", "secret"), SECRETS)
def test_in_every_kind_of_payload(text, secret, kind):
    assert_redacted_in_payload(text, secret, kind)


@pytest.mark.parametrize("text", KEPT)
def test_a_look_alike_is_kept(text):
    assert_kept(text)


def test_a_plain_userlist_line_needs_the_word_userlist():
    """A quoted pair is a password only in a payload that says userlist (its path, pgbouncer's auth_file)."""
    text = f'"bob" "{PW}"'
    read = {"tool_name": "Read", "tool_input": {"file_path": "/etc/pgbouncer/userlist.txt"}}
    read["tool_response"] = {"file": {"filePath": "/etc/pgbouncer/userlist.txt", "content": text}}
    assert PW not in apply(json.dumps(read))
    read["tool_input"] = {"file_path": "/srv/app/names.txt"}
    read["tool_response"] = {"file": {"filePath": "/srv/app/names.txt", "content": text}}
    assert PW in apply(json.dumps(read))


def test_the_reference_knows_every_new_rule():
    names = {rule.name for rule in REFERENCE.rules}
    assert {"user_password_value", "host_keyed_token", "conda_channel_token", "tfstate_password", "wifi_psk"} <= names
    assert {"sshpass_env", "sql_connect_password", "pgbouncer_auth_line", "piped_stdin_secret"} <= names
