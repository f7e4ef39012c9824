"""`hookd status` starts without the daemon's heavy imports.

Monitoring scripts, `hookd status --watch` and the tests run it often; Redis's client and
structlog (with what it pulls in) were most of its start-up, for a command that asks a Unix
socket or reads the spool directory. The modules it loads import them only in the functions
the daemon calls (control/snapshot.py, spool/__init__.py).
"""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import REPO

HEAVY = (
    "redis",
    "structlog",
    "psutil",
    "hookd.spool.spool",
    "hookd.ingest.inbox",
    "hookd.pipeline",
    "hookd.redact.rules",
)


def loaded_by(args: list[str], tmp_path, env: dict[str, str] | None = None) -> tuple[int, list[str]]:
    """The exit code of `hookd ARGS` run in a fresh interpreter, and the HEAVY modules it loaded."""
    code = (
        "import json, sys\n"
        "from hookd.cli import main\n"
        "try:\n"
        f"    code = main({args!r})\n"
        "except SystemExit as exc:\n"
        "    code = exc.code\n"
        f"print(json.dumps([code, sorted(m for m in {HEAVY!r} if m in sys.modules)]), file=sys.stderr)\n"
    )
    if env is None:
        env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "HOOKD_STATE_DIR": str(tmp_path / "state")}
        env["HOOKD_SOCKET"] = str(tmp_path / "run" / "hookd.sock")
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO, capture_output=True, text=True, timeout=60)
    code, modules = json.loads(done.stderr.strip().splitlines()[-1])
    return code, modules


def test_hookd_status_of_a_stopped_daemon_imports_no_redis_client_structlog_or_spool_writer(tmp_path):
    assert loaded_by(["status"], tmp_path) == (2, [])  # 2: not running
    assert loaded_by(["status", "--json"], tmp_path) == (2, [])


def test_hookd_status_of_a_running_daemon_imports_none_of_them_either(hookd, tmp_path):
    env = {k: v for k, v in hookd.env.items() if k not in ("PYTHONPATH", "HOOKD_TEST_SCANNER_SEED")}
    assert loaded_by(["status"], tmp_path, env) == (0, [])  # 0: running and healthy


def test_the_check_can_fail_a_command_that_needs_redis_loads_it(tmp_path):
    code, modules = loaded_by(["config"], tmp_path)
    assert code == 0 and "redis" in modules


def test_config_without_redaction_settings_leaves_the_built_in_rules_unloaded(tmp_path):
    # `hookd config` took 1.4 s for a newcomer (h152), most of it importing and compiling the built-in
    # rules to check an empty redact_disable; scripts/dev-redis runs it on each make run.
    code, modules = loaded_by(["config", "--json"], tmp_path)
    assert code == 0 and "hookd.redact.rules" not in modules, modules
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "HOOKD_REDACT_DISABLE": '["no_such_rule"]'}
    code, modules = loaded_by(["config"], tmp_path, env)
    assert code == 78 and "hookd.redact.rules" in modules  # a setting of the user's is still checked
