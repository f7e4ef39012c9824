"""Sixtieth red-team pass, held: the filters take regex-hostile text as text, and hostile names in
the fields the feed shows stay text (guards: these held before the pass)."""

from __future__ import annotations

from playwright.sync_api import expect

from conftest import wait_for_entries
from test_redteam5_tail import add_entry
from test_ui import at_least, stack  # noqa: F401 - fixture
from ui_stack import open_ui, browser  # noqa: F401 - fixtures

HOSTILE = "mcp__x__<img src=x onerror=alert(1)>.*(["


def test_filters_match_hostile_text_as_written(stack, open_ui, redis_db):  # noqa: F811
    add_entry(
        redis_db,
        session_id="s1",
        tool_name=HOSTILE,
        project_dir="/p/</script>",
        payload={"tool_input": {"command": "a"}},
    )
    add_entry(redis_db, session_id="s2", tool_name="Bash", payload={"tool_input": {"command": "b" + "a" * 5000}})
    wait_for_entries(redis_db, 2)
    watched = open_ui(stack[1])
    page = watched.page
    at_least(page, "#feed-body tr", 2)
    for text in [".*([", "(", "<img src=x", "a*" * 2000]:
        page.fill("#f-tool", text if len(text) < 100 else "")
        page.fill("#f-text", text if len(text) >= 100 else "")
        want = 0 if len(text) >= 100 else 1
        expect(page.locator("#feed-body tr")).to_have_count(want)
    page.fill("#f-tool", "")
    page.fill("#f-text", "")
    expect(page.locator("#feed-body tr")).to_have_count(2)
    expect(page.locator("#feed-body tr", has_text=HOSTILE)).to_have_count(1)
    assert page.locator("#feed-body img").count() == 0
    watched.assert_clean()


def test_the_page_refuses_markup_from_strings(stack, open_ui):  # noqa: F811
    """The CSP requires Trusted Types and allows no policy: a string given to innerHTML (or
    insertAdjacentHTML, document.write) throws, so no event text can become markup."""
    watched = open_ui(stack[1])
    tried = watched.page.evaluate(
        """() => { try { document.body.insertAdjacentHTML("beforeend", "<b id=x>x</b>"); return "allowed"; }
                   catch (e) { return e.name; } }"""
    )
    assert tried == "TypeError" and watched.page.locator("#x").count() == 0
    watched.errors.clear()  # chromium reports the refusal on the console; nothing else may be there
    watched.assert_clean()
