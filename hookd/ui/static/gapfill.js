// hookd ui: filling a gap: the events a page that fell behind was not sent (stream.js says the gap),
// read from the stream in pages (api/after, the UI's request client: never the live read) and laid
// in among the page's records (feed.js) while live ones keep arriving.

import { getJSON } from "./api.js";
import { clock } from "./format.js";
import { inert } from "./dom.js";
import { fillIn, MAX_KEPT } from "./feed.js";

const PAGE = 1000;
// At most this many records are filled in for one gap: with the newest the reconnect sent, they stay
// within what the page keeps (feed.js's MAX_KEPT), so none filled is let go at once.
const MAX_FILL = 10000;
// Gaps waiting to be filled, one at a time; a page cut again and again keeps only the latest.
const MAX_WAITING = 4;
const waiting = [];
let filling = false;

const count = (n) => n.toLocaleString("en");
const msOf = (id) => Number(String(id).split("-")[0]) || 0;

export function fillGap(gap, note) {
  if (!gap.after) return;
  waiting.push({ gap, note });
  while (waiting.length > MAX_WAITING) {
    const dropped = waiting.shift();
    say(dropped.note, "failed", `${dropped.note.textContent} (not filled: the page fell behind again)`);
  }
  if (!filling) run();
}

async function run() {
  filling = true;
  while (waiting.length) {
    const { gap, note } = waiting.shift();
    try {
      await fill(gap, note);
    } catch (err) {
      say(note, "failed", `${note.textContent} (could not be filled in: ${err.message}; hookd tail or redis-cli XRANGE shows them)`);
    }
  }
  filling = false;
}

function say(note, how, text) {
  note.dataset.fill = how;
  note.textContent = inert(text);
}

async function fill(gap, note) {
  const span = `from ${clock(gap.from)} to ${clock(gap.to)}`;
  const missed = Number(gap.missed) || 0;
  const head = `${gap.more ? "at least " : ""}${count(missed)} events not shown, ${span}: the page fell behind the stream`;
  say(note, "filling", `${head}; reading them from the stream…`);
  const until = gap.until ? `&before=${encodeURIComponent(gap.until)}` : "";
  let after = gap.after, filled = 0, trimmed = null;
  for (;;) {
    let page;
    try {
      page = await getJSON(`api/after?after=${encodeURIComponent(after)}${until}&limit=${PAGE}`);
    } catch (err) {  // Redis away, or not answering as Redis: said, with where they are
      say(note, "failed", `${head}; ${filled ? `${count(filled)} were filled in, the rest` : "they"} could not be ` +
        `read from the stream (${err.message}): hookd tail or redis-cli XRANGE shows them`);
      return;
    }
    if (filled === 0 && page.trimmed) trimmed = page.trimmed;
    filled += fillIn(page.events.slice(0, MAX_FILL - filled));
    note.dataset.filled = String(filled);
    if (!page.next) break;
    if (filled >= MAX_FILL) {
      say(note, "partial", `${head}; the first ${count(filled)} of them are filled in from the stream, those from ` +
        `${clock(msOf(page.next))} on are not (a page keeps at most ${count(MAX_KEPT)} events: hookd tail or redis-cli XRANGE shows them)`);
      return;
    }
    after = page.next;
    say(note, "filling", `${head}; ${count(filled)} read from the stream so far…`);
  }
  if (trimmed) {
    note.dataset.trimmed = trimmed;
    say(note, "trimmed", `${head}. The stream no longer holds those from ${clock(msOf(gap.after))} to ` +
      `${clock(msOf(trimmed))}: it was trimmed (its MAXLEN) before the page read them; the ${count(filled)} after them are filled in`);
  } else {
    say(note, "filled", `${head}; all ${count(filled)} are filled in from the stream`);
  }
}
