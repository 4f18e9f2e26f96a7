/**
 * @module Text indexes of the matcher: substrings through one Aho–Corasick pass, and regexes
 * prefiltered by the literals every match must contain (only candidates run the regex).
 */
import { requiredLiterals } from '../normalize/regex.js';
import { AhoCorasick } from './aho-corasick.js';
import type { Entry } from './matcher.js';

export class RegexIndex {
  readonly ac = new AhoCorasick<Entry>();
  readonly always: Entry[] = [];

  add(e: Entry, source: string): void {
    const lits = requiredLiterals(source);
    if (lits) for (const l of lits) this.ac.add(l, e);
    else this.always.push(e);
  }

  get size(): number {
    return this.ac.size + this.always.length;
  }

  run(text: string, lower: string, found: (e: Entry) => void): void {
    const seen = new Set<Entry>();
    const test = (e: Entry): void => {
      if (seen.has(e)) return;
      seen.add(e);
      if (e.regex!.test(text) && !(e.fp && e.fp.test(text))) found(e);
    };
    this.ac.search(lower, (e) => {
      test(e);
    });
    for (const e of this.always) test(e);
  }
}

export class SubstringIndex {
  readonly ac = new AhoCorasick<Entry>();

  add(e: Entry): void {
    this.ac.add(e.value.toLowerCase(), e);
  }

  run(text: string, lower: string, found: (e: Entry) => void): void {
    const seen = new Set<Entry>();
    this.ac.search(lower, (e) => {
      if (seen.has(e)) return;
      seen.add(e);
      if (e.attrs?.flags?.includes('i') || text.includes(e.value)) found(e);
    });
  }
}
