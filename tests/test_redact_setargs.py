"""Secrets a command stores under a name given as an argument, or takes as user:password (fifteenth
session: a probe of 98 command lines that hand a secret over kept 16). Each case runs through the reference
and the engine, which must agree, as a command and in every kind of hook payload; what names or stores
something else is kept. The fake secrets are built from pieces at run time."""

from __future__ import annotations

import pytest
from recall_helpers import PAYLOAD_KINDS, assert_kept, assert_redacted, assert_redacted_in_payload

PW = "Tr0ub4dor" + "Q3xQz9"
TOKEN = "Zk3mQ9pL2vX8" + "rT4wN6yB1cF5hJ7dS0aG"

SECRETS = [
    (f"consul kv put db/password {PW}", PW),
    (f"etcdctl put /app/prod/api_token {TOKEN}", TOKEN),
    (f"pulumi config set --secret dbPassword {PW}", PW),
    (f'dotnet user-secrets set "Db:Password" "{PW}"', PW),
    (f"git config --global github.token {TOKEN}", TOKEN),
    (f"redis-cli config set requirepass {PW}", PW),
    (f"redis-cli CONFIG SET masterauth '{PW}'", PW),
    (f"etcdctl --user root:{PW} get /x", PW),
    (f"java -jar jenkins-cli.jar -s https://ci -auth bob:{TOKEN} build job", TOKEN),
    (f"composer config http-basic.repo.example.com bob {PW}", PW),
    (f"poetry config http-basic.private bob '{PW}'", PW),
    (f"mc alias set local http://localhost:9000 minioadmin {PW}", PW),
    (f"mc config host add s3 https://s3.example.com AKIAEXAMPLE {TOKEN}", TOKEN),
    (f"ansible-vault encrypt_string '{PW}' --name db_password", PW),
    (f"ansible-vault encrypt_string --vault-id prod@prompt '{PW}' --name db_password", PW),
    (f"mosquitto_pub -h broker -u bob -P {PW} -t t -m x", PW),
    (f"mosquitto_sub -h broker -u bob -P '{PW}' -t '#'", PW),
    (f"ncftpput -u bob -p {PW} host /dir file", PW),
    (f"gh secret set API_TOKEN -b{TOKEN}", TOKEN),
]

KEPT = [
    "vault kv put secret/myapp username=bob",
    "kubectl config set-credentials admin --token=$TOKEN",
    "kubectl config set-credentials cluster-admin --client-certificate=admin.crt",
    "git config --global user.name Bob",
    "git config --get credential.helper",
    "git config --global credential.helper store",
    "npm config get //registry.npmjs.org/:_authToken",
    "consul kv get db/password",
    "consul kv put config/token_ttl 3600",
    "etcdctl put /config/tokenizer bert-base-uncased",
    "etcdctl put /app/secret_name my-app-secret",
    "redis-cli config set maxmemory 100mb",
    "pulumi config set --secret dbPassword",
    "pulumi config set aws:region us-east-1",
    "curl --user bob:$PASSWORD https://x.io",
    "mc alias set local http://localhost:9000 $ACCESS_KEY $SECRET_KEY",
    "ansible-vault encrypt_string --stdin-name db_password",
    'dotnet user-secrets set "Db:Password" "$DB_PASSWORD"',
    "poetry config http-basic.foo bob",
    "composer config http-basic.repo.example.com bob $PASSWORD",
    "jenkins-cli -auth @creds.txt build job",
    "mosquitto_pub -h broker -p 1883 -t t -m x",
    "ssh -p 2222 bob@host",
    "gh secret set API_TOKEN --body-file token.txt",
    "config set api_key_header X-Api-Key",
]


@pytest.mark.parametrize(("text", "secret"), SECRETS)
def test_a_secret_stored_or_given_as_an_argument_is_redacted(text, secret):
    assert_redacted(text, secret)


@pytest.mark.parametrize("kind", sorted(PAYLOAD_KINDS))
@pytest.mark.parametrize(("text", "secret"), SECRETS[:8])
def test_in_every_kind_of_payload(text, secret, kind):
    assert_redacted_in_payload(text, secret, kind)


@pytest.mark.parametrize("text", KEPT)
def test_what_names_or_stores_something_else_is_kept(text):
    assert_kept(text)
