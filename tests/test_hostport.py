"""HOST:PORT parsed once for http_addr, hookd ui --addr, and the Sentinel and Cluster node lists."""

from __future__ import annotations

import pytest

from hookd.hostport import split_host_port
from hookd.ingest.http_setup import split_addr
from hookd.publish.addresses import host_ports
from hookd.config_errors import SettingError
from hookd.ui.server import parse_addr


@pytest.mark.parametrize(
    "text, expected",
    [
        ("127.0.0.1:8787", ("127.0.0.1", 8787)),
        ("[::1]:80", ("::1", 80)),
        ("localhost:65535", ("localhost", 65535)),
        (":80", ("", 80)),
    ],
)
def test_host_and_port(text, expected):
    assert split_host_port(text) == expected


@pytest.mark.parametrize("text", ["127.0.0.1", "h:0", "h:65536", "h:", "h:+80", "h: 80", "h:\u0663", "h:8o", "h:-1"])
def test_not_host_port(text):
    assert split_host_port(text) is None


def test_port_zero_only_where_the_caller_allows_it():
    assert split_host_port("127.0.0.1:0", lowest_port=0) == ("127.0.0.1", 0)
    assert parse_addr("127.0.0.1:0") == ("127.0.0.1", 0)  # hookd ui: any free port
    assert parse_addr(":8790") == ("127.0.0.1", 8790)
    with pytest.raises(ValueError, match="http_addr"):
        split_addr("127.0.0.1:0")
    with pytest.raises(SettingError, match="redis_sentinel entry"):
        host_ports("a:26379,b:0", "redis_sentinel", "h1:26379,h2:26379")


@pytest.mark.parametrize("text", ["[]:80", ":80"])
def test_a_setting_that_names_no_host_is_refused(text):
    with pytest.raises(ValueError, match="http_addr"):
        split_addr(text)
    with pytest.raises(SettingError):
        host_ports(text, "redis_cluster_nodes", "h1:7000")
