// hookd ui: the overview page.

import { $, el } from "./dom.js";
import { short } from "./format.js";
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
  stacked(o.by_host, o.minutes, $("o-hosts"));
  stacked(o.by_hook, o.minutes, $("o-hooks"));
  $("o-slowest").replaceChildren(...o.slowest.map((r) => recordItem(r, `${r.dur} ms`)));
  $("o-risky").replaceChildren(...o.riskiest.map((r) => recordItem(r, r.risk)));
  $("o-failures").replaceChildren(...o.failures.map((r) => recordItem(r, r.hook)));
  $("o-tools").replaceChildren(...o.top_tools.map(([t, n]) => el("li", { text: `${t} · ${n}` })));
}
