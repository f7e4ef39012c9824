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
