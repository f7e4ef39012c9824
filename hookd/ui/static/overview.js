// hookd ui: the overview page.

import { $, el } from "./dom.js";
import { num, short, when } from "./format.js";
import { getJSON } from "./api.js";
import { showEnvelope } from "./envelope.js";
import { stacked } from "./chart.js";

function recordItem(r, extra) {
  const li = el("li", {}, el("span", { text: `${r.tool || r.hook} ` }),
    el("span", { class: "muted", text: `${extra} · ${r.host} · ${short(r.s)} · ` }),
    el("span", { class: "what", text: r.sum }));
  li.addEventListener("click", () => showEnvelope(r));
  return li;
}

export async function renderOverview() {
  const o = await getJSON("api/overview");
  // The figures are over what the UI holds in memory, not the stream: said, or after a restart (or
  // past --history) they read as the stream's own and were far below it.
  const scope = $("o-scope");
  scope.hidden = false;
  scope.textContent = o.all
    ? `Over all ${num(o.counted)} events read from the stream (this UI holds every one).`
    : `Over the ${num(o.counted)} newest events this UI holds in memory`
      + (o.since_ms ? ` (since ${when(o.since_ms)})` : "")
      + ": the stream holds older ones, not counted here (hookd ui --history sets how many are held).";
  stacked(o.by_host, o.minutes, $("o-hosts"));
  stacked(o.by_hook, o.minutes, $("o-hooks"));
  $("o-slowest").replaceChildren(...o.slowest.map((r) => recordItem(r, `${r.dur} ms`)));
  $("o-risky").replaceChildren(...o.riskiest.map((r) => recordItem(r, r.risk)));
  $("o-failures").replaceChildren(...o.failures.map((r) => recordItem(r, r.hook)));
  $("o-tools").replaceChildren(...o.top_tools.map(([t, n]) => el("li", { text: `${t} · ${n}` })));
}
