// hookd ui: one envelope, drawn a part at a time, its redaction markers marked.

import { $, el, inert } from "./dom.js";
import { clock } from "./format.js";
import { getJSON } from "./api.js";

// A marker's label is short (a rule's name, or a few joined): read no further, nor past the next
// "[", or each "[REDACTED:" of an output that never closes one is read to the end of its string.
const REDACTED = /\[REDACTED:[^\]"[]{1,200}\]/g;

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

export async function showEnvelope(r) {
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
