"""Misses left by the twelfth session (thirteenth session, h61): entities inside a value or a name, percent-encoding
twice, single-dash long options, Azure key listings, framework signing secrets, aligned assignments, and a few
commands' password options. Each case runs through the reference and the engine, which must agree, in every kind
of hook payload. The fake secrets are built from pieces at run time.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from recall_helpers import PAYLOAD_KINDS, REFERENCE, assert_kept, assert_redacted, assert_redacted_in_payload

sys.path.insert(0, str(Path(__file__).parent / "redaction_corpus"))
from fakes import B64, Fakes  # noqa: E402

PW = "Xq7vR2m" + "Tz9LwK4pB"
FAKES = Fakes(61)
GITHUB = FAKES.crc("ghp_")
AZURE = FAKES.pick(B64, 86) + "=="
HEX = "3f9c" + "0e1a7b6d4c2e9f8a1b3c5d7e9f0a2b4c"

SECRETS = [
    (f"password=&quot;ab&amp;{PW}&quot;", PW),
    (f"&quot;password&quot;: &quot;{PW[:6]}&amp;{PW[6:]}&quot;", PW[6:]),
    (f"&lt;input value=&quot;x&quot;&gt; token=&#39;{PW[:5]}&#35;{PW[5:]}&#39;", PW[5:]),
    (f"&#112;assword={PW}", PW),
    (f"&#x70;&#x61;ssword: &quot;{PW}&quot;", PW),
    (f"<code>&#0112;&#97;ssword&#61;{PW}</code>", PW),
    (f"see {GITHUB[:4]}&#{ord(GITHUB[4])};{GITHUB[5:]} here", GITHUB[5:]),
    (f"%2522password%2522%253A%2522{PW}%2522", PW),
    (f"q=%257B%2522api_key%2522%253A%2520%2522{PW}%2522%257D&x=1", PW),
    (f"next=%2Flogin%253Fpassword%253D{PW}", PW),
    (f"influx -username admin -password {PW} -execute 'SHOW DATABASES'", PW),
    (f"mytool -token {PW} -v", PW),
    (f"tool -apitoken {PW}", PW),
    (f"tool -secret '{PW}'", PW),
    (f"x11vnc -passwd {PW} -forever", PW),
    (f"tool -pass {PW}", PW),
    (f'cmd.exe /c deploy.exe -apikey "{PW}"', PW),
    (
        json.dumps(
            [
                {"keyName": "key1", "permissions": "FULL", "value": AZURE},
                {"keyName": "key2", "permissions": "FULL", "value": AZURE[::-1]},
            ],
            indent=2,
        ),
        AZURE,
    ),
    (json.dumps({"key1": HEX, "key2": HEX[::-1]}, indent=2), HEX),
    (json.dumps({"primaryKey": AZURE, "secondaryKey": AZURE[::-1]}), AZURE),
    (json.dumps({"secretName": "db", "contentType": "", "value": PW}), PW),
    (
        'config :my_app, MyAppWeb.Endpoint,\n  url: [host: "localhost"],\n  secret_key_base: "'
        + AZURE[:64]
        + '",\n  render_errors: []',
        AZURE[:64],
    ),
    (f'config :my_app, MyAppWeb.Endpoint, live_view: [signing_salt: "{PW}"]', PW),
    (f"  secret_key_base: {AZURE[:64]}", AZURE[:64]),
    (f'config.secret_key_base = "{AZURE[:64]}"', AZURE[:64]),
    (f'db_password = "x"\napi_token   = "{PW}"', PW),
    (f"DB_HOST        = db\nDB_PASSWORD    = {PW}", PW),
    (f"security add-generic-password -a bob -s svc -w {PW}", PW),
    (f"openssl enc -aes-256-cbc -k {PW} -in a -out b", PW),
    (f"dotnet nuget add source https://x/index.json -n x -u bob -p {PW} --store-password-in-clear-text", PW),
]

# Redacted before this session too (the brief's "if not already handled"): kept as guards, in every payload kind.
ALREADY = [
    (f"tool -api-key={PW}", PW),
    (f'config :my_app, MyApp.Repo, username: "postgres", password: "{PW}", hostname: "db"', PW),
    (f'Foo.new(user: "bob", password: "{PW}")', PW),
    (json.dumps({"primaryMasterKey": AZURE, "documentEndpoint": "https://x.documents.azure.com"}), AZURE),
]


@pytest.mark.parametrize(("text", "secret"), SECRETS)
@pytest.mark.parametrize("ascii_only", [True, False])
def test_a_secret_is_redacted(text, secret, ascii_only):
    assert_redacted(text, secret, ascii_only=ascii_only)


@pytest.mark.parametrize(("text", "secret"), SECRETS + ALREADY)
@pytest.mark.parametrize("kind", sorted(PAYLOAD_KINDS))
def test_a_secret_is_redacted_in_every_payload(text, secret, kind):
    assert_redacted_in_payload(text, secret, kind)


KEPT = [
    "<p>Tom &amp; Jerry don&#39;t &#8212; the &quot;password&quot; field</p>",
    "&lt;p&gt;Caf&#233; &#169; 2024 &mdash; &#x2014;&lt;/p&gt;",
    "https://x.com/a?next=%252Fhome%253Fq%253Dcats",
    "url=https%253A%252F%252Fexample.com%252Fdocs",
    "tool -token_count 5 -password-file ./pw.txt",
    "openssl enc -aes-256-cbc -pass env:PASSPHRASE -in a\nopenssl rsa -passin file:pw.txt",
    "curl -k https://x\nssh -p 2222 host\nmytool -token $TOKEN -secret ${SECRET}",
    "influx -password '' -username admin",
    'terraform: -var "token=${var.token}"',
    json.dumps({"keyName": "key1", "permissions": "FULL", "value": "<your-key>"}),
    json.dumps({"primaryKey": "id", "key1": "name", "key2": "created_at"}),
    json.dumps({"primaryKey": ["tenant_id", "user_id"]}),
    'secret_key_base: System.get_env("SECRET_KEY_BASE")\nsigning_salt: "changeme"',
    "config.secret_key_base = ENV['SECRET_KEY_BASE']\nsecret_key_base = Rails.application.secret_key_base",
    'token   = var.github_token\npassword    = "${var.db_password}"\nsecret      = local.secret',
    "if token   == expected:\n    pass",
    "#   token          = 1*tchar\n#   tchar          = %x21-7E\n      token             = 1*<any CHAR except CTLs>",
    "security find-generic-password -s svc -w\nopenssl s_client -connect x:443",
]


@pytest.mark.parametrize("text", KEPT)
def test_a_look_alike_is_kept(text):
    assert_kept(text)


def test_the_reference_knows_every_new_rule():
    names = {rule.name for rule in REFERENCE.rules}
    assert {"dash_option_secret", "sibling_key_value", "azure_key_field", "framework_secret"} <= names
    assert {"aligned_secret_assignment", "entity_run", "percent_run"} <= names
