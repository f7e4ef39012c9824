"""What a newcomer meets first when Redis is not where hookd looks (not started, another port):
each message names the setting and the fix."""

from __future__ import annotations

from conftest import free_port, log_records, wait_until
from ui_stack import Ui


def test_hookd_ui_with_no_redis_names_the_setting_and_the_fix(hookd, tmp_path):
    log = tmp_path / "ui.log"
    ui = Ui({**hookd.env, "HOOKD_REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}, log)
    try:

        def failed() -> list[dict]:
            return [r for r in log_records(log.read_text()) if r.get("event") == "ui_redis_failed"]

        (record,) = wait_until(failed, timeout=30, what="ui_redis_failed in the UI's log")
    finally:
        ui.stop()
    assert "refused" in record["error"], record
    assert "start Redis where redis_url points, or correct redis_url" in record["hint"], record
