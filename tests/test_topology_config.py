"""Sentinel and Cluster settings: what is accepted, and errors that name the setting to fix."""

from __future__ import annotations

import pytest
import redis.exceptions

from hookd.config import ConfigError
from hookd.console.settings import load
from hookd.publish.failures import describe_failure
from hookd.publish.settings import RedisSettings
from hookd.publish.topology import describe, sentinel_addresses


def config(**environ: str):
    return load(
        environ={
            "XDG_CONFIG_HOME": "/nonexistent",  # no config file
            **{f"HOOKD_{k.upper()}": v for k, v in environ.items()},
        }
    )


def test_sentinel_addresses_are_host_port_pairs():
    assert sentinel_addresses("10.0.0.5:26379, sentinel-b:26380,[::1]:26381") == [
        ("10.0.0.5", 26379),
        ("sentinel-b", 26380),
        ("::1", 26381),
    ]


@pytest.mark.parametrize(
    "environ, blamed, says",
    [
        ({"redis_sentinel": "a:26379,b"}, "HOOKD_REDIS_SENTINEL", "entry 'b' is not HOST:PORT"),
        ({"redis_sentinel": "a:26379"}, "HOOKD_REDIS_SENTINEL", "needs redis_sentinel_master"),
        (
            {"redis_sentinel": "a:1", "redis_sentinel_master": "m", "redis_cluster": "true"},
            "HOOKD_REDIS_CLUSTER",
            "cannot both be set",
        ),
        ({"redis_cluster": "true", "redis_url": "redis://node:7000/3"}, "HOOKD_REDIS_URL", "only database 0"),
        ({"redis_cluster": "true", "redis_url": "unix:///run/redis.sock"}, "HOOKD_REDIS_URL", "not unix://"),
    ],
)
def test_settings_that_cannot_work_name_what_to_change(environ, blamed, says):
    with pytest.raises(ConfigError) as caught:
        config(**environ)
    assert blamed in str(caught.value) and says in str(caught.value)


def test_where_hookd_publishes_is_described_without_the_password():
    cluster = RedisSettings.from_config(config(redis_cluster="true", redis_url="redis://hookd:s3cret@node:7000"))
    assert describe(cluster) == "redis cluster at redis://hookd:****@node:7000"
    sentinel = RedisSettings.from_config(
        config(
            redis_sentinel="a:26379,b:26379", redis_sentinel_master="main", redis_url="redis://hookd:s3cret@ignored/2"
        )
    )
    assert describe(sentinel) == "redis master 'main' (sentinels a:26379,b:26379)"
    assert "s3cret" not in describe_failure(sentinel, redis.exceptions.ConnectionError("x"))


def test_a_slot_on_the_move_is_named_as_such():
    cluster = RedisSettings.from_config(config(redis_cluster="true", redis_url="redis://node:7000"))
    message = describe_failure(cluster, redis.exceptions.AskError("3999 127.0.0.1:7001"))
    assert "moving the stream's hash slot" in message
