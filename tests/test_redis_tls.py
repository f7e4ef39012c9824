"""rediss://: hookd publishes over TLS with verification on, and a TLS mistake costs no event.

Real redis-servers with TLS ports, and certificates made by the test: a CA, a
server certificate for 127.0.0.1, one for another name, a client certificate,
and an unrelated CA.
"""

from __future__ import annotations

import asyncio

import msgspec
import pytest
import redis

from conftest import stream_entries, wait_for_entries
from hookd.console.settings import load
from hookd.publish.connection import connect, connect_sync
from hookd.publish.failures import describe_failure
from hookd.publish.settings import RedisSettings
from secure_redis import TlsRedis, assert_exactly_once, hookd_cli, send_events, wait_for_error, warnings_logged
from secure_redis import certs, mutual_tls_redis  # noqa: F401 - fixtures
from test_status import wait_status


@pytest.fixture(scope="module")
def named_redis(tmp_path_factory, certs):
    """Its certificate holds only the name redis.test, not 127.0.0.1; no client certificate needed."""
    server = TlsRedis(tmp_path_factory.mktemp("named-redis"), certs, certs.named_server, require_client_cert=False)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def admin(mutual_tls_redis):
    """The mutual-TLS server's plain port, emptied for this test."""
    client = mutual_tls_redis.client()
    client.flushall()
    yield client
    client.close()


def settings(url: str, **values: str):
    return load({"redis_url": url, "redis_connect_timeout_s": "2", **values}, environ={})


def ping(config) -> str:
    """'PONG', or what hookd would say about the failure."""
    config = RedisSettings.from_config(config)

    async def go():
        client = connect(config)
        try:
            await client.ping()
            return "PONG"
        except (redis.exceptions.RedisError, OSError) as exc:
            return describe_failure(config, exc)
        finally:
            await client.aclose()

    return asyncio.run(go())


# ---------------------------------------------------------------- publishing over TLS


def test_events_arrive_exactly_once_over_mutual_tls_and_tail_reads_them(hookd_factory, mutual_tls_redis, certs, admin):
    daemon = hookd_factory(redis_url=mutual_tls_redis.tls_url, **certs.client_settings())
    send_events(daemon, range(30))
    wait_for_entries(admin, 30)
    status = wait_status(daemon, lambda s: s["counters"]["published"] == 30, "30 published")
    assert status["redis"]["state"] == "up" and status["spool"]["events"] == 0
    assert_exactly_once(admin, 30)
    # The connection really is TLS: the server lists hookd's client on its TLS port.
    clients = [c for c in admin.client_list() if c.get("name") == "hookd"]
    assert clients and all(c["laddr"].endswith(f":{mutual_tls_redis.tls_port}") for c in clients)

    tail = hookd_cli(daemon.env, "tail", "--since", "1h", "--count", "30", "--json")
    assert tail.returncode == 0, tail.stderr
    envelopes = [msgspec.json.decode(line) for line in tail.stdout.splitlines()]
    assert [e["seq"] for e in envelopes] == [int(f[b"seq"]) for f in stream_entries(admin)]
    assert daemon.stop() == 0


def test_wrong_ca_names_the_setting_spools_the_events_and_they_arrive_once_after_a_restart(
    hookd_factory, mutual_tls_redis, certs, admin
):
    wrong = {**certs.client_settings(), "redis_tls_ca_file": str(certs.other_ca.cert)}
    daemon = hookd_factory(redis_url=mutual_tls_redis.tls_url, breaker_backoff_max_s="0.5", **wrong)
    send_events(daemon, range(12))
    status = wait_for_error(daemon, "certificate verify failed", "set redis_tls_ca_file", str(certs.other_ca.cert))
    wait_status(daemon, lambda s: s["spool"]["events"] == 12, "12 events spooled")
    assert admin.xlen("hookd:events") == 0
    assert status["counters"]["published"] == 0
    assert any("certificate verify failed" in line for line in warnings_logged(daemon))
    code = hookd_cli(daemon.env, "status")
    assert code.returncode == 1 and "redis_tls_ca_file" in code.stdout

    assert daemon.stop() == 0
    daemon.env["HOOKD_REDIS_TLS_CA_FILE"] = str(certs.ca.cert)
    daemon.start()
    send_events(daemon, range(12, 15))
    wait_for_entries(admin, 15, timeout=60)  # a restart on a loaded CI worker took past 20 s
    wait_status(daemon, lambda s: s["spool"]["events"] == 0 and s["redis"]["state"] == "up", "the spool drained")
    assert_exactly_once(admin, 15)
    assert daemon.stop() == 0


def test_missing_client_certificate_names_the_settings_and_the_events_wait(
    hookd_factory, mutual_tls_redis, certs, admin
):
    daemon = hookd_factory(
        redis_url=mutual_tls_redis.tls_url, breaker_backoff_max_s="0.5", redis_tls_ca_file=str(certs.ca.cert)
    )
    send_events(daemon, range(3))
    wait_for_error(daemon, "redis_tls_cert_file", "redis_tls_key_file")
    wait_status(daemon, lambda s: s["spool"]["events"] == 3, "3 events spooled")
    assert admin.xlen("hookd:events") == 0
    assert daemon.stop() == 0


# ---------------------------------------------------------------- what each mistake says


def test_verification_is_on_by_default_and_the_system_cas_do_not_trust_a_private_ca(named_redis):
    message = ping(settings(named_redis.tls_url, redis_tls_server_name="redis.test"))
    assert "certificate verify failed" in message and "set redis_tls_ca_file" in message
    assert "the system's CAs did not sign it" in message


def test_a_certificate_for_another_name_is_refused_and_redis_tls_server_name_accepts_it(named_redis, certs):
    ca = str(certs.ca.cert)
    message = ping(settings(named_redis.tls_url, redis_tls_ca_file=ca))
    assert "mismatch" in message and "redis_tls_server_name" in message
    assert ping(settings(named_redis.tls_url, redis_tls_ca_file=ca, redis_tls_server_name="redis.test")) == "PONG"
    wrong_name = ping(settings(named_redis.tls_url, redis_tls_ca_file=ca, redis_tls_server_name="other.test"))
    assert "mismatch" in wrong_name
    # hookd tail's synchronous client takes the same server name.
    sync = connect_sync(
        RedisSettings.from_config(
            settings(named_redis.tls_url, redis_tls_ca_file=ca, redis_tls_server_name="redis.test")
        )
    )
    try:
        assert sync.ping() is True
    finally:
        sync.close()


def test_turning_verification_off_connects_to_any_certificate(named_redis):
    assert ping(settings(named_redis.tls_url, redis_tls_verify="false")) == "PONG"


def test_a_client_certificate_from_a_ca_the_server_does_not_trust_is_named(mutual_tls_redis, certs):
    message = ping(
        settings(
            mutual_tls_redis.tls_url,
            redis_tls_ca_file=str(certs.ca.cert),
            redis_tls_cert_file=str(certs.stranger.cert),
            redis_tls_key_file=str(certs.stranger.key),
        )
    )
    assert str(certs.stranger.cert) in message and "trust" in message, message


def test_a_key_that_does_not_match_the_client_certificate_is_named(mutual_tls_redis, certs):
    message = ping(
        settings(
            mutual_tls_redis.tls_url,
            redis_tls_ca_file=str(certs.ca.cert),
            redis_tls_cert_file=str(certs.client.cert),
            redis_tls_key_file=str(certs.stranger.key),
        )
    )
    assert "cannot use the client certificate" in message and str(certs.stranger.key) in message


def test_tls_to_a_plain_port_says_to_use_redis_url(mutual_tls_redis, certs):
    url = f"rediss://127.0.0.1:{mutual_tls_redis.port}/0"
    message = ping(settings(url, redis_tls_ca_file=str(certs.ca.cert)))
    assert "use redis://" in message, message


def test_plain_redis_to_a_tls_port_says_to_use_rediss_url(mutual_tls_redis):
    message = ping(settings(f"redis://127.0.0.1:{mutual_tls_redis.tls_port}/0"))
    assert "use rediss://" in message, message


def test_tls_settings_without_rediss_are_refused_as_a_forgotten_rediss(certs):
    with pytest.raises(Exception) as caught:
        settings("redis://127.0.0.1:6379/0", redis_tls_ca_file=str(certs.ca.cert))
    assert "rediss://" in str(caught.value) and "redis_tls_ca_file" in str(caught.value)


def test_a_tls_file_that_does_not_exist_is_named_at_start(tmp_path):
    with pytest.raises(Exception) as caught:
        settings("rediss://127.0.0.1:6379/0", redis_tls_ca_file=str(tmp_path / "nope.pem"))
    assert "redis_tls_ca_file" in str(caught.value) and "does not exist" in str(caught.value)


def test_redis_tls_server_name_is_checked_for_a_clusters_nodes_too(named_redis, certs):
    """redis_cluster with redis_tls_server_name (the hundred-twenty-fifth pass): each node's certificate is checked
    against that name, as one server's is, by the daemon's client and hookd tail's. Before: a Cluster's connections
    ignored the setting ("IP address mismatch, certificate is not valid for '127.0.0.1'"). The server is no Cluster:
    past the TLS handshake, it refuses CLUSTER SLOTS."""
    named = settings(
        named_redis.tls_url,
        redis_cluster="true",
        redis_tls_ca_file=str(certs.ca.cert),
        redis_tls_server_name="redis.test",
    )

    async def daemons() -> None:
        client = connect(RedisSettings.from_config(named))
        try:
            await client.ping()
        finally:
            await client.aclose()

    with pytest.raises(redis.exceptions.RedisClusterException) as refused:
        asyncio.run(daemons())
    assert "Cluster mode is not enabled on this node" in str(refused.value), refused.value
    assert "mismatch" not in str(refused.value), refused.value
    tails = connect_sync(RedisSettings.from_config(named))  # hookd tail's: asks the seed at its first command
    with pytest.raises(redis.exceptions.ConnectionError) as refused:  # topology.LazyCluster's
        tails.ping()
    assert "Cluster mode is not enabled on this node" in str(refused.value), refused.value
