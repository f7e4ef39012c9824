"""HTTP hooks end to end: http.client -> hookd's HTTP listener -> spool -> a real Redis."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time

import pytest

from conftest import ALL_CORPUS_FILES, CORPUS, REPO, RedisServer, free_port, log_records, wait_for_entries, wait_until
from hookd.config import ConfigError
from hookd.console.settings import load


def start_http_hookd(hookd_factory, **settings):
    daemon = hookd_factory(http_addr=f"127.0.0.1:{free_port()}", **settings)
    daemon.http_port = int(daemon.env["HOOKD_HTTP_ADDR"].rpartition(":")[2])
    wait_until(lambda: _accepts(daemon.http_port), what="the HTTP listener")
    daemon.token = (daemon.state_dir / "http.token").read_text().strip()
    return daemon


def _accepts(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def connect(daemon) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", daemon.http_port, timeout=10)


def post(conn, body: bytes, token: str | None, path: str = "/hook", **headers):
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    conn.request("POST", path, body=body, headers={"Content-Type": "application/json", **headers})
    response = conn.getresponse()
    return response, response.read()


@pytest.fixture
def http_hookd(hookd_factory, redis_db):
    return start_http_hookd(hookd_factory)


def test_every_corpus_event_posted_on_one_keep_alive_connection_arrives_intact(http_hookd, redis_db):
    conn = connect(http_hookd)
    first_socket = None
    for path in ALL_CORPUS_FILES:
        response, body = post(conn, path.read_bytes(), http_hookd.token)
        assert (response.status, body) == (200, b"{}"), (path.name, body)
        assert response.getheader("Content-Type") == "application/json"
        first_socket = first_socket or conn.sock
        assert conn.sock is first_socket, "the connection was not kept alive"
    conn.close()
    entries = wait_for_entries(redis_db, len(ALL_CORPUS_FILES))
    assert len(entries) == len(ALL_CORPUS_FILES)
    for path, fields in zip(ALL_CORPUS_FILES, entries):
        sent = json.loads(path.read_bytes())
        envelope = json.loads(fields[b"envelope"])
        assert envelope["payload"] == sent, path.name
        assert fields[b"hook"].decode() == sent["hook_event_name"]
        assert fields[b"session"].decode() == sent.get("session_id", "")
        assert fields[b"tool"].decode() == sent.get("tool_name", "")
        assert envelope["client"] is None and envelope["sent_at"] is None


def test_unknown_and_unicode_payloads_pass_through_byte_for_byte(http_hookd, redis_db):
    names = ("user_prompt_unicode.json", "future_event_unknown_fields.json")
    conn = connect(http_hookd)
    for name in names:
        assert post(conn, (CORPUS / name).read_bytes(), http_hookd.token)[0].status == 200
    for name, fields in zip(names, wait_for_entries(redis_db, 2)):
        assert (CORPUS / name).read_bytes().strip() in fields[b"envelope"]


def test_the_event_name_in_the_path_is_used_only_when_the_payload_has_none(http_hookd, redis_db):
    conn = connect(http_hookd)
    post(conn, b'{"session_id": "a"}', http_hookd.token, "/hook/SessionEnd")
    post(conn, b'{"hook_event_name": "Stop", "session_id": "b"}', http_hookd.token, "/hook/PreToolUse")
    post(conn, b'{"session_id": "c"}', http_hookd.token, "/hook")
    hooks = [f[b"hook"] for f in wait_for_entries(redis_db, 3)]
    assert hooks == [b"SessionEnd", b"Stop", b"unknown"]


def test_a_missing_or_wrong_token_gets_401_and_nothing_is_published(http_hookd, redis_db):
    wrong = "w" * 43
    conn = connect(http_hookd)
    for headers in (
        {},
        {"Authorization": f"Bearer {wrong}"},
        {"Authorization": "Bearer "},
        {"Authorization": f"Basic {http_hookd.token}"},
        {"Authorization": f"Bearer {http_hookd.token}x"},
    ):
        response, body = post(conn, b'{"hook_event_name": "Stop", "session_id": "intruder"}', None, **headers)
        assert response.status == 401, headers
        assert json.loads(body)["error"] == "unauthorized"
    response, _ = post(conn, b'{"hook_event_name": "Stop", "session_id": "owner"}', http_hookd.token)
    assert response.status == 200
    (fields,) = wait_for_entries(redis_db, 1)
    assert fields[b"session"] == b"owner"
    time.sleep(0.3)
    assert redis_db.xlen("hookd:events") == 1
    log = http_hookd.log_text()
    assert http_hookd.token not in log and wrong not in log
    assert any(r.get("event") == "http_request_refused" and r.get("status") == 401 for r in log_records(log))


def test_bad_json_gets_400_and_the_next_request_on_the_same_connection_goes_through(http_hookd, redis_db):
    conn = connect(http_hookd)
    for bad, reason in (
        (b'{"hook_event_name": "Stop",', "not_json"),
        (b"[1, 2]", "not_object"),
        (b"", "empty"),
        (b'{"a": "\xff"}', "invalid_utf8"),
    ):
        response, body = post(conn, bad, http_hookd.token)
        assert response.status == 400, bad
        assert json.loads(body)["error"] == reason
        assert response.getheader("Connection") != "close"
    sock = conn.sock
    response, body = post(conn, b'{"hook_event_name": "Stop", "session_id": "after"}', http_hookd.token)
    assert (response.status, body, conn.sock) == (200, b"{}", sock)
    (fields,) = wait_for_entries(redis_db, 1)
    assert fields[b"session"] == b"after"
    rejected = [r["reason"] for r in log_records(http_hookd.log_text()) if r.get("event") == "event_rejected"]
    assert rejected == ["not_json", "not_object", "empty", "invalid_utf8"]


def test_a_body_over_the_limit_gets_413_and_the_connection_is_closed(hookd_factory, redis_db):
    daemon = start_http_hookd(hookd_factory, max_event_bytes="1024")
    big = json.dumps({"hook_event_name": "Stop", "text": "x" * 2000}).encode()
    conn = connect(daemon)
    response, body = post(conn, big, daemon.token)
    assert response.status == 413 and json.loads(body)["error"] == "too_large"
    assert response.getheader("Connection") == "close"
    conn.close()
    conn = connect(daemon)  # chunked: no length to check up front
    conn.request(
        "POST",
        "/hook",
        body=iter([big[:1000], big[1000:]]),
        encode_chunked=True,
        headers={"Authorization": f"Bearer {daemon.token}"},
    )
    response = conn.getresponse()
    assert response.status == 413 and json.loads(response.read())["error"] == "too_large"
    conn.close()
    conn = connect(daemon)
    small = b'{"hook_event_name": "Stop", "session_id": "small"}'
    conn.request(
        "POST",
        "/hook",
        body=iter([small[:10], small[10:]]),
        encode_chunked=True,
        headers={"Authorization": f"Bearer {daemon.token}"},
    )
    assert conn.getresponse().status == 200
    (fields,) = wait_for_entries(redis_db, 1)
    assert fields[b"session"] == b"small"
    reasons = [r["reason"] for r in log_records(daemon.log_text()) if r.get("event") == "event_rejected"]
    assert reasons == ["too_large", "too_large"]


def test_other_methods_and_paths_are_refused_and_the_connection_stays_usable(http_hookd, redis_db):
    conn = connect(http_hookd)
    conn.request("GET", "/hook")
    response = conn.getresponse()  # the token first: without it, nothing else is said
    assert (response.status, response.getheader("Allow")) == (401, None)
    response.read()
    conn.request("GET", "/hook", headers={"Authorization": f"Bearer {http_hookd.token}"})
    response = conn.getresponse()
    assert (response.status, response.getheader("Allow")) == (405, "POST")
    response.read()
    paths = (
        ("/", "not_found"),
        ("/metrics", "not_found"),
        ("/hook/bad%20name", "bad_hook_name"),
        ("/hooks", "not_found"),
    )
    for path, error in paths:
        response, body = post(conn, b"{}", http_hookd.token, path)
        assert response.status == 404, path
        assert json.loads(body)["error"] == error
    assert post(conn, b'{"hook_event_name": "Stop"}', http_hookd.token)[0].status == 200
    wait_for_entries(redis_db, 1)


def test_pipelined_requests_are_answered_in_order(http_hookd, redis_db):
    def request(body: bytes) -> bytes:
        return b"POST /hook HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\nContent-Length: %d\r\n\r\n%s" % (
            http_hookd.token.encode(),
            len(body),
            body,
        )

    with socket.create_connection(("127.0.0.1", http_hookd.http_port), timeout=10) as s:
        s.sendall(request(b'{"session_id": "1"}') + request(b"nope") + request(b'{"session_id": "3"}'))
        answers = b""
        while answers.count(b"HTTP/1.1 ") < 3 or not answers.endswith(b"}"):
            answers += s.recv(65536)
    statuses = [int(part[:3]) for part in answers.split(b"HTTP/1.1 ")[1:]]
    assert statuses == [200, 400, 200]
    sessions = [f[b"session"] for f in wait_for_entries(redis_db, 2)]
    assert sessions == [b"1", b"3"]


def test_nothing_after_a_request_that_asks_to_close_is_taken(http_hookd, redis_db):
    def request(body: bytes, connection: bytes) -> bytes:
        return (
            b"POST /hook HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer %s\r\nConnection: %s\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (http_hookd.token.encode(), connection, len(body), body)
        )

    with socket.create_connection(("127.0.0.1", http_hookd.http_port), timeout=10) as s:
        s.sendall(request(b'{"session_id": "first"}', b"close") + request(b'{"session_id": "2"}', b"keep-alive"))
        answer = b"".join(iter(lambda: s.recv(65536), b""))
    assert answer.count(b"HTTP/1.1 ") == 1 and answer.startswith(b"HTTP/1.1 200 ")
    assert b"Connection: close" in answer
    (fields,) = wait_for_entries(redis_db, 1)
    assert fields[b"session"] == b"first"
    assert http_hookd.stop() == 0  # everything spooled has been published by the drain
    assert redis_db.xlen("hookd:events") == 1


def test_a_slow_client_gets_408_and_a_silent_one_is_closed(hookd_factory, redis_db):
    daemon = start_http_hookd(hookd_factory, client_timeout_s="0.5")
    with socket.create_connection(("127.0.0.1", daemon.http_port), timeout=10) as s:
        s.sendall(
            b"POST /hook HTTP/1.1\r\nHost: [::1]\r\nAuthorization: Bearer %s\r\n"
            b'Content-Length: 100\r\n\r\n{"hook' % daemon.token.encode()
        )
        answer = b"".join(iter(lambda: s.recv(65536), b""))
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert json.loads(answer.partition(b"\r\n\r\n")[2])["error"] == "timeout"
    with socket.create_connection(("127.0.0.1", daemon.http_port), timeout=10) as s:
        assert s.recv(65536) == b""  # nothing sent, nothing answered: closed
    reasons = [r["reason"] for r in log_records(daemon.log_text()) if r.get("event") == "event_rejected"]
    assert reasons == ["timeout"]


@pytest.mark.process
def test_a_non_loopback_address_is_refused_at_startup(hookd_factory):
    daemon = hookd_factory(start=False, http_addr=f"0.0.0.0:{free_port()}")
    daemon.start(wait=False)
    assert daemon.proc.wait(30) == 78  # EX_CONFIG
    log = daemon.log_text()
    assert "http_addr 0.0.0.0" in log and "not a loopback address" in log
    assert "http_allow_public = true" in log
    assert not daemon.socket.exists()


@pytest.mark.process
def test_an_address_in_use_stops_the_start_with_a_clear_message(hookd_factory):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        daemon = hookd_factory(start=False, http_addr=f"127.0.0.1:{port}")
        daemon.start(wait=False)
        assert daemon.proc.wait(30) == 1
    assert f"cannot listen on 127.0.0.1:{port} for HTTP hooks: Address already in use" in daemon.log_text()


def test_addresses_the_config_accepts_and_refuses(tmp_path):
    base = {"XDG_CONFIG_HOME": str(tmp_path / "config"), "HOME": str(tmp_path)}
    for addr in ("127.0.0.1:8787", "[::1]:8787", "localhost:8787", "127.0.0.2:1"):
        assert load(environ={**base, "HOOKD_HTTP_ADDR": addr}).http_addr == addr
    for addr in ("0.0.0.0:8787", "192.168.1.5:80", "[::]:8787", "example.com:80", "127.0.0.1", "127.0.0.1:0", ":8787"):
        with pytest.raises(ConfigError, match="http_addr"):
            load(environ={**base, "HOOKD_HTTP_ADDR": addr})
    public = load(environ={**base, "HOOKD_HTTP_ADDR": "0.0.0.0:8787", "HOOKD_HTTP_ALLOW_PUBLIC": "true"})
    assert public.http_allow_public


def test_the_token_file_is_created_0600_in_a_private_directory_and_kept_across_restarts(http_hookd):
    path = http_hookd.state_dir / "http.token"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert len(http_hookd.token) >= 40
    assert http_hookd.stop() == 0
    http_hookd.start()
    wait_until(lambda: _accepts(http_hookd.http_port), what="the HTTP listener")
    assert path.read_text().strip() == http_hookd.token
    assert post(connect(http_hookd), b'{"hook_event_name": "Stop"}', http_hookd.token)[0].status == 200


@pytest.mark.process
def test_a_token_file_others_can_read_stops_the_start(hookd_factory, tmp_path):
    token_file = tmp_path / "tokens" / "http.token"
    token_file.parent.mkdir(mode=0o700)
    token_file.write_text("s" * 40 + "\n")
    token_file.chmod(0o644)
    daemon = hookd_factory(start=False, http_addr=f"127.0.0.1:{free_port()}", http_token_file=str(token_file))
    daemon.start(wait=False)
    assert daemon.proc.wait(30) == 1
    log = daemon.log_text()
    assert "can be read by other users (mode 0644)" in log and "s" * 40 not in log
    token_file.chmod(0o600)
    daemon.start()
    daemon.http_port = int(daemon.env["HOOKD_HTTP_ADDR"].rpartition(":")[2])
    wait_until(lambda: _accepts(daemon.http_port), what="the HTTP listener")
    assert post(connect(daemon), b'{"hook_event_name": "Stop"}', "s" * 40)[0].status == 200


@pytest.mark.process
def test_an_acknowledged_event_survives_redis_down_and_kill_9(hookd_factory, tmp_path):
    redis = RedisServer(tmp_path / "late-redis")
    daemon = start_http_hookd(hookd_factory, redis_url=redis.url, spool_fsync="batch")
    response, body = post(connect(daemon), b'{"hook_event_name": "Stop", "session_id": "kept"}', daemon.token)
    assert (response.status, body) == (200, b"{}")
    daemon.proc.kill()  # the 200 promised the event was on disk
    daemon.proc.wait()
    daemon.log.close()
    redis.start()
    try:
        daemon.start()
        (fields,) = wait_for_entries(redis.client(), 1)
        assert fields[b"session"] == b"kept"
    finally:
        redis.stop()


def test_a_full_spool_answers_503(hookd_factory, tmp_path):
    redis = RedisServer(tmp_path / "never-started")
    daemon = start_http_hookd(hookd_factory, redis_url=redis.url, spool_max_bytes=str(1 << 20))
    body = json.dumps({"hook_event_name": "PostToolUse", "tool_response": "x" * 100_000}).encode()
    statuses = []
    conn = connect(daemon)
    for _ in range(40):
        response, answer = post(conn, body, daemon.token)
        statuses.append(response.status)
        if response.status != 200:
            assert json.loads(answer)["error"] == "unavailable"
            assert response.getheader("Connection") == "close"
            break
    assert statuses[0] == 200 and statuses[-1] == 503
    assert '"spool_full"' in daemon.log_text()


@pytest.mark.process
def test_a_request_arriving_during_shutdown_is_finished_and_kept(hookd_factory, redis_db):
    daemon = start_http_hookd(hookd_factory)
    body = b'{"hook_event_name": "Stop", "session_id": "in-flight"}'
    with socket.create_connection(("127.0.0.1", daemon.http_port), timeout=10) as s:
        s.sendall(
            b"POST /hook HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\nContent-Length: %d\r\n\r\n%s"
            % (daemon.token.encode(), len(body), body[:10])
        )
        time.sleep(0.3)
        daemon.proc.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        s.sendall(body[10:])
        answer = b"".join(iter(lambda: s.recv(65536), b""))
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert daemon.proc.wait(30) == 0
    (fields,) = wait_for_entries(redis_db, 1)
    assert fields[b"session"] == b"in-flight"


def test_status_shows_the_listener_and_its_answers(http_hookd, redis_db):
    conn = connect(http_hookd)
    post(conn, b'{"hook_event_name": "Stop"}', http_hookd.token)
    post(conn, b'{"hook_event_name": "Stop"}', "wrong-token-value-000000")
    out = subprocess.run(
        [sys.executable, "-m", "hookd", "status", "--json"],
        env=http_hookd.env,
        capture_output=True,
        timeout=30,
        cwd=REPO,
    )
    status = json.loads(out.stdout)
    assert status["http"]["addr"] == http_hookd.env["HOOKD_HTTP_ADDR"]
    assert status["http"]["by_status"] == {"200": 1, "401": 1}
    assert status["http"]["connections"] == 1
    text = subprocess.run(
        [sys.executable, "-m", "hookd", "status"],
        env=http_hookd.env,
        capture_output=True,
        timeout=30,
        cwd=REPO,
        text=True,
    ).stdout
    assert f"http://{http_hookd.env['HOOKD_HTTP_ADDR']}/hook" in text and "401 1" in text


def test_without_http_addr_no_port_is_opened_and_status_says_nothing_of_http(hookd, redis_db):
    out = subprocess.run(
        [sys.executable, "-m", "hookd", "status", "--json"], env=hookd.env, capture_output=True, timeout=30, cwd=REPO
    )
    assert json.loads(out.stdout)["http"] is None
    assert not (hookd.state_dir / "http.token").exists()
    assert os.path.exists(hookd.socket)


def test_an_empty_bearer_token_is_answered_with_the_variable_to_set_and_how(http_hookd, redis_db):
    """What Claude Code sends when HOOKD_HTTP_TOKEN is not in its environment: `Bearer ` and
    nothing. The answer (shown in Claude Code's hook errors) and the log name the variable and the
    fix, not only allowedEnvVars, which hookd's own hooks always list (h136's first hour)."""
    conn = connect(http_hookd)
    response, body = post(conn, b'{"hook_event_name": "Stop", "session_id": "s"}', None, Authorization="Bearer ")
    assert response.status == 401
    message = json.loads(body)["message"]
    assert "HOOKD_HTTP_TOKEN" in message and "not set" in message and "export HOOKD_HTTP_TOKEN=" in message
    wait_until(lambda: "http_request_refused" in http_hookd.log_text(), what="the refusal's log line")
    [logged] = [r for r in log_records(http_hookd.log_text()) if r.get("event") == "http_request_refused"]
    assert logged["detail"] == message
