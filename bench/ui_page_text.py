#!/usr/bin/env python3
"""What the UI page's envelope view costs chromium for large text, before and after h170.

Two measurements in a blank page of Debian's chromium (through Playwright), no hookd needed:

- markers: the envelope view's redaction-marker pattern over `[REDACTED:` written N times with no
  `]` (a hostile output), the pattern before h170 (read to the next `]` or `"`) and after (a label
  of at most 200 characters, up to the next `[`).
- layout: one `<pre>` holding the JSON of an N-line output (one line of text, as JSON.stringify
  writes a string), laid out under the view's CSS before h170 (`unicode-bidi: plaintext`) and after
  (`isolate`); the time to set the text and lay it out.

Usage: .venv/bin/python bench/ui_page_text.py [--quick]
"""

from __future__ import annotations

import argparse
import sys

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
PATTERNS = {"before": r'\[REDACTED:[^\]"]*\]', "after": r'\[REDACTED:[^\]"[]{1,200}\]'}
LAYOUTS = {
    "before": "white-space: pre-wrap; word-break: break-all; unicode-bidi: plaintext;",
    "after": "white-space: pre-wrap; word-break: break-all; unicode-bidi: isolate;",
}
MARKERS_JS = """([source, n]) => {
  const pattern = new RegExp(source, "g");
  const text = "[REDACTED:".repeat(n) + '"';
  const start = performance.now();
  let found = 0;
  for (const _ of text.matchAll(pattern)) found++;
  return performance.now() - start;
}"""
LAYOUT_JS = """(n) => {
  const lines = [];
  for (let i = 0; i < n; i++) lines.push("line " + i + " " + "y".repeat(60));
  const text = JSON.stringify({ tool_response: lines.join("\\n") }, null, 2);
  const start = performance.now();
  document.getElementById("p").textContent = text;
  document.body.offsetHeight;  // the layout, now
  return performance.now() - start;
}"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the smaller sizes only")
    args = parser.parse_args()
    marker_counts = (20_000, 100_000) if args.quick else (20_000, 100_000, 200_000)
    line_counts = (5_000, 20_000) if args.quick else (5_000, 20_000, 80_000)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        print("markers: [REDACTED: written N times, no ]")
        for n in marker_counts:
            times = {name: page.evaluate(MARKERS_JS, [source, n]) for name, source in PATTERNS.items()}
            print(f"  N={n:>7,}: " + ", ".join(f"{name} {ms / 1000:.3f} s" for name, ms in times.items()))
        print("layout: one pre holding the JSON of an N-line output")
        for n in line_counts:
            times = {}
            for name, css in LAYOUTS.items():
                page.set_content(
                    f"<style>pre {{ {css} font: 12px/1.45 monospace; height: 600px; overflow: auto }}</style><pre id=p></pre>"
                )
                times[name] = page.evaluate(LAYOUT_JS, n)
            print(f"  N={n:>7,}: " + ", ".join(f"{name} {ms / 1000:.3f} s" for name, ms in times.items()))
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
