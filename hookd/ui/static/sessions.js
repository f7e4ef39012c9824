// hookd ui: the list of sessions.

import { $, el } from "./dom.js";
import { num, stateText, tokensOf, usd, when } from "./format.js";
import { answered } from "./api.js";

let sessionsTimer = 0;
export function refreshSessionsSoon() {
  if (!sessionsTimer) sessionsTimer = setTimeout(() => { sessionsTimer = 0; renderSessions(); }, 1000);
}

export async function renderSessions() {
  const res = await answered("api/sessions");
  const rows = await res.json();
  // Past the newest 500 a session is not listed (the server says so): said, not left to be guessed.
  $("sessions-more").hidden = !res.headers.get("x-more-sessions");
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
