// hookd ui: one envelope, drawn a part at a time, its redaction markers marked.

import { $, el, inert, inertJson } from "./dom.js";
import { clock } from "./format.js";
import { answered } from "./api.js";

// A marker's label is short (a rule's name, or a few joined): read no further, nor past the next
// "[", or each "[REDACTED:" of an output that never closes one is read to the end of its string.
const REDACTED = /\[REDACTED:[^\]"[]{1,200}\]/g;

// A part is made inert as it is drawn, so opening an envelope reads only its first part.
function highlighted(text) {
  const frag = document.createDocumentFragment();
  let last = 0;
  for (const m of text.matchAll(REDACTED)) {
    frag.append(document.createTextNode(inertJson(text.slice(last, m.index))));
    const mark = el("mark", { class: "redacted" });
    mark.textContent = inertJson(m[0]);
    frag.append(mark);
    last = m.index + m[0].length;
  }
  frag.append(document.createTextNode(inertJson(text.slice(last))));
  return frag;
}

// An envelope is drawn a part at a time: others write the stream, and a tool output of millions
// of characters laid out whole held the tab for seconds. A part ends before a marker it would cut.
// Each part is a block of its own, laid out (content-visibility) only when scrolled to: Show all
// draws one part per turn of the event loop, so the page answers between parts and Stop stops.
const ENVELOPE_PART = 100000;
// Nor between the halves of a surrogate pair, or a character and the emoji selector after it.
function joined(code) { return (code >= 0xdc00 && code <= 0xdfff) || code === 0xfe0e || code === 0xfe0f; }
function cutAt(text, at) {
  if (at >= text.length) return text.length;
  const open = text.lastIndexOf("[REDACTED:", at);
  if (open > 0 && open > at - 220 && text.indexOf("]", open) >= at) return open;
  while (at < text.length && joined(text.charCodeAt(at))) at += 1;
  return at;
}

// Reading and indenting an envelope (JSON.parse, JSON.stringify) holds the page for as long as it
// is long, before its first part is drawn: a larger one is drawn as stored, a part at a time.
const INDENT_UP_TO = 10 * ENVELOPE_PART;

let drawing = 0;  // the timer of a Show all under way
let following = false;  // a Show all asked while the envelope arrives: it goes on as the rest does
function stopDrawing() { clearTimeout(drawing); drawing = 0; following = false; }

function button(testid) { return el("button", { type: "button", "data-testid": testid }); }

// source is { text, done, size }: its text grows as the answer arrives, and its first part is drawn
// once that much has arrived. The controls are offered with the first part: a part is drawn of what
// has arrived, and Show all goes on drawing as the rest arrives; the download once all of it has.
function drawEnvelope(pre, source, name, note) {
  let shown = 0;
  const more = button("envelope-more"), all = button("envelope-all"), stop = button("envelope-stop");
  const controls = el("p", { class: "envelope-more", "data-testid": "envelope-rest" }, more, " ", all, " ", stop);
  const arriving = el("p", { class: "envelope-more", "data-testid": "envelope-arriving" });
  // A part is never cut where the text has not arrived past a marker it might hold.
  const arrived = () => (source.done ? source.text.length : Math.max(shown, source.text.length - 220));
  const labels = () => {
    const left = source.text.length - shown;
    const busy = drawing !== 0 || following;
    controls.hidden = left === 0 && source.done;
    more.hidden = all.hidden = busy;
    more.disabled = arrived() === shown;
    stop.hidden = !busy;
    const coming = source.done ? "" : ", more arriving";
    more.textContent = `Show ${Math.min(ENVELOPE_PART, left).toLocaleString("en")} more characters`;
    all.textContent = `Show all (${left.toLocaleString("en")} characters not shown${coming})`;
    stop.textContent = `Stop (${left.toLocaleString("en")} characters not shown yet${coming})`;
  };
  const part = (upto) => {
    const end = Math.min(cutAt(source.text, upto), arrived());
    if (end > shown) pre.append(el("span", { class: "part" }, highlighted(source.text.slice(shown, end))));
    shown = end;
    labels();
  };
  // Draws what has arrived, a part per turn; what arrives after is drawn by the update it makes.
  const drawAll = () => {
    part(shown + ENVELOPE_PART);
    drawing = arrived() > shown ? setTimeout(drawAll, 0) : 0;
    following = !source.done;
    labels();
  };
  more.addEventListener("click", () => part(shown + ENVELOPE_PART));
  all.addEventListener("click", () => { if (!drawing) drawAll(); });
  stop.addEventListener("click", () => { stopDrawing(); part(shown); });
  const head = note ? [el("p", { class: "envelope-more", "data-testid": "envelope-note", text: note })] : [];
  const firstReady = () => source.done || source.text.length >= ENVELOPE_PART + 220;
  return () => {
    if (!shown && firstReady()) {
      pre.replaceChildren();
      part(ENVELOPE_PART);
    }
    if (following && !drawing) drawAll();  // a Show all that drew all that had arrived goes on
    if (!source.done) {
      arriving.textContent = `Arriving: ${source.received.toLocaleString("en")} of ${source.size.toLocaleString("en")} bytes`;
      if (shown) labels();
      // Laid out again only when a control is new: a button moved under the pointer loses its click.
      const rest = $("detail-rest");
      if (!rest.contains(arriving) || (shown && !rest.contains(controls))) {
        rest.replaceChildren(...head, arriving, ...(shown ? [controls] : []));
      }
      return;
    }
    const rest = [...head, controls];
    if (source.text.length > ENVELOPE_PART) {  // a file the user can open as they like, whatever its size
      const text = source.text;
      const save = el("button", { type: "button", "data-testid": "envelope-download",
        text: `Download the envelope (${text.length.toLocaleString("en")} characters)` });
      save.addEventListener("click", () => {
        const url = URL.createObjectURL(new Blob([text], { type: "application/json" }));
        el("a", { href: url, download: `hookd-${name}.json` }).click();
        setTimeout(() => URL.revokeObjectURL(url), 10000);
      });
      rest.push(el("p", { class: "envelope-more" }, save));
    }
    labels();
    $("detail-rest").replaceChildren(...rest);
  };
}

let opened = 0;  // the envelope opened last: one still arriving when another is opened is let go

export async function showEnvelope(r) {
  stopDrawing();
  const mine = ++opened;
  $("detail").hidden = false;
  $("detail-rest").replaceChildren();
  $("detail-title").textContent = inert(`${r.hook} ${r.tool} · ${clock(r.t)} · ${r.host}`);
  $("detail-session").href = `#/session/${encodeURIComponent(r.s)}`;
  const pre = $("detail-json");
  pre.textContent = "loading…";
  const name = r.id.replace(/[^0-9-]/g, "");
  try {
    const res = await answered(`api/envelope/${encodeURIComponent(r.id)}`);
    const size = Number(res.headers.get("content-length")) || 0;
    if (size > INDENT_UP_TO && res.body) {
      // Reading and indenting it would hold the page before its first part: it is drawn as stored,
      // its first part as soon as it has arrived (a large envelope takes a while to).
      const source = { text: "", done: false, size, received: 0 };
      const note = `Shown as stored, not indented: it is ${size.toLocaleString("en")} bytes, and reading ` +
        "it whole to indent it would hold the page before its first part (Download the envelope opens it whole)";
      const update = drawEnvelope(pre, source, name, note);
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      for (;;) {
        const { value, done } = await reader.read();
        if (mine !== opened) { reader.cancel(); return; }
        if (done) break;
        source.received += value.length;
        source.text += decoder.decode(value, { stream: true });
        update();
      }
      source.text += decoder.decode();
      source.done = true;
      update();
      return;
    }
    const stored = await res.text();
    if (mine !== opened) return;
    // JSON.parse and JSON.stringify go a level deeper per array or object: one nested past the
    // stack threw, and the view said only "RangeError". Such an envelope is shown as stored.
    let whole = stored, note = "";
    if (stored.length > INDENT_UP_TO) {
      note = `Shown as stored, not indented: it is ${stored.length.toLocaleString("en")} characters, and reading ` +
        "it whole to indent it would hold the page before its first part (Download the envelope opens it whole)";
    } else try { whole = JSON.stringify(JSON.parse(stored), null, 2); } catch (err) {
      note = `Shown as stored, not indented: the browser cannot read it as JSON (${err.message})`;
    }
    drawEnvelope(pre, { text: whole, done: true }, name, note)();
  } catch (err) {
    if (mine === opened) pre.textContent = String(err);
  }
}
