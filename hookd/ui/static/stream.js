// hookd ui: the live stream: reconnecting, and saying what a reconnect skipped.

import { $, el } from "./dom.js";
import { clock } from "./format.js";
import { state } from "./state.js";
import { arrived } from "./feed.js";
import { fillGap } from "./gapfill.js";

export function connect() {
  const url = state.lastId ? `api/stream?after=${encodeURIComponent(state.lastId)}` : "api/stream";
  const source = new EventSource(url);
  source.onopen = () => { $("conn").textContent = "live"; $("conn").className = "conn ok"; };
  source.onmessage = (ev) => {
    arrived(JSON.parse(ev.data));
  };
  source.addEventListener("gap", (ev) => noteGap(JSON.parse(ev.data)));
  source.onerror = () => { $("conn").textContent = "reconnecting…"; $("conn").className = "conn bad"; };
}

// A reconnect after the page fell behind is sent the newest records the UI keeps: what came
// between is said, not drawn as if the feed were whole, then read from the stream (gapfill.js).
const MAX_GAP_NOTES = 5;
function noteGap(gap) {
  const missed = Number(gap.missed) || 0;
  const count = gap.more ? `at least ${missed.toLocaleString("en")}` : missed.toLocaleString("en");
  const span = `from ${clock(gap.from)} to ${clock(gap.to)}`;
  const why = gap.more ? "; some were no longer in the UI's memory" : "";
  const list = $("gaps");
  const note = el("li", { "data-testid": "gap", "data-missed": String(missed), "data-more": gap.more ? "1" : "0",
    text: `${count} events not shown, ${span}: the page fell behind the stream and was sent the newest on reconnecting${why} (hookd tail or redis-cli XRANGE shows them)` });
  list.prepend(note);
  while (list.children.length > MAX_GAP_NOTES) list.lastElementChild.remove();
  list.hidden = false;
  fillGap(gap, note);
}
