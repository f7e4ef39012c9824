"""Loaded by the `hookd run` processes that tests start (conftest.Hookd puts this directory on
PYTHONPATH): the scanner databases the test process compiled become the daemon's last compiled
ones, so a fresh state directory does not compile them again (conftest.scanner_seed)."""

import os
import pickle

_seed = os.environ.pop("HOOKD_TEST_SCANNER_SEED", None)
if _seed:
    from hookd.redact import scanner_cache

    with open(_seed, "rb") as _f:
        scanner_cache._LAST.update(pickle.load(_f))

# A payload that takes its preparer this many seconds, for the tests of work_budget_ms (the worker
# killed past it, the payload withheld): a body holding SLOW_MARK sleeps before it is prepared. The
# risk rules' work was once quadratic, and a flood of `curl ` stood in for a slow payload; it is
# linear now (tests/test_redteam17_command_risk.py), and no real payload is slow enough to rely on.
SLOW_MARK = b"hookd-test-slow-payload"
_slow = os.environ.pop("HOOKD_TEST_SLOW_PAYLOAD_S", None)
if _slow:
    import time

    from hookd.envelope import payload as _payload

    def _slow_prepare(self, body, _prepare=_payload.Preparer.prepare, _seconds=float(_slow)):
        if SLOW_MARK in body:
            time.sleep(_seconds)
        return _prepare(self, body)

    _payload.Preparer.prepare = _slow_prepare

# The spool's memory of recent events held to a few KB, for the tests of what lies past its bounds
# (spool/recent.py: MAX_BYTES and PINNED_MAX_BYTES, 4 and 64 MiB, which a test would fill slowly):
# "<max_bytes>,<pinned_max_bytes>".
_recent = os.environ.pop("HOOKD_TEST_RECENT_BYTES", None)
if _recent:
    from hookd.spool import recent as _recent_module

    _recent_module.RecentEvents.__init__.__defaults__ = tuple(int(n) for n in _recent.split(","))

# The minute an abandoned inbox temporary file waits before the sweep takes it (ingest/inbox_abandoned.py,
# ABANDONED_TMP_S) and the hand-off ids' memory that must outlast it (handoffs.py, KEEP_S), shortened
# together for the tests that wait that minute out: "<abandoned_tmp_s>,<keep_s>". The tests of the
# memory's length keep their ratio, so a memory no longer than the wait still lets a copy through.
_abandoned = os.environ.pop("HOOKD_TEST_ABANDONED_TMP_S", None)
if _abandoned:
    from hookd import handoffs as _handoffs
    from hookd.ingest import inbox_abandoned as _inbox_abandoned

    _wait_s, _keep_s = (float(n) for n in _abandoned.split(","))
    _inbox_abandoned.ABANDONED_TMP_S = _wait_s
    _init_defaults = _handoffs.RecentHandoffs.__init__.__defaults__
    _handoffs.RecentHandoffs.__init__.__defaults__ = (_keep_s, *_init_defaults[1:])

# How often the daemon looks for a stall to say in its log (daemon/stalls.py, CHECK_EVERY_S), for the
# tests that watch the log for `hookd_stalled` after a stop and would otherwise wait out its 5 s.
_stall_check = os.environ.pop("HOOKD_TEST_STALL_CHECK_S", None)
if _stall_check:
    from hookd.daemon import stalls as _stalls

    _stalls.say_stalls.__defaults__ = (float(_stall_check),)

# `hookd run` held before it loads the daemon's modules (hookd.daemon.daemon), until this file exists: the
# window in which only its first socket (hookd/daemon/first_socket.py) answers, which takes seconds on a loaded
# machine and is otherwise too short to ask in. HOOKD_TEST_HOLD_MODULE names another module to hold instead
# (hookd.publish.topology: the settings' check).
_hold = os.environ.pop("HOOKD_TEST_HOLD_DAEMON_IMPORT", None)
_held_module = os.environ.pop("HOOKD_TEST_HOLD_MODULE", "hookd.daemon.daemon")
if _hold:
    import importlib.util
    import sys
    import time

    class _HoldDaemonImport:
        def find_spec(self, name, path=None, target=None):
            if name != _held_module:
                return None
            sys.meta_path.remove(self)
            spec = importlib.util.find_spec(name)
            run = spec.loader.exec_module

            def held(module):  # not in find_spec, which runs under the import lock every thread needs
                while not os.path.exists(_hold):
                    time.sleep(0.05)
                run(module)

            spec.loader.exec_module = held
            return spec

    sys.meta_path.insert(0, _HoldDaemonImport())
