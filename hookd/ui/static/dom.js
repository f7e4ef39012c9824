// hookd ui: putting text on the page. Every string that comes from an event is put on it with
// textContent (or as an SVG text node): payloads are arbitrary tool output and must stay inert text.

export const $ = (id) => document.getElementById(id);

// Bidirectional marks, embeddings, overrides and isolates reorder the text after them even as
// textContent (U+202E shows "exe.txt" for "txt.exe"); zero-width characters, the word joiner,
// invisible operators, U+FEFF, the soft hyphen and the other default-ignorable format characters,
// the tag characters and the variation selectors show nothing and so hide text (or words meant for
// a model) in plain sight: one selector per byte spells any message after a single letter. All are
// shown as their \u escape (\u{...} past U+FFFF), but for one emoji selector (U+FE0E, U+FE0F) after
// the character it styles: one that is not ASCII, or a keycap's digit, # or *.
// So are the control characters but tab and line feed (C0, DEL, C1: a carriage return is drawn
// as nothing or a space, the others each as the same box, so an escape, a bell and a backspace
// looked alike), the Hangul fillers (letters a font draws blank) and the interlinear annotation
// marks (drawn as nothing). So is a lone surrogate (half an emoji a JavaScript writer cut: the
// server sends it as its JSON escape, faithful.py): as text it is drawn as U+FFFD, which says
// nothing of what was sent. (A pair is one code point here, the u flag, and is not matched.)
// Every code point here is matched on its own (the u flag); the combining ones (U+034F, the
// variation selectors) are listed because they are invisible, not to join the one before them.
// So is a nonspacing or enclosing mark after eight in a row: the font draws each on the one before,
// and a run of hundreds (a session id, a cwd) hung its ink over the rows and the views around it.
// Written text stacks a few at most (Vietnamese two, pointed Hebrew or Tibetan four or five).
/* eslint-disable no-misleading-character-class, no-control-regex */
const INVISIBLE = /[\p{Mn}\p{Me}](?<=[\p{Mn}\p{Me}]{9})|[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u115f\u1160\u3164\uffa0\ufff9-\ufffb\u00ad\u034f\u061c\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u206f\ufe00-\ufe0f\ufeff\ufff0-\ufff8\u{1d173}-\u{1d17a}\u{e0000}-\u{e0fff}\ud800-\udfff]/gu;
const HIDDEN = new RegExp(INVISIBLE.source, "u");
/* eslint-enable no-misleading-character-class, no-control-regex */
const KEYCAP = /[0-9#*]/;
function styles(text, at) {
  if (at === 0) return false;
  const low = text.charCodeAt(at - 1);
  const before = String.fromCodePoint(text.codePointAt(at > 1 && low >= 0xdc00 && low <= 0xdfff ? at - 2 : at - 1));
  return before < "\x80" ? KEYCAP.test(before) : !HIDDEN.test(before);
}
function escaped(c, at, whole) {
  if (c[0] === "\\") return c + c;
  if ((c === "\ufe0e" || c === "\ufe0f") && styles(whole, at)) return c;
  const code = c.codePointAt(0).toString(16);
  return code.length > 4 ? `\\u{${code}}` : `\\u${code.padStart(4, "0")}`;
}
// A backslash the text holds before "u" and hex, or before a character shown as its escape, is
// doubled (as JSON does): a command holding the six characters \u001b then reads \\u001b, and
// only an escape the page made reads \u001b. Only such backslashes: a path's C:\Users is as typed.
// The run is matched from its first backslash only (the lookbehind), so a long run is read once.
// eslint-disable-next-line no-misleading-character-class
const SHOWN = new RegExp(String.raw`(?<!\\)\\+(?=u(?:[0-9a-fA-F]{4}|\{[0-9a-fA-F]{1,6}\})|${INVISIBLE.source})|${INVISIBLE.source}`, "gu");
export function inert(text) {
  return String(text ?? "").replace(SHOWN, escaped);
}
// JSON text (an envelope): its backslashes are already escapes, so only the characters are.
export function inertJson(text) {
  return String(text ?? "").replace(INVISIBLE, escaped);
}

export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = inert(v);
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k === "title") node.setAttribute(k, inert(v));
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(inert(c)));
  return node;
}

const SVG = "http://www.w3.org/2000/svg";
export function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = inert(text);
  return node;
}
