"""Hundred-fifteenth red-team pass: today's merged code (h262, h263) (docs/security.md).

h263 made a WorktreeRemove hook of hookd's a problem ``hooks status`` says (it replaces Claude Code's
removal of a hook-made worktree and deletes nothing). Which HTTP hooks are hookd's was decided by
the allowedEnvVars naming HOOKD_HTTP_TOKEN or by the URL being exactly install's ``.../hook``: one
posting to the listener's documented ``/hook/<EventName>`` (docs/http-hooks.md), or to ``/hook/``,
with the token written into its headers, was nobody's, and every check of hookd's hooks (this one,
WorktreeCreate's, PreModelSwitch's, the empty token's) passed it by. Real settings files under a
throwaway HOME, the CLI in-process.
"""

from __future__ import annotations

import pytest

from hookd.hooks import entries
from hookd.ui.events import record
from hookd.ui.store import Store
from test_hooks_install import home, run_hooks, user_settings  # noqa: F401 - fixture
from test_pass29_conformity import managed  # noqa: F401 - fixture
from test_pass39_conformity import _write
from test_pass71_conformity import _http
from test_ui_store import entry

URL = "http://127.0.0.1:8787/hook"
LEFT_ON_DISK = "unless another WorktreeRemove hook deletes them, those worktrees stay on disk"


def _token_in_headers(url: str) -> dict:
    """An HTTP hook to ``url`` written by hand: the token in its header, no allowedEnvVars."""
    return _http(url=url, allowedEnvVars=None, headers={"Authorization": "Bearer 0123456789abcdef"})


@pytest.mark.parametrize(
    "url",
    [f"{URL}/WorktreeRemove", f"{URL}/", f"{URL}?from=me", "HTTP://127.0.0.1:8787/hook/worktree_remove"],
)
def test_a_worktreeremove_hook_to_the_listener_by_another_path_is_said(home, managed, capsys, url):  # noqa: F811
    _write(user_settings(home), {"hooks": {"WorktreeRemove": [{"hooks": [_token_in_headers(url)]}]}})
    capsys.readouterr()
    code = run_hooks("status", "--http-addr", "127.0.0.1:8787")
    out = capsys.readouterr().out
    assert code == 1 and LEFT_ON_DISK in out, out


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8788/hook",  # another port: another program's listener
        "http://127.0.0.1:8787/hooks",
        "http://127.0.0.1:8787/other/hook",
        "https://127.0.0.1:8787/hook",  # hookd's listener speaks plain HTTP on loopback
        "http://127.0.0.1:8787@evil.example/hook",
    ],
)
def test_an_http_hook_elsewhere_is_not_hookds(url):
    assert not entries.is_hookd(_token_in_headers(url), URL)


# The UI's session state (lead: the waiting Notification types). A Notification of another type
# left the state to its hook's name, which no state names: a stopped session that Claude Code's
# idle reminder (idle_prompt, 60 s after the answer) or a login (auth_success) followed read
# "running", and an ended one too.


@pytest.mark.parametrize("after", ["Stop", "SessionEnd", "StopFailure"])
@pytest.mark.parametrize("ntype", ["idle_prompt", "auth_success", "something_new"])
def test_a_notification_that_waits_on_nobody_leaves_the_state_as_it_was(after, ntype):
    store = Store(history=10)
    store.add([record(*entry(1, "UserPromptSubmit")), record(*entry(2, after))])
    state = store.sessions["s"].state
    assert state != "running", state
    store.add([record(*entry(3, "Notification", notification_type=ntype)), record(*entry(4, "PermissionDenied"))])
    assert store.sessions["s"].state == state
    store.add([record(*entry(5, "UserPromptSubmit"))])
    assert store.sessions["s"].state == "running"
