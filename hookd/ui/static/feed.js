// hookd ui: the live feed, its filters and pausing.

import { $, el } from "./dom.js";
import { clock, riskClass, short, RISK_RANK } from "./format.js";
import { getJSON } from "./api.js";
import { state } from "./state.js";
import { showEnvelope } from "./envelope.js";
import { refreshSessionsSoon } from "./sessions.js";
import { currentSession, refreshSessionSoon } from "./session.js";

export const MAX_KEPT = 20000;     // records kept in this page for filtering
// Others write the stream: a host or hook name per entry must not grow the filters (each option is
// placed by a scan of those before it) for as long as the page is open.
const MAX_FILTER_OPTIONS = 200;
const MAX_ROWS = 400;        // rows shown in the live feed

function filters() {
  return {
    host: $("f-host").value, session: $("f-session").value.trim(),
    cwd: $("f-cwd").value.trim().toLowerCase(), hook: $("f-hook").value,
    tool: $("f-tool").value.trim().toLowerCase(), risk: $("f-risk").value,
    text: $("f-text").value.trim().toLowerCase(),
  };
}

function matches(r, f) {
  if (f.host && r.host !== f.host) return false;
  if (f.session && !r.s.startsWith(f.session)) return false;
  if (f.cwd && !r.cwd.toLowerCase().includes(f.cwd)) return false;
  if (f.hook && r.hook !== f.hook) return false;
  if (f.tool && !r.tool.toLowerCase().includes(f.tool)) return false;
  if (f.risk && (Object.hasOwn(RISK_RANK, r.risk) ? RISK_RANK[r.risk] : -1) < RISK_RANK[f.risk]) return false;
  if (f.text) {
    const hay = `${r.sum} ${r.tool} ${r.hook} ${r.cwd} ${r.s} ${r.host} ${r.model}`.toLowerCase();
    if (!hay.includes(f.text)) return false;
  }
  return true;
}

function feedRow(r) {
  const tr = el("tr", { "data-id": r.id, "data-hook": r.hook, class: riskClass(r.risk) },
    el("td", { text: clock(r.t) }),
    el("td", { text: r.host }),
    el("td", { class: "mono", text: short(r.s), title: r.s }),
    el("td", { text: r.hook }),
    el("td", { text: r.tool }),
    el("td", { class: "risk", text: r.risk }),
    el("td", { class: "num", text: r.dur ?? "" }),
    el("td", { class: "what", text: r.sum }));
  tr.addEventListener("click", () => showEnvelope(r));
  return tr;
}

function addOption(select, value) {
  const opt = el("option", { value, text: value });
  const after = [...select.options].slice(1).find((o) => o.value > value);
  select.insertBefore(opt, after || null);
}

// A stream entry id, "ms-seq", as a pair of numbers to compare (ids as text sort "9-0" after "10-0").
function idKey(id) {
  const [ms, seq] = String(id).split("-");
  return [Number(ms) || 0, Number(seq) || 0];
}
function newer(a, b) { return a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]); }

export function take(records) {
  const fresh = [];
  // The stream comes in order: a record not newer than the last one taken was taken already (the
  // ids seen are forgotten with the records past MAX_KEPT; a reconnect's catch-up may repeat them).
  let last = state.lastId ? idKey(state.lastId) : null;
  for (const r of records) {
    if (state.seen.has(r.id)) continue;
    const key = idKey(r.id);
    if (last && !newer(key, last)) continue;
    last = key;
    state.seen.add(r.id);
    fresh.push(r);
    if (!state.hosts.has(r.host) && state.hosts.size < MAX_FILTER_OPTIONS) {
      state.hosts.add(r.host);
      addOption($("f-host"), r.host);
    }
    if (!state.hooks.has(r.hook) && state.hooks.size < MAX_FILTER_OPTIONS) {
      state.hooks.add(r.hook);
      addOption($("f-hook"), r.hook);
    }
  }
  if (!fresh.length) return fresh;
  for (const r of fresh) state.records.push(r);  // one by one: push(...fresh) is a call of fresh.length arguments
  if (state.records.length > MAX_KEPT) {
    for (const r of state.records.splice(0, state.records.length - MAX_KEPT)) state.seen.delete(r.id);
  }
  state.lastId = fresh[fresh.length - 1].id;
  return fresh;
}

// Records the page was not sent (a gap filled from the stream, gapfill.js), oldest first: laid in
// among those it has by their ids, none twice; the oldest beyond MAX_KEPT are let go as ever.
// How many were new.
export function fillIn(records) {
  const fresh = records.filter((r) => !state.seen.has(r.id));
  if (!fresh.length) return 0;
  let at = 0;
  const first = idKey(fresh[0].id);
  for (let lo = 0, hi = state.records.length; lo < hi;) {  // the first record newer than the page's first
    const mid = (lo + hi) >> 1;
    if (newer(idKey(state.records[mid].id), first)) hi = mid; else lo = mid + 1;
    at = lo;
  }
  const merged = state.records.slice(0, at);
  let k = at;
  for (const r of fresh) {
    const key = idKey(r.id);
    while (k < state.records.length && !newer(idKey(state.records[k].id), key)) merged.push(state.records[k++]);
    merged.push(r);
    state.seen.add(r.id);
  }
  for (; k < state.records.length; k++) merged.push(state.records[k]);
  state.records = merged;
  if (state.records.length > MAX_KEPT) {
    for (const r of state.records.splice(0, state.records.length - MAX_KEPT)) state.seen.delete(r.id);
  }
  if (!state.paused) state.unrendered = null;  // drawn anew: the rows may go among those shown
  schedule();
  return fresh.length;
}

// Records are taken as they arrive (take() keeps the newest MAX_KEPT) and only the drawing waits
// for an animation frame: a hidden tab runs none, and what it held for the next one grew for as
// long as the tab stayed in the background under a flood of events.
export function arrived(records) {
  const fresh = take(records);
  if (!fresh.length) return;
  if (state.paused) state.pending += fresh.length;
  else if (state.unrendered) {
    for (const r of fresh) state.unrendered.push(r);
    if (state.unrendered.length > MAX_ROWS) state.unrendered = null;
  }
  if (fresh.some((r) => r.s === currentSession)) state.sessionChanged = true;
  schedule();
}

let frame = 0;
function schedule() { if (!frame) frame = requestAnimationFrame(flush); }

function flush() {
  frame = 0;
  $("counts").textContent = `${state.records.length} events`;
  if (state.view === "session" && state.sessionChanged) refreshSessionSoon();
  state.sessionChanged = false;
  if (state.view === "sessions") refreshSessionsSoon();
  $("pending").textContent = state.pending ? `${state.pending} new (paused)` : "";
  if (state.paused) return;
  const unrendered = state.unrendered;
  state.unrendered = [];
  if (unrendered) prependRows(unrendered);
  else renderFeed();
}

function prependRows(records) {
  const f = filters();
  const body = $("feed-body");
  const frag = document.createDocumentFragment();
  const shown = records.filter((r) => matches(r, f));
  for (let i = shown.length - 1; i >= 0 && shown.length - i <= MAX_ROWS; i--) frag.append(feedRow(shown[i]));
  body.prepend(frag);
  while (body.rows.length > MAX_ROWS) body.deleteRow(-1);
}

export function renderFeed() {
  const f = filters();
  const body = $("feed-body");
  body.replaceChildren();
  const frag = document.createDocumentFragment();
  let n = 0;
  for (let i = state.records.length - 1; i >= 0 && n < MAX_ROWS; i--) {
    const r = state.records[i];
    if (matches(r, f)) { frag.append(feedRow(r)); n++; }
  }
  body.append(frag);
}

export function setPaused(paused) {
  state.paused = paused;
  state.unrendered = [];  // resumed: drawn anew below; paused: nothing is drawn until then
  $("pause").textContent = paused ? "Resume" : "Pause";
  $("conn").classList.toggle("paused", paused);
  if (!paused) {
    state.pending = 0;
    $("pending").textContent = "";
    renderFeed();
  }
}

export async function loadOlder() {
  const oldest = state.records.length ? state.records[0].id : "";
  const page = await getJSON(`api/events?limit=500&before=${encodeURIComponent(oldest)}`);
  const fresh = page.filter((r) => !state.seen.has(r.id)).reverse();
  for (const r of fresh) state.seen.add(r.id);
  state.records = fresh.concat(state.records);
  renderFeed();
}
