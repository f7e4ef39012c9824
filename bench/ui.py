#!/usr/bin/env python3
"""`hookd ui` under load, seen from a real browser (Debian's chromium through Playwright).

Four measurements, each with its own redis-server, and a hookd where events go
through hook-send:

- latency: events sent by hook-send (the real client, one process per event, as
  Claude Code runs it) at --rate per second; for each, the time from hook-send
  returning to its row being on screen in the live feed (a MutationObserver in
  the page stamps it), p50/p95/p99.
- keep-up: --fast-rate entries per second XADDed straight into the stream (what
  many hookds publishing at once look like to the UI) for --fast-seconds; whether
  the page received all of them, how far behind it was at the end, and the
  latency of marked entries meanwhile.
- session: a session of --session-events events (Pre/Post pairs) interleaved with
  as many of another session; the time from opening it to its timeline on
  screen, kept in memory (--history large) and read from the stream (small).
- memory: the RSS of `hookd ui` (default history) over a stream of
  --stream-entries entries, after start-up and after opening every view.

Usage: .venv/bin/python bench/ui.py [--quick] [--json]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import select
import statistics
import subprocess
import sys
import time

import psutil

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _harness import REPO, Processes, environment, wait_until  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
CLIENT = os.path.join(REPO, "client", "hook_send.py")
BARE_PYTHON = os.path.realpath(sys.executable)

OBSERVER = """() => {
  window.__seen = {};
  const mark = /bench-(\\d+)/;
  new MutationObserver((list) => {
    const now = Date.now();
    for (const m of list) for (const n of m.addedNodes) {
      const found = n.textContent && n.textContent.match(mark);
      if (found && !(found[1] in window.__seen)) window.__seen[found[1]] = now;
    }
  }).observe(document.getElementById('feed-body'), {childList: true});
}"""


OPEN_SESSION = """() => new Promise((resolve) => {
  const t0 = performance.now();
  location.hash = '#/session/big';
  const check = () => {
    const d = document.querySelector('#s-facts dd[data-fact=events]');
    if (d && d.textContent === '%d' && document.querySelector('#s-timeline .tl-row'))
      requestAnimationFrame(() => resolve(performance.now() - t0));
    else setTimeout(check, 5);
  };
  check();
})"""


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return round(values[min(len(values) - 1, int(len(values) * p))], 1) if values else float("nan")


class Stack:
    """redis-server, hookd and `hookd ui`, and a chromium page on the UI."""

    def __init__(self, history: int = 20000) -> None:
        self.procs = Processes()
        self.procs.start_redis()
        self.procs.start_hookd()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("HOOKD_")}
        self.env.update(
            {
                "HOOKD_SOCKET": self.procs.socket,
                "HOOKD_STATE_DIR": self.procs.state_dir,
                "HOOKD_REDIS_URL": f"redis://127.0.0.1:{self.procs.port}/0",
                "HOOKD_CONFIG": os.path.join(self.procs.workdir, "config.toml"),
                "HOOKD_LOG_FORMAT": "json",
            }
        )
        self.ui = None
        self.history = history

    def start_ui(self) -> str:
        self.ui = subprocess.Popen(
            [sys.executable, "-m", "hookd", "ui", "--addr", "127.0.0.1:0", "--history", str(self.history)],
            env=self.env,
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        line = b""
        while not line.endswith(b"\n"):
            ready, _, _ = select.select([self.ui.stdout], [], [], 30)
            if not ready:
                raise RuntimeError("hookd ui printed no URL")
            line += os.read(self.ui.stdout.fileno(), 1)
        return line.decode().strip()

    def send(self, body: bytes) -> float:
        # hook-send's hard deadline (250 ms) counts from its start: with dozens of them started
        # at once on a small machine, some would be stopped before sending (events lost, by
        # design, as a slow hook must not hold the agent). The bench measures the UI, so it
        # gives them 2 s.
        subprocess.run(
            [BARE_PYTHON, "-I", "-S", CLIENT],
            input=body,
            check=True,
            env={**self.env, "HOOKD_SEND_TIMEOUT_MS": "2000"},
            capture_output=True,
        )
        return time.time() * 1000

    def close(self) -> None:
        if self.ui is not None:
            self.ui.terminate()
            self.ui.wait(10)
        self.procs.stop_all()
        self.procs.cleanup(False)


def open_page(browser, url: str):
    page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
    page.goto(url)
    page.wait_for_selector("#conn.ok", timeout=15000)
    return page


def template(stack: Stack) -> tuple[dict, dict]:
    """A real PreToolUse and PostToolUse entry as hookd wrote them, to copy."""
    for hook in ("PreToolUse", "PostToolUse"):
        stack.send(
            json.dumps(
                {
                    "hook_event_name": hook,
                    "session_id": "tmpl",
                    "tool_name": "Bash",
                    "tool_use_id": "tmpl-1",
                    "cwd": "/work/shop",
                    "tool_input": {"command": "pytest -q tests/"},
                    **({"tool_response": {"stdout": "." * 600}} if hook != "PreToolUse" else {}),
                }
            ).encode()
        )
    wait_until(lambda: stack.procs.redis.xlen("hookd:events") >= 2, 10, "the template events")
    (_, pre), (_, post) = stack.procs.redis.xrange("hookd:events")[:2]
    stack.procs.redis.delete("hookd:events")
    return ({k.decode(): v for k, v in pre.items()}, {k.decode(): v for k, v in post.items()})


def entry(tmpl: dict, n: int, session: str, host: str = "bench-host", text: str = "") -> dict:
    envelope = json.loads(tmpl["envelope"])
    envelope.update(seq=n, event_id=f"bench-{n:012d}", session_id=session, host=host)
    envelope["payload"]["session_id"] = session
    envelope["payload"]["tool_use_id"] = f"call-{n // 2}"
    envelope["payload"]["tool_input"]["command"] = text or f"pytest -q tests/test_{n}.py"
    return {
        "seq": n,
        "event_id": envelope["event_id"],
        "hook": tmpl["hook"],
        "session": session,
        "host": host,
        "tool": "Bash",
        "envelope": json.dumps(envelope),
    }


def client_sender(stack: Stack):
    """hook-send's own code (make_header, send_frame) in this process: what each hook-send
    process does once started, without the cost of starting 100 interpreters a second."""
    sys.path.insert(0, os.path.join(REPO, "client"))
    import hook_send

    def send(body: bytes) -> float:
        header = hook_send.make_header(body, None, "/work/shop")[0]
        outcome, detail = hook_send.send_frame(header, body, stack.procs.socket, time.monotonic() + 2)
        if outcome != hook_send.DELIVERED:
            raise RuntimeError(f"not delivered: {detail}")
        return time.time() * 1000

    return send


def bench_latency(browser, rate: float, seconds: float, processes: bool = False) -> dict:
    stack = Stack()
    try:
        page = open_page(browser, stack.start_ui())
        page.evaluate(OBSERVER)
        total = int(rate * seconds)
        start = time.monotonic() + 0.5
        returned: dict[int, float] = {}
        send = stack.send if processes else client_sender(stack)

        def one(i: int) -> None:
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            body = json.dumps(
                {
                    "hook_event_name": "PreToolUse",
                    "session_id": f"lat-{i % 10}",
                    "tool_name": "Bash",
                    "tool_use_id": f"l{i}",
                    "cwd": "/work/shop",
                    "tool_input": {"command": f"echo bench-{i}"},
                }
            ).encode()
            returned[i] = send(body)

        with concurrent.futures.ThreadPoolExecutor(24) as pool:
            list(pool.map(one, range(total)))
        sent_for = time.monotonic() - start
        try:
            wait_until(lambda: page.evaluate("Object.keys(window.__seen).length") >= total, 30, "every event on screen")
        except Exception:
            pass  # reported below as missing
        seen = page.evaluate("window.__seen")
        lat = [seen[str(i)] - returned[i] for i in range(total) if str(i) in seen]
        return {
            "sender": "hook-send processes" if processes else "hook-send's code in-process",
            "events": total,
            "on_screen": len(lat),
            "in_stream": stack.procs.redis.xlen("hookd:events"),
            "page_count": page.locator("#counts").inner_text(),
            "rate_target": rate,
            "rate_achieved": round(total / sent_for, 1),
            "p50_ms": pct(lat, 0.5),
            "p95_ms": pct(lat, 0.95),
            "p99_ms": pct(lat, 0.99),
            "max_ms": round(max(lat), 1),
            "load_average": os.getloadavg()[0],
        }
    finally:
        stack.close()


def bench_keep_up(browser, rate: int, seconds: float) -> dict:
    stack = Stack()
    try:
        pre, _ = template(stack)
        page = open_page(browser, stack.start_ui())
        page.evaluate(OBSERVER)
        r = stack.procs.redis
        total = int(rate * seconds)
        bodies = [entry(pre, n, f"fast-{n % 20}", text=f"echo bench-{n}" if n % 100 == 0 else "") for n in range(total)]
        added: dict[int, float] = {}
        tick = 0.01
        start = time.monotonic()
        for first in range(0, total, int(rate * tick)):
            delay = start + first / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            pipe = r.pipeline(transaction=False)
            for n in range(first, min(total, first + int(rate * tick))):
                pipe.xadd("hookd:events", bodies[n])
            pipe.execute()
            now = time.time() * 1000
            for n in range(first, min(total, first + int(rate * tick))):
                if n % 100 == 0:
                    added[n] = now
        sent_for = time.monotonic() - start
        last_added = time.time() * 1000
        wait_until(lambda: page.locator("#counts").inner_text() == f"{total} events", 60, f"{total} events in the page")
        caught_up_ms = time.time() * 1000 - last_added
        seen = page.evaluate("window.__seen")
        lat = [seen[str(n)] - t for n, t in added.items() if str(n) in seen]
        return {
            "entries": total,
            "rate_target": rate,
            "rate_achieved": round(total / sent_for),
            "received_by_page": total,
            "behind_at_end_ms": round(caught_up_ms),
            "marked_on_screen": len(lat),
            "marked_sent": len(added),
            "p50_ms": pct(lat, 0.5),
            "p95_ms": pct(lat, 0.95),
            "max_ms": round(max(lat), 1),
            "load_average": os.getloadavg()[0],
        }
    finally:
        stack.close()


def bench_session(browser, events: int) -> dict:
    results = {}
    for label, history in (("in_memory", 4 * events), ("from_stream", 1000)):
        stack = Stack(history)
        try:
            pre, post = template(stack)
            pipe = stack.procs.redis.pipeline(transaction=False)
            for n in range(2 * events):  # the session's events interleaved with another's
                session = "big" if n % 2 == 0 else "other"
                k = n // 2
                pipe.xadd("hookd:events", entry(pre if k % 2 == 0 else post, k, session))
                if n % 1000 == 999:
                    pipe.execute()
            pipe.execute()
            page = open_page(browser, stack.start_ui())
            timings = []
            facts = page.locator("#s-facts dd[data-fact=events]")
            for n in range(5):
                page.evaluate(f"location.hash = '#/session/other-{n}'")  # another, empty one
                wait_until(lambda: facts.count() == 0 or facts.inner_text() == "0", 30, "a reset")
                # Timed in the page: from the navigation to the session's facts and timeline
                # on screen (polled every 5 ms), without the test driver's round trips.
                timings.append(round(page.evaluate(OPEN_SESSION % events)))
            results[label] = {
                "events": events,
                "history": history,
                "open_ms": timings,
                "first_ms": timings[0],
                "median_after_first_ms": statistics.median(timings[1:]),
                "load_average": os.getloadavg()[0],
            }
        finally:
            stack.close()
    return results


def bench_memory(browser, entries: int) -> dict:
    stack = Stack()
    try:
        pre, post = template(stack)
        r = stack.procs.redis
        started = time.monotonic()
        for first in range(0, entries, 5000):
            pipe = r.pipeline(transaction=False)
            for n in range(first, min(entries, first + 5000)):
                e = entry(pre if n % 2 == 0 else post, n, f"mem-{n // 5000}")
                pipe.xadd("hookd:events", e)
            pipe.execute()
        fill_s = round(time.monotonic() - started, 1)
        url = stack.start_ui()
        proc = psutil.Process(stack.ui.pid)
        page = open_page(browser, url)
        after_start = proc.memory_info().rss
        for view in ("#/sessions", "#/overview", "#/session/mem-3", "#/live"):
            page.evaluate(f"location.hash = '{view}'")
            time.sleep(2)
        page.click("#older")
        time.sleep(1)
        after_views = proc.memory_info().rss
        return {
            "stream_entries": r.xlen("hookd:events"),
            "fill_s": fill_s,
            "redis_used_mb": round(r.info("memory")["used_memory"] / 2**20),
            "history": stack.history,
            "rss_after_start_mb": round(after_start / 2**20, 1),
            "rss_after_views_mb": round(after_views / 2**20, 1),
            "load_average": os.getloadavg()[0],
        }
    finally:
        stack.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=100)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--fast-rate", type=int, default=2000)
    parser.add_argument("--fast-seconds", type=float, default=9)
    parser.add_argument("--session-events", type=int, default=10000)
    parser.add_argument("--stream-entries", type=int, default=1_000_000)
    parser.add_argument("--only", choices=("latency", "latency_processes", "keep_up", "session", "memory"))
    parser.add_argument("--quick", action="store_true", help="small sizes, to check the bench runs")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.fast_seconds, args.session_events, args.stream_entries = 2, 2, 1000, 20000
    from playwright.sync_api import sync_playwright

    results: dict = {"environment": environment(None)}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        runs = {
            "latency": lambda: bench_latency(browser, args.rate, args.seconds),
            "latency_processes": lambda: bench_latency(browser, args.rate, args.seconds, True),
            "keep_up": lambda: bench_keep_up(browser, args.fast_rate, args.fast_seconds),
            "session": lambda: bench_session(browser, args.session_events),
            "memory": lambda: bench_memory(browser, args.stream_entries),
        }
        for name, run in runs.items():
            if args.only in (None, name):
                results[name] = run()
                if not args.json:
                    print(name, json.dumps(results[name]), flush=True)
        browser.close()
    if args.json:
        print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
