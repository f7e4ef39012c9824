"""The settings the publish code reads: how to reach and log in to Redis, and what to write.

Built once from the Config (``RedisSettings.from_config(config)``) by whoever starts the
part (the daemon, ``hookd tail``, ``hookd replay``, ``hookd ui``) and handed to the
connection, topology, sentinel, access and script code, which never see the Config.
Each field is the setting of the same name after the prefix (``url`` is ``redis_url``);
the values were checked for type and range as the Config loaded, and for whether they
work together by ``check`` in topology.py and access.py (run by hookd/console/settings.py).
"""

from __future__ import annotations

from typing import ClassVar

from hookd.config import Section
from hookd.policies import SentinelTls


class RedisSettings(Section, frozen=True, kw_only=True):
    """Where Redis is and how to get in: URL, login, TLS, Sentinel, Cluster, timeouts."""

    prefix: ClassVar[str] = "redis_"

    url: str
    username: str
    password: str
    password_file: str
    tls_ca_file: str
    tls_cert_file: str
    tls_key_file: str
    tls_server_name: str
    tls_verify: bool
    server_accounts: list[str]
    sentinel: str
    sentinel_master: str
    sentinel_username: str
    sentinel_password: str
    sentinel_password_file: str
    sentinel_tls: SentinelTls
    cluster: bool
    cluster_nodes: str
    connect_timeout_s: float
    timeout_s: float
    min_bytes_per_s: int


class PublishSettings(Section, frozen=True, kw_only=True):
    """What the publisher writes and how: the stream and its index, batches, the breaker."""

    stream: str
    stream_maxlen: int
    session_index: bool
    session_retention_s: int
    publish_channel: str
    batch_max_events: int
    batch_max_bytes: int
    publish_linger_ms: float
    redis_wait_replicas: int
    breaker_failures: int
    breaker_backoff_min_s: float
    breaker_backoff_max_s: float
    breaker_trial_timeout_s: float
