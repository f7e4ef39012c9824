"""The quick start's `make run` as a user who cannot install packages (h152): it needs only what hookd
runs on, and scripts/dev-redis starts a redis-server where redis_url points, or says why it cannot
and what to set instead."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import REPO, free_port

DEV_REDIS = REPO / "scripts" / "dev-redis"
pytestmark = pytest.mark.skipif(not (REPO / ".venv" / "bin" / "hookd").exists(), reason="needs make setup's .venv")


def _path_without(tmp_path: Path, *names: str) -> str:
    """A PATH of links to every command on this one but ``names`` (and the package managers, so that
    nothing is installed from a test)."""
    farm = tmp_path / "bin"
    farm.mkdir()
    for directory in os.environ["PATH"].split(os.pathsep):
        if not os.path.isdir(directory):
            continue
        for name in os.listdir(directory):
            skip = name.startswith(names) or name in ("apt-get", "sudo")
            if not skip and not (farm / name).exists():
                (farm / name).symlink_to(os.path.join(directory, name))
    return str(farm)


def _dev_redis(tmp_path: Path, redis_url: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": path or os.environ["PATH"],
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "HOOKD_REDIS_URL": redis_url,
    }
    return subprocess.run([str(DEV_REDIS)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)


def _answers(port: int) -> bool:
    ping = subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True, timeout=10)
    return ping.stdout.strip() == "PONG"


def test_make_run_needs_none_of_the_test_tools():
    # systemd's tools, chromium and strace are for the suite; installing them as a user without sudo
    # failed make run (install-systemd-tools exits 1), and as root made the first run pull chromium.
    dry = subprocess.run(["make", "-n", "run"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert dry.returncode == 0, dry.stderr
    for tool in ("install-systemd-tools", "install-chromium", "install-strace", "install-node", "npm ci"):
        assert tool not in dry.stdout, dry.stdout
    assert "scripts/dev-redis" in dry.stdout and "hookd run" in dry.stdout, dry.stdout
    setup = subprocess.run(["make", "-n", "setup"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert "install-systemd-tools" in setup.stdout and "install-redis-server" in setup.stdout, setup.stdout
    # eslint for make lint comes with setup (-B: even where node_modules/ is already installed)
    every = subprocess.run(["make", "-n", "-B", "setup"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert "scripts/install-node" in every.stdout and "npm ci" in every.stdout, every.stdout


def test_dev_redis_without_redis_server_names_the_setting_and_the_fix(tmp_path):
    port = free_port()
    result = _dev_redis(tmp_path, f"redis://127.0.0.1:{port}/0", _path_without(tmp_path, "redis-"))
    assert result.returncode == 1, result
    assert f"nothing answers at redis_url (redis://127.0.0.1:{port})" in result.stderr, result.stderr
    assert "redis-server is not on PATH" in result.stderr, result.stderr
    assert "apt-get install redis-server" in result.stderr and "HOOKD_REDIS_URL=" in result.stderr, result.stderr


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")
def test_dev_redis_starts_one_where_redis_url_points(tmp_path):
    port = free_port()
    result = _dev_redis(tmp_path, f"redis://127.0.0.1:{port}/0")
    try:
        assert result.returncode == 0, result
        assert _answers(port), result.stderr
        assert f"started redis-server on 127.0.0.1:{port}" in result.stderr, result.stderr
        assert (tmp_path / ".run" / f"redis-{port}" / "redis.pid").exists()
        again = _dev_redis(tmp_path, f"redis://127.0.0.1:{port}/0")  # it answers now: nothing more
        assert again.returncode == 0 and again.stderr == "", again
    finally:
        subprocess.run(["redis-cli", "-p", str(port), "shutdown", "nosave"], capture_output=True, timeout=10)


def test_dev_redis_leaves_a_redis_elsewhere_or_with_a_password_alone(tmp_path):
    port = free_port()
    for url in (f"redis://:pw@127.0.0.1:{port}/0", f"rediss://127.0.0.1:{port}/0", "redis://192.0.2.1:6379/0"):
        result = _dev_redis(tmp_path, url)
        assert result.returncode == 0 and result.stderr == "", (url, result)
    assert not _answers(port)
    assert not (tmp_path / ".run").exists()


def test_install_node_without_node_or_a_package_manager_says_what_to_install(tmp_path):
    # make setup goes on (the suite needs no node), and make lint then says eslint is missing
    path = _path_without(tmp_path, "node", "npm", "npx", "corepack")
    env = {"PATH": path, "HOME": str(tmp_path)}
    result = subprocess.run(
        [str(REPO / "scripts" / "install-node")], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result
    assert result.stdout == "", result.stdout
    assert "node or npm is missing" in result.stderr and "nodejs and npm" in result.stderr, result.stderr
