// hookd ui: one session's page: its facts, chart, timeline and agents, read again as its events arrive.

import { $, el, inert } from "./dom.js";
import { num, stateText, usd, when } from "./format.js";
import { getJSON } from "./api.js";
import { renderChart } from "./chart.js";
import { renderTimeline, resetTimeline } from "./timeline.js";

let sessionTimer = 0;
export let currentSession = null;
// One read of the session at a time: one older than memory is read from the stream, and a read a
// second after each new event, answered or not, piled up until the UI refused them (503).
let sessionReading = false;
let sessionAgain = false;
export function refreshSessionSoon(seconds = 1) {
  if (!sessionTimer) sessionTimer = setTimeout(() => { sessionTimer = 0; rereadSession(); }, seconds * 1000);
}
async function rereadSession() {
  if (sessionReading) { sessionAgain = true; return; }
  sessionReading = true;
  try { await renderSession(currentSession); } finally { sessionReading = false; }
  if (sessionAgain) { sessionAgain = false; refreshSessionSoon(); }
}

export function openSession(sid) {
  if (sid !== currentSession) {  // no other session's facts while this one loads
    resetTimeline();
    for (const id of ["s-facts", "s-chart", "s-timeline", "s-agents"]) $(id).replaceChildren();
    $("s-earlier").hidden = true;
    $("s-behind").hidden = true;
    $("s-title").textContent = inert(`Session ${sid}`);
  }
  currentSession = sid;
  rereadSession();
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

async function renderSession(sid) {
  if (!sid) return;
  let data;
  try {
    data = await getJSON(`api/session?s=${encodeURIComponent(sid)}`);
  } catch (err) {
    $("s-title").textContent = inert(`Session ${sid}: cannot be shown (${err.message})`);
    $("s-note").hidden = true;
    // Too much of the stream read for ids hookd does not index (hookd/ui/scan_budget.py): again once it refills.
    if (err.status === 429 && currentSession === sid) refreshSessionSoon(Math.min(60, Math.max(1, err.retryAfter)));
    return;
  }
  if (currentSession !== sid) return;
  const events = data.events;
  const s = data.summary;
  $("s-title").textContent = inert(`Session ${sid}`);
  // Why the view is read from the stream: hookd's index entry of the session cannot be read.
  $("s-note").hidden = !data.index_error;
  $("s-note").textContent = data.index_error ? inert(data.index_error) : "";
  // A long session is sent its newest events (hookd/ui/reader.py, MAX_SESSION_EVENTS): the rest is said.
  const earlier = Number(data.earlier) || 0;
  // An old session is read back from its last event, so many entries at most: where it stopped is said.
  const unread = typeof data.unread_before === "string" ? data.unread_before : "";
  $("s-earlier").hidden = !earlier && !unread;
  $("s-earlier").textContent = (earlier ? `The session's first ${earlier.toLocaleString("en")} events are not ` +
    `shown: the page is sent its newest ${events.length.toLocaleString("en")} (hookd tail or redis-cli XRANGE shows them all). ` : "") +
    (unread && data.reading_on === true ? inert(`Reading the stream for its earlier events: read back to ` +
      `${when(Number(unread.split("-")[0]))} (stream entry ${unread}) so far.`) :
      unread ? inert(`Its events before ${when(Number(unread.split("-")[0]))} (stream entry ${unread}) were not looked for: ` +
      "the stream is read back from the session's last event this far at most (redis-cli XRANGE shows the rest)") : "");
  // The read stopped at what one request reads (hookd/ui/session_scans.py, SCAN_STEP): ask again, it reads on.
  // The entries added since its last read are not all read yet (a writer adding faster than a
  // request reads): its newest events may be among them, so the page must not look complete.
  const behind = data.behind && typeof data.behind.read_to === "string" ? data.behind : null;
  $("s-behind").hidden = !behind;
  $("s-behind").textContent = behind ? inert(behindText(behind.read_to, String(behind.head))) : "";
  if ((unread || behind) && data.reading_on === true) refreshSessionSoon();
  const last = [...events].reverse().find((e) => e.tok);
  const tok = last ? last.tok : s.tok;
  const facts = [["host", s.host], ["project", s.cwd], ["model", s.model || (events.find((e) => e.model) || {}).model],
    ["state", stateText(s.state)], ["started", when(s.first)], ["last activity", when(s.last)],
    ["events", events.length + earlier], ["tool calls", s.calls], ["failures", s.failures],
    ["tokens", tok ? `${num(tok.in)} in · ${num(tok.out)} out · ${num(tok.cr)} cache read · ${num(tok.cw)} cache write` : ""],
    ["cost", tok ? usd(tok.cost) : ""]];
  const dl = $("s-facts");
  dl.replaceChildren();
  for (const [k, v] of facts) dl.append(el("dt", { text: k }), el("dd", { "data-fact": k, text: v ?? "" }));
  renderChart(events, $("s-chart"));
  renderTimeline(events, $("s-timeline"));
  renderAgents(sid, events, $("s-agents"));
}

function behindText(readTo, head) {
  const [readMs, headMs] = [Number(readTo.split("-")[0]), Number(head.split("-")[0])];
  const lag = Math.max(0, (headMs - readMs) / 1000);
  return `Behind the stream, reading on: the entries after ${when(readMs)} (stream entry ${readTo}) are ` +
    `not all read yet, up to ${when(headMs)} (stream entry ${head}), ${lag.toLocaleString("en")} s later: ` +
    "this session's newest events may be among them.";
}
