"""Hundred-seventh red-team pass: a Cluster over TLS trusts redis_tls_ca_file alone, node by node.

A real three-master Cluster speaking TLS only (its bus too): two nodes hold a certificate the named
CA (redis_tls_ca_file) signed, the third one a second CA signed, the CA a real `hookd run` process
finds in its system store (SSL_CERT_FILE). hookd learns of every node from the seed, as a Cluster
client does, and each node's connection is made from the class replies.bounded gives it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from pathlib import Path

from conftest import log_records, stream_entries, wait_until
from redis_topologies import Cluster, TlsFiles
from secure_redis import send_events
from secure_redis import named, system  # noqa: F401 - fixtures
from test_status import wait_status


@pytest.fixture(scope="module")
def both_cas(tmp_path_factory, named, system):
    both = tmp_path_factory.mktemp("both") / "both-cas.pem"
    both.write_bytes(named.ca.cert.read_bytes() + system.ca.cert.read_bytes())
    return both


@pytest.fixture(scope="module")
def mixed_cluster(tmp_path_factory, named, system, both_cas):
    """Three TLS-only masters, no replicas; the last one's certificate is the system CA's. The nodes
    (and the tests' own clients) trust both CAs, so the bus joins them."""
    where, both = tmp_path_factory.mktemp("tls-cluster"), both_cas
    client = (named.client.cert, named.client.key)  # for the bus, which checks the client's certificate
    tls = [TlsFiles(both, named.server.cert, named.server.key, *client)] * 2
    tls.append(TlsFiles(both, system.server.cert, system.server.key, *client))
    cluster = Cluster(where, masters=3, tls=tls)
    cluster.start()
    yield cluster
    cluster.stop()


def stream_on(cluster: Cluster, node: int) -> str:
    """A stream name whose slot the cluster's ``node`` serves."""
    return next(name for n in range(1000) if cluster.owner(name := f"tls-events-{n}") is cluster.nodes[node])


def tls_daemon(factory, cluster: Cluster, system_cas: Path, stream: str, **settings: str):
    """A real hookd run, seeded with a node the named CA signed, ``system_cas`` in SSL_CERT_FILE."""
    daemon = factory(
        redis_url=cluster.url, redis_cluster="true", stream=stream, redis_connect_timeout_s="5", start=False, **settings
    )
    daemon.env["SSL_CERT_FILE"] = str(system_cas)
    daemon.env.pop("SSL_CERT_DIR", None)
    daemon.env.pop("SSLKEYLOGFILE", None)
    return daemon


def test_hookd_publishes_to_a_tls_cluster_the_named_ca_signed(hookd_process_factory, mixed_cluster, named, system):
    stream = stream_on(mixed_cluster, 0)
    daemon = tls_daemon(
        hookd_process_factory, mixed_cluster, system.ca.cert, stream, redis_tls_ca_file=str(named.ca.cert)
    ).start()
    send_events(daemon, range(5))
    client = mixed_cluster.client()
    try:
        wait_until(lambda: client.xlen(stream) == 5, timeout=30, what="5 events in the stream")
        entries = stream_entries(client, stream)
        assert len(entries) == 5
    finally:
        client.close()
    assert daemon.stop() == 0


def test_a_cluster_node_the_system_ca_signed_is_refused(hookd_process_factory, mixed_cluster, named, system):
    """Before (redis_tls_ca_file trusted beside the system's CAs): the node the system's CA signed
    took the events."""
    stream = stream_on(mixed_cluster, 2)
    daemon = tls_daemon(
        hookd_process_factory, mixed_cluster, system.ca.cert, stream, redis_tls_ca_file=str(named.ca.cert)
    ).start()
    send_events(daemon, range(3))
    said = wait_status(
        daemon,
        lambda s: s["redis"]["state"] == "down" and "TLS certificate verify failed" in (s["redis"]["last_error"] or ""),
        "redis down: certificate verify failed",
        30,
    )
    assert f"({named.ca.cert} did not sign it)" in said["redis"]["last_error"], said["redis"]
    client = mixed_cluster.client()
    try:
        assert client.exists(stream) == 0
    finally:
        client.close()
    assert daemon.stop() == 0
    assert any(r.get("event") == "redis_down" for r in log_records(daemon.log_text()))


def test_hookd_writes_no_tls_keys_where_sslkeylogfile_points(hookd_process_factory, mixed_cluster, both_cas, tmp_path):
    """With no CA named, the system's CAs (here both) trusted. Before: ssl.create_default_context()
    created the file SSLKEYLOGFILE names (0644 by the umask, a link followed) and wrote each TLS
    session's secrets to it; hookd_started said nothing of it."""
    keys = tmp_path / "keys.log"
    stream = stream_on(mixed_cluster, 2)
    daemon = tls_daemon(hookd_process_factory, mixed_cluster, both_cas, stream)
    daemon.env["SSLKEYLOGFILE"] = str(keys)
    daemon.start()
    send_events(daemon, range(3))
    client = mixed_cluster.client()
    try:
        wait_until(lambda: client.xlen(stream) == 3, timeout=30, what="3 events in the stream")
    finally:
        client.close()
    assert daemon.stop() == 0
    assert not keys.exists()
    said = [r for r in log_records(daemon.log_text()) if r.get("event") == "tls_keylog_ignored"]
    assert len(said) == 1 and said[0]["path"] == str(keys), said


# Makes a blocking client (hookd tail's) or an asyncio one (the publisher's) with the settings
# argv[1] gives, then puts argv[3]'s bytes in the file argv[2] (SSL_CERT_FILE), then pings.
SWAP_THEN_PING = r"""
import asyncio, json, pathlib, sys
import redis
from hookd.console.settings import load
from hookd.publish.connection import connect, connect_sync
from hookd.publish.failures import describe_failure
from hookd.publish.settings import RedisSettings

config = RedisSettings.from_config(load(json.loads(sys.argv[1]), environ={}))
how = sys.argv[4]

async def ping_async(client):
    try:
        return await client.ping()
    finally:
        await client.aclose()

client = connect_sync(config) if how == "sync" else connect(config)
pathlib.Path(sys.argv[2]).write_bytes(pathlib.Path(sys.argv[3]).read_bytes())
try:
    print("answered", client.ping() if how == "sync" else asyncio.run(ping_async(client)))
except (redis.exceptions.RedisError, OSError) as exc:
    print("failed", describe_failure(config, exc))
"""


@pytest.mark.parametrize("how", ["sync", "async"])
def test_the_system_ca_file_is_read_as_the_client_is_made_and_keys_are_not_logged(
    mixed_cluster, named, system, tmp_path, how
):
    """SSL_CERT_FILE holds the system CA as the client is made, then the named one only (a store
    changed while hookd runs). Before: OpenSSL read the file by path at the first connection, took
    the new store, and refused the node the system CA signed; and wrote the session's keys to
    SSLKEYLOGFILE."""
    store, keys = tmp_path / "store.pem", tmp_path / "keys.log"
    store.write_bytes(system.ca.cert.read_bytes())
    env = {**os.environ, "SSL_CERT_FILE": str(store), "SSLKEYLOGFILE": str(keys)}
    env.pop("SSL_CERT_DIR", None)
    settings = {"redis_url": f"rediss://{mixed_cluster.nodes[2].address}/0", "redis_connect_timeout_s": "5"}
    done = subprocess.run(
        [sys.executable, "-c", SWAP_THEN_PING, json.dumps(settings), str(store), str(named.ca.cert), how],
        capture_output=True,
        timeout=60,
        env=env,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode().strip() == "answered True"
    assert not keys.exists()
