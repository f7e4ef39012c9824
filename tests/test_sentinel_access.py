"""Sentinels that require a login, and sentinels that speak TLS: hookd run, tail and replay
find the master through them; a wrong setting is named and costs no event; the sentinels'
password stays secret.

Real servers: a master with a password of its own and a replica, and a sentinel that
requires another password (requirepass for its default user, and an ACL user with exactly
the sentinel rule in docs/redis.md); and, with certificates from tls_certs.py, the same with every
server speaking TLS only.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import selectors
import socket
import subprocess
import sys
import threading
from collections.abc import Callable

import pytest

from conftest import REPO, free_port, wait_until
from hookd.config import ConfigError
from hookd.console.settings import load
from hookd.publish.acl import sentinel_rule
from hookd.publish.connection import connect_sync
from hookd.publish.settings import RedisSettings
from redis_proxy import RedisProxy
from redis_topologies import SentinelSetup, TlsFiles
from secure_redis import Certs, assert_exactly_once, assert_secret_hidden, hookd_cli, send_events, wait_for_error
from secure_redis import certs  # noqa: F401 - fixtures
from test_redis_tls import ping as ping_config
from test_status import wait_status

MASTER_PASSWORD = "mAster-pw-71c2"
SENTINEL_PASSWORD = "sEntinel-pw-93a8"
SENTINEL_USER = "hookd-sentinel"
STREAM = "hookd:events"


@pytest.fixture(scope="module")
def locked(tmp_path_factory):
    setup = SentinelSetup(
        tmp_path_factory.mktemp("locked-sentinel"),
        master_password=MASTER_PASSWORD,
        sentinel_password=SENTINEL_PASSWORD,
        sentinel_conf=(
            f"requirepass {SENTINEL_PASSWORD}",
            f"user {SENTINEL_USER} on >{SENTINEL_PASSWORD} {sentinel_rule()}",
            f"user no-sentinel-rights on >{SENTINEL_PASSWORD} -@all +ping",
        ),
    )
    setup.start()
    yield setup
    setup.stop()


@pytest.fixture
def sentinel(locked):
    """The locked setup, its master emptied and the sentinel's ACL log cleared for this test."""
    master = locked.master.client()
    master.flushall()
    locked.sentinel.client().execute_command("ACL", "LOG", "RESET")
    yield locked
    master.close()


def password_file(directory, password: str):
    path = directory / "sentinel.password"
    path.write_text(password + "\n")
    path.chmod(0o600)
    return path


def through(setup: SentinelSetup, url: str = "redis://unused.invalid:1/0", **settings) -> dict:
    """hookd's settings for the master behind ``setup``'s sentinel (redis_url's host is unused)."""
    return {"redis_url": url, "redis_sentinel": setup.sentinels, "redis_sentinel_master": setup.master_name, **settings}


def master_settings(setup: SentinelSetup, **settings) -> dict:
    return through(setup, redis_password=MASTER_PASSWORD, **settings)


def sentinel_acl_log(setup: SentinelSetup) -> list:
    return setup.sentinel.client().execute_command("ACL", "LOG")


def ping(settings: dict) -> str:
    """'PONG' from the master, or what hookd would say about the failure."""
    return ping_config(load({"redis_connect_timeout_s": "2", **settings}, environ={}))


# ---------------------------------------------------------------- a sentinel with a password


@pytest.mark.parametrize(
    "login", [{}, {"redis_sentinel_username": SENTINEL_USER}], ids=["requirepass", "acl user with the documented rule"]
)
def test_events_arrive_once_through_a_sentinel_that_requires_a_password(hookd_factory, sentinel, tmp_path, login):
    secret = password_file(tmp_path, SENTINEL_PASSWORD)
    daemon = hookd_factory(**master_settings(sentinel, redis_sentinel_password_file=str(secret), **login))
    send_events(daemon, range(12))
    master = sentinel.master.client()
    wait_status(daemon, lambda s: s["counters"]["published"] == 12, "12 published")
    assert_exactly_once(master, 12)
    # The blocking client (tail) and replay's find the master through the same sentinel.
    tail = hookd_cli(daemon.env, "tail", "--since", "1h", "--count", "12", "--json")
    assert tail.returncode == 0, tail.stderr
    assert [json.loads(line)["seq"] for line in tail.stdout.splitlines()] == [
        int(f[b"seq"]) for _, f in master.xrange(STREAM)
    ]
    exported = tmp_path / "stream.jsonl"
    exported.write_bytes(b"".join(f[b"envelope"] + b"\n" for _, f in master.xrange(STREAM)))
    replay = hookd_cli(daemon.env, "replay", "--file", str(exported), "--json")
    assert replay.returncode == 0, replay.stderr
    assert (json.loads(replay.stdout)["added"], json.loads(replay.stdout)["skipped"]) == (0, 12)
    assert sentinel_acl_log(sentinel) == []  # the sentinel refused hookd nothing
    assert daemon.stop() == 0


def test_a_wrong_sentinel_password_is_named_and_the_events_wait_in_the_spool(hookd_factory, sentinel, tmp_path):
    secret = password_file(tmp_path, "not-the-password")
    daemon = hookd_factory(
        breaker_backoff_max_s="0.5", **master_settings(sentinel, redis_sentinel_password_file=str(secret))
    )
    send_events(daemon, range(6))
    status = wait_for_error(
        daemon,
        f"sentinel {sentinel.sentinels}: it refused the credentials of user 'default'",
        f"redis_sentinel_password_file {secret}",
    )
    wait_status(daemon, lambda s: s["spool"]["events"] == 6, "6 events spooled")
    assert status["counters"]["published"] == 0
    master = sentinel.master.client()
    assert master.xlen(STREAM) == 0
    told = hookd_cli(daemon.env, "status")
    assert told.returncode == 1 and "redis_sentinel_password_file" in told.stdout
    tail = hookd_cli(daemon.env, "tail", "--count", "1")
    assert tail.returncode != 0 and "redis_sentinel_password_file" in tail.stderr, tail.stderr

    assert daemon.stop() == 0
    secret.write_text(SENTINEL_PASSWORD + "\n")  # the fix; hookd reads the file when it starts
    daemon.start()
    send_events(daemon, range(6, 8))
    wait_status(daemon, lambda s: s["spool"]["events"] == 0 and s["counters"]["published"] == 8, "the spool drained")
    assert_exactly_once(master, 8)
    assert daemon.stop() == 0


@pytest.mark.parametrize(
    "login, says",
    [
        ({}, "it requires a password: set redis_sentinel_password_file"),
        (
            {"redis_sentinel_username": "nobody", "redis_sentinel_password": SENTINEL_PASSWORD},
            "it refused the credentials of user 'nobody'",
        ),
        (
            {"redis_sentinel_username": "no-sentinel-rights", "redis_sentinel_password": SENTINEL_PASSWORD},
            "the sentinel user 'no-sentinel-rights' lacks a permission",
        ),
    ],
    ids=["no password", "unknown user", "user without the rule"],
)
def test_each_sentinel_login_mistake_is_named_with_its_fix(sentinel, login, says):
    message = ping(master_settings(sentinel, **login))
    assert f"sentinel {sentinel.sentinels}: {says}" in message, message
    assert SENTINEL_PASSWORD not in message and MASTER_PASSWORD not in message


def test_the_master_password_is_not_the_sentinels(sentinel):
    """Each side gets its own: the master's password does not open the sentinel, and the
    sentinels' does not open the master."""
    assert "it requires a password" in ping(master_settings(sentinel))
    crossed = ping(through(sentinel, redis_password=SENTINEL_PASSWORD, redis_sentinel_password=MASTER_PASSWORD))
    assert "sentinel" in crossed and "refused the credentials" in crossed
    right = through(sentinel, redis_password=MASTER_PASSWORD, redis_sentinel_password=SENTINEL_PASSWORD)
    assert ping(right) == "PONG"


@pytest.mark.process
@pytest.mark.parametrize("source", ["environment", "file", "wrong password in file"])
def test_the_sentinel_password_never_shows_in_logs_status_config_or_process_arguments(
    hookd_factory, sentinel, tmp_path, source
):
    wrong = source == "wrong password in file"
    given = (
        {"redis_sentinel_password": SENTINEL_PASSWORD}
        if source == "environment"
        else {"redis_sentinel_password_file": str(password_file(tmp_path, SENTINEL_PASSWORD))}
    )
    if wrong:  # the sentinel's password is now another one, so hookd's is refused
        sentinel.sentinel.client().execute_command(
            "ACL", "SETUSER", SENTINEL_USER, ">another-one", f"<{SENTINEL_PASSWORD}"
        )
        given["redis_sentinel_username"] = SENTINEL_USER
    try:
        daemon = hookd_factory(breaker_backoff_max_s="0.5", **master_settings(sentinel, **given))
        send_events(daemon, range(3))
        if wrong:
            wait_for_error(daemon, "refused the credentials", f"user '{SENTINEL_USER}'")
        else:
            wait_status(daemon, lambda s: s["counters"]["published"] == 3, "3 published")
        outputs = assert_secret_hidden(daemon, SENTINEL_PASSWORD)
    finally:
        if wrong:
            sentinel.sentinel.client().execute_command(
                "ACL", "SETUSER", SENTINEL_USER, f">{SENTINEL_PASSWORD}", "<another-one"
            )
    settings = json.loads(outputs["config --json"].stdout)
    if source == "environment":
        assert settings["redis_sentinel_password"] == "****"
    assert settings["redis_password"] == "****"


def test_the_docs_document_the_sentinel_rule_as_the_code_has_it():
    readme = (REPO / "docs" / "redis.md").read_text()
    assert f"user hookd-sentinel on >PASSWORD {sentinel_rule()}" in readme


def test_there_is_no_sentinel_password_flag(hookd_factory):
    daemon = hookd_factory(start=False)
    flag = hookd_cli(daemon.env, "run", "--redis-sentinel-password", SENTINEL_PASSWORD)
    assert flag.returncode == 2 and "--redis-sentinel-password is not accepted" in flag.stderr
    assert SENTINEL_PASSWORD not in flag.stderr and "HOOKD_REDIS_SENTINEL_PASSWORD" in flag.stderr


@pytest.mark.parametrize(
    "values, named",
    [
        ({"redis_sentinel_password": "x"}, "redis_sentinel is not"),
        ({"redis_sentinel_tls": "on"}, "redis_sentinel is not"),
        (
            {
                "redis_sentinel": "a:1",
                "redis_sentinel_master": "m",
                "redis_sentinel_password": "x",
                "redis_sentinel_password_file": "/dev/null",
            },
            "given twice",
        ),
        (
            {"redis_sentinel": "a:1", "redis_sentinel_master": "m", "redis_sentinel_password_file": "/nonexistent/pw"},
            "cannot read redis_sentinel_password_file",
        ),
    ],
)
def test_sentinel_login_settings_that_cannot_work_are_refused(values, named):
    with pytest.raises(ConfigError) as caught:
        load(values, environ={})
    assert named in str(caught.value)


def test_a_sentinel_password_file_other_users_can_read_is_refused_with_the_fix(tmp_path):
    path = password_file(tmp_path, SENTINEL_PASSWORD)
    path.chmod(0o644)
    with pytest.raises(ConfigError) as caught:
        load(
            {"redis_sentinel": "a:1", "redis_sentinel_master": "m", "redis_sentinel_password_file": str(path)},
            environ={},
        )
    assert f"chmod 600 {path}" in str(caught.value) and "redis_sentinel_password_file" in str(caught.value)


# ---------------------------------------------------------------- sentinels that speak TLS


@pytest.fixture(scope="module")
def tls_sentinel(tmp_path_factory, certs):
    """Master, replica and sentinel all speak TLS only; the sentinel also requires a password."""
    setup = SentinelSetup(
        tmp_path_factory.mktemp("tls-sentinel"),
        tls=TlsFiles(certs.ca.cert, certs.server.cert, certs.server.key),
        sentinel_password=SENTINEL_PASSWORD,
        sentinel_conf=(f"requirepass {SENTINEL_PASSWORD}",),
    )
    setup.start()
    yield setup
    setup.stop()


def tls_settings(setup: SentinelSetup, certs: Certs, **settings) -> dict:
    return through(
        setup,
        "rediss://unused.invalid:1/0",
        redis_tls_ca_file=str(certs.ca.cert),
        redis_sentinel_password=SENTINEL_PASSWORD,
        **settings,
    )


def test_events_arrive_once_through_sentinels_that_speak_tls_only(hookd_factory, tls_sentinel, certs):
    master = tls_sentinel.master.client()
    master.flushall()
    daemon = hookd_factory(**tls_settings(tls_sentinel, certs))
    send_events(daemon, range(10))
    wait_status(daemon, lambda s: s["counters"]["published"] == 10, "10 published")
    assert_exactly_once(master, 10)
    tail = hookd_cli(daemon.env, "tail", "--since", "1h", "--count", "10", "--json")
    assert tail.returncode == 0, tail.stderr
    assert len(tail.stdout.splitlines()) == 10
    assert daemon.stop() == 0


def test_sentinels_that_speak_tls_name_the_setting_when_hookd_does_not(tls_sentinel, certs):
    message = ping(tls_settings(tls_sentinel, certs, redis_sentinel_tls="off"))
    assert f"sentinel {tls_sentinel.sentinels}:" in message
    assert 'set redis_sentinel_tls = "on"' in message, message


def test_a_sentinel_certificate_from_another_ca_names_redis_tls_ca_file(tls_sentinel, certs):
    settings = {**tls_settings(tls_sentinel, certs), "redis_tls_ca_file": str(certs.other_ca.cert)}
    message = ping(settings)
    assert f"sentinel {tls_sentinel.sentinels}: TLS certificate verify failed" in message, message
    assert "set redis_tls_ca_file" in message


def test_tls_settings_with_a_plain_master_are_accepted_for_tls_sentinels(certs):
    settings = load(
        {
            "redis_sentinel": "a:1",
            "redis_sentinel_master": "m",
            "redis_sentinel_tls": "on",
            "redis_tls_ca_file": str(certs.ca.cert),
        },
        environ={},
    )
    assert settings.redis_sentinel_tls == "on"
    with pytest.raises(ConfigError, match="rediss://"):
        load(
            {"redis_sentinel": "a:1", "redis_sentinel_master": "m", "redis_tls_ca_file": str(certs.ca.cert)}, environ={}
        )


def test_the_blocking_client_finds_the_master_through_tls_sentinels(tls_sentinel, certs):
    config = load(tls_settings(tls_sentinel, certs), environ={})
    client = connect_sync(RedisSettings.from_config(config))
    try:
        assert client.ping() is True
    finally:
        client.close()


# ---------------------------------------------------------------- several sentinels, each failing its own way


class Mute:
    """A sentinel that takes connections and never answers (a stopped one's port still takes them)."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self.listener.getsockname()[1]}"


def connected(mutes: list[Mute], seen: list[tuple[str, int]], stop: threading.Event) -> None:
    """What came to ``mutes``, in order: ("connect", n) as a connection to mute n came, ("closed", n) as the asker
    closed it; each is held open, unanswered, until the asker closes it."""
    held = []
    with selectors.DefaultSelector() as selector:
        for n, mute in enumerate(mutes):
            selector.register(mute.listener, selectors.EVENT_READ, ("listener", n))
        while not stop.is_set():
            for key, _ in selector.select(0.05):
                kind, n = key.data
                if kind == "listener":
                    conn = key.fileobj.accept()[0]  # type: ignore[union-attr]
                    held.append(conn)
                    selector.register(conn, selectors.EVENT_READ, ("conn", n))
                    seen.append(("connect", n))
                    continue
                try:
                    data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                except OSError:
                    data = b""
                if not data:
                    selector.unregister(key.fileobj)
                    seen.append(("closed", n))
    for conn in held:
        conn.close()


def test_sentinels_that_do_not_answer_are_asked_at_once_not_one_after_another(sentinel):
    """Two sentinels that never answer before the one that does: all are asked at once, under one deadline, so the
    second is asked while the ask of the first is still open (before: only once the first's deadline had passed and
    its connection was closed, one deadline each, and the master watch's second grew by each). The master is found
    through the third."""
    asked_at_once(sentinel, lambda settings: ping(settings) == "PONG", timeout_s="2")


def asked_at_once(setup: SentinelSetup, found: Callable[[dict], bool], timeout_s: str) -> None:
    """Two sentinels that never answer before ``setup``'s: ``found(settings)`` finds the master through them, and
    each of the two was connected to before the other's ask was closed."""
    mutes = [Mute(), Mute()]
    seen: list[tuple[str, int]] = []
    stop = threading.Event()
    watcher = threading.Thread(target=connected, args=(mutes, seen, stop))
    watcher.start()
    try:
        settings = through(
            setup,
            redis_password=MASTER_PASSWORD,
            redis_sentinel_password=SENTINEL_PASSWORD,
            redis_timeout_s=timeout_s,
            redis_connect_timeout_s=timeout_s,
            redis_sentinel=",".join([m.address for m in mutes] + [setup.sentinels]),
        )
        assert found(settings)
        wait_until(lambda: ("closed", 0) in seen and ("closed", 1) in seen, timeout=60, what="both asks closed")
    finally:
        stop.set()
        watcher.join()
        for mute in mutes:
            mute.listener.close()
    assert seen.index(("connect", 1)) < seen.index(("closed", 0)), seen
    assert seen.index(("connect", 0)) < seen.index(("closed", 1)), seen


def test_each_sentinels_own_failure_is_named_not_only_the_first(sentinel):
    """A sentinel not running before one that refuses hookd's password: the refusal, the one to fix, is said too
    (before: only the first failure, and "1 more of the sentinels failed")."""
    gone = f"127.0.0.1:{free_port()}"
    message = ping(
        through(
            sentinel,
            redis_password=MASTER_PASSWORD,
            redis_sentinel_password="not-the-password",
            redis_sentinel=f"{gone},{sentinel.sentinels}",
        )
    )
    assert f"sentinel {gone}: it refused the connection" in message, message
    assert f"sentinel {sentinel.sentinels}: it refused the credentials of user 'default'" in message, message
    assert "redis_sentinel_password (HOOKD_REDIS_SENTINEL_PASSWORD)" in message, message


class SlowLink(RedisProxy):
    """A proxy before a sentinel that passes each command on ``delay_s`` late (a sentinel far away, or busy): each
    command is answered within hookd's timeout, a login and SENTINEL MASTERS together are not."""

    def __init__(self, upstream: str, delay_s: float) -> None:
        host, port = upstream.rsplit(":", 1)
        super().__init__((host, int(port)))
        self.address, self.delay_s, self.closed = f"127.0.0.1:{self.port}", delay_s, threading.Event()

    def intercept(self, command: bytes, client: socket.socket, server: socket.socket, lock: threading.Lock) -> bool:
        self.closed.wait(self.delay_s)  # the fault: the command held on the link, not a wait of the test's
        server.sendall(command)
        return True

    def close(self) -> None:
        self.closed.set()
        super().close()


def test_a_sentinel_that_answers_each_command_in_time_is_not_cut_by_the_ask_deadline(sentinel):
    """Each answer 1.2 s late, redis_timeout_s and redis_connect_timeout_s 2: the login (AUTH) and SENTINEL MASTERS
    each answer within the timeout, as they did when each sentinel was asked in turn. Before, the ask's one deadline
    was the larger of the two timeouts (2 s), and the two answers took 2.4: every ask was cut ("no answer within 2s")
    and no master was ever found through that sentinel."""
    link = SlowLink(sentinel.sentinels, delay_s=1.2)
    try:
        settings = through(
            sentinel,
            redis_password=MASTER_PASSWORD,
            redis_sentinel_password=SENTINEL_PASSWORD,
            redis_timeout_s="2",
            redis_connect_timeout_s="2",
            redis_sentinel=link.address,
        )
        assert ping(settings) == "PONG"
    finally:
        link.close()


# ---------------------------------------------------------------- a sentinel that stays mute (ninety-fourth pass)


class Gate(RedisProxy):
    """A proxy before a sentinel that holds every command while shut: a sentinel that takes connections and does
    not answer (stopped, or overloaded), and that answers again once opened."""

    def __init__(self, upstream: str) -> None:
        host, port = upstream.rsplit(":", 1)
        super().__init__((host, int(port)))
        self.address, self.opened = f"127.0.0.1:{self.port}", threading.Event()

    def intercept(self, command: bytes, client: socket.socket, server: socket.socket, lock: threading.Lock) -> bool:
        self.opened.wait()  # the fault: held while shut, not a wait of the test's
        server.sendall(command)
        return True

    def connections(self) -> int:
        return len(self.socks) // 2  # a client's and the sentinel's socket each

    def close(self) -> None:
        self.opened.set()
        super().close()


def mute_first(setup: SentinelSetup, gate: Gate, timeout_s: str = "1") -> dict:
    return through(
        setup,
        redis_password=MASTER_PASSWORD,
        redis_sentinel_password=SENTINEL_PASSWORD,
        redis_timeout_s=timeout_s,
        redis_connect_timeout_s=timeout_s,
        redis_sentinel=f"{gate.address},{setup.sentinels}",
    )


def test_a_sentinel_that_stayed_mute_is_asked_in_the_background_until_it_answers(sentinel):
    """The first ask waits out the mute sentinel's deadline (it may be the one to flag a failover); after that the
    asks end without it, it is asked beside them, one ask in flight, said (health: status), and once it answers it
    is waited for again. Before, every ask waited for it to its deadline: a new connection to it each ask, and
    within an ask three more (redis-py's default retries, each to redis_timeout_s)."""
    from hookd.publish.connection import connect
    from hookd.publish.sentinel import report_to
    from hookd.state import RedisHealth

    gate = Gate(sentinel.sentinels)
    settings = RedisSettings.from_config(load(mute_first(sentinel, gate), environ={}))
    health = RedisHealth()

    async def asks() -> tuple[list, int, int, int, list]:
        client = connect(settings)
        report_to(client, health, str)
        ask = client.connection_pool.sentinel_manager.discover_master
        try:
            named = [await ask(sentinel.master_name)]  # the first: waited for to the deadline
            mute, before = list(health.sentinels_mute), gate.connections()
            named += [await ask(sentinel.master_name) for _ in range(3)]
            during = gate.connections() - before
            gate.opened.set()
            deadline = asyncio.get_running_loop().time() + 15
            while health.sentinels_mute and asyncio.get_running_loop().time() < deadline:
                named.append(await ask(sentinel.master_name))
                await asyncio.sleep(0.05)
            return named, before, during, health.sentinel_mutes, mute
        finally:
            await client.aclose()

    try:
        named, first, during, times, mute = asyncio.run(asks())
    finally:
        gate.close()
    master = ("127.0.0.1", sentinel.master.port)
    assert {(host, int(port)) for host, port in named} == {master}, named
    assert mute == [gate.address]
    assert first == 1, f"the first ask connected {first} times: redis-py's retries, each to the timeout"
    assert during < 3, f"{during} connections to the mute sentinel in 3 asks: each waited for it"
    assert health.sentinels_mute == [], "it answered again, and is waited for again"
    assert times == 1


def test_the_blocking_client_asks_the_sentinels_at_once_as_the_daemon_does(sentinel):
    """hookd tail's and replay's blocking client: two sentinels that never answer before the one that does are
    asked at once (before: redis-py's ask, one after another, each to its timeout), and closing the client ends
    the thread its asks run on."""

    def found(settings: dict) -> bool:
        client = connect_sync(RedisSettings.from_config(load(settings, environ={})))
        try:
            return client.ping() is True
        finally:
            client.close()

    asked_at_once(sentinel, found, timeout_s="1")
    assert not [t for t in threading.enumerate() if t.name == "hookd-sentinels"], "the asks' thread outlived close"


def test_a_mute_sentinel_is_said_in_status_and_costs_no_event(hookd_factory, sentinel):
    """A daemon whose first sentinel stays mute publishes every event once, through the other, and status says the
    mute one (before: nothing in status, and each of the master watch's asks held to the mute one's deadline)."""
    from hookd import config as hookd_config
    from hookd.control import status, status_text

    gate = Gate(sentinel.sentinels)
    try:
        daemon = hookd_factory(**mute_first(sentinel, gate))
        send_events(daemon, range(6))
        wait_status(
            daemon,
            lambda s: s["counters"]["published"] == 6 and s["redis"].get("sentinels_mute") == [gate.address],
            "6 published and the mute sentinel said",
        )
        assert_exactly_once(sentinel.master.client(), 6)
        code, document = status.gather(hookd_config.load({}, daemon.env))  # what `hookd status` shows
        shown = status_text.render(document, code, False)
        assert f"sentinel {gate.address} mute: asked in the background, not waited for (1 time)" in shown, shown
        assert daemon.stop() == 0
    finally:
        gate.close()


def test_tail_and_replay_say_a_mute_sentinel_on_stderr(sentinel, tmp_path, capsys, monkeypatch):
    """`hookd replay` and `hookd tail` find the master through the sentinel that answers, and say on stderr the one
    that stayed mute, with the settings and the fix, as the daemon logs it (before: nothing; their first ask waited
    out its deadline, and a failover it leads went unseen, with no word of it)."""
    from hookd.cli import main
    from test_replay import envelope, replay, write_jsonl

    gate = Gate(sentinel.sentinels)
    try:
        settings = mute_first(sentinel, gate)
        for name, value in settings.items():
            monkeypatch.setenv(f"HOOKD_{name.upper()}", value)
        events = tmp_path / "events.jsonl"
        now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")  # within tail's --since
        write_jsonl(events, [{**envelope("h97", n), "received_at": now} for n in (1, 2)])
        said = f"sentinel {gate.address} did not answer within 2s (redis_connect_timeout_s, redis_timeout_s)"
        code, out, err = replay(capsys, tmp_path / "state", settings["redis_url"], "--file", str(events), "--json")
        assert code == 0 and json.loads(out)["added"] == 2, err
        assert f"hookd replay: {said}" in err and "take it out of redis_sentinel" in err, err
        config = tmp_path / "config.toml"
        code = main(["tail", "--config", str(config), "--since", "1h", "--count", "2", "--json"])
        out, err = capsys.readouterr()
        assert code == 0 and len(out.splitlines()) == 2, err
        assert f"hookd tail: {said}" in err, err  # before the fix of its timeouts: "within 5s", tail's read's own
    finally:
        gate.close()


def test_a_sentinel_user_losing_its_permission_mid_run_is_said_and_costs_no_event(hookd_factory, sentinel):
    """`ACL SETUSER hookd-sentinel -sentinel|masters` while events flow: the stream's connection goes on, and the
    master watch's asks fail. Before, nothing said it (status up, no log line) while the watch heard no failover;
    now the sentinel and its fix are said and counted, no event is lost, and it is cleared once it answers again."""
    daemon = hookd_factory(
        **through(
            sentinel,
            redis_password=MASTER_PASSWORD,
            redis_sentinel_password=SENTINEL_PASSWORD,
            redis_sentinel_username=SENTINEL_USER,
        )
    )
    send_events(daemon, range(5))
    wait_status(daemon, lambda s: s["counters"]["published"] == 5, "5 published")
    acl = sentinel.sentinel.client()
    acl.execute_command("ACL", "SETUSER", SENTINEL_USER, "-sentinel|masters")
    try:
        status = wait_status(daemon, lambda s: s["redis"].get("sentinels_failing"), "the sentinel's failure said")
        assert status["redis"]["sentinels_failing"] == {
            sentinel.sentinels: f"the sentinel user '{SENTINEL_USER}' lacks a permission hookd needs (this user has "
            "no permissions to run the 'sentinel|masters' command); give it the sentinels' rule in the 'Redis ACL' "
            "section of docs/redis.md"
        }
        assert status["redis"]["sentinel_failures"] == 1
        send_events(daemon, range(5, 10))
        wait_status(daemon, lambda s: s["counters"]["published"] == 10, "10 published")
    finally:
        acl.execute_command("ACL", "SETUSER", SENTINEL_USER, "+sentinel|masters")
    wait_status(daemon, lambda s: not s["redis"]["sentinels_failing"], "the sentinel answering again")
    assert_exactly_once(sentinel.master.client(), 10)
    assert daemon.stop() == 0


def test_the_only_sentinel_mute_is_said_as_no_master_at_each_ask(sentinel):
    """Every sentinel mute: the asks after the first wait for none (all asked in the background) and each says so
    as a NoMaster; before this pass's own fix to it, an ask with no sentinel left to wait for raised ValueError
    (asyncio.wait of nothing), which ended the publisher task (task_failed, hookd stopped)."""
    from hookd.publish.connection import connect
    from hookd.publish.failures import describe_failure
    from hookd.publish.sentinel import NoMaster

    gate = Gate(sentinel.sentinels)
    settings = RedisSettings.from_config(load({**mute_first(sentinel, gate), "redis_sentinel": gate.address}, {}))

    async def asks() -> list[str]:
        client = connect(settings)
        said = []
        try:
            for _ in range(3):
                try:
                    await client.connection_pool.sentinel_manager.discover_master(sentinel.master_name)
                except NoMaster as exc:
                    said.append(describe_failure(settings, exc))
            return said
        finally:
            await client.aclose()

    try:
        said = asyncio.run(asks())
    finally:
        gate.close()
    assert len(said) == 3, said
    assert "it did not answer within 1s" in said[0], said
    for later in said[1:]:
        assert "and is asked in the background, not waited for, until it answers" in later, later


LEFT_OPEN = """
import json, sys
from hookd.console.settings import load
from hookd.publish.connection import connect_sync
from hookd.publish.settings import RedisSettings
client = connect_sync(RedisSettings.from_config(load(json.loads(sys.argv[1]), environ={})))
print(client.ping())
"""


def test_a_blocking_client_left_open_does_not_hold_the_process_at_exit(sentinel):
    """The blocking client's asks run on a loop thread of their own; a process that leaves the client to redis-py's
    __del__ (as hookd tail does) exits: a close that waited for that thread, stopped at the interpreter's exit, hung."""
    settings = through(sentinel, redis_password=MASTER_PASSWORD, redis_sentinel_password=SENTINEL_PASSWORD)
    done = subprocess.run(
        [sys.executable, "-c", LEFT_OPEN, json.dumps(settings)], capture_output=True, text=True, timeout=30, cwd=REPO
    )
    assert (done.returncode, done.stdout.strip()) == (0, "True"), done.stderr[-2000:]
