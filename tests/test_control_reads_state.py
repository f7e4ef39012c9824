"""hookd/control reads the DaemonState it is given, never the daemon or a part's private fields.

Status and metrics see each part only through its own report (Spool.stats, Publisher.health...,
hookd/state.py). A control module that imported hookd.daemon, or reached into an object's
``_private`` attribute, would tie the status output to another module's insides again.
"""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import REPO
from test_layers import import_statements

CONTROL = REPO / "hookd" / "control"
OWN = {"self", "cls"}  # a class's own attributes are its business


# The standard library's own functions whose names begin with _ by its design, documented as such: a forked
# child's exit (offline.py's reader) is no field of another object.
DOCUMENTED = {"os._exit"}


def private_reads(tree: ast.AST) -> list[str]:
    """``x._name`` where x is not self (dunders such as ``__class__`` are public protocol)."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute) or not node.attr.startswith("_"):
            continue
        if node.attr.startswith("__") and node.attr.endswith("__"):
            continue
        if isinstance(node.value, ast.Name) and node.value.id in OWN:
            continue
        if ast.unparse(node) in DOCUMENTED:
            continue
        found.append(f"line {node.lineno}: {ast.unparse(node)}")
    return found


def daemon_imports(tree: ast.AST, package: str = "hookd.control") -> list[str]:
    """Imports of hookd.daemon in any form: absolute, ``from hookd import daemon``, relative."""
    found = []
    for line, source, names in import_statements(tree, package):
        if any(
            name == "hookd.daemon" or name.startswith("hookd.daemon.")
            for name in [source] + [f"{source}.{n}" for n in names]
        ):
            found.append(f"line {line}: hookd.daemon")
    return found


def control_modules() -> list[Path]:
    modules = sorted(CONTROL.glob("*.py"))
    assert len(modules) >= 5, modules  # client, metrics, server, snapshot, status
    return modules


def test_control_reads_no_private_field_of_another_object():
    found = {
        path.name: reads
        for path in control_modules()
        if (reads := private_reads(ast.parse(path.read_text(), str(path))))
    }
    assert not found, (
        f"control reads private attributes; give the part a public report in hookd/state.py instead: {found}"
    )


def test_control_does_not_import_the_daemon():
    found = {
        path.name: names
        for path in control_modules()
        if (names := daemon_imports(ast.parse(path.read_text(), str(path))))
    }
    assert not found, f"control imports the daemon; read the DaemonState it is given: {found}"


# The checks themselves, on code made up for the purpose: they must be able to fail.


def test_the_checks_find_a_private_read_and_a_daemon_import():
    source = ast.parse(
        "from hookd.daemon import Daemon\n"
        "import hookd.daemon\n"
        "from hookd import daemon\n"
        "from .. import daemon as d\n"
        "from hookd.daemonish import x\n"
        "def take(daemon):\n"
        "    self._mine, cls._also_mine, daemon.__class__\n"
        "    return daemon.spool._cursor, getattr(daemon, 'http').x._sizes\n"
    )
    assert private_reads(source) == ["line 8: daemon.spool._cursor", "line 8: getattr(daemon, 'http').x._sizes"]
    assert daemon_imports(source) == [
        "line 1: hookd.daemon",
        "line 2: hookd.daemon",
        "line 3: hookd.daemon",
        "line 4: hookd.daemon",
    ]


# What control is given instead: a DaemonState with each part's report, which a test can fill.


def made_up_state(http: bool = True):
    from hookd.state import BuilderStats, DaemonState, InboxStats, PublisherHealth, Reports, SpoolStats, TaskStats

    state = DaemonState()
    state.received, state.accepted, state.published = 7, 6, 5
    state.rejected["not_json"] = 1
    state.withheld["too_large"] = 2
    state.reports = Reports(
        spool=lambda: SpoolStats(
            events=3,
            events_counted=True,
            bytes=300,
            disk_bytes=4096,
            max_bytes=1000,
            dropped=2,
            full=True,
            full_policy="refuse",
            fsync="interval",
            torn_bytes=0,
            damaged_bytes=0,
            lost_events=0,
            damage_at=None,
            read_error=None,
            disk_full=False,
            reserve_bytes=1 << 20,
            reserve_target_bytes=1 << 20,
            reserve_short=None,
        ),
        oldest_waiting_ns=lambda: None,
        publisher=lambda: PublisherHealth("open", 4, 1.23456),
        inbox=lambda: InboxStats(taken=9, spare_taken=1, spare_problem="absent"),
        builder=lambda: BuilderStats(instance="i-1", events_redacted=11),
        tasks=lambda: TaskStats(failed=("inbox",), restarts={"inbox": 2}, callback_errors=0),
        work=lambda: {"prepared": 0},
        pending_frames=lambda: {"bytes": 0},
        stalled=lambda: ["the publisher made no progress"],
        http=(lambda: {"addr": "127.0.0.1:1", "requests": 0}) if http else None,
    )
    return state


def test_status_is_taken_from_the_state_and_the_reports_alone(tmp_path):
    import psutil

    from hookd.config import load
    from hookd.control import snapshot, verdict

    (tmp_path / "config.toml").write_text("")
    config = load(environ={"HOOKD_CONFIG": str(tmp_path / "config.toml"), "HOOKD_STATE_DIR": str(tmp_path)})
    status = snapshot.take(config, made_up_state(), psutil.Process())
    assert status["instance"] == "i-1"
    assert status["breaker"] == {"state": "open", "failures": 4, "next_attempt_in_s": 1.235}
    assert status["spool"]["events"] == 3 and status["spool"]["full"] is True
    assert status["spool"]["oldest_age_s"] is None
    assert status["inbox"]["taken"] == 9 and status["inbox"]["spare_problem"] is None  # "absent": none set
    assert status["counters"]["redacted"] == 11 and status["counters"]["rejected"] == {"not_json": 1}
    assert status["counters"]["withheld"] == {"too_large": 2}
    assert status["tasks"] == {"failed": ["inbox"], "restarts": {"inbox": 2}, "callback_errors": 0}
    assert status["http"] == {"addr": "127.0.0.1:1", "requests": 0}
    assert status["stalled"] == ["the publisher made no progress"]
    code, reasons = verdict.verdict(status)
    assert code == verdict.DEGRADED and any("breaker is open" in r for r in reasons)
    assert snapshot.take(config, made_up_state(http=False), psutil.Process())["http"] is None


def test_a_state_with_no_reports_says_so():
    import pytest

    from hookd.state import DaemonState, NotReported

    with pytest.raises(NotReported):
        DaemonState().report()


def test_metrics_watch_the_latency_windows():
    from hookd.state import LatencyWindow

    window, seen = LatencyWindow(), []
    window.add(0.5)  # before anyone watches: kept for percentiles only
    window.watch(seen.append)
    window.add(0.25)
    window.extend([0.125, 1.0])
    assert seen == [0.25, 0.125, 1.0]
    assert window.percentiles_ms()["samples"] == 4


def test_metrics_are_read_from_the_state_and_the_reports():
    from hookd.control.metrics import DaemonCollector

    metrics = {metric.name: metric for metric in DaemonCollector(made_up_state()).collect()}
    assert metrics["hookd_events_redacted"].samples[0].value == 11
    assert metrics["hookd_events_received"].samples[0].value == 7
    assert metrics["hookd_spool_events"].samples[0].value == 3
    assert metrics["hookd_spool_dropped_events"].samples[0].value == 2
    assert metrics["hookd_stalled"].samples[0].value == 1
    assert {s.labels["reason"]: s.value for s in metrics["hookd_events_withheld"].samples} == {"too_large": 2}
    assert {s.labels["task"]: s.value for s in metrics["hookd_task_restarts"].samples} == {"inbox": 2}
    assert {s.labels["state"]: s.value for s in metrics["hookd_breaker_state"].samples} == {
        "closed": 0,
        "open": 1,
        "half_open": 0,
    }


def test_durations_in_status_survive_a_step_back_of_the_wall_clock(tmp_path, monkeypatch):
    """Uptime, how long Redis has been down and the oldest event's age never read negative when the
    wall clock is stepped back an hour (NTP, a suspended laptop's clock set right, a hand-set date)."""
    import dataclasses
    import time

    import psutil

    from hookd.config import load
    from hookd.control import snapshot

    (tmp_path / "config.toml").write_text("")
    config = load(environ={"HOOKD_CONFIG": str(tmp_path / "config.toml"), "HOOKD_STATE_DIR": str(tmp_path)})
    state = made_up_state()
    spooled_at_ns = time.time_ns()
    assert state.reports is not None
    state.reports = dataclasses.replace(state.reports, oldest_waiting_ns=lambda: spooled_at_ns)
    state.redis.state = "down"
    state.redis.down_since = time.monotonic()
    wall = time.time
    monkeypatch.setattr(time, "time", lambda: wall() - 3600)
    status = snapshot.take(config, state, psutil.Process())
    assert 0 <= status["uptime_s"] < 600, status["uptime_s"]
    assert 0 <= status["redis"]["down_for_s"] < 600, status["redis"]
    assert status["spool"]["oldest_age_s"] == 0, status["spool"]
