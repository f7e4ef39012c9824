// hookd ui: the SVG charts: a session's events and tokens, and the overview's stacked bars.

import { el, svg } from "./dom.js";
import { clock, largest, num, tokensOf } from "./format.js";

export function renderChart(events, box) {
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

export function stacked(series, minutes, box) {
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
