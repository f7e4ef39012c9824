// hookd ui: how values are written (times, counts, money, risk).

export const RISK_RANK = { low: 0, medium: 1, high: 2 };


// A class attribute is a list split at spaces, and the stream's risk is whatever its writer put
// there ("low view" gave a row the class the router hides sections by): classes come from the
// known levels only.
export function riskClass(risk) { return `risk-${Object.hasOwn(RISK_RANK, risk) ? risk : "none"}`; }

// The largest of values, at least floor: Math.max(...values) takes one argument per value, and
// chromium throws once they are more than its stack holds (a long session's tool calls, or its
// events with token counts).
export function largest(values, floor = -Infinity) {
  let most = floor;
  for (const v of values) if (v > most) most = v;
  return most;
}
function pad(n, w = 2) { return String(n).padStart(w, "0"); }
export function clock(ms) {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}
export function when(ms) {
  if (!ms) return "";
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
export function num(n) {
  if (n === null || n === undefined) return "";
  if (n >= 1e6) return (n / 1e6).toFixed(1) + "M";
  if (n >= 1e4) return (n / 1e3).toFixed(1) + "k";
  return String(n);
}
export function tokensOf(tok) { return tok ? tok.in + tok.out + tok.cr + tok.cw : null; }
export function usd(x) { return x === null || x === undefined ? "" : "$" + Number(x).toFixed(4); }
export function short(s) { return s ? s.slice(0, 8) : ""; }

export function stateText(s) {
  return { waiting: "waiting for the user" }[s] || s;
}
