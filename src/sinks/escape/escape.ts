/**
 * @module Escaping untrusted text for a terminal and for JSON that people `cat`.
 *
 * Everything a sink prints comes from logs and file names an attacker could write: a User-Agent
 * holding `ESC[2J` could clear the responder's screen, one holding `\r` could overwrite the
 * verdict line, and a right-to-left override (U+202E) could make `gpj.aspx` look like `xpsa.jpg`.
 * So each such character is replaced with a visible escape instead of being passed through.
 *
 * Backslash itself is left alone: Windows paths are full of them, and doubling every one would
 * make paths hard to read for the sake of an ambiguity (a literal `\x1b` text) that forges nothing.
 */

/**
 * Characters that move the cursor, change colours, reorder or hide text:
 * C0 controls (including TAB, CR, LF and ESC), DEL, C1 controls (U+0080–U+009F, U+009B is a
 * one-byte CSI on some terminals), the Arabic letter mark U+061C, zero-width characters and
 * LRM/RLM (U+200B–U+200F), line/paragraph separators and the bidi embeddings and overrides
 * (U+2028–U+202E), word joiner and bidi isolates (U+2060–U+2069), and the BOM / zero-width no-break
 * space (U+FEFF).
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

/**
 * The same set without C0: JSON.stringify already escapes C0 inside strings, and outside strings
 * the only C0 characters are the newlines and spaces of pretty-printing, which must stay.
 */
const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

function visible(c: string): string {
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
}

/** Replaces every control, bidi and invisible character with a visible `\xNN` or `\u{NNNN}`. */
export function escapeTerminal(s: string): string {
  return s.replace(UNSAFE, visible);
}

/**
 * Makes serialised JSON safe to print: DEL, C1, bidi and invisible characters become `\uNNNN`. These
 * characters can only occur inside JSON strings, where the escape means the same character, so
 * the result parses to exactly the same value. (JSON.stringify already escapes C0 controls but
 * leaves DEL, C1 and bidi characters raw.)
 */
export function escapeJsonText(json: string): string {
  return json.replace(UNSAFE_IN_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Cuts `s` to at most `max` UTF-16 code units and says how much was dropped, e.g.
 * `ServerInfo~a]@…(+912 chars)`. Never splits a surrogate pair. Truncate raw text first and
 * escape afterwards, so an escape sequence is never cut in half.
 */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  let cut = Math.max(0, max);
  // A high surrogate at the cut would leave half a character (rendered as U+FFFD).
  const last = s.charCodeAt(cut - 1);
  if (cut > 0 && last >= 0xd800 && last <= 0xdbff) cut -= 1;
  return `${s.slice(0, cut)}…(+${s.length - cut} chars)`;
}
