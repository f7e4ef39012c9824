"""The built-in redaction rules, pinned without the engine.

`reference` below is what the table means: rules in order, each regex over
the whole JSON text; each match's group span is replaced by the marker,
unless the group text already starts with "[REDACTED:" or fails the rule's
validator. `apply` checks that the engine, which runs a rule only near its
keywords or trigger, gives exactly that, on every text in this file.

The fake secrets are built from pieces at run time, so no scanner mistakes
this file for a leak.
"""

from __future__ import annotations

import binascii
import json
import random
import re
from pathlib import Path

import pytest

from conftest import ALL_CORPUS_FILES
from hookd.redact import Redactor
from hookd.redact.checksums import base62
from hookd.redact.rules import BUILTIN_RULES, looks_like_credential, luhn_ok, plausible_secret

MARKER_RE = re.compile(r"\[REDACTED:[a-z0-9_]+\]")
RULES = {r.name: r for r in BUILTIN_RULES}


REFERENCE = Redactor(BUILTIN_RULES, exhaustive=True)


def reference(text: str) -> str:
    """The table's meaning, without the engine's shortcuts: every rule's regex over the whole text."""
    return REFERENCE.redact(text)[0]


ENGINE = Redactor(BUILTIN_RULES)


def apply(text: str) -> str:
    """The table applied to the text; the engine (triggers, windows) must give exactly the same."""
    expected = reference(text)
    assert ENGINE.redact(text)[0] == expected
    return expected


# --- fake secrets ------------------------------------------------------------

_rng = random.Random(20240601)
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
HEX = "0123456789abcdef"
B64 = ALNUM + "+/"


def fake(alphabet: str, n: int) -> str:
    return "".join(_rng.choice(alphabet) for _ in range(n))


def crc_token(prefix: str) -> str:
    """A token in GitHub's and npm's format: 30 random base62 characters and their CRC32."""
    body = fake(ALNUM, 30)
    return prefix + body + base62(binascii.crc32(body.encode()), 6)


def pem(label: str, body_lines: int = 6, headers: str = "") -> str:
    body = "\n".join(fake(B64, 64) for _ in range(body_lines))
    return f"-----BEGIN {label}-----\n{headers}{body}\n{fake(B64, 20)}==\n-----END {label}-----\n"


AWS_ID = "AK" + "IA" + "IOSFODNN7EXAMPLE"
AWS_STS_ID = "AS" + "IA" + fake("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "EXAMPLEKEY"
GH_CLASSIC = crc_token("gh" + "p_")
GH_SERVER = crc_token("gh" + "s_")
GH_FINE = "github" + "_pat_" + fake(ALNUM, 22) + "_" + fake(ALNUM, 59)
GITLAB = "gl" + "pat-" + fake(ALNUM, 20)
SLACK_HOOK_PATH = (
    "services/T"
    + fake("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 8)
    + "/B"
    + fake("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 10)
    + "/"
    + fake(ALNUM, 24)
)
SLACK_BOT = "xo" + "xb-" + fake("0123456789", 12) + "-" + fake("0123456789", 13) + "-" + fake(ALNUM, 24)
STRIPE_LIVE = "sk" + "_live_" + fake(ALNUM, 24)
STRIPE_RK_TEST = "rk" + "_test_" + fake(ALNUM, 24)
ANTHROPIC = "sk-" + "ant-api03-" + fake(ALNUM + "_-", 93) + "AA"
ANTHROPIC_ADMIN = "sk-" + "ant-admin01-" + fake(ALNUM + "_-", 93) + "AA"
OPENAI_PROJ = "sk-" + "proj-" + fake(ALNUM + "_-", 120)
OPENAI_LEGACY = "sk-" + fake(ALNUM, 48)
OPENAI_T3 = "sk-" + "svcacct-" + fake(ALNUM, 20) + "T3Blbk" + "FJ" + fake(ALNUM, 20)
GOOGLE = "AI" + "za" + fake(ALNUM + "_-", 35)
NPM = crc_token("np" + "m_")
VAULT = "hv" + "s." + fake(ALNUM + "_-", 90)
SENDGRID = "S" + "G." + fake(ALNUM + "_-", 22) + "." + fake(ALNUM + "_-", 43)
TWILIO_SK = "S" + "K" + fake(HEX, 32)
TWILIO_AUTH = fake(HEX, 32)
AZURE_KEY = fake(B64, 86) + "=="
AZURE_SIG = fake(ALNUM, 30) + "%2B" + fake(ALNUM, 10) + "%3D"
JWT = (
    "eyJ"
    + "hbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    + "eyJ"
    + "zdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ."
    + fake(ALNUM + "_-", 43)
)
BASIC = "dXNlcjpwYXNzd29yZA=="
BEARER_LONG = fake(ALNUM, 40)
PEM_RSA = pem("RSA PRIVATE KEY")
PEM_PLAIN = pem("PRIVATE KEY")
PEM_EC = pem("EC PRIVATE KEY", 3)
PEM_DSA = pem("DSA PRIVATE KEY", 4)
PEM_OPENSSH = pem("OPENSSH PRIVATE KEY", 7)
PEM_ENCRYPTED = pem("ENCRYPTED PRIVATE KEY")
PEM_LEGACY_ENC = pem("RSA PRIVATE KEY", 5, "Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,1A2B3C4D5E6F7A8B\n\n")
PEM_PGP = pem("PGP PRIVATE KEY BLOCK", 8, "Version: GnuPG v2\n\n")

# (rule, text, secret): the secret must vanish from the text, with that rule's marker.
POSITIVES = [
    ("pem_private_key", PEM_RSA, PEM_RSA.split("\n")[1]),
    ("pem_private_key", PEM_PLAIN, PEM_PLAIN.split("\n")[2]),
    ("pem_private_key", PEM_EC, PEM_EC.split("\n")[1]),
    ("pem_private_key", PEM_DSA, PEM_DSA.split("\n")[1]),
    ("pem_private_key", PEM_OPENSSH, PEM_OPENSSH.split("\n")[3]),
    ("pem_private_key", PEM_ENCRYPTED, PEM_ENCRYPTED.split("\n")[1]),
    ("pem_private_key", PEM_LEGACY_ENC, PEM_LEGACY_ENC.split("\n")[5]),
    ("pem_private_key", PEM_PGP, PEM_PGP.split("\n")[4]),
    ("pem_private_key", "cut off: " + PEM_RSA[:300], PEM_RSA.split("\n")[1]),
    # h199's rules from trufflehog's detectors: made-up tokens of each shape
    (
        "cloudflare_api_token",
        "CF=cfut_wVz2rQTtaESGwqpXKvXIybHKYRSzFGo9FjMS2Hu4cadb0c69",
        "wVz2rQTtaESGwqpXKvXIybHKYRSzFGo9",
    ),
    (
        "ai_platform_key",
        "key 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",
        "0rsfZcbPXJVWLJJ2i6kBdK4g",
    ),
    (
        "saas_platform_token",
        "CCIPAT_BEcCd2cCNGr8s9tnJvcS8x_96d798d7b0c34a997ae1d1b459660a845f0c9640",
        "BEcCd2cCNGr8s9tnJvcS8x",
    ),
    (
        "azure_registry_password",
        "docker login -p apLBtGBgXufyvzdidfi3iNI3ysIrFx9Djwe5hyczxH+ACRdXxqJW",
        "apLBtGBgXufyvzdid",
    ),
    ("aws_access_key_id", f"aws_access_key_id = {AWS_ID}", AWS_ID),
    ("aws_access_key_id", f"export AWS_ACCESS_KEY_ID={AWS_STS_ID}\n", AWS_STS_ID),
    ("aws_secret_access_key", f"[default]\naws_secret_access_key = {AWS_SECRET}\n", AWS_SECRET),
    ("aws_secret_access_key", f'{{"SecretAccessKey": "{AWS_SECRET}"}}', AWS_SECRET),
    ("github_token", f"git clone https://x-access-token:{GH_SERVER}@github.com/o/r", GH_SERVER),
    ("github_token", f"GITHUB_TOKEN={GH_CLASSIC}", GH_CLASSIC),
    ("github_token", f"token {GH_FINE}", GH_FINE),
    ("gitlab_token", f"PRIVATE-TOKEN: {GITLAB}", GITLAB),
    ("slack_webhook", f"curl -X POST https://hooks.slack.com/{SLACK_HOOK_PATH} -d @msg.json", SLACK_HOOK_PATH),
    ("slack_token", f"SLACK_BOT_TOKEN={SLACK_BOT}", SLACK_BOT),
    ("stripe_key", f"stripe.api_key = '{STRIPE_LIVE}'", STRIPE_LIVE),
    ("stripe_key", f"key: {STRIPE_RK_TEST}", STRIPE_RK_TEST),
    ("anthropic_api_key", f"ANTHROPIC_API_KEY={ANTHROPIC}", ANTHROPIC),
    ("anthropic_api_key", f"admin key {ANTHROPIC_ADMIN} rotated", ANTHROPIC_ADMIN),
    ("openai_api_key", f"OPENAI_API_KEY={OPENAI_PROJ}", OPENAI_PROJ),
    ("openai_api_key", f"old key {OPENAI_LEGACY}.", OPENAI_LEGACY),
    ("openai_api_key", f"client = OpenAI(api_key='{OPENAI_T3}')", OPENAI_T3),
    ("google_api_key", f"https://maps.googleapis.com/maps/api/js?key={GOOGLE}&callback=x", GOOGLE),
    ("npm_token", f"//registry.npmjs.org/:_authToken={NPM}", NPM),
    ("vault_token", f"VAULT_TOKEN={VAULT}", VAULT),
    ("sendgrid_key", f"sg = SendGridAPIClient('{SENDGRID}')", SENDGRID),
    ("twilio_key", f"api key sid {TWILIO_SK} created", TWILIO_SK),
    ("twilio_key", f"TWILIO_AUTH_TOKEN={TWILIO_AUTH}\n", TWILIO_AUTH),
    (
        "azure_storage_key",
        f"DefaultEndpointsProtocol=https;AccountName=acme;AccountKey={AZURE_KEY};EndpointSuffix=core.windows.net",
        AZURE_KEY,
    ),
    (
        "azure_storage_key",
        f"https://acme.blob.core.windows.net/c/f.txt?sv=2022-11-02&ss=b&srt=o&sp=r&se=2030-01-01T00:00:00Z&sig={AZURE_SIG}",
        AZURE_SIG,
    ),
    ("jwt", f"id_token={JWT}", JWT),
    ("jwt", f"decode this: {JWT}", JWT),
    ("authorization_header", 'curl -H "Authorization: Bearer abc.def" https://api.example.com', "abc.def"),
    ("authorization_header", f"Authorization: Basic {BASIC}", BASIC),
    ("authorization_header", f"requests.get(url, headers={{'Authorization': 'Bearer {BEARER_LONG}'}})", BEARER_LONG),
    ("authorization_header", f"use bearer {BEARER_LONG} for now", BEARER_LONG),
    ("url_password", "DATABASE_URL=postgres://app:s3cr3t-Pw@db:5432/shop", "s3cr3t-Pw"),
    ("url_password", "redis://:hunter2@cache:6379/0", "hunter2"),
    ("cli_password", "mysql -h db -u root -pS3cretPass shop", "S3cretPass"),
    ("cli_password", "mysqldump -u root -p'my s3cret' shop > dump.sql", "my s3cret"),
    ("cli_password", 'mysqldump -u root -p"dq-s3cret" shop', "dq-s3cret"),
    ("cli_password", "pg_restore --password=Tr0ub4dor db.dump", "Tr0ub4dor"),
    ("cli_password", "vault login --password hunter2xyz", "hunter2xyz"),
    ("cli_password", "curl -u admin:Adm1nPw https://example.com/api", "Adm1nPw"),
    ("cli_password", "sshpass -p 'ssh-pw-9' ssh host", "ssh-pw-9"),
    ("secret_assignment", "DB_HOST=db\nDB_PASSWORD=hunter2\nDEBUG=1\n", "hunter2"),
    ("secret_assignment", "export API_TOKEN=abc123xyz && ./run", "abc123xyz"),
    ("secret_assignment", "PGPASSWORD=pgpw-777 psql -h db -U app", "pgpw-777"),
    ("secret_assignment", "database:\n  user: app\n  password: yaml-pw-1\n", "yaml-pw-1"),
    ("secret_assignment", '[service]\napi_key = "toml-k-42"\n', "toml-k-42"),
    ("secret_assignment", 'payload = {"password": "hunter2-json", "user": "bob"}', "hunter2-json"),
    ("secret_assignment", "STRIPE_SECRET='single quoted s3cret'", "single quoted s3cret"),
    ("secret_assignment", "DB_PASS=short-pw", "short-pw"),
    ("json_secret_key", {"password": "hunter2-top"}, "hunter2-top"),
    ("json_secret_key", {"a": [{"b": {"client_secret": "cs-9f8e7d"}}]}, "cs-9f8e7d"),
    ("json_secret_key", {"api_key": "k-1234"}, "k-1234"),
    ("json_secret_key", {"authorization": "Bearer zz"}, "Bearer zz"),
    ("json_secret_key", {"access_token": "at.x.y", "refresh_token": "rt-1"}, "at.x.y"),
    ("json_secret_key", {"refresh_token": "rt-1"}, "rt-1"),
    ("json_secret_key", {"secret": "s", "token": "t0k"}, "t0k"),
    ("json_secret_key", {"passwd": 'pw"quoted\\'}, 'pw\\"quoted\\\\'),
    ("json_secret_key", {"credentials": "user:pw"}, "user:pw"),
    ("json_secret_key", {"accessToken": "camel-tok"}, "camel-tok"),
    ("json_secret_key", {"apiKey": "camel-key"}, "camel-key"),
    ("json_secret_key", {"X-Api-Key": "hdr-key"}, "hdr-key"),
    ("xml_secret_element", "<server><id>repo</id><password>mvnPw-9x2Q</password></server>", "mvnPw-9x2Q"),
    ("xml_secret_element", '<ns:client_secret a="1">\n  S3cr3t!val\n</ns:client_secret>', "S3cr3t!val"),
    ("xml_secret_element", "<apiKey>abcDEF123456ghi</apiKey>", "abcDEF123456ghi"),
    ("xml_pwd_attribute", '<add name="db" server="db1" pwd="Xk2-pQ9!vL" />', "Xk2-pQ9!vL"),
    ("payment_card", "card 4111 1111 1111 1111 exp 12/29", "4111 1111 1111 1111"),
    ("payment_card", "pan=4111111111111111", "4111111111111111"),
    ("payment_card", "mc 5555-5555-5555-4444.", "5555-5555-5555-4444"),
    ("payment_card", "amex 378282246310005", "378282246310005"),
    ("payment_card", "amex 3782 822463 10005", "3782 822463 10005"),
    (
        "nuget_source_password",
        "dotnet nuget add source https://x/v3/index.json -n f -u ci -p FeedPassword",
        "FeedPassword",
    ),
    ("nuget_credentials_env", 'NuGetPackageSourceCredentials_f="Username=ci;Password=CiPassword"', "CiPassword"),
    ("schema_secret_value", {"password": {"type": "string", "default": "Xq3vT9mLp2"}}, "Xq3vT9mLp2"),
]

# (rule, text): nothing in the text may be redacted, by any rule.
NEGATIVES = [
    ("pem_private_key", pem("PUBLIC KEY") + pem("CERTIFICATE")),
    # The next pair's label is no value of this name (a form's field list, a log of headers' names).
    ("secret_assignment", "token: Authorization: [REDACTED:github_token]\nsecret: Bearer: x\npassword: User-Name: bob"),
    (
        "xml_secret_element",
        "<password>${env.PW}</password> <Password>Enter your password</Password> <password></password> "
        '<passwordPolicy>strict</passwordPolicy> <xsd:element name="password" type="xsd:string"/>',
    ),
    ("aws_access_key_id", "AKIA" + "IOSFODNN7EXAMPL is too short; XAKIAIOSFODNN7EXAMPLE is inside a word"),
    ("aws_secret_access_key", f"a 40-char value alone: {AWS_SECRET[:-1]}Z and aws_secret_access_key = ${{AWS_SECRET}}"),
    ("github_token", "gh" + "p_short and ghx_" + fake(ALNUM, 36) + " and github_pat_ alone"),
    ("gitlab_token", "gl" + "pat-short"),
    ("slack_webhook", "see https://hooks.slack.com/ and https://api.slack.com/services"),
    ("slack_token", "xo" + "xb-1 and xoxz-" + fake(ALNUM, 30)),
    ("stripe_key", "pk" + "_live_" + fake(ALNUM, 24) + " is publishable; sk_live_ alone"),
    ("anthropic_api_key", "keys look like sk-ant-api03-... and start with sk-ant-"),
    ("openai_api_key", "sk-" + fake(ALNUM, 20) + " task-" + fake(ALNUM, 48) + " risk-assessment"),
    ("google_api_key", "AI" + "za" + fake(ALNUM, 20)),
    ("npm_token", "npm_" + "modules and npm_" + fake(ALNUM, 20)),
    ("vault_token", "hv" + "s.short and hvs."),
    ("sendgrid_key", "SG.foo.bar and SG.x"),
    ("twilio_key", "SK" + fake(HEX, 31) + " and TWILIO_ACCOUNT_SID=AC" + fake(HEX, 32) + " and SKIPPED"),
    ("azure_storage_key", "AccountName=devstoreaccount1;BlobEndpoint=http://127.0.0.1:10000; sig=short"),
    ("jwt", "eyJ" + "hbGciOiJIUzI1NiJ9 alone, no dots"),
    (
        "authorization_header",
        (
            "Bearer tokens expire after an hour; basic authentication is off. Basic Auth. "
            "Authorization: Bearer $TOKEN. Use HTTP Basic access authentication."
        ),
    ),
    (
        "url_password",
        (
            "https://example.com:8443/path http://localhost:3000 postgres://app@db:5432/shop "
            "postgres://app:${DB_PASS}@db/shop git@github.com:org/repo.git"
        ),
    ),
    ("cli_password", "mysql -u root -p shop; docker login --password-stdin; mkdir -p build; psql -p 5432"),
    (
        "secret_assignment",
        (
            "reset your password in settings\nthe API token is stored in the keychain\nmax_tokens: 4096\n"
            "token_count=12\nPASSWORD_FILE=/run/secrets/db\ntoken: ${{ secrets.GITHUB_TOKEN }}\n"
            "if password == other:\nPWD=/home/alice\nbypass=1\ncache_key=abc\nprimary_key: id\n"
            "Note the token: we rotate it\npassword = None\n"
        ),
    ),
    (
        "json_secret_key",
        {
            "tool_use_id": "toolu_01ABCxyz0000000000000000",
            "session_id": "5b0c9f3e-2a41-4d7e-9c55-0e8a7f1b6d23",
            "token_count": 12,
            "max_tokens": 4096,
            "input_tokens": "123",
            "cache_key": "abc",
            "primary_key": "id",
            "keyboard": "us",
            "password": None,
            "token_type": "Bearer",
            "secret": "[REDACTED:json_secret_key]",
            "tokens": ["a"],
            "password_hash": "x",
            "bypass": "yes",
        },
    ),
    (
        "payment_card",
        (
            "4111 1111 1111 1112 fails Luhn; 41111111111111111111111 too long; "
            "deadbeef4111111111111111cafe hex; 1700000000000 ms; v4111111111111111"
        ),
    ),
]


def as_json(text_or_obj) -> str:
    if isinstance(text_or_obj, str):
        return json.dumps({"hook_event_name": "PostToolUse", "tool_response": {"stdout": text_or_obj}})
    return json.dumps(text_or_obj)


def assert_same_except_redacted(before, after) -> None:
    """`after` is `before` with some string parts replaced by markers, and nothing else changed."""
    assert type(before) is type(after)
    if isinstance(before, dict):
        assert list(before) == list(after)
        for k in before:
            assert_same_except_redacted(before[k], after[k])
    elif isinstance(before, list):
        assert len(before) == len(after)
        for b, a in zip(before, after):
            assert_same_except_redacted(b, a)
    elif isinstance(before, str) and before != after:
        pieces = MARKER_RE.split(after)
        assert len(pieces) > 1, (before, after)
        pattern = "(?s)" + ".+?".join(re.escape(p) for p in pieces)
        assert re.fullmatch(pattern, before), (before, after)
    else:
        assert before == after


@pytest.mark.parametrize(("rule", "text", "secret"), POSITIVES, ids=[p[0] for p in POSITIVES])
def test_positive(rule, text, secret):
    doc = as_json(text)
    out = apply(doc)
    assert f"[REDACTED:{rule}]" in out
    assert secret not in json.loads(out).__repr__() and secret not in out
    assert_same_except_redacted(json.loads(doc), json.loads(out))
    assert apply(out) == out


@pytest.mark.parametrize(("rule", "text"), NEGATIVES, ids=[n[0] for n in NEGATIVES])
def test_negative(rule, text):
    doc = as_json(text)
    assert apply(doc) == doc


def test_every_rule_finds_something_in_the_positives_or_the_corpus():
    import sys

    sys.path.insert(0, str(Path(__file__).parent / "redaction_corpus"))
    from load import cases

    fired: set[str] = {p[0] for p in POSITIVES}
    for case in cases():
        fired.update(ENGINE.redact(case.payload)[1])
    assert fired >= {r.name for r in BUILTIN_RULES}, {r.name for r in BUILTIN_RULES} - fired


def test_every_rule_has_keywords_and_a_unique_name():
    names = [r.name for r in BUILTIN_RULES]
    assert len(names) == len(set(names))
    for rule in BUILTIN_RULES:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", rule.name)
        assert (rule.keywords and all(rule.keywords)) or rule.trigger, rule.name
        assert rule.reach is not None, rule.name
        assert rule.replaces.strip(), rule.name
        if rule.ignore_case_keywords:
            assert all(k == k.lower() for k in rule.keywords)


def test_specific_rules_come_before_generic_ones():
    order = [r.name for r in BUILTIN_RULES]
    for first, later in [
        ("anthropic_api_key", "openai_api_key"),
        ("pem_private_key", "secret_assignment"),
        ("url_password", "secret_assignment"),
        ("github_token", "authorization_header"),
        ("jwt", "authorization_header"),
        ("secret_assignment", "json_secret_key"),
        ("pem_private_key", "json_secret_key"),
    ]:
        assert order.index(first) < order.index(later)


# --- realistic payloads ------------------------------------------------------

BASE = {
    "session_id": "5b0c9f3e-2a41-4d7e-9c55-0e8a7f1b6d23",
    "transcript_path": "/home/alice/.claude/projects/-home-alice-src/5b0c9f3e-2a41-4d7e-9c55-0e8a7f1b6d23.jsonl",
    "cwd": "/home/alice/src/shop",
    "permission_mode": "default",
}


def payload(**fields) -> dict:
    return {**BASE, **fields}


def check(doc: dict, secrets: list[str], rules: list[str]) -> str:
    text = json.dumps(doc)
    out = apply(text)
    for s in secrets:
        assert s not in out
    for r in rules:
        assert f"[REDACTED:{r}]" in out
    after = json.loads(out)
    assert_same_except_redacted(doc, after)
    assert apply(out) == out
    return out


def test_bash_curl_with_authorization_header():
    doc = payload(
        hook_event_name="PreToolUse",
        tool_name="Bash",
        tool_use_id="toolu_01HkT9v3QyZ8mLw2Xc4Rb7Ns",
        tool_input={
            "command": 'curl -s -H "Authorization: Bearer abc.def" -H "Accept: application/json" '
            "https://api.example.com/v1/orders",
            "description": "List orders",
        },
    )
    out = check(doc, ["abc.def"], ["authorization_header"])
    cmd = json.loads(out)["tool_input"]["command"]
    assert cmd == (
        'curl -s -H "Authorization: Bearer [REDACTED:authorization_header]" '
        '-H "Accept: application/json" https://api.example.com/v1/orders'
    )


def test_read_of_a_dotenv_file():
    env = (
        f"# local settings\nDEBUG=true\nDB_PASSWORD=hunter2\nDATABASE_URL=postgres://app:s3cret@db:5432/shop\n"
        f"GITHUB_TOKEN={GH_CLASSIC}\nAWS_ACCESS_KEY_ID={AWS_ID}\nAWS_SECRET_ACCESS_KEY={AWS_SECRET}\n"
        f"STRIPE_SECRET_KEY={STRIPE_LIVE}\nPORT=8080\nLOG_LEVEL=info\n"
    )
    doc = payload(
        hook_event_name="PostToolUse",
        tool_name="Read",
        tool_input={"file_path": "/home/alice/src/shop/.env"},
        tool_response={
            "type": "text",
            "file": {
                "filePath": "/home/alice/src/shop/.env",
                "content": env,
                "numLines": 10,
                "startLine": 1,
                "totalLines": 10,
            },
        },
    )
    out = check(
        doc,
        ["hunter2", "s3cret", GH_CLASSIC, AWS_ID, AWS_SECRET, STRIPE_LIVE],
        [
            "secret_assignment",
            "url_password",
            "github_token",
            "aws_access_key_id",
            "aws_secret_access_key",
            "stripe_key",
        ],
    )
    content = json.loads(out)["tool_response"]["file"]["content"]
    assert "DATABASE_URL=postgres://app:[REDACTED:url_password]@db:5432/shop\n" in content
    assert "DB_PASSWORD=[REDACTED:secret_assignment]\n" in content
    assert "PORT=8080\nLOG_LEVEL=info\n" in content and "# local settings\nDEBUG=true\n" in content


def test_write_of_a_gcp_service_account_file():
    key = PEM_PLAIN
    account = {
        "type": "service_account",
        "project_id": "acme-prod",
        "private_key_id": fake(HEX, 40),
        "private_key": key,
        "client_email": "deployer@acme-prod.iam.gserviceaccount.com",
        "client_id": "104593827364519283746",
        "token_uri": "https://oauth2.googleapis.com/token",
    }
    content = json.dumps(account, indent=2)
    doc = payload(
        hook_event_name="PreToolUse",
        tool_name="Write",
        tool_input={"file_path": "/home/alice/src/shop/sa.json", "content": content},
    )
    text = json.dumps(doc)
    assert "-----BEGIN PRIVATE KEY-----\\\\n" in text  # escaped twice: a JSON file inside a JSON string
    out = check(doc, [key.split("\n")[1], key.split("\n")[3], account["private_key_id"]], ["pem_private_key"])
    written = json.loads(json.loads(out)["tool_input"]["content"])
    assert written["private_key"] == "[REDACTED:pem_private_key]\n"
    assert written["client_email"] == account["client_email"]
    # The key's id goes with the key since h97 (it says which key leaked, as an AWS access key id does).
    assert written["private_key_id"] == "[REDACTED:gcp_private_key_id]"
    # The same file as the payload itself (one level of escapes).
    direct = json.dumps(account)
    out2 = apply(direct)
    assert json.loads(out2)["private_key"] == "[REDACTED:pem_private_key]\n"


def test_edit_of_a_connection_string():
    doc = payload(
        hook_event_name="PreToolUse",
        tool_name="Edit",
        tool_use_id="toolu_01Ed1tAbCdEfGh2345678901",
        tool_input={
            "file_path": "/home/alice/src/shop/settings.py",
            "old_string": 'DB = "postgres://app:old-pass@db:5432/shop"',
            "new_string": 'DB = "postgres://app:n3w-pass@db:5432/shop"',
        },
    )
    out = check(doc, ["old-pass", "n3w-pass"], ["url_password"])
    assert json.loads(out)["tool_input"]["new_string"] == 'DB = "postgres://app:[REDACTED:url_password]@db:5432/shop"'


def test_webfetch_with_a_key_in_the_url_and_the_page():
    doc = payload(
        hook_event_name="PostToolUse",
        tool_name="WebFetch",
        tool_input={
            "url": f"https://maps.googleapis.com/maps/api/geocode/json?address=x&key={GOOGLE}",
            "prompt": "Summarise the result",
        },
        tool_response={
            "result": f"The page shows a sample config: SENDGRID_API_KEY={SENDGRID}",
            "code": 200,
            "url": "https://example.com",
        },
    )
    check(doc, [GOOGLE, SENDGRID], ["google_api_key", "sendgrid_key"])


def test_mcp_tool_input_with_secret_fields():
    doc = payload(
        hook_event_name="PreToolUse",
        tool_name="mcp__db__connect",
        tool_input={
            "host": "10.0.0.12",
            "port": 5432,
            "user": "app",
            "password": "mcp-pw-55",
            "options": {"sslmode": "require", "api_key": "mcp-key-77", "token_count": 3},
        },
    )
    out = check(doc, ["mcp-pw-55", "mcp-key-77"], ["json_secret_key"])
    after = json.loads(out)
    assert after["tool_input"]["password"] == "[REDACTED:json_secret_key]"
    assert after["tool_input"]["options"]["token_count"] == 3 and after["tool_input"]["host"] == "10.0.0.12"


def test_prompt_with_a_pasted_token():
    doc = payload(
        hook_event_name="UserPromptSubmit",
        prompt=f"Here is my key {ANTHROPIC}, and the slack one is {SLACK_BOT}. Card 4111 1111 1111 1111. "
        f"Also use this JWT:\n{JWT}\nThanks!",
    )
    out = check(
        doc,
        [ANTHROPIC, SLACK_BOT, "4111 1111 1111 1111", JWT],
        ["anthropic_api_key", "slack_token", "payment_card", "jwt"],
    )
    assert json.loads(out)["prompt"].startswith("Here is my key [REDACTED:anthropic_api_key], and the slack one")


def test_json_text_inside_a_string():
    doc = payload(
        hook_event_name="PostToolUse",
        tool_name="Bash",
        tool_input={"command": "cat config.json"},
        tool_response={
            "stdout": json.dumps(
                {"user": "bob", "password": "hunter2", "nested": {"client_secret": "inner-cs"}}, indent=2
            ),
            "stderr": "",
        },
    )
    out = check(doc, ["hunter2", "inner-cs"], ["secret_assignment"])
    inner = json.loads(json.loads(out)["tool_response"]["stdout"])
    assert inner == {
        "user": "bob",
        "password": "[REDACTED:secret_assignment]",
        "nested": {"client_secret": "[REDACTED:secret_assignment]"},
    }


def test_url_password_keeps_user_and_host_exactly():
    text = json.dumps({"stdout": "postgres://app:hunter2@db:5432/shop"})
    assert json.loads(apply(text))["stdout"] == "postgres://app:[REDACTED:url_password]@db:5432/shop"


def test_card_numbers_outside_strings_are_left_alone():
    """A marker in place of a JSON number would not be valid JSON."""
    doc = {"amount": 4111111111111111, "list": [5555555555554444, 1], "note": "card 4111111111111111"}
    for text in (json.dumps(doc), json.dumps(doc, indent=2), json.dumps(doc, separators=(",", ":"))):
        out = apply(text)
        after = json.loads(out)
        assert after["amount"] == 4111111111111111 and after["list"] == [5555555555554444, 1]
        assert after["note"] == "card [REDACTED:payment_card]"


def test_cut_off_key_followed_by_another_key():
    text = json.dumps({"stdout": PEM_RSA[:200] + "\n" + PEM_EC})
    out = apply(text)
    # The cut-off block runs up to the next BEGIN line, its last newline included.
    assert json.loads(out)["stdout"] == "[REDACTED:pem_private_key][REDACTED:pem_private_key]\n"


# --- benign set and corpus ---------------------------------------------------

BENIGN = [
    "toolu_01ABCxyzDEF123456789abcd",
    "session 5b0c9f3e-2a41-4d7e-9c55-0e8a7f1b6d23",
    "commit 9fceb02d0ae598e95dc970b74767f19372d61af8",
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
    "integrity sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUR4Zmsn1t79cI1UGQ==",
    "/home/alice/.ssh/config",
    "/Users/bob/project/src/main.rs",
    "C:\\Users\\carol\\AppData",
    "192.168.1.20:5432",
    "[::1]:8080",
    "10.0.0.1",
    "version 1.2.3-rc.4+build.5",
    "v20.11.1",
    "ThisIsAVeryLongCamelCaseIdentifierName",
    "aGVsbG9Xb3JsZE1vZHVsZU5hbWVGb3JUZXN0aW5n",
    "reset your password in settings",
    "the API token is stored in the keychain",
    "basic authentication",
    "Bearer tokens expire",
    "max_tokens: 4096",
    "token_count=12",
    "The password field is required.",
    "def get_token(self) -> str:",
    "if not password:\n    raise ValueError('password required')",
    "Use `--password-stdin` instead.",
    "SKIPPED [1] tests/test_x.py:12: needs redis",
    "PASSED",
    "price 1234567890123 cents",
    "phone +1 415 555 2671",
    "2024-05-01T12:34:56.789Z",
    "timestamp 1714566896789",
    "uuid 123e4567-e89b-12d3-a456-426614174000",
    "sk-learn",
    "password: ${{ secrets.DB_PASSWORD }}",
    "api_key = os.environ['API_KEY']",
    "token = get_token()",
    "export TOKEN=$(cat ~/.token)",
    "http://localhost:3000/api?page=2",
    "keyboard shortcuts",
    "self.password = None",
    "--max-tokens 512",
    "Authorization: Bearer YOUR_TOKEN_HERE",
]


def test_benign_set_survives():
    for text in BENIGN:
        doc = as_json(text)
        assert apply(doc) == doc, text
    whole = as_json("\n".join(BENIGN))
    assert apply(whole) == whole


# Secrets at the edge of what each rule's lead allows: the longest names, options
# and labels, the shortest cards, mixed case. The engine must still find them.
LONGEST = [
    (
        "json_secret_key",
        json.dumps(
            {
                "a" * 60 + "_password": "hunter2x",
                "b" * 60 + "_authorization": "zz9-x",
                "c" * 60 + "Authorization": "yy8-x",
                "d" * 60 + "_credentials": "q7",
            }
        ),
    ),
    ("json_secret_key", '{"' + "f" * 60 + 'encryption_key"    :    "k3y-v4lue"}'),
    ("json_secret_key", '{"x": {"' + "e" * 59 + '_api_key"  :    "k3y-v4lue"}}'),
    (
        "cli_password",
        json.dumps({"command": "tool --" + "-".join(["a" * 20, "b" * 20, "c" * 20]) + "-password=hunter2x"}),
    ),
    ("cli_password", json.dumps({"command": "x --" + "-".join(["a" * 20] * 3) + "-api-key hunter2x"})),
    ("payment_card", json.dumps({"note": "card 4222222222222 on file"})),
    ("payment_card", json.dumps({"note": "amex 3782 822463 10005 and 6011-1111-1111-1117"})),
    ("aws_secret_access_key", f"aws-secret-key = {AWS_SECRET}\nSecret-Access-Key: {AWS_SECRET}"),
    ("twilio_key", f"TwIlIo_Auth_Token={TWILIO_AUTH}"),
    ("url_password", '{"url": "postgres:\\/\\/app:hunter2x@db:5432\\/shop"}'),
    ("gitlab_token", json.dumps({"t": "glagent-" + fake(ALNUM, 40)})),
    ("pem_private_key", json.dumps({"key": pem("ENCRYPTED " + "X" * 28 + " PRIVATE KEY")})),
    ("authorization_header", json.dumps({"h": "Proxy-Authorization: token dXNlcjpwYXNzd29yZA=="})),
    ("secret_assignment", json.dumps({"yaml": 'db:\n  client.key: \'hunter2x\'\n  Api.Key \\": \\"abc123x\\"'})),
]


@pytest.mark.parametrize("rule,text", LONGEST, ids=[f"{r}-{i}" for i, (r, _) in enumerate(LONGEST)])
def test_secrets_at_the_edge_of_a_rules_lead_are_found(rule, text):
    out = apply(text)
    assert out.count(f"[REDACTED:{rule}]") >= 1, out


@pytest.mark.parametrize("path", ALL_CORPUS_FILES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_corpus_unchanged(path):
    text = path.read_text(encoding="utf-8")
    assert apply(text) == text


# --- property test -----------------------------------------------------------

SECRET_FRAGMENTS = [(r, t, s) for r, t, s in POSITIVES if isinstance(t, str)]
WEIRD = ['"', "\\", "\n", "\t", "\u2028", "\x00", "\x1f", "é", "日本", "🇷🇺", "\\n", '\\"', "'", "=", ":", "@", "[", "]"]


def random_text(rng: random.Random) -> tuple[str, list[str]]:
    parts, secrets = [], []
    for _ in range(rng.randint(0, 6)):
        roll = rng.random()
        if roll < 0.35:
            _, text, secret = rng.choice(SECRET_FRAGMENTS)
            parts.append(text)
            secrets.append(secret)
        elif roll < 0.6:
            parts.append(rng.choice(BENIGN))
        else:
            parts.append("".join(rng.choice(WEIRD + list("abc XYZ 012")) for _ in range(rng.randint(0, 12))))
    return "\n".join(parts), secrets


def random_value(rng: random.Random, depth: int, secrets: list[str]):
    roll = rng.random()
    if depth < 4 and roll < 0.25:
        d = {}
        for _ in range(rng.randint(0, 4)):
            key = rng.choice(
                [
                    "password",
                    "api_key",
                    "token",
                    "session_id",
                    "max_tokens",
                    "data",
                    "x",
                    "é",
                    "client_secret",
                    "items",
                    "authorization",
                ]
            )
            d[key] = random_value(rng, depth + 1, secrets)
        return d
    if depth < 4 and roll < 0.4:
        return [random_value(rng, depth + 1, secrets) for _ in range(rng.randint(0, 4))]
    if roll < 0.5:
        return rng.choice([None, True, False, 0, -12, 3.5, 5555555555554444, 12345678901234567890])
    text, found = random_text(rng)
    secrets.extend(found)
    return text


@pytest.mark.parametrize("seed", range(40))
def test_random_documents_stay_valid_and_idempotent(seed):
    rng = random.Random(seed)
    for _ in range(25):
        secrets: list[str] = []
        doc = {"hook_event_name": "PostToolUse", "tool_response": random_value(rng, 0, secrets)}
        text = json.dumps(doc, ensure_ascii=rng.random() < 0.5, indent=rng.choice([None, None, 2]))
        once = apply(text)
        json.loads(once)
        assert apply(once) == once
        for secret in secrets:
            assert json.dumps(secret)[1:-1] not in once, secret


# --- validators --------------------------------------------------------------


def test_validators():
    assert luhn_ok("4111 1111 1111 1111") and luhn_ok("378282246310005")
    assert not luhn_ok("4111 1111 1111 1112") and not luhn_ok("4111")
    assert looks_like_credential("abc.def") and looks_like_credential("dXNlcjpwYXNzd29yZA==")
    assert not looks_like_credential("tokens") and not looks_like_credential("authentication")
    assert not looks_like_credential("Authentication") and not looks_like_credential("JWTs")
    assert plausible_secret("hunter2")
    for v in ["$DB_PASS", "${X}", "<password>", "null", "None", "********", "{{ token }}", "%(pw)s"]:
        assert not plausible_secret(v), v


# --- issue 16: context, decoding -----------------------------------------------


@pytest.mark.parametrize(
    "code",
    [
        "interface C { password: string; }",
        "password: str",
        "token: bytes",
        "api_key: SecretStr",
        "secret: Optional[str] = None",
        "password=${VAR}",
        "api_key = os.environ['API_KEY']",
        "token = process.env.X",
        "password = get_password()",
        'password="test"',
    ],
)
def test_type_annotations_references_and_placeholders_survive(code):
    for doc in (as_json(code), as_json("class C:\n    " + code + "\n")):
        assert apply(doc) == doc


@pytest.mark.parametrize(
    "signature",
    [
        'def f(backend: "Backend", private_key: "_DSAPrivateKey") -> None:',
        'def f(private_key: "_DSAPrivateKey", backend: "Backend"):',
        "def load(self, token: 'TokenType') -> None:",
        "def f(api_key: 'Optional[str]' = None):",
        "    async def sign(self, secret_key: 'rsa.RSAPrivateKey',",
    ],
)
def test_a_quoted_forward_reference_annotating_a_parameter_survives(signature):
    doc = as_json(signature)
    assert apply(doc) == doc


@pytest.mark.parametrize(
    "code",
    [
        "def f(password='Tr0ub4dor3x'):",  # the default is a value
        "def f(x, y={password: 'Tr0ub4dor3x', z: 1}):",  # an object's field inside a default
        "undef(password: 'Tr0ub4dor3x', x)",  # no def
        "def f(password: 'Tr0ub&4dor3x'):",  # not a type's shape
        "cfg = { user: 'bob', password: 'Tr0ub4dor3x' }",
    ],
)
def test_a_quoted_value_outside_a_def_parameter_is_still_a_secret(code):
    assert "Tr0ub" not in apply(as_json(code))


def test_random_18_digit_ids_survive_and_cards_in_context_do_not():
    rng = random.Random(16)
    ids = " ".join(str(rng.randrange(10**17, 10**18)) for _ in range(300))
    assert apply(as_json(ids)) == as_json(ids)
    assert "[REDACTED:payment_card]" in apply(as_json("card number 4111111111111111"))


def test_a_u_escaped_secret_is_found_and_its_whole_escaped_span_replaced():
    escaped = "".join(f"\\u{ord(c):04x}" for c in GH_CLASSIC[:6]) + GH_CLASSIC[6:]
    doc = '{"prompt": "use ' + escaped + ' now", "other": "caf\\u00e9"}'
    out = apply(doc)
    assert out == '{"prompt": "use [REDACTED:github_token] now", "other": "caf\\u00e9"}'
    assert json.loads(out)["other"] == "café"


def test_a_secret_split_by_concatenation_is_found():
    doc = as_json('key = "sk-" + "proj-' + fake(ALNUM, 40) + '"')
    assert json.loads(apply(doc))["tool_response"]["stdout"] == 'key = "[REDACTED:openai_api_key]"'


def test_a_github_token_whose_checksum_fails_is_kept():
    wrong = GH_CLASSIC[:-1] + ("A" if GH_CLASSIC[-1] != "A" else "B")
    doc = as_json(f"example {wrong} and {GH_CLASSIC}")
    assert json.loads(apply(doc))["tool_response"]["stdout"] == f"example {wrong} and [REDACTED:github_token]"


@pytest.mark.parametrize(
    "code",
    [
        "const token = await getToken(user);",
        'let password = await prompt("Password: ");',
        "const secret = new SecretClient(vaultUrl, credential);",
        "token = yield take(LOGIN_SUCCESS)",
        "const apiKey = require('./key');",
    ],
)
def test_a_value_that_begins_an_expression_is_code(code):
    """``await``, ``new``, ``yield``... after ``token =`` begin an expression: not a secret value."""
    text = json.dumps({"tool_input": {"content": code}})
    for engine in (ENGINE, REFERENCE):
        out, counts = engine.redact(text)
        assert out == text, (out, counts)
