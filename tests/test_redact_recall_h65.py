"""Misses left by the thirteenth session (fourteenth session, h65): lftp's user,password, credential names with no
secret word (STRIPE_KEY=), kubeconfig key data, name/value pairs naming a key, and formats people paste (Redis
AUTH, password hashes, OpenVPN and WireGuard keys, psexec, cmdkey, wg genkey's output). Each case runs through the
reference and the engine, which must agree, as a command (with and without \\u escapes) and in every kind of hook
payload. The fake secrets are built from pieces at run time.
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

import pytest
from recall_helpers import PAYLOAD_KINDS, REFERENCE, apply, assert_kept, assert_redacted, assert_redacted_in_payload

sys.path.insert(0, str(Path(__file__).parent / "redaction_corpus"))
from fakes import ALNUM, B64, Fakes  # noqa: E402

PW = "Xq7vR2m" + "Tz9LwK4pB"
FAKES = Fakes(65)
R40 = FAKES.pick(ALNUM, 40)
RAND_B64 = FAKES.pick(B64, 120) + "=="
PEM_B64 = base64.b64encode(FAKES.pem("RSA PRIVATE KEY").encode()).decode()
WG = FAKES.pick(B64, 42) + "A="
SALT = FAKES.pick(ALNUM, 8)
MD5 = FAKES.pick(ALNUM, 22)
SHA512 = FAKES.pick(ALNUM, 86)
BCRYPT = FAKES.pick(ALNUM, 53)
STATIC_KEY = "\n".join(FAKES.pick("0123456789abcdef", 32) for _ in range(16))

SECRETS = [
    # lftp: user,password (a comma), on its command line and in its own open command
    (f"lftp -u deploy,{PW} sftp://files.example.com", PW),
    (f"lftp -u deploy,{PW} ftp.example.com -e 'mirror -R; quit'", PW),
    (f"lftp -e 'open -u deploy,{PW} ftp.example.com; mirror -R'", PW),
    (f'lftp -c "open -u deploy,{PW} sftp://host; put backup.tgz"', PW),
    (f"lftp --user deploy,{PW} ftp.example.com", PW),
    # names with no secret word that hold a credential: _KEY, _SK, _DSN after a provider's or an app's word
    (f"STRIPE_KEY={R40}", R40),
    (f"export OPENAI_KEY={R40}", R40),
    (f"SENDGRID_KEY='{R40}'", R40),
    (f"MAILGUN_KEY={R40}\nMAILGUN_DOMAIN=mg.example.com", R40),
    (f"APP_SK={R40}", R40),
    (f"stripe_key: {R40}", R40),
    (f'const STRIPE_KEY = "{R40}";', R40),
    (f"docker run -e STRIPE_KEY={R40} shop:latest", R40),
    (f"heroku config:set STRIPE_KEY={R40}", R40),
    # kubeconfig: client-key-data that does not decode to a PEM key (encoded_secret takes one that does); token-data
    (f"users:\n- name: admin\n  user:\n    client-key-data: {RAND_B64}\n", RAND_B64),
    (f"    token-data: {R40}\n", R40),
    # name/value pairs whose name names a key or a connection string
    (json.dumps({"name": "primaryKey", "value": R40}), R40),
    (json.dumps([{"name": "secondaryKey", "value": RAND_B64}]), RAND_B64),
    (f"- Name: primaryKey\n  Value: {R40}\n", R40),
    (json.dumps({"name": "StorageConnectionString", "value": f"Endpoint=sb://x/;Key={PW}"}), PW),
    # formats people paste (h65's probe)
    (f"127.0.0.1:6379> AUTH default {PW}\nOK", PW),
    (f"redis-cli -h cache.internal AUTH {PW}", PW),
    (f"AUTH {PW}\nPING", PW),
    (f"admin:$apr1${SALT}${MD5}\n", MD5),
    (f"bob:$2y$10${BCRYPT}\n", BCRYPT),
    (f"root:$6${SALT}${SHA512}:19700:0:99999:7:::\n", SHA512),
    (
        f"<tls-auth>\n-----BEGIN OpenVPN Static key V1-----\n{STATIC_KEY}\n-----END OpenVPN Static key V1-----\n</tls-auth>",
        STATIC_KEY[:32],
    ),
    (f"[Peer]\nPublicKey = {WG[::-1]}\nPresharedKey = {WG}\nAllowedIPs = 10.0.0.0/24", WG),
    (f"psexec \\\\host -u admin -p {PW} cmd", PW),
    (f"cmdkey /add:fileserver /user:bob /pass:{PW}", PW),
]

# Redacted before this session too (the brief's "if not already handled"): kept as guards.
ALREADY = [
    (f"users:\n- name: admin\n  user:\n    client-key-data: {PEM_B64}\n", PEM_B64[:60]),  # encoded_secret
    (f"smbclient //srv/share -U bob%{PW}", PW),
    (f"mount -t cifs //srv/share /mnt -o username=bob,password={PW},vers=3.0", PW),
    (f"GITLAB_PAT={R40}", R40),
    (f"GOOGLE_CREDENTIALS={R40}", R40),
    (f"      auth-provider:\n        config:\n          client-secret: {PW}\n", PW),
    (f"env:\n  - name: DB_PASSWORD\n    value: {PW}\n", PW),
    (f'env:\n- name: API_TOKEN\n  value: "{PW}"\n', PW),
    (json.dumps({"Name": "DbPassword", "Value": PW}), PW),
    (f"[Interface]\nPrivateKey = {WG}\n", WG),
    (f"redis-cli -a {PW} ping", PW),
    (f"requirepass {PW}\nmasterauth {PW}", PW),
]


@pytest.mark.parametrize(("text", "secret"), SECRETS)
@pytest.mark.parametrize("ascii_only", [True, False])
def test_a_secret_is_redacted(text, secret, ascii_only):
    assert_redacted(text, secret, ascii_only=ascii_only)


@pytest.mark.parametrize(("text", "secret"), SECRETS + ALREADY)
@pytest.mark.parametrize("kind", sorted(PAYLOAD_KINDS))
def test_a_secret_is_redacted_in_every_payload(text, secret, kind):
    assert_redacted_in_payload(text, secret, kind)


def test_wg_genkey_output_is_redacted():
    doc = json.dumps(
        {"tool_name": "Bash", "tool_input": {"command": "wg genkey"}, "tool_response": {"stdout": WG + "\n"}}
    )
    assert WG not in apply(doc)


KEPT = [
    # _KEY names that are not credentials, or values that are not random
    "PUBLIC_KEY=ssh-ed25519\nCACHE_KEY=user_profile\nSORT_KEY=created_at\nPRIMARY_KEY=id",
    "KEY=value\nSSH_KEY=~/.ssh/id_ed25519\nGPG_KEY=ABCDEF0123456789",
    "CACHE_KEY=3f9c0e1a7b6d4c2e9f8a1b3c5d7e9f0a\nPUBLIC_KEY=" + R40,
    "STATE_KEY=reduxPersistStateV2\nI18N_KEY=errors.validation.field3Required",
    'const CACHE_KEY = "dashboardStateCacheKey";\nconst SESSION_KEY = "hookd:session:v1";',
    "client-key-data: <base64>\ntoken-data: ${TOKEN}",
    json.dumps({"name": "primaryKey", "value": "id"}),
    json.dumps([{"name": "primaryKey", "value": "tenant_id"}, {"Name": "secondaryKey", "Value": "created_at"}]),
    # Redis prose and placeholders, hashes' look-alikes
    "# requirepass foobared\nrequirepass foobared",
    "AUTH <password>\nthe AUTH command takes a password",
    "redis-cli AUTH $REDIS_PASSWORD",
    'echo "$1$2"\nprice=$5$6',
    "bob:x:1000:1000::/home/bob:/bin/bash\nroot:*:19000:0:99999:7:::",
    "PresharedKey = <base64>\nPublicKey = " + WG,
    # what the first draft took in the Python tree (the harm check): code after private_key, SMTP's mechanism
    "private_key = Ed25519PrivateKey.generate()\nprivate_key = base64.standard_b64decode(private_key)",
    "def _encode(self, private_key: ed25519.Ed25519PrivateKey, f_priv: _FragList) -> None:",
    'self.serv.add_feature("AUTH CRAM-MD5")\nAUTH LOGIN',
    # and over /usr/share/doc and Perl: arithmetic after a _key name, an FTP proxy's AUTH line
    "error_per_key = 100000.0/first_set_max_id",
    "     USER user@remote.host\n     PASS pass\n     AUTH fwuser\n     RESP fwpass",
    # commands whose -u is not lftp's, and options that are not passwords
    "curl -u bob https://x\nssh -u x host\nopen -a Safari",
    "psexec \\\\host -u admin cmd\ncmdkey /list",
]


@pytest.mark.parametrize("text", KEPT)
def test_a_look_alike_is_kept(text):
    assert_kept(text)


def test_the_reference_knows_every_new_rule():
    names = {rule.name for rule in REFERENCE.rules}
    assert {"keyed_name_assignment", "kubeconfig_key_data", "redis_auth", "password_hash"} <= names
    assert {"openvpn_static_key", "wireguard_preshared_key"} <= names
