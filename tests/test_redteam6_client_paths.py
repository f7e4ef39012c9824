"""Red team, sixth pass: a relative HOOKD_STATE_DIR or HOOKD_SPARE_INBOX in Claude Code's
environment put raw events in the project's checkout.

Claude Code runs hooks in the project's directory, and its settings.json ``env`` does not
expand ``~``: ``"HOOKD_STATE_DIR": "~/.hookd"`` reached hook-send as that text. Both clients
took it relative to the working directory, so an event hook-send could not hand over was
written, unredacted, to ``<project>/~/.hookd/inbox/`` (beside the code, ready to be committed),
where hookd never looks, and nothing was said. A routing variable that is not an absolute
path now counts as unset, as relative XDG variables already did, and one line says so.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from test_client import env, sockdir  # noqa: F401 -- fixtures

SECRET = "prompt text only the user should see"


@pytest.mark.parametrize("variable", ["HOOKD_STATE_DIR", "HOOKD_SPARE_INBOX"])
def test_a_relative_routing_variable_never_puts_events_in_the_project(env, tmp_path, client_cmd, variable):  # noqa: F811
    project = tmp_path / "project"
    project.mkdir()
    # XDG_RUNTIME_DIR of the test's own: where the default spare inbox goes, never the user's.
    run_env = dict(env, HOOKD_SOCKET=str(tmp_path / "nowhere" / "hookd.sock"), XDG_RUNTIME_DIR=str(tmp_path / "run"))
    run_env[variable] = "~/.hookd"
    if variable == "HOOKD_SPARE_INBOX":
        # The spare inbox is used only when the inbox cannot be written: a file where it goes.
        (tmp_path / "state").write_text("")
    body = json.dumps({"hook_event_name": "Stop", "prompt": SECRET}).encode()
    done = subprocess.run([*client_cmd, "Stop"], input=body, capture_output=True, env=run_env, cwd=project, timeout=30)
    assert done.returncode == 0 and done.stdout == b""
    in_project = [p for p in project.rglob("*") if p.is_file()]
    assert in_project == [], f"raw events written into the project's checkout: {in_project}"
    assert f"{variable} is not an absolute path".encode() in done.stderr, done.stderr
    kept = [p for p in tmp_path.rglob("*.hookd") if project not in p.parents]
    assert len(kept) == 1 and SECRET.encode() in kept[0].read_bytes(), (kept, done.stderr)
