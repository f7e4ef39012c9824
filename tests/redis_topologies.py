"""Real Redis Cluster and Sentinel deployments on loopback, for the availability tests.

Each server is a redis-server process with its own directory and free port; a
test can SIGKILL any of them. Nothing here sleeps for a fixed time: every step
waits until the servers report the state it needs.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
from pathlib import Path
from typing import NamedTuple

import redis

from conftest import free_port, wait_until


def _binary(name: str) -> str:
    return shutil.which(name) or f"/usr/bin/{name}"


class TlsFiles(NamedTuple):
    """What a TLS-only server is started with: its certificate and key, and the CA of both sides;
    and the certificate it presents as a client (a Cluster's bus always checks one), if not ``cert``."""

    ca: Path
    cert: Path
    key: Path
    client_cert: Path | None = None
    client_key: Path | None = None


class Server:
    """One redis-server (or sentinel) process. With ``tls`` it speaks TLS only, on ``port``;
    with ``password``, the tests' own clients log in with it."""

    def __init__(
        self,
        workdir: Path,
        *extra: str,
        sentinel_conf: Path | None = None,
        tls: TlsFiles | None = None,
        password: str | None = None,
    ) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.extra = extra
        self.sentinel_conf = sentinel_conf
        self.tls = tls
        self.password = password
        self.proc: subprocess.Popen | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        args = [_binary("redis-server")]
        if self.sentinel_conf is not None:
            args += [str(self.sentinel_conf), "--sentinel"]
        args += [
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.workdir),
            "--logfile",
            str(self.workdir / "redis.log"),
        ]
        if self.sentinel_conf is None:
            # A master waits 5 s (by default) for more replicas before a diskless full sync:
            # every start of a replica set, and every failover, paid it.
            args += ["--repl-diskless-sync-delay", "0"]
        if self.tls is not None:  # the plain port off; TLS to masters too (replicas, sentinels)
            args += [
                "--port",
                "0",
                "--tls-port",
                str(self.port),
                "--tls-cert-file",
                str(self.tls.cert),
                "--tls-key-file",
                str(self.tls.key),
                "--tls-ca-cert-file",
                str(self.tls.ca),
                "--tls-auth-clients",
                "no",
                "--tls-replication",
                "yes",
            ]
            if self.tls.client_cert is not None and self.tls.client_key is not None:
                args += ["--tls-client-cert-file", str(self.tls.client_cert)]
                args += ["--tls-client-key-file", str(self.tls.client_key)]
        args += self.extra
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(self.answers, what=f"redis-server on port {self.port}")

    def answers(self) -> bool:
        try:
            return self.client(socket_timeout=0.5).ping()
        except redis.exceptions.RedisError:
            return False

    def client(self, **kwargs) -> redis.Redis:
        if self.tls is not None:
            kwargs = {"ssl": True, "ssl_ca_certs": str(self.tls.ca), **kwargs}
        if self.password is not None:
            kwargs.setdefault("password", self.password)
        return redis.Redis(port=self.port, **kwargs)

    def noscript_refusals(self) -> int:
        """How many commands this server refused with NOSCRIPT since its stats were reset: hookd loads
        the publish script as it connects, so a batch never finds it missing (unless flushed)."""
        with self.client() as client:
            return int(client.info("errorstats").get("errorstat_NOSCRIPT", {}).get("count", 0))

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        self.proc = None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None


class Cluster:
    """``masters`` masters with ``replicas`` replicas each, made by ``redis-cli --cluster create``.
    With ``tls`` (one for all, or one a node) every node speaks TLS only, the cluster bus too, and
    announces its TLS port; the tests' own clients trust the first node's CA."""

    def __init__(
        self, workdir: Path, masters: int = 3, replicas: int = 0, tls: TlsFiles | list[TlsFiles] | None = None
    ) -> None:
        count = masters * (1 + replicas)
        node_tls = tls if isinstance(tls, list) else [tls] * count
        self.tls = node_tls[0]
        self.nodes = []
        for n in range(count):
            node_dir = workdir / f"node{n}"
            bus = free_port()
            self.nodes.append(
                Server(
                    node_dir,
                    "--cluster-enabled",
                    "yes",
                    "--cluster-port",
                    str(bus),
                    "--cluster-config-file",
                    str(node_dir / "nodes.conf"),
                    "--cluster-node-timeout",
                    "1000",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    *(("--tls-cluster", "yes") if node_tls[n] is not None else ()),
                    tls=node_tls[n],
                )
            )
        self.replicas = replicas

    def start(self) -> None:
        for node in self.nodes:
            node.start()
        subprocess.run(
            [
                _binary("redis-cli"),
                *(("--tls", "--cacert", str(self.tls.ca)) if self.tls is not None else ()),
                "--cluster",
                "create",
                *(node.address for node in self.nodes),
                "--cluster-replicas",
                str(self.replicas),
                "--cluster-yes",
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
        wait_until(self.healthy, timeout=30, what="the cluster to report cluster_state:ok")
        wait_until(self.replicated, timeout=30, what="every replica to be in sync with its master")

    def replicated(self) -> bool:
        for node in self.live():
            info = node.client().info("replication")
            if info["role"] == "master" and info["connected_slaves"] != self.replicas:
                return False
            if info["role"] == "slave" and info["master_link_status"] != "up":
                return False
        return True

    def healthy(self) -> bool:
        """Every live node says the cluster is ok and agrees on who serves every slot."""
        views = set()
        for node in self.live():
            try:
                client = node.client(socket_timeout=1)
                if client.cluster("info")["cluster_state"] != "ok":
                    return False
                views.add(tuple(sorted((s[0], s[1], s[2][1]) for s in client.execute_command("CLUSTER", "SLOTS"))))
            except redis.exceptions.RedisError:
                return False
        return len(views) == 1

    def live(self) -> list[Server]:
        return [node for node in self.nodes if node.proc is not None]

    @property
    def url(self) -> str:
        return f"{'rediss' if self.tls is not None else 'redis'}://{self.nodes[0].address}"

    def client(self) -> redis.RedisCluster:
        tls = {} if self.tls is None else {"ssl": True, "ssl_ca_certs": str(self.tls.ca)}
        return redis.RedisCluster(host="127.0.0.1", port=self.live()[0].port, **tls)

    def owner(self, key: str) -> Server:
        """The master serving the key's slot, as the cluster says now."""
        client = self.live()[0].client()
        slot = client.cluster("keyslot", key)
        slots = client.execute_command("CLUSTER", "SLOTS")
        for start, end, master, *_ in slots:
            if start <= slot <= end:
                for node in self.nodes:
                    if node.port == master[1]:
                        return node
                ports = [node.port for node in self.nodes]
                raise AssertionError(f"slot {slot} is served by {master}, not one of {ports}: {slots}")
        raise AssertionError(f"no node serves slot {slot}")

    def stop(self) -> None:
        for node in self.nodes:
            node.kill()


class SentinelSetup:
    """A master, ``replicas`` replicas of it, and ``sentinels`` sentinels (a majority their quorum) watching
    them as ``master_name``; ``sentinel`` is the first.

    ``master_password`` is the master's and the replicas' requirepass; ``sentinel_conf``
    lines are added to the sentinel's configuration (its requirepass, users); with ``tls``
    every server speaks TLS only.
    """

    master_name = "hookdmaster"

    def __init__(
        self,
        workdir: Path,
        replicas: int = 1,
        master_password: str | None = None,
        sentinel_conf: tuple[str, ...] = (),
        sentinel_password: str | None = None,
        tls: TlsFiles | None = None,
        sentinels: int = 1,
    ) -> None:
        common = ("--save", "", "--appendonly", "no")
        if master_password is not None:
            common += ("--requirepass", master_password, "--masterauth", master_password)
        self.master = Server(workdir / "master", *common, tls=tls, password=master_password)
        self.replicas = [
            Server(workdir / f"replica{n}", *common, tls=tls, password=master_password) for n in range(replicas)
        ]
        self.master_password = master_password
        self.sentinel_lines = sentinel_conf
        self.sentinel_conf = workdir / "sentinel" / "sentinel.conf"
        self.all_sentinels = [
            Server(
                workdir / f"sentinel{'' if n == 0 else n}",
                sentinel_conf=self.sentinel_conf.parent.with_name(f"sentinel{'' if n == 0 else n}") / "sentinel.conf",
                tls=tls,
                password=sentinel_password,
            )
            for n in range(sentinels)
        ]
        self.sentinel = self.all_sentinels[0]

    def start(self) -> None:
        self.master.start()
        for replica in self.replicas:
            replica.extra += ("--replicaof", "127.0.0.1", str(self.master.port))
            replica.start()
        wait_until(lambda: self.in_sync(self.master), what="the replicas to sync with the master")
        quorum = len(self.all_sentinels) // 2 + 1
        for sentinel in self.all_sentinels:
            self._start_sentinel(sentinel, quorum)

    def _start_sentinel(self, sentinel: Server, quorum: int) -> None:
        assert sentinel.sentinel_conf is not None
        sentinel.sentinel_conf.parent.mkdir(parents=True, exist_ok=True)
        # Sentinel rewrites its configuration file as it learns, so it must be writable.
        sentinel.sentinel_conf.write_text(
            f"sentinel monitor {self.master_name} 127.0.0.1 {self.master.port} {quorum}\n"
            f"sentinel down-after-milliseconds {self.master_name} 1000\n"
            f"sentinel failover-timeout {self.master_name} 10000\n"
            + (f"sentinel auth-pass {self.master_name} {self.master_password}\n" if self.master_password else "")
            + "".join(line + "\n" for line in self.sentinel_lines)
        )
        sentinel.start()
        wait_until(
            lambda: len(sentinel.client().sentinel_slaves(self.master_name)) == len(self.replicas),
            what="the sentinel to discover the replicas",
        )

    def in_sync(self, master: Server, replicas: int | None = None) -> bool:
        """The master has ``replicas`` (default: all the others) online replicas."""
        info = master.client().info("replication")
        online = [
            v for k, v in info.items() if k.startswith("slave") and isinstance(v, dict) and v.get("state") == "online"
        ]
        return len(online) == (len(self.replicas) if replicas is None else replicas)

    @property
    def sentinels(self) -> str:
        return ",".join(sentinel.address for sentinel in self.all_sentinels)

    def current_master(self) -> Server:
        port = int(self.sentinel.client().sentinel_get_master_addr_by_name(self.master_name)[1])
        return next(s for s in (self.master, *self.replicas) if s.port == port)

    def stop(self) -> None:
        for server in (*self.all_sentinels, *self.replicas, self.master):
            server.kill()


def assert_lost_at_most_one_window(entries, expected: dict[str, list[int]]) -> dict[str, list[int]]:
    """Without WAIT a failover may lose what the old master acknowledged and had not yet
    replicated: per sender, one unbroken run of its numbers. Nothing may be repeated, out of
    order, or missing anywhere else. Returns what each sender lost."""
    by_sender: dict[str, list[int]] = {}
    for sender, n in entries:
        by_sender.setdefault(sender, []).append(n)
    lost = {}
    for sender, numbers in expected.items():
        got = by_sender.get(sender, [])
        assert got == sorted(set(got)), f"{sender}: repeated or out of order"
        assert set(got) <= set(numbers), f"{sender}: numbers that were never handed over"
        missing = [i for i, n in enumerate(numbers) if n not in set(got)]
        assert missing == list(range(missing[0], missing[0] + len(missing))) if missing else True, (
            f"{sender}: lost more than one run of events: {[numbers[i] for i in missing][:40]}"
        )
        lost[sender] = [numbers[i] for i in missing]
    return lost


def assert_failover_outcome(daemon, client: redis.Redis, senders, wait: int) -> None:
    """After a master was killed under load: with WAIT every event once and in order, without
    it at most one unreplicated run lost per sender; hookd saw Redis back and stops cleanly."""
    from test_faults import assert_each_sender_exactly_once_in_order, finish, log_mentions

    entries = finish(daemon, client)
    expected = {s.sender: s.handed for s in senders}
    if wait:
        assert_each_sender_exactly_once_in_order(entries, expected)
    else:
        print("lost with the killed master:", assert_lost_at_most_one_window(entries, expected))
    assert log_mentions(daemon, '"redis_up"')
    assert daemon.stop() == 0
