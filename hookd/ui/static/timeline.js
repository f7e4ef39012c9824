// hookd ui: a session's timeline: tool calls paired into bars, other events as marks.

import { el } from "./dom.js";
import { clock, largest, riskClass } from "./format.js";
import { showEnvelope } from "./envelope.js";

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
export function resetTimeline() { timelineRows = TIMELINE_PAGE; }

export function renderTimeline(events, box) {
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
