// hookd ui: the entry module: routing between the views, Redis's health, and starting the page.
// The modules it imports each own one part; every string that comes from an event is put on the
// page with textContent (dom.js): payloads are arbitrary tool output and must stay inert text.

import { $, inert } from "./dom.js";
import { getJSON } from "./api.js";
import { state } from "./state.js";
import { loadOlder, renderFeed, setPaused, take } from "./feed.js";
import { connect } from "./stream.js";
import { renderSessions } from "./sessions.js";
import { openSession } from "./session.js";
import { renderOverview } from "./overview.js";

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
  if (state.view === "session") openSession(decoded(rest.join("/")));
}

async function checkStatus() {
  try {
    const s = await getJSON("api/status");
    const banner = $("banner");
    banner.hidden = !s.error;
    banner.textContent = s.error ? inert(`Redis: ${s.error}`) : "";
    // Entries another program wrote to the stream that hold no envelope the UI reads: in no view,
    // so said here, or a stream of them reads as a quiet one.
    const u = s.unreadable;
    const note = $("unreadable");
    note.hidden = !u?.count;
    if (u?.count) {
      const reasons = Object.entries(u.reasons).map(([why, n]) => `${n}: ${why}`).join("; ");
      note.textContent = inert(`${u.count} ${u.count === 1 ? "entry" : "entries"} of the stream ${s.stream} `
        + `could not be read since the UI started, and are in no view (${reasons}; one is ${u.example}). `
        + "hookd writes none such: another program writes to this stream.");
    }
    const over = $("passed-over");
    const missed = s.passed_over?.count;
    over.hidden = !missed;
    over.textContent = missed ? `${missed} ${missed === 1 ? "entry was" : "entries were"} removed from the `
      + "stream (trimmed past its maxlen, or deleted) before this UI read them: they are in no view." : "";
  } catch { /* the stream's error handler says it */ }
}

async function start() {
  for (const id of ["f-host", "f-hook", "f-risk"]) $(id).addEventListener("change", renderFeed);
  for (const id of ["f-session", "f-cwd", "f-tool", "f-text"]) $(id).addEventListener("input", renderFeed);
  $("filters").addEventListener("submit", (e) => e.preventDefault());
  $("pause").addEventListener("click", () => setPaused(!state.paused));
  $("older").addEventListener("click", loadOlder);
  $("detail-close").addEventListener("click", () => { $("detail").hidden = true; });
  window.addEventListener("hashchange", route);
  // A first page that cannot be read (Redis away) leaves the page live all the same: it was the
  // end of start(), and the page stayed blank, never connected, its views hidden and nothing said.
  try {
    take((await getJSON("api/events?limit=500")).reverse());
    // An empty first page: the live stream is asked for everything after the stream's start. Asked
    // for what comes once it is connected, it left out what the UI read between the two (never shown).
    state.lastId ??= "0-0";
  } catch (err) {
    $("banner").hidden = false;
    $("banner").textContent = inert(`The latest events cannot be read: ${err.message}`);
  }
  renderFeed();
  route();
  connect();
  checkStatus();
  setInterval(checkStatus, 5000);
}

start();
