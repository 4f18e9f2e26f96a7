/**
 * @module The literal prefilter: finds, in raw UTF-8 bytes, where any of a set of lower-case
 * literals occurs, ignoring ASCII case.
 *
 * This is the hot path of a scan with rules, so it works on whole chunks rather than on lines:
 * the line scanner asks "where is the next hit at or after here?" and only the lines that hold a
 * hit are decoded and parsed. A hit may be a false positive but never a false negative
 * (ripgrep's candidate-line contract).
 *
 * Three strategies, picked from measurements on generated HttpProxy and IIS logs held in memory:
 * - one or two literals, or up to `REGEX_MAX_LITERALS` that word grams cannot take: one
 *   case-insensitive RegExp alternation over the chunk decoded as latin1 (latin1 maps bytes 1:1
 *   to UTF-16 code units, so positions are byte offsets). irregexp finds one literal at about
 *   3-5 GB/s and five at about 1.3 GB/s, and it copes with short, common literals such as
 *   `/ecp/` (faster than the q-gram filter below for a handful);
 * - three or more, each of at least 7 bytes but for one or two (searched by a RegExp beside):
 *   the q-gram filter on aligned 32-bit words (`word-grams.ts`), one load per probe, 2.5-3 GB/s;
 * - otherwise a sampled q-gram filter straight on the bytes (`qgram.ts`), 0.4-1.2 GB/s
 *   whatever their number and length, where the alternation falls to about 0.3 GB/s for 30.
 *
 * Case folding is ASCII only. Non-ASCII parts of a literal cannot be folded byte-wise, so a
 * literal is reduced to its longest ASCII run (still a necessary condition for a match); a
 * literal with no ASCII run turns the prefilter off (every line is a candidate). Line breaks in a
 * literal split it the same way, which keeps every hit inside one line, and so do double quotes,
 * which CSV doubles inside a quoted value.
 */

import { buildQGrams, firstIn, type QGramSet } from './qgram.js';
import { buildWordGrams, firstInWords, WORD_MIN_LENGTH, wordGramsUsable, type WordGramSet } from './word-grams.js';

export interface LiteralMatcher {
  /**
   * Sets the bytes that later `next` calls search. `start` and `end` must be line boundaries
   * (start of a line, position after a line feed or end of data).
   */
  region(buf: Buffer, start: number, end: number): void;
  /** Start of the first literal occurrence at or after `from` within the region, or -1. */
  next(from: number): number;
  /** Whether `buf[start, end)` contains any literal (for single lines outside a region). */
  test(buf: Buffer, start: number, end: number): boolean;
}

type Plan =
  | { readonly type: 'all' }
  | { readonly type: 'none' }
  | { readonly type: 'regex'; readonly source: string }
  | {
      readonly type: 'qgram';
      readonly anchors: readonly string[];
      /** RegExp over the literals too short for triples, searched beside the q-gram filter. */
      readonly short: string | null;
      set: QGramSet | null;
    }
  | {
      readonly type: 'words';
      readonly anchors: readonly string[];
      /** RegExp over the (at most {@link WORDS_MAX_SHORT}) literals too short for word grams. */
      readonly short: string | null;
      set: WordGramSet | null;
    };

/** Up to this many literals one RegExp beats the byte q-gram filter. */
const REGEX_MAX_LITERALS = 8;
/**
 * Up to this many, one RegExp is as fast as word grams (2.7-3 GB/s on generated HttpProxy logs);
 * from three on, word grams are faster (four literals: 2.6 against 1.9 GB/s).
 */
const REGEX_ALWAYS = 2;
/** The q-gram filter probes byte pairs at least, so every literal needs two bytes. */
const QGRAM_MIN_LENGTH = 2;
/**
 * Literals shorter than this make the q-gram filter probe every other byte (with pairs, which
 * are common in any text, for 3-byte ones); a few of them (SigmaHQ's `={{`, `<svg`) are searched
 * by a RegExp instead. Five and not four: on the generated IIS logs with SigmaHQ's webserver
 * rules, seven literals of 3-4 bytes in a RegExp beside triples probed every third byte took
 * 510 ms where three in a RegExp beside every other byte took 640 ms. (Word grams need all
 * but two literals of 5 bytes or more; with SigmaHQ's seven short ones in their RegExp they took
 * 740 ms.)
 */
const SHORT_LITERAL = 5;
/**
 * Literals too short for word grams that may be searched by a RegExp beside them (IIS's `/ecp/`):
 * irregexp finds one literal at about 5 GB/s, so one or two cost less than the byte filter's
 * smaller stride; more, and the byte filter is used.
 */
const WORDS_MAX_SHORT = 2;
/** Bytes of the first region a q-gram plan samples to register each literal where it is rare. */
const SAMPLE_BYTES = 256 * 1024;
/** RegExp windows: irregexp is markedly faster on ~64 KB strings than on megabyte strings. */
const REGEX_WINDOW = 64 * 1024;

const plans = new WeakMap<readonly string[], Plan>();

/**
 * Compiles a literal set for one file. Returns null when every line is a candidate (no literals
 * given, or a literal that cannot be searched byte-wise). An empty set gives a matcher that never
 * hits. Plans are cached per array, so the engine passing the same array per kind compiles once.
 */
export function compileLiterals(literals: readonly string[] | null): LiteralMatcher | null {
  if (literals === null) return null;
  let plan = plans.get(literals);
  if (plan === undefined) {
    plan = planFor(literals);
    plans.set(literals, plan);
  }
  switch (plan.type) {
    case 'all':
      return null;
    case 'none':
      return NEVER;
    case 'regex':
      return new RegexMatcher(plan.source);
    case 'qgram':
    case 'words':
      return new QGramMatcher(plan);
  }
}

/** Which search `compileLiterals` uses for a set (for tests and benchmarks). */
export function literalStrategy(literals: readonly string[] | null): Plan['type'] {
  return literals === null ? 'all' : planFor(literals).type;
}

/**
 * The searchable core of a literal: its longest run of ASCII without line breaks or double
 * quotes, lower-cased. Quotes are left out because CSV writes a quote in a value twice, so a
 * literal holding one does not stand verbatim in the raw line.
 */
export function literalAnchor(literal: string): string {
  let best = '';
  for (const run of literal.toLowerCase().split(/[^\x00-\x09\x0b\x0c\x0e-\x21\x23-\x7f]+/)) if (run.length > best.length) best = run;
  return best;
}

function planFor(literals: readonly string[]): Plan {
  const anchors = new Set<string>();
  for (const lit of literals) {
    const a = literalAnchor(lit);
    if (a.length === 0) return { type: 'all' };
    anchors.add(a);
  }
  if (anchors.size === 0) return { type: 'none' };
  // A literal that contains another one adds nothing: every line it is in holds the shorter one.
  const sorted = [...anchors].sort((a, b) => a.length - b.length || (a < b ? -1 : 1));
  const kept: string[] = [];
  for (const a of sorted) if (!kept.some((k) => a.includes(k))) kept.push(a);
  const minLength = (kept[0] ?? '').length;
  const regex: Plan = { type: 'regex', source: kept.map(escapeRegExp).join('|') };
  if (kept.length <= REGEX_ALWAYS || minLength < QGRAM_MIN_LENGTH) return regex;
  const unworded = kept.filter((a) => a.length < WORD_MIN_LENGTH);
  if (unworded.length <= WORDS_MAX_SHORT && unworded.length < kept.length && wordGramsUsable()) {
    const worded = kept.filter((a) => a.length >= WORD_MIN_LENGTH);
    return { type: 'words', anchors: worded, short: unworded.length > 0 ? unworded.map(escapeRegExp).join('|') : null, set: null };
  }
  if (kept.length <= REGEX_MAX_LITERALS) return regex;
  const short = kept.filter((a) => a.length < SHORT_LITERAL);
  if (short.length > 0 && short.length <= REGEX_MAX_LITERALS && short.length < kept.length) {
    return { type: 'qgram', anchors: kept.filter((a) => a.length >= SHORT_LITERAL), short: short.map(escapeRegExp).join('|'), set: null };
  }
  return { type: 'qgram', anchors: kept, short: null, set: null };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

const NEVER: LiteralMatcher = {
  region() {},
  next: () => -1,
  test: () => false,
};

class RegexMatcher implements LiteralMatcher {
  readonly #global: RegExp;
  readonly #single: RegExp;
  #buf: Buffer = Buffer.alloc(0);
  #regionEnd = 0;
  #winStart = 0;
  #winEnd = 0;
  #text = '';

  constructor(source: string) {
    this.#global = new RegExp(source, 'gi');
    this.#single = new RegExp(source, 'i');
  }

  region(buf: Buffer, start: number, end: number): void {
    this.#buf = buf;
    this.#regionEnd = end;
    this.#load(start);
  }

  next(from: number): number {
    for (;;) {
      if (from >= this.#winEnd) {
        if (from >= this.#regionEnd) return -1;
        this.#load(from);
      }
      const re = this.#global;
      re.lastIndex = from - this.#winStart;
      const m = re.exec(this.#text);
      if (m !== null) return this.#winStart + m.index;
      from = this.#winEnd;
    }
  }

  test(buf: Buffer, start: number, end: number): boolean {
    return this.#single.test(buf.toString('latin1', start, end));
  }

  /** Loads the window starting at `start` and ending after a line feed (literals never span one). */
  #load(start: number): void {
    let end = this.#regionEnd;
    if (end - start > REGEX_WINDOW) {
      const nl = this.#buf.indexOf(10, start + REGEX_WINDOW);
      if (nl !== -1 && nl < end) end = nl + 1;
    }
    this.#winStart = start;
    this.#winEnd = end;
    this.#text = this.#buf.toString('latin1', start, end);
  }
}

/**
 * The q-gram filter over a plan's anchors. The plan's tables are built once, by the first matcher
 * to see data, from a sample of it (logs of one kind look alike, so the first file is a fair
 * sample); a matcher asked to `test` before any region builds them without a sample.
 */
class QGramMatcher implements LiteralMatcher {
  readonly #plan: Extract<Plan, { type: 'qgram' | 'words' }>;
  readonly #short: RegexMatcher | null;
  #buf: Buffer = Buffer.alloc(0);
  #end = 0;
  /** Last answer of each search (-2: none yet), reused while it is not behind the position asked. */
  #gram = -2;
  #regex = -2;

  constructor(plan: Extract<Plan, { type: 'qgram' | 'words' }>) {
    this.#plan = plan;
    this.#short = plan.short === null ? null : new RegexMatcher(plan.short);
  }

  /** Builds the plan's tables once (from a sample of the first data, when given). */
  #build(sample?: Uint8Array): void {
    const plan = this.#plan;
    if (plan.set !== null) return;
    if (plan.type === 'words') plan.set = buildWordGrams(plan.anchors, sample);
    else plan.set = buildQGrams(plan.anchors, sample);
  }

  /** The first occurrence found in `t[from, to)` by the gram filter (see `firstIn`). */
  #first(t: Uint8Array, from: number, to: number): number {
    this.#build();
    const plan = this.#plan;
    return plan.type === 'words' ? firstInWords(plan.set!, t, from, to) : firstIn(plan.set!, t, from, to);
  }

  region(buf: Buffer, start: number, end: number): void {
    if (this.#plan.set === null) this.#build(buf.subarray(start, Math.min(end, start + SAMPLE_BYTES)));
    this.#buf = buf;
    this.#end = end;
    this.#gram = -2;
    this.#regex = -2;
    this.#short?.region(buf, start, end);
  }

  next(from: number): number {
    if (this.#gram !== -1 && this.#gram < from) this.#gram = this.#first(this.#buf, from, this.#end);
    const short = this.#short;
    if (short === null) return this.#gram;
    if (this.#regex !== -1 && this.#regex < from) this.#regex = short.next(from);
    if (this.#gram === -1) return this.#regex;
    return this.#regex === -1 ? this.#gram : Math.min(this.#gram, this.#regex);
  }

  test(buf: Buffer, start: number, end: number): boolean {
    return this.#first(buf, start, end) !== -1 || (this.#short?.test(buf, start, end) ?? false);
  }
}
