"""Fifty-sixth red-team pass: each Redis client keeps the redis_server_accounts it was made with.

redis_server_accounts was a process-wide global in hookd/port_holders.py, set as each Redis client
was made: the last client made decided whom every client already made trusted. A client made with
the default (redis, valkey) after one made with www-data named sent its login to www-data's
listener; the reverse refused a server its own settings named. The accounts now go with each
client's connection classes (replies.bounded), as its other settings do.
"""

from __future__ import annotations

import pytest
import redis

from hookd.config import load
from hookd.publish.connection import connect_sync
from hookd.publish.settings import RedisSettings
from other_user import needs_root
from test_redteam19_redis_owner import SECRET
from test_redteam48_redis_account import www_data_redis  # noqa: F401 - a fixture


def settings(url: str, **environ: str) -> RedisSettings:
    return RedisSettings.from_config(
        load(environ={"HOOKD_REDIS_URL": url, "XDG_CONFIG_HOME": "/nonexistent", **environ})
    )


@needs_root
def test_a_client_made_with_the_default_refuses_www_data_whatever_is_made_after(www_data_redis):
    default = connect_sync(settings(www_data_redis.url))
    connect_sync(settings(www_data_redis.url, HOOKD_REDIS_SERVER_ACCOUNTS='["www-data"]'))  # made after
    with pytest.raises(redis.ConnectionError) as refused:
        default.ping()
    connections, sent = www_data_redis.received()
    assert SECRET.encode() not in sent and sent == b"", sent[:200]  # before: AUTH with the password
    assert "account of redis_server_accounts (redis, valkey)" in str(refused.value), refused.value


@needs_root
def test_a_client_made_naming_www_data_speaks_to_it_whatever_is_made_after(www_data_redis):
    named = connect_sync(settings(www_data_redis.url, HOOKD_REDIS_SERVER_ACCOUNTS='["www-data"]'))
    connect_sync(settings(www_data_redis.url))  # made after, with the default
    try:
        named.ping()
    except redis.RedisError as e:  # the fake answers +OK to all: a refusal of its owner is the failure
        assert "SECURITY" not in str(e), e
    connections, sent = www_data_redis.received()
    assert connections >= 1 and SECRET.encode() in sent, sent[:200]  # before: refused, nothing sent
