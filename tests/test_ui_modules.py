"""The page's script as ES modules (hookd/ui/static/*.js): each served under the secret path as
JavaScript with the page's security headers, none without the cookie, and all of them loaded by a
real chromium under the CSP (script-src 'self', Trusted Types) with no error."""

from __future__ import annotations

import http.client
import re
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import expect

from hookd.ui.security import CSP
from test_ui import stack  # noqa: F401 - fixture
from ui_stack import event, open_ui, browser  # noqa: F401 - fixtures

STATIC = Path(__file__).parent.parent / "hookd" / "ui" / "static"
MODULES = sorted(p.name for p in STATIC.glob("*.js"))
IMPORT = re.compile(r'^import \{[^}]*\} from "\./([\w.-]+\.js)";$', re.M)


def _get(
    base: str, path: str, cookie: str | None = None, extra: dict[str, str] | None = None
) -> tuple[http.client.HTTPResponse, bytes]:
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    conn.request("GET", path, headers={**({"Cookie": cookie} if cookie else {}), **(extra or {})})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response, body


def test_every_module_is_imported_from_the_entry_and_only_relatively():
    # What index.html loads is app.js; a module that nothing imports is dead code, and an import
    # that names a file not shipped in static/ breaks the page.
    assert "app.js" in MODULES and len(MODULES) > 1
    reached, todo = set(), ["app.js"]
    while todo:
        name = todo.pop()
        if name in reached:
            continue
        reached.add(name)
        text = (STATIC / name).read_text()
        imports = IMPORT.findall(text)
        assert len(imports) == text.count("\nimport ") + text.startswith("import "), name
        assert set(imports) <= set(MODULES), (name, imports)
        todo.extend(imports)
    assert reached == set(MODULES)
    assert '<script type="module" src="static/app.js"></script>' in (STATIC / "index.html").read_text()


def test_each_module_is_served_as_javascript_with_the_page_headers_and_only_with_the_cookie(stack):
    _, served = stack
    root = urlsplit(served.base).path
    first, _ = _get(served.base, served.url[len(served.origin) :])
    cookie = first.getheader("set-cookie").split(";")[0]
    for name in MODULES:
        response, body = _get(served.base, f"{root}/static/{name}", cookie=cookie)
        assert response.status == 200, name
        # A module script is refused unless its type is JavaScript (nosniff makes that strict).
        assert response.getheader("content-type").split(";")[0] in ("text/javascript", "application/javascript"), name
        assert response.getheader("content-security-policy") == CSP, name
        assert response.getheader("x-content-type-options") == "nosniff", name
        assert response.getheader("cross-origin-resource-policy") == "same-origin", name
        assert body == (STATIC / name).read_bytes(), name
        # Asked again on each load, so a browser never runs modules of two versions together.
        assert response.getheader("cache-control") == "no-cache", name
        etag = response.getheader("etag")
        again, _ = _get(served.base, f"{root}/static/{name}", cookie=cookie, extra={"if-none-match": etag})
        assert again.status == 304 and again.getheader("cache-control") == "no-cache", name
        assert _get(served.base, f"{root}/static/{name}")[0].status == 401, name
        assert _get(served.base, f"/static/{name}", cookie=cookie)[0].status == 404, name


def test_the_browser_loads_every_module_under_the_csp_and_the_page_works(stack, open_ui):
    daemon, served = stack
    loaded: list[str] = []

    def track(context) -> None:
        context.on("response", lambda r: r.url.endswith(".js") and loaded.append(f"{r.status} {r.url}"))

    watched = open_ui(served)
    track(watched.context)
    # Load again with the listener in place (the first load happened inside open_ui).
    watched.page.reload()
    watched.page.wait_for_selector("#conn.ok", timeout=60_000)
    # Each module asked again on the reload (no-cache): sent whole, or a 304 for the copy the browser holds.
    assert sorted(line.split(" ", 1)[1] for line in loaded) == sorted(f"{served.base}/static/{n}" for n in MODULES)
    assert all(line.split(" ", 1)[0] in ("200", "304") for line in loaded), loaded
    result = daemon.send(
        event("PreToolUse", "sess-m", tool_name="Bash", tool_use_id="m1", tool_input={"command": "ls"})
    )
    assert result.returncode == 0
    page = watched.page
    expect(page.locator("#feed-body tr")).to_have_count(1, timeout=60_000)
    page.locator("#feed-body tr").first.click()
    expect(page.locator("#detail-json")).to_contain_text('"host": "alpha"', timeout=60_000)
    page.goto(f"{served.base}/#/session/sess-m")
    expect(page.locator('#s-timeline .tl-row.call[data-tool="Bash"]')).to_have_count(1, timeout=60_000)
    page.goto(f"{served.base}/#/overview")
    expect(page.locator("#o-tools")).to_contain_text("Bash · 1", timeout=60_000)
    watched.assert_clean()
