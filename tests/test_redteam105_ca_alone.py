"""Hundred-fifth red-team pass: redis_tls_ca_file is trusted alone, not beside the system's CAs.

redis-py builds its TLS contexts with ssl.create_default_context(), which loads the system's CAs
(OpenSSL's default paths, SSL_CERT_FILE, SSL_CERT_DIR), and then adds redis_tls_ca_file's: a server
whose certificate a CA of the system's store signed for the host was taken too. Here SSL_CERT_FILE
names a second CA, the "system's", in the process that connects (a process of its own, as a start
makes it: the settings checked, then the connection made), and real TLS redis-servers hold a
certificate from one CA or the other.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from urllib.parse import quote

import pytest

from other_user import needs_root
from redis_topologies import SentinelSetup, TlsFiles
from secure_redis import TlsRedis
from secure_redis import named, system  # noqa: F401 - fixtures

pytestmark = needs_root

# Checks the settings as a start does, then connects as argv[2] says: blocking (hookd tail's client)
# or asyncio (the publisher's).
CHECK_CONNECT = r"""
import asyncio, json, sys
import redis
from hookd.config_errors import SettingError
from hookd.console.settings import load
from hookd.publish.access import check_settings
from hookd.publish.connection import connect, connect_sync
from hookd.publish.failures import describe_failure
from hookd.publish.settings import RedisSettings

async def ping_async(config):
    client = connect(config)
    try:
        return await client.ping()
    finally:
        await client.aclose()

try:
    config = RedisSettings.from_config(load(json.loads(sys.argv[1]), environ={}))
    check_settings(config)
    answer = connect_sync(config).ping() if sys.argv[2] == "sync" else asyncio.run(ping_async(config))
    print("answered", answer)
except SettingError as exc:
    print("refused", exc.setting, exc)
except (redis.exceptions.RedisError, OSError) as exc:
    print("failed", describe_failure(config, exc))
"""


@pytest.fixture(scope="module")
def servers(tmp_path_factory, named, system):
    """A TLS redis-server whose certificate the named CA signed, and one whose the system's CA did."""
    started = {
        "named": TlsRedis(tmp_path_factory.mktemp("named-redis"), named, named.server, require_client_cert=False),
        "system": TlsRedis(tmp_path_factory.mktemp("system-redis"), system, system.server, require_client_cert=False),
    }
    for server in started.values():
        server.start()
    yield started
    for server in started.values():
        server.stop()


def connect(settings: dict[str, str], how: str, system_ca: str) -> str:
    env = {**os.environ, "SSL_CERT_FILE": system_ca}
    env.pop("SSL_CERT_DIR", None)
    values = {"redis_connect_timeout_s": "5", **settings}
    done = subprocess.run(
        [sys.executable, "-c", CHECK_CONNECT, json.dumps(values), how], capture_output=True, timeout=60, env=env
    )
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout.decode().strip()


@pytest.mark.parametrize("how", ["sync", "async"])
def test_a_server_the_system_ca_signed_is_refused_when_redis_tls_ca_file_names_another(servers, named, system, how):
    """Before: answered True, blocking and asyncio (the system's CA was loaded beside the named one)."""
    settings = {"redis_url": servers["system"].tls_url, "redis_tls_ca_file": str(named.ca.cert)}
    said = connect(settings, how, str(system.ca.cert))
    assert said.startswith("failed ") and "TLS certificate verify failed" in said, said
    assert f"({named.ca.cert} did not sign it)" in said, said


def test_a_ca_given_as_text_in_the_url_is_trusted_alone_too(servers, named, system):
    """Before: answered True (ssl_ca_data, taken alone in redis_url, was loaded beside the system's CAs)."""
    query = f"?ssl_ca_data={quote(named.ca.cert.read_text())}"
    said = connect({"redis_url": servers["system"].tls_url + query}, "async", str(system.ca.cert))
    assert said.startswith("failed ") and "TLS certificate verify failed" in said, said
    assert "(the CA in redis_url's ssl_ca_data did not sign it)" in said, said
    assert connect({"redis_url": servers["named"].tls_url + query}, "async", str(system.ca.cert)) == "answered True"


@pytest.mark.parametrize("how", ["sync", "async"])
def test_the_server_the_named_ca_signed_is_taken(servers, named, system, how):
    """A guard: the named CA's server, with the system's CA in SSL_CERT_FILE."""
    settings = {"redis_url": servers["named"].tls_url, "redis_tls_ca_file": str(named.ca.cert)}
    assert connect(settings, how, str(system.ca.cert)) == "answered True"


@pytest.mark.parametrize("how", ["sync", "async"])
def test_without_redis_tls_ca_file_the_system_cas_are_trusted_as_before(servers, system, how):
    """A guard: with no CA named, the system's store is the only trust there is."""
    settings = {"redis_url": servers["system"].tls_url}
    assert connect(settings, how, str(system.ca.cert)) == "answered True"


def test_system_cas_are_not_checked_when_redis_tls_ca_file_is_set(servers, named, system, tmp_path):
    """They are not read then: a system CA file of another user's (a start refused it before) does not
    stop the start; with no CA named it still does."""
    foreign = tmp_path / "foreign-bundle.pem"
    foreign.write_bytes(system.ca.cert.read_bytes())
    os.chown(foreign, 65534, 65534)
    settings = {"redis_url": servers["named"].tls_url, "redis_tls_ca_file": str(named.ca.cert)}
    assert connect(settings, "sync", str(foreign)) == "answered True"
    said = connect({"redis_url": servers["system"].tls_url}, "sync", str(foreign))
    assert said.startswith("refused ") and "SSL_CERT_FILE" in said and "belongs to another user" in said, said


# ---------------------------------------------------------------- Sentinel, with sentinel TLS


@pytest.fixture(scope="module")
def system_sentinel(tmp_path_factory, system):
    """A master and a sentinel speaking TLS only, with certificates the system's CA signed."""
    setup = SentinelSetup(
        tmp_path_factory.mktemp("system-sentinel"),
        replicas=0,
        tls=TlsFiles(system.ca.cert, system.server.cert, system.server.key),
    )
    setup.start()
    yield setup
    setup.stop()


@pytest.mark.parametrize("how", ["sync", "async"])
def test_sentinels_the_system_ca_signed_are_refused_when_redis_tls_ca_file_names_another(
    system_sentinel, named, system, how
):
    """Before: answered True (the sentinel's certificate and the master's, each from the system's CA)."""
    settings = {
        "redis_url": "rediss://unused.invalid:1/0",
        "redis_sentinel": system_sentinel.sentinels,
        "redis_sentinel_master": system_sentinel.master_name,
    }
    assert connect(settings, how, str(system.ca.cert)) == "answered True"  # the control: no CA named
    said = connect({**settings, "redis_tls_ca_file": str(named.ca.cert)}, how, str(system.ca.cert))
    assert said.startswith("failed ") and f"sentinel {system_sentinel.sentinels}: TLS certificate verify failed" in said
    assert f"({named.ca.cert} did not sign it)" in said, said
