/**
 * @module Streaming split of a JSON export into its event values: a top-level array (what
 * `ConvertTo-Json` writes for many objects), a single object (what it writes for one), JSON
 * Lines, or pretty-printed objects one after another (SigmaHQ's regression JSON). Each value
 * is handed over as text with the line it starts on; only then is it given to `JSON.parse`.
 *
 * Malformed input is reported with its line and skipped: a value that does not parse, a raw
 * line break inside a string (a JSON Lines line cut short), or text between values. Reading
 * resumes at the next line. Integers of 16 digits or more are turned into strings before
 * parsing, so that 64-bit values such as `Keywords` keep every digit.
 */

export interface JsonValue {
  readonly value: unknown;
  /** 1-based line where the value starts. */
  readonly line: number;
}

export interface JsonProblem {
  readonly line: number;
  readonly message: string;
}

/** Longest single value accepted (a bigger one is reported and skipped). */
export const MAX_VALUE_CHARS = 16 * 1024 * 1024;

export class JsonValueSplitter {
  readonly #onValue: (v: JsonValue) => void;
  readonly #onProblem: (p: JsonProblem) => void;
  #line = 1;
  /** Nesting depth inside the current value (0: between values). */
  #depth = 0;
  #inString = false;
  #escape = false;
  /** True while reading the elements of a top-level array. */
  #inTopArray = false;
  /** No value seen yet: a `[` now opens the top-level array. */
  #atStart = true;
  #parts: string[] = [];
  #size = 0;
  #valueLine = 0;
  /** Skipping the rest of a bad line. */
  #skipLine = false;

  constructor(onValue: (v: JsonValue) => void, onProblem: (p: JsonProblem) => void) {
    this.#onValue = onValue;
    this.#onProblem = onProblem;
  }

  push(text: string): void {
    let start = -1; // start in `text` of the part of the current value not yet saved
    if (this.#depth > 0) start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) this.#line++;
      if (this.#skipLine) {
        if (c === 10) this.#skipLine = false;
        continue;
      }
      if (this.#depth === 0) {
        if (c === 32 || c === 9 || c === 13 || c === 10 || c === 0xfeff) continue;
        if (c === 44 && this.#inTopArray) continue; // `,` between array elements
        if (c === 93 && this.#inTopArray) {
          this.#inTopArray = false; // `]` closes the top-level array
          continue;
        }
        if (c === 91 && this.#atStart) {
          this.#atStart = false;
          this.#inTopArray = true;
          continue;
        }
        if (c === 123 || c === 91) {
          this.#atStart = false;
          this.#depth = 1;
          this.#valueLine = this.#line;
          this.#parts = [];
          this.#size = 0;
          start = i;
          continue;
        }
        this.#problem(this.#line, 'text between events that is not JSON; skipped to the end of the line');
        this.#skipLine = true;
        continue;
      }
      if (this.#inString) {
        if (this.#escape) this.#escape = false;
        else if (c === 92) this.#escape = true;
        else if (c === 34) this.#inString = false;
        else if (c === 10) {
          this.#abandon('line break inside a string (a line cut short?)');
          start = -1;
        }
        continue;
      }
      if (c === 34) this.#inString = true;
      else if (c === 123 || c === 91) this.#depth++;
      else if (c === 125 || c === 93) {
        if (--this.#depth === 0) {
          this.#parts.push(text.slice(start, i + 1));
          this.#finish();
          start = -1;
        }
      }
    }
    if (this.#depth > 0 && start >= 0) {
      const piece = text.slice(start);
      this.#size += piece.length;
      this.#parts.push(piece);
      if (this.#size > MAX_VALUE_CHARS) {
        this.#abandon(`event longer than ${MAX_VALUE_CHARS} characters`);
        this.#skipLine = true;
      }
    }
  }

  end(): void {
    if (this.#depth > 0) this.#problem(this.#valueLine, `event starting on line ${this.#valueLine} is not closed at the end of the file; skipped`);
    this.#depth = 0;
    this.#parts = [];
  }

  #finish(): void {
    const text = this.#parts.length === 1 ? (this.#parts[0] as string) : this.#parts.join('');
    this.#parts = [];
    this.#size = 0;
    let value: unknown;
    try {
      value = JSON.parse(/\d{16}/.test(text) ? quoteBigIntegers(text) : text);
    } catch (e) {
      this.#problem(this.#valueLine, `malformed JSON (${e instanceof Error ? e.message : String(e)}); event skipped`);
      return;
    }
    this.#onValue({ value, line: this.#valueLine });
  }

  #abandon(why: string): void {
    this.#problem(this.#valueLine, `${why}; event skipped`);
    this.#depth = 0;
    this.#inString = false;
    this.#escape = false;
    this.#parts = [];
    this.#size = 0;
  }

  #problem(line: number, message: string): void {
    this.#onProblem({ line, message });
  }
}

/** Wraps integer literals of 16 or more digits (outside strings) in quotes. */
export function quoteBigIntegers(json: string): string {
  let out = '';
  let last = 0;
  let inString = false;
  let escape = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (inString) {
      if (escape) escape = false;
      else if (c === '\\') escape = true;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      continue;
    }
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      let j = i + 1;
      while (j < json.length && (json[j] as string) >= '0' && (json[j] as string) <= '9') j++;
      const next = json[j];
      const digits = j - i - (c === '-' ? 1 : 0);
      if (digits >= 16 && next !== '.' && next !== 'e' && next !== 'E') {
        out += `${json.slice(last, i)}"${json.slice(i, j)}"`;
        last = j;
      }
      i = j - 1;
    }
  }
  return last === 0 ? json : out + json.slice(last);
}
