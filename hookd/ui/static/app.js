// hookd ui. Every string that comes from an event is put on the page with textContent
// (or as an SVG text node): payloads are arbitrary tool output and must stay inert text.
"use strict";

const $ = (id) => document.getElementById(id);
const MAX_KEPT = 20000;      // records kept in this page for filtering
// Others write the stream: a host or hook name per entry must not grow the filters (each option is
// placed by a scan of those before it) for as long as the page is open.
const MAX_FILTER_OPTIONS = 200;
const MAX_ROWS = 400;        // rows shown in the live feed
const RISK_RANK = { low: 0, medium: 1, high: 2 };
// A marker's label is short (a rule's name, or a few joined): read no further, nor past the next
// "[", or each "[REDACTED:" of an output that never closes one is read to the end of its string.
const REDACTED = /\[REDACTED:[^\]"[]{1,200}\]/g;

const state = {
  records: [],               // newest last
  seen: new Set(),
  lastId: null,
  paused: false,
  pending: 0,                // records that arrived while paused (counted: the newest are kept)
  unrendered: [],            // records not yet drawn, or null: more than the feed shows, drawn anew
  sessionChanged: false,     // a record of the session shown arrived
  hosts: new Set(),
  hooks: new Set(),
  view: "live",
  oldestShown: null,
};

// Bidirectional marks, embeddings, overrides and isolates reorder the text after them even as
// textContent (U+202E shows "exe.txt" for "txt.exe"); zero-width characters, the word joiner,
// invisible operators, U+FEFF, the soft hyphen and the other default-ignorable format characters,
// the tag characters and the variation selectors show nothing and so hide text (or words meant for
// a model) in plain sight: one selector per byte spells any message after a single letter. All are
// shown as their \u escape (\u{...} past U+FFFF), but for one emoji selector (U+FE0E, U+FE0F) after
// the character it styles: one that is not ASCII, or a keycap's digit, # or *.
const INVISIBLE = /[\u00ad\u034f\u061c\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u206f\ufe00-\ufe0f\ufeff\ufff0-\ufff8\u{1d173}-\u{1d17a}\u{e0000}-\u{e0fff}]/gu;
const HIDDEN = new RegExp(INVISIBLE.source, "u");
const KEYCAP = /[0-9#*]/;
function styles(text, at) {
  if (at === 0) return false;
  const low = text.charCodeAt(at - 1);
  const before = String.fromCodePoint(text.codePointAt(at > 1 && low >= 0xdc00 && low <= 0xdfff ? at - 2 : at - 1));
  return before < "\x80" ? KEYCAP.test(before) : !HIDDEN.test(before);
}
function inert(text) {
  return (text == null ? "" : String(text)).replace(INVISIBLE, (c, at, whole) => {
    if ((c === "\ufe0e" || c === "\ufe0f") && styles(whole, at)) return c;
    const code = c.codePointAt(0).toString(16);
    return code.length > 4 ? `\\u{${code}}` : `\\u${code.padStart(4, "0")}`;
  });
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = inert(v);
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k === "title") node.setAttribute(k, inert(v));
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(inert(c)));
  return node;
}

const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = inert(text);
  return node;
}

// A class attribute is a list split at spaces, and the stream's risk is whatever its writer put
// there ("low view" gave a row the class the router hides sections by): classes come from the
// known levels only.
function riskClass(risk) { return `risk-${Object.hasOwn(RISK_RANK, risk) ? risk : "none"}`; }

// The largest of values, at least floor: Math.max(...values) takes one argument per value, and
// chromium throws once they are more than its stack holds (a long session's tool calls, or its
// events with token counts).
function largest(values, floor = -Infinity) {
  let most = floor;
  for (const v of values) if (v > most) most = v;
  return most;
}
function pad(n, w = 2) { return String(n).padStart(w, "0"); }
function clock(ms) {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}
function when(ms) {
  if (!ms) return "";
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
function num(n) {
  if (n === null || n === undefined) return "";
  if (n >= 1e6) return (n / 1e6).toFixed(1) + "M";
  if (n >= 1e4) return (n / 1e3).toFixed(1) + "k";
  return String(n);
}
function tokensOf(tok) { return tok ? tok.in + tok.out + tok.cr + tok.cw : null; }
function usd(x) { return x === null || x === undefined ? "" : "$" + Number(x).toFixed(4); }
function short(s) { return s ? s.slice(0, 8) : ""; }

async function getJSON(url) {
  const res = await fetch(url, { credentials: "same-origin", cache: "no-store" });
  if (!res.ok) {
    // the API's errors are {"error": "<why>"} (Redis away, or not answering as Redis)
    const why = await res.json().then((body) => body.error || "", () => "");
    throw new Error(`${url}: ${res.status}${why ? ` ${why}` : ""}`);
  }
  return res.json();
}

// ---- live feed -------------------------------------------------------------------------

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

function take(records) {
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

// Records are taken as they arrive (take() keeps the newest MAX_KEPT) and only the drawing waits
// for an animation frame: a hidden tab runs none, and what it held for the next one grew for as
// long as the tab stayed in the background under a flood of events.
function arrived(records) {
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

function renderFeed() {
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

function setPaused(paused) {
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

async function loadOlder() {
  const oldest = state.records.length ? state.records[0].id : "";
  const page = await getJSON(`api/events?limit=500&before=${encodeURIComponent(oldest)}`);
  const fresh = page.filter((r) => !state.seen.has(r.id)).reverse();
  for (const r of fresh) state.seen.add(r.id);
  state.records = fresh.concat(state.records);
  renderFeed();
}

function connect() {
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
// between is said, not drawn as if the feed were whole.
const MAX_GAP_NOTES = 5;
function noteGap(gap) {
  const missed = Number(gap.missed) || 0;
  const count = gap.more ? `at least ${missed.toLocaleString("en")}` : missed.toLocaleString("en");
  const span = `from ${clock(gap.from)} to ${clock(gap.to)}`;
  const why = gap.more ? "; some were no longer in the UI's memory" : "";
  const list = $("gaps");
  list.prepend(el("li", { "data-testid": "gap", "data-missed": String(missed), "data-more": gap.more ? "1" : "0",
    text: `${count} events not shown, ${span}: the page fell behind the stream and was sent the newest on reconnecting${why} (hookd tail or redis-cli XRANGE shows them)` }));
  while (list.children.length > MAX_GAP_NOTES) list.lastElementChild.remove();
  list.hidden = false;
}

// ---- envelope detail -------------------------------------------------------------------

function highlighted(text) {
  const frag = document.createDocumentFragment();
  let last = 0;
  for (const m of text.matchAll(REDACTED)) {
    frag.append(document.createTextNode(text.slice(last, m.index)));
    frag.append(el("mark", { class: "redacted", text: m[0] }));
    last = m.index + m[0].length;
  }
  frag.append(document.createTextNode(text.slice(last)));
  return frag;
}

// An envelope is drawn a part at a time: others write the stream, and a tool output of millions
// of characters laid out whole held the tab for seconds. A part ends before a marker it would cut.
const ENVELOPE_PART = 100000;
function cutAt(text, at) {
  if (at >= text.length) return text.length;
  const open = text.lastIndexOf("[REDACTED:", at);
  return open > 0 && open > at - 220 && text.indexOf("]", open) >= at ? open : at;
}

function drawEnvelope(pre, text) {
  let shown = 0;
  const more = el("button", { type: "button", "data-testid": "envelope-more" });
  const all = el("button", { type: "button", "data-testid": "envelope-all" });
  const controls = el("p", { class: "envelope-more", "data-testid": "envelope-rest" }, more, " ", all);
  const part = (upto) => {
    const end = cutAt(text, upto);
    pre.append(highlighted(text.slice(shown, end)));
    shown = end;
    const left = text.length - shown;
    controls.hidden = left === 0;
    more.textContent = `Show ${Math.min(ENVELOPE_PART, left).toLocaleString("en")} more characters`;
    all.textContent = `Show all (${left.toLocaleString("en")} characters not shown)`;
  };
  more.addEventListener("click", () => part(shown + ENVELOPE_PART));
  all.addEventListener("click", () => part(text.length));
  pre.replaceChildren();
  part(ENVELOPE_PART);
  $("detail-rest").replaceChildren(controls);
}

async function showEnvelope(r) {
  $("detail").hidden = false;
  $("detail-rest").replaceChildren();
  $("detail-title").textContent = inert(`${r.hook} ${r.tool} · ${clock(r.t)} · ${r.host}`);
  $("detail-session").href = `#/session/${encodeURIComponent(r.s)}`;
  const pre = $("detail-json");
  pre.textContent = "loading…";
  try {
    const envelope = await getJSON(`api/envelope/${encodeURIComponent(r.id)}`);
    drawEnvelope(pre, inert(JSON.stringify(envelope, null, 2)));
  } catch (err) {
    pre.textContent = String(err);
  }
}

// ---- sessions --------------------------------------------------------------------------

let sessionsTimer = 0;
function refreshSessionsSoon() {
  if (!sessionsTimer) sessionsTimer = setTimeout(() => { sessionsTimer = 0; renderSessions(); }, 1000);
}

async function renderSessions() {
  const rows = await getJSON("api/sessions");
  const body = $("sessions-body");
  const frag = document.createDocumentFragment();
  for (const s of rows) {
    const tr = el("tr", { "data-session": s.s, class: `state-${s.state}` },
      el("td", { text: s.host || "" }),
      el("td", { class: "what", text: s.cwd || "", title: s.s }),
      el("td", { text: s.model || "" }),
      el("td", { text: when(s.first) }),
      el("td", { text: when(s.last) }),
      el("td", { class: "state", text: stateText(s.state) }),
      el("td", { class: "num", text: s.events ?? "" }),
      el("td", { class: "num", text: s.calls ?? "" }),
      el("td", { class: "num", text: s.failures ?? "" }),
      el("td", { class: "num", text: num(tokensOf(s.tok)) }),
      el("td", { class: "num", text: s.tok ? usd(s.tok.cost) : "" }));
    tr.addEventListener("click", () => { location.hash = `#/session/${encodeURIComponent(s.s)}`; });
    frag.append(tr);
  }
  body.replaceChildren(frag);
}

function stateText(s) {
  return { waiting: "waiting for permission" }[s] || s;
}

// ---- one session -----------------------------------------------------------------------

let sessionTimer = 0;
let currentSession = null;
// One read of the session at a time: one older than memory is read from the stream, and a read a
// second after each new event, answered or not, piled up until the UI refused them (503).
let sessionReading = false;
let sessionAgain = false;
function refreshSessionSoon() {
  if (!sessionTimer) sessionTimer = setTimeout(() => { sessionTimer = 0; rereadSession(); }, 1000);
}
async function rereadSession() {
  if (sessionReading) { sessionAgain = true; return; }
  sessionReading = true;
  try { await renderSession(currentSession); } finally { sessionReading = false; }
  if (sessionAgain) { sessionAgain = false; refreshSessionSoon(); }
}

function pairCalls(events) {
  const open = new Map();
  const calls = [];
  const marks = [];
  for (const e of events) {
    if (e.hook === "PreToolUse") {
      const call = { pre: e, post: null, start: e.t, end: null, tool: e.tool, sum: e.sum,
                     risk: e.risk, agent: e.agent, failed: false };
      calls.push(call);
      if (e.tu) open.set(e.tu, call);
    } else if (e.hook === "PostToolUse" || e.hook === "PostToolUseFailure") {
      const call = e.tu && open.get(e.tu);
      if (call) {
        open.delete(e.tu);
        call.post = e;
        call.failed = e.hook === "PostToolUseFailure";
        call.dur = e.dur ?? (e.t - call.start);
        call.end = call.start + call.dur;
      } else {
        calls.push({ pre: null, post: e, start: e.t - (e.dur || 0), end: e.t, dur: e.dur, tool: e.tool,
                     sum: e.sum, risk: e.risk, agent: e.agent, failed: e.hook === "PostToolUseFailure" });
      }
    } else {
      marks.push(e);
    }
  }
  return { calls, marks };
}

const MARK_KIND = {
  UserPromptSubmit: "prompt", Notification: "notification", PermissionRequest: "permission",
  PermissionDenied: "denied", PreCompact: "compaction", PostCompact: "compaction", Stop: "stop",
  StopFailure: "failure", SubagentStart: "agent", SubagentStop: "agent", SessionStart: "session",
  SessionEnd: "session",
};

const TIMELINE_PAGE = 500;
let timelineRows = TIMELINE_PAGE;

function renderTimeline(events, box) {
  const { calls, marks } = pairCalls(events);
  const agentTypes = new Map(events.filter((e) => e.agent && e.atype).map((e) => [e.agent, e.atype]));
  box.replaceChildren();
  if (!events.length) return;
  const t0 = events[0].t;
  const t1 = largest(calls.map((c) => c.end || c.start), events[events.length - 1].t) || t0 + 1;
  const span = Math.max(1, t1 - t0);
  const items = [...calls.map((c) => ({ t: c.start, call: c })), ...marks.map((m) => ({ t: m.t, mark: m }))];
  items.sort((a, b) => a.t - b.t);
  const frag = document.createDocumentFragment();
  // A long session shows its latest rows; earlier ones come on demand (a 10,000-event
  // session would otherwise build 30,000 elements before anything is on screen).
  const first = Math.max(0, items.length - timelineRows);
  if (first > 0) {
    frag.append(el("button", { type: "button", class: "earlier", "data-testid": "earlier",
      text: `Show ${Math.min(TIMELINE_PAGE, first)} earlier (${first} not shown)`,
      onclick: () => { timelineRows += TIMELINE_PAGE; renderTimeline(events, box); } }));
  }
  for (const item of items.slice(first)) {
    if (item.call) {
      const c = item.call;
      const bar = el("span", { class: `bar ${riskClass(c.risk)}${c.failed ? " failed" : ""}${c.end === null ? " open" : ""}` });
      bar.style.left = `${((c.start - t0) / span) * 100}%`;
      bar.style.width = `${Math.max(0.3, (((c.end ?? t1) - c.start) / span) * 100)}%`;
      const label = c.agent ? `${c.tool} · ${agentTypes.get(c.agent) || "agent"}` : c.tool;
      const row = el("div", { class: "tl-row call", "data-tool": c.tool, "data-duration": c.dur ?? "",
                              "data-risk": c.risk || "", "data-failed": c.failed ? "1" : "0",
                              "data-agent": c.agent || "main" },
        el("span", { class: "tl-time", text: clock(c.start) }),
        el("span", { class: "tl-label", text: label, title: c.sum }),
        el("span", { class: "tl-track" }, bar),
        el("span", { class: "tl-dur", text: c.dur === undefined || c.dur === null ? "…" : `${c.dur} ms` }),
        el("span", { class: "risk", text: c.risk || "" }),
        el("span", { class: "what", text: c.sum }));
      row.addEventListener("click", () => showEnvelope(c.post || c.pre));
      frag.append(row);
    } else {
      const m = item.mark;
      const row = el("div", { class: `tl-row mark kind-${Object.hasOwn(MARK_KIND, m.hook) ? MARK_KIND[m.hook] : "other"}`, "data-hook": m.hook },
        el("span", { class: "tl-time", text: clock(m.t) }),
        el("span", { class: "tl-label", text: m.hook }),
        el("span", { class: "what", text: m.sum || m.atype || "" }));
      row.addEventListener("click", () => showEnvelope(m));
      frag.append(row);
    }
  }
  box.append(frag);
}

function renderAgents(sid, events, box) {
  const agents = new Map();
  const calls = new Map();
  for (const e of events) {
    if (e.agent && (e.hook === "SubagentStart" || e.hook === "SubagentStop")) {
      const a = agents.get(e.agent) || { id: e.agent, type: e.atype, start: null, stop: null };
      if (e.hook === "SubagentStart") a.start = e.t; else a.stop = e.t;
      a.type = a.type || e.atype;
      agents.set(e.agent, a);
    }
    if (e.hook === "PreToolUse") calls.set(e.agent || "", (calls.get(e.agent || "") || 0) + 1);
  }
  const root = el("li", { class: "agent", "data-agent": "main" },
    el("span", { class: "agent-name", text: "main" }),
    el("span", { class: "muted", text: ` ${calls.get("") || 0} tool calls` }));
  const list = el("ul");
  for (const a of agents.values()) {
    const status = a.stop ? `${((a.stop - (a.start ?? a.stop)) / 1000).toFixed(1)} s` : "running";
    list.append(el("li", { class: "agent", "data-agent": a.id },
      el("span", { class: "agent-name", text: a.type || "agent" }),
      el("span", { class: "mono muted", text: ` ${a.id}` }),
      el("span", { class: "muted", text: ` · ${calls.get(a.id) || 0} tool calls · ${status}` })));
  }
  if (agents.size) root.append(list);
  box.replaceChildren(root);
}

function renderChart(events, box) {
  box.replaceChildren();
  if (!events.length) return;
  const W = Math.max(400, box.clientWidth - 14), H = 140, N = 60;
  const t0 = events[0].t, t1 = events[events.length - 1].t;
  const span = Math.max(1, t1 - t0);
  const buckets = new Array(N).fill(0);
  const tokens = [];
  for (const e of events) {
    buckets[Math.min(N - 1, Math.floor(((e.t - t0) / span) * N))]++;
    if (e.tok) tokens.push([e.t, tokensOf(e.tok)]);
  }
  const maxB = largest(buckets, 1);
  const maxT = largest(tokens.map((p) => p[1]), 1);
  const chart = svg("svg", { viewBox: `0 0 ${W} ${H + 20}`, class: "svgchart", role: "img" });
  buckets.forEach((n, i) => {
    const h = (n / maxB) * H;
    chart.append(svg("rect", { x: (i * W) / N + 1, y: H - h, width: W / N - 2, height: h, class: "ev" },));
  });
  if (tokens.length) {
    // A step line: tokens are known only at the events that carry usage (Stop, PreCompact, ...).
    const steps = [[t0, 0]];
    for (const [t, v] of tokens) steps.push([t, steps[steps.length - 1][1]], [t, v]);
    steps.push([t1, steps[steps.length - 1][1]]);
    const pts = steps.map(([t, v]) => `${((t - t0) / span) * W},${H - (v / maxT) * H}`);
    chart.append(svg("polyline", { points: pts.join(" "), class: "tok" }));
    chart.append(svg("text", { x: W - 4, y: 12, "text-anchor": "end", class: "legend" }, `tokens ${num(maxT)}`));
  }
  chart.append(svg("text", { x: 4, y: 12, class: "legend" }, `events (max ${maxB} per bar)`));
  chart.append(svg("text", { x: 0, y: H + 16, class: "legend" }, clock(t0)));
  chart.append(svg("text", { x: W, y: H + 16, "text-anchor": "end", class: "legend" }, clock(t1)));
  box.append(chart);
}

async function renderSession(sid) {
  if (!sid) return;
  let data;
  try {
    data = await getJSON(`api/session?s=${encodeURIComponent(sid)}`);
  } catch (err) {
    $("s-title").textContent = inert(`Session ${sid}: cannot be shown (${err.message})`);
    $("s-note").hidden = true;
    return;
  }
  if (currentSession !== sid) return;
  const events = data.events;
  const s = data.summary;
  $("s-title").textContent = inert(`Session ${sid}`);
  // Why the view is read from the stream: hookd's index entry of the session cannot be read.
  $("s-note").hidden = !data.index_error;
  $("s-note").textContent = data.index_error ? inert(data.index_error) : "";
  const last = [...events].reverse().find((e) => e.tok);
  const tok = last ? last.tok : s.tok;
  const facts = [["host", s.host], ["project", s.cwd], ["model", s.model || (events.find((e) => e.model) || {}).model],
    ["state", stateText(s.state)], ["started", when(s.first)], ["last activity", when(s.last)],
    ["events", events.length], ["tool calls", s.calls], ["failures", s.failures],
    ["tokens", tok ? `${num(tok.in)} in · ${num(tok.out)} out · ${num(tok.cr)} cache read · ${num(tok.cw)} cache write` : ""],
    ["cost", tok ? usd(tok.cost) : ""]];
  const dl = $("s-facts");
  dl.replaceChildren();
  for (const [k, v] of facts) dl.append(el("dt", { text: k }), el("dd", { "data-fact": k, text: v ?? "" }));
  renderChart(events, $("s-chart"));
  renderTimeline(events, $("s-timeline"));
  renderAgents(sid, events, $("s-agents"));
}

// ---- overview --------------------------------------------------------------------------

function stacked(series, minutes, box) {
  box.replaceChildren();
  const W = Math.max(400, box.clientWidth - 14), H = 120;
  const names = Object.keys(series).sort();
  const totals = new Array(minutes).fill(0);
  for (const n of names) series[n].forEach((v, i) => { totals[i] += v; });
  const max = Math.max(1, ...totals);
  const chart = svg("svg", { viewBox: `0 0 ${W} ${H + 16}`, class: "svgchart", role: "img" });
  const legend = el("div", { class: "legend-row" });
  const base = new Array(minutes).fill(0);
  names.forEach((n, k) => {
    series[n].forEach((v, i) => {
      if (!v) return;
      const h = (v / max) * H;
      base[i] += h;
      chart.append(svg("rect", { x: (i * W) / minutes + 1, y: H - base[i], width: W / minutes - 2,
                                 height: h, class: `c${k % 8}` }));
    });
    legend.append(el("span", { class: "key" }, el("span", { class: `swatch s${k % 8}` }), n));
  });
  chart.append(svg("text", { x: 4, y: 12, class: "legend" }, `max ${max}/min`));
  chart.append(svg("text", { x: 0, y: H + 13, class: "legend" }, "60 min ago"));
  chart.append(svg("text", { x: W, y: H + 13, "text-anchor": "end", class: "legend" }, "now"));
  box.append(chart, legend);
}

function recordItem(r, extra) {
  const li = el("li", {}, el("span", { text: `${r.tool || r.hook} ` }),
    el("span", { class: "muted", text: `${extra} · ${r.host} · ${short(r.s)} · ` }),
    el("span", { class: "what", text: r.sum }));
  li.addEventListener("click", () => showEnvelope(r));
  return li;
}

async function renderOverview() {
  const o = await getJSON("api/overview");
  stacked(o.by_host, o.minutes, $("o-hosts"));
  stacked(o.by_hook, o.minutes, $("o-hooks"));
  $("o-slowest").replaceChildren(...o.slowest.map((r) => recordItem(r, `${r.dur} ms`)));
  $("o-risky").replaceChildren(...o.riskiest.map((r) => recordItem(r, r.risk)));
  $("o-failures").replaceChildren(...o.failures.map((r) => recordItem(r, r.hook)));
  $("o-tools").replaceChildren(...o.top_tools.map(([t, n]) => el("li", { text: `${t} · ${n}` })));
}

// ---- routing ---------------------------------------------------------------------------

// A hash typed or pasted by hand may hold a "%" that starts no escape: it is then the id as written.
function decoded(text) {
  try { return decodeURIComponent(text); } catch { return text; }
}

function route() {
  const hash = location.hash || "#/live";
  const [, view, ...rest] = hash.split("/");
  state.view = view || "live";
  for (const section of document.querySelectorAll(".view")) section.hidden = true;
  for (const a of document.querySelectorAll("nav a")) a.classList.toggle("active", a.dataset.view === state.view);
  const section = $(`view-${state.view}`) || $("view-live");
  section.hidden = false;
  if (state.view === "sessions") renderSessions();
  if (state.view === "overview") renderOverview();
  if (state.view === "session") {
    const sid = decoded(rest.join("/"));
    if (sid !== currentSession) {  // no other session's facts while this one loads
      timelineRows = TIMELINE_PAGE;
      for (const id of ["s-facts", "s-chart", "s-timeline", "s-agents"]) $(id).replaceChildren();
      $("s-title").textContent = inert(`Session ${sid}`);
    }
    currentSession = sid;
    rereadSession();
  }
}

async function checkStatus() {
  try {
    const s = await getJSON("api/status");
    const banner = $("banner");
    banner.hidden = !s.error;
    banner.textContent = s.error ? inert(`Redis: ${s.error}`) : "";
  } catch (err) { /* the stream's error handler says it */ }
}

async function start() {
  for (const id of ["f-host", "f-hook", "f-risk"]) $(id).addEventListener("change", renderFeed);
  for (const id of ["f-session", "f-cwd", "f-tool", "f-text"]) $(id).addEventListener("input", renderFeed);
  $("filters").addEventListener("submit", (e) => e.preventDefault());
  $("pause").addEventListener("click", () => setPaused(!state.paused));
  $("older").addEventListener("click", loadOlder);
  $("detail-close").addEventListener("click", () => { $("detail").hidden = true; });
  window.addEventListener("hashchange", route);
  const recent = await getJSON("api/events?limit=500");
  take(recent.reverse());
  renderFeed();
  route();
  connect();
  checkStatus();
  setInterval(checkStatus, 5000);
}

start();
