"""Hundred-tenth red-team pass: today's merged code (h249-h254).

The system's CA directories (SSL_CERT_DIR) were judged once, by the settings' check at the start,
and then handed to OpenSSL unjudged when a client was made (trusted_files.read_system_cas): a
directory SSL_CERT_DIR names that did not exist at the check (so was not checked) but did when the
client was made, another user's, was trusted. Here a process checks the settings as a start does,
another user (nobody, a real second uid) then makes that directory with its CA in it, and the
process makes its client and connects to a TLS redis-server that CA signed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile

import pytest

from other_user import needs_root, run_as_nobody
from secure_redis import Certs, TlsRedis

pytestmark = needs_root

# Checks the settings as a start does, says so, waits for a line on stdin, then makes its client
# (the publisher's, asyncio) and pings.
CHECK_WAIT_CONNECT = r"""
import asyncio, json, sys
import redis
from hookd.config_errors import SettingError
from hookd.console.settings import load
from hookd.publish.access import check_settings
from hookd.publish.connection import connect
from hookd.publish.failures import describe_failure
from hookd.publish.settings import RedisSettings

async def ping(config):
    client = connect(config)
    try:
        return await client.ping()
    finally:
        await client.aclose()

try:
    config = RedisSettings.from_config(load(json.loads(sys.argv[1]), environ={}))
    check_settings(config)
    print("checked", flush=True)
    sys.stdin.readline()
    print("answered", asyncio.run(ping(config)))
except SettingError as exc:
    print("refused", exc)
except (redis.exceptions.RedisError, OSError) as exc:
    print("failed", describe_failure(config, exc))
"""


@pytest.fixture(scope="module")
def certs(tmp_path_factory) -> Certs:
    return Certs.make(tmp_path_factory.mktemp("certs"))


@pytest.fixture(scope="module")
def server(tmp_path_factory, certs):
    started = TlsRedis(tmp_path_factory.mktemp("redis"), certs, certs.server, require_client_cert=False)
    started.start()
    yield started
    started.stop()


def _hashed_ca_dir(directory: str, name: str, pem: str) -> str:
    """As nobody: a CA directory as OpenSSL reads one (the CA under its subject hash), open to all."""
    os.mkdir(directory, 0o755)
    with open(os.path.join(directory, name), "w") as fh:
        fh.write(pem)
    os.chmod(os.path.join(directory, name), 0o644)
    return directory


def test_a_system_ca_directory_another_user_made_after_the_check_is_refused(certs, server):
    """Before: answered True (the directory, absent at the check, was given to OpenSSL unjudged)."""
    shared = tempfile.mkdtemp(prefix="hk110", dir="/tmp")
    try:
        os.chmod(shared, 0o1777)  # as /tmp: anyone may add a name, only its owner move it
        later = os.path.join(shared, "cas")
        subject_hash = subprocess.run(
            ["openssl", "x509", "-hash", "-noout", "-in", str(certs.ca.cert)],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
        env = {**os.environ, "SSL_CERT_FILE": str(certs.other_ca.cert), "SSL_CERT_DIR": later}
        settings = {"redis_url": server.tls_url, "redis_connect_timeout_s": "5"}
        proc = subprocess.Popen(
            [sys.executable, "-c", CHECK_WAIT_CONNECT, json.dumps(settings)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )
        try:
            assert proc.stdout is not None and proc.stdin is not None
            first = proc.stdout.readline()
            assert first == "checked\n", first + proc.communicate(timeout=60)[1]
            run_as_nobody(_hashed_ca_dir, later, f"{subject_hash}.0", certs.ca.cert.read_text())
            out, err = proc.communicate("go\n", timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        said = out.strip()
        assert said.startswith("refused "), said + err
        assert "SSL_CERT_DIR" in said and later in said and "another user" in said, said
    finally:
        shutil.rmtree(shared, ignore_errors=True)
