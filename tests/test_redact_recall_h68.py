"""Misses left by h65 (h68): rclone's passwords, passwords a command
reads from stdin (a pipe into gpg --passphrase-fd 0, here-strings), camelCase names ending Key or Dsn with no
secret word (StripeKey, in XML pairs too), a double-quoted value in text that JSON quotes inside a payload's
string, and SNMPv3 passphrases. Each case runs through the reference and the engine, which must agree, as a
command (with and without \\u escapes) and in every kind of hook payload. The fake secrets are built from
pieces at run time.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from recall_helpers import PAYLOAD_KINDS, REFERENCE, assert_kept, assert_redacted, assert_redacted_in_payload

sys.path.insert(0, str(Path(__file__).parent / "redaction_corpus"))
from fakes import ALNUM, URLSAFE, Fakes  # noqa: E402

PW = "Xq7vR2m" + "Tz9LwK4pB"
FAKES = Fakes(68)
R40 = FAKES.pick(ALNUM, 40)
OBSCURED = FAKES.pick(URLSAFE, 38)  # rclone obscure's output: base64url of an IV and the ciphertext

SECRETS = [
    # rclone.conf: pass = <obscured> in a section with a type line (any backend), and rclone's commands
    (f"[nas]\ntype = sftp\nhost = nas.lan\nuser = bob\npass = {OBSCURED}\n", OBSCURED),
    (f"[box]\ntype = ftp\nhost = ftp.example.com\nuser = bob\npass = {OBSCURED}\n", OBSCURED),
    (f"[cloud]\ntype = webdav\nurl = https://dav.example.com\nvendor = nextcloud\npass = {OBSCURED}\n", OBSCURED),
    (f"[a]\ntype = s3\n\n[share]\ntype = smb\nhost = srv\npass = {OBSCURED}\n", OBSCURED),
    (f"rclone obscure {PW}", PW),
    (f"rclone obscure '{PW}' > pw.txt", PW),
    (f"rclone config create nas sftp host nas.lan user bob pass {PW}", PW),
    (f"rclone config update nas pass {PW} --obscure", PW),
    # a password fed on stdin: piped into gpg --passphrase-fd 0, or a here-string to any such command
    (f"echo {PW} | gpg --batch --passphrase-fd 0 -d backup.tgz.gpg", PW),
    (f"echo '{PW}' | gpg --batch --yes --pinentry-mode loopback --passphrase-fd 0 -c notes.txt", PW),
    (f"printf '%s' \"{PW}\" | gpg2 --batch --passphrase-fd=0 -d x.gpg", PW),
    (f"gpg --batch --passphrase-fd 0 --decrypt backup.gpg <<< '{PW}'", PW),
    (f'gpg --batch --passphrase-fd 0 -d x.gpg <<< "{PW}"', PW),
    (f"sudo -S apt-get update <<< '{PW}'", PW),
    (f"sudo -k -S true <<< {PW}", PW),
    (f"passwd --stdin deploy <<< '{PW}'", PW),
    (f"chpasswd <<< 'deploy:{PW}'", PW),
    (f"docker login -u bob --password-stdin registry.example.com <<< '{PW}'", PW),
    # camelCase and PascalCase names ending Key or Dsn, a random-looking value: XML pairs, JSON, .env, YAML
    (f'<add key="StripeKey" value="{R40}" />', R40),
    (f'<add key="MailgunKey" value="{R40}"/>', R40),
    (f"<add key='Payments:StripeKey' value='{R40}' />", R40),
    (f'<param name="pusherKey" value="{R40}"/>', R40),
    (f'<entry key="stripeKey">{R40}</entry>', R40),
    (f'<setting name="StripeKey" serializeAs="String">\n  <value>{R40}</value>\n</setting>', R40),
    (json.dumps({"Payments": {"StripeKey": R40}}), R40),
    (f"StripeKey={R40}", R40),
    (f"mailgunKey: {R40}", R40),
    (f'const sentryDsn = "{R40}";', R40),
    # a double-quoted value in text that JSON quotes (a notebook's source, a JSON file's string, jq's output)
    (json.dumps({"content": f'[client]\nuser = root\npassword = "{PW}"\n'}), PW),
    (json.dumps({"source": [f'DB_PASSWORD = "{PW}"\n']}), PW),
    (json.dumps({"c": json.dumps({"content": f'token: "{PW}"'})}), PW),
    # net-snmp's SNMPv3 passphrases, both of them
    (f"snmpwalk -v3 -u bob -l authPriv -a SHA -A {PW} -x AES -X {PW[::-1]} 10.0.0.1", PW),
    (f"snmpwalk -v3 -u bob -l authPriv -a SHA -A {PW[::-1]} -x AES -X {PW} 10.0.0.1", PW),
    (f"snmpget -v3 -l authNoPriv -u bob -a MD5 -A '{PW}' sw1 sysName.0", PW),
    (f"/usr/bin/snmpset -v3 -l authPriv -u bob -A {PW[::-1]} -X {PW} sw1 sysContact.0 s ops", PW),
    (f"snmpbulkwalk -v3 -l authPriv -u bob -a SHA -A{PW} -x AES -X {PW[::-1]} sw1", PW),
    # and the v1/v2c community, but for every device's defaults (public, private)
    (f"snmpwalk -v2c -c {PW} 10.0.0.1 ifTable", PW),
    (f"snmpget -v1 -c '{PW}' sw1 sysName.0", PW),
    (f"/usr/bin/snmpset -v2c -c{PW} sw1 sysContact.0 s ops", PW),
]

# Redacted before this session too: kept as guards.
ALREADY = [
    (f"[gdrive]\ntype = drive\nclient_secret = {PW}\n", PW),
    (f'[gdrive]\ntype = drive\ntoken = {{"access_token":"ya29.{R40}","token_type":"Bearer"}}\n', R40),
    (f"[mega]\ntype = mega\nuser = bob@example.com\npassword = {OBSCURED}\n", OBSCURED),
    (f"rclone lsd remote: --sftp-pass {OBSCURED}", OBSCURED),
    (f"rclone config create nas sftp host=nas.lan user=bob pass={PW}", PW),
    (f"export RCLONE_CONFIG_NAS_PASS={OBSCURED}", OBSCURED),
    (f"gpg --batch --passphrase {PW} -d x.gpg", PW),
    (f"echo {PW} | docker login -u bob --password-stdin", PW),
    (f"echo {PW} | sudo -S apt-get update", PW),
    (f"printf '{PW}\\n' | passwd --stdin deploy", PW),
    (f"echo 'deploy:{PW}' | chpasswd", PW),
    (f'<add key="SendGridApiKey" value="{R40}"/>', R40),
    (f'<add key="PusherSecret" value="{R40[:20]}" />', R40[:20]),
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
    # pass lines that are not rclone's: Perl, Python, INI with no type line, an empty value
    "my $pass = shift;\n$pass = <STDIN>;\npass = True",
    "[server]\nhost = x\npass = kF3nQ9zLp2Xv7RtB8mWc\n",
    "[nas]\ntype = sftp\nhost = x\nuser = bob\npass = \nkey_file = ~/.ssh/id_ed25519",
    "rclone obscure -\nrclone config\nrclone config create nas sftp host x user bob",
    # stdin that holds no password: a file, a variable, a passphrase file, another command's here-string
    "gpg --batch --passphrase-file ~/.gnupg/pw.txt -d x.gpg\ngpg --batch --passphrase-fd 0 -d x.gpg < pw.txt",
    'echo "$GPG_PASSPHRASE" | gpg --batch --passphrase-fd 0 -d x.gpg\ncat pw.txt | gpg --passphrase-fd 0 -d x',
    "gpg -d x.gpg <<< hello\ncat <<< 'some text here'\nsudo tee /etc/motd <<< 'Welcome back'",
    'gpg --batch --passphrase-fd 3 -d x.gpg 3<<< "$PW"\nsudo -S true <<< "$SUDO_PASSWORD"',
    "echo hello | sudo tee /etc/motd\nbc <<< '2+2'",
    # Key names that are not credentials, or values that are not random
    '<add key="CacheKey" value="users"/>\n<add key="PrimaryKey" value="Id"/>\n<add key="SortKey" value="createdAt"/>',
    f'<add key="PublicKey" value="{R40}"/>\n<add key="CacheKey" value="{R40}"/>',
    '<add key="ResourceKey" value="Strings.Title"/>\n<data name="LoginKey"><value>Sign in</value></data>',
    "cacheKey: dashboardStateCacheKey\nprimaryKey: tenant_id\nStripeKey=\nqueryKey: todosListV2Query",
    f'const publicKey = "{R40}";\nconst storageKey = "hookd-settings-v1";\nconst i18nKey = "errors.required";',
    # SNMP's v1/v2c community and options of other commands that are -A and -X
    "snmpwalk -v2c -c public 10.0.0.1\nsnmpwalk -v3 -u bob -l authPriv -A $AUTH -X $PRIV sw1",
    "bash -c 'snmpwalk -v2c -c private sw1'\nsnmpget -v2c -c $COMMUNITY sw1 sysName.0\npython -c 'import x'",
    "curl -X POST -A agent https://example.com/api\nfind . -X\nsort -A x",
    "echo snmpwalk; curl -X POST https://example.com -A Mozilla5Agent7x",
]


@pytest.mark.parametrize("text", KEPT)
def test_a_look_alike_is_kept(text):
    assert_kept(text)


def test_the_reference_knows_every_new_rule():
    names = {rule.name for rule in REFERENCE.rules}
    assert {"gpg_stdin_passphrase", "here_string_secret", "rclone_conf_pass", "rclone_password"} <= names
    assert "snmp_passphrase" in names
