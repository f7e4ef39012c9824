"""A real `hookd ui` beside the real hookd and Redis of the tests, and a real browser (Debian's
chromium through Playwright) to look at it."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import REPO

CHROMIUM = "/usr/bin/chromium"
UI_WAIT_MS = 60_000
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Screenshots go to docs/img/ when this is set (to refresh the ones the docs show), else to a
# temporary directory: a test run leaves the work tree as it was.
SHOTS_ENV = "HOOKD_UI_SCREENSHOTS"


class Ui:
    """A `hookd ui` process reading the stream the given hookd writes to."""

    def __init__(
        self, env: dict[str, str], log_path: Path, history: int = 20000, extra: tuple[str, ...] = (), prelude: str = ""
    ) -> None:
        """``prelude``: Python run in the UI's process before `hookd ui` (a bound made small)."""
        self.log_path = log_path
        self.log = open(log_path, "ab")
        start = (
            ["-c", f"{prelude}\nfrom hookd.cli import main\nraise SystemExit(main())"] if prelude else ["-m", "hookd"]
        )
        self.proc = subprocess.Popen(
            [sys.executable, *start, "ui", "--addr", "127.0.0.1:0", "--history", str(history), *extra],
            env=env,
            stdout=subprocess.PIPE,
            stderr=self.log,
            cwd=REPO,
        )
        self.url = self.next_line()
        parts = urlsplit(self.url)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        # Where the UI is served: the origin and the secret path before the token.
        self.base = self.origin + parts.path.rstrip("/")

    def next_line(self, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        line = b""
        while not line.endswith(b"\n"):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise AssertionError(f"hookd ui printed no URL (exit {self.proc.poll()})")
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.1)
            if ready:
                line += os.read(self.proc.stdout.fileno(), 1)
        return line.decode().strip()

    def new_url(self) -> str:
        """Another one-time URL (SIGUSR1), for another browser."""
        self.proc.send_signal(signal.SIGUSR1)
        return self.next_line()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def event(hook: str, session: str, **fields) -> bytes:
    return json.dumps({"hook_event_name": hook, "session_id": session, **fields}).encode()


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing: `make setup` installs it (scripts/install-chromium)")
    from playwright.sync_api import expect, sync_playwright

    # What a page is waited for does happen; the bound is how starved a loaded CI machine leaves
    # chromium and the UI (expect's own default is 5 s, which a loaded machine's render overran).
    expect.set_options(timeout=UI_WAIT_MS)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Watched:
    """A page with what it did: dialogs, console errors, requests outside the UI's origin."""

    def __init__(self, context, base: str) -> None:
        self.context = context
        self.page = context.new_page()
        self.base = base
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.foreign: list[str] = []
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", self._request)

    def _request(self, request) -> None:
        if not request.url.startswith(self.base + "/") and not request.url.startswith("data:"):
            self.foreign.append(request.url)

    def assert_clean(self) -> None:
        assert self.dialogs == [], self.dialogs
        assert self.errors == [], self.errors
        assert self.foreign == [], self.foreign


@pytest.fixture
def open_ui(browser):
    pages: list[Watched] = []

    def open_(ui: Ui, url: str | None = None) -> Watched:
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        watched = Watched(context, ui.base)
        watched.page.goto(url or ui.url)
        watched.page.wait_for_selector("#conn.ok", timeout=UI_WAIT_MS)
        pages.append(watched)
        return watched

    yield open_
    for watched in pages:
        watched.context.close()


def screenshot(page, name: str, tmp_path: Path) -> None:
    folder = REPO / "docs" / "img" if os.environ.get(SHOTS_ENV) else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / name), full_page=False)
