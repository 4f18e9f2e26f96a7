/**
 * @module The literal prefilter: finds, in raw UTF-8 bytes, where any of a set of lower-case
 * literals occurs, ignoring ASCII case.
 *
 * This is the hot path of a scan with rules, so it works on whole chunks rather than on lines:
 * the line scanner asks "where is the next hit at or after here?" and only the lines that hold a
 * hit are decoded and parsed. A hit may be a false positive but never a false negative
 * (ripgrep's candidate-line contract).
 *
 * Two strategies, picked from measurements on generated HttpProxy and IIS logs held in memory:
 * - up to `REGEX_MAX_LITERALS` literals: one case-insensitive RegExp alternation over the chunk
 *   decoded as latin1 (latin1 maps bytes 1:1 to UTF-16 code units, so positions are byte
 *   offsets). irregexp finds one literal at about 5 GB/s and five at about 1.3 GB/s, and it
 *   copes with short, common literals such as `/ecp/` (twice as fast as Wu-Manber on IIS logs);
 * - more literals: Wu-Manber (a shift table over byte pairs) straight on the bytes, about
 *   0.8 GB/s for 30 literals where the alternation falls to about 0.3 GB/s.
 *
 * Case folding is ASCII only. Non-ASCII parts of a literal cannot be folded byte-wise, so a
 * literal is reduced to its longest ASCII run (still a necessary condition for a match); a
 * literal with no ASCII run turns the prefilter off (every line is a candidate). Line breaks in a
 * literal split it the same way, which keeps every hit inside one line.
 */

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
  | { readonly type: 'wu-manber'; readonly tables: WuManberTables };

/** Up to this many literals one RegExp beats Wu-Manber (whose shifts shrink with short ones). */
const REGEX_MAX_LITERALS = 8;
/** Wu-Manber hashes byte pairs, so every literal needs two bytes. */
const WU_MANBER_MIN_LENGTH = 2;
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
    case 'wu-manber':
      return new WuManberMatcher(plan.tables);
  }
}

/** Which search `compileLiterals` uses for a set (for tests and benchmarks). */
export function literalStrategy(literals: readonly string[] | null): 'all' | 'none' | 'regex' | 'wu-manber' {
  return literals === null ? 'all' : planFor(literals).type;
}

/** The searchable core of a literal: its longest run of ASCII without line breaks, lower-cased. */
export function literalAnchor(literal: string): string {
  let best = '';
  for (const run of literal.toLowerCase().split(/[^\x00-\x09\x0b\x0c\x0e-\x7f]+/)) if (run.length > best.length) best = run;
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
  if (kept.length <= REGEX_MAX_LITERALS || minLength < WU_MANBER_MIN_LENGTH) {
    return { type: 'regex', source: kept.map(escapeRegExp).join('|') };
  }
  return { type: 'wu-manber', tables: buildWuManber(kept) };
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

/** ASCII lower-casing of a byte. */
const FOLD = new Uint8Array(256);
for (let i = 0; i < 256; i++) FOLD[i] = i >= 65 && i <= 90 ? i + 32 : i;

interface WuManberTables {
  /** Length of the shortest pattern: the window the shift table is built over. */
  readonly m: number;
  /**
   * Safe shift for each byte pair as it stands in the text (every case spelling of a pattern's
   * pair has an entry), ending at the window end; 0 means "verify here". Indexing by the raw
   * pair spares the search loop two case-folding lookups per step.
   */
  readonly shift: Uint8Array;
  /** Patterns whose window ends with the pair, by folded pair. */
  readonly buckets: readonly (readonly Uint8Array[] | undefined)[];
}

/** The byte and, for a lower-case ASCII letter, its upper-case spelling. */
function spellings(b: number): readonly number[] {
  return b >= 97 && b <= 122 ? [b, b - 32] : [b];
}

function buildWuManber(patterns: readonly string[]): WuManberTables {
  const bytes = patterns.map((p) => Buffer.from(p, 'latin1'));
  const m = Math.min(...bytes.map((b) => b.length));
  const shift = new Uint8Array(65536).fill(Math.min(255, m - 1));
  const buckets: Uint8Array[][] = [];
  for (const p of bytes) {
    for (let q = 1; q < m; q++) {
      const s = m - 1 - q;
      for (const a of spellings(p[q - 1] as number)) {
        for (const b of spellings(p[q] as number)) {
          const h = (a << 8) | b;
          if (s < (shift[h] as number)) shift[h] = s;
        }
      }
    }
    const h = ((p[m - 2] as number) << 8) | (p[m - 1] as number);
    (buckets[h] ??= []).push(p);
  }
  return { m, shift, buckets };
}

class WuManberMatcher implements LiteralMatcher {
  readonly #t: WuManberTables;
  #buf: Buffer = Buffer.alloc(0);
  #end = 0;

  constructor(tables: WuManberTables) {
    this.#t = tables;
  }

  region(buf: Buffer, _start: number, end: number): void {
    this.#buf = buf;
    this.#end = end;
  }

  next(from: number): number {
    return this.#find(this.#buf, from, this.#end);
  }

  test(buf: Buffer, start: number, end: number): boolean {
    return this.#find(buf, start, end) !== -1;
  }

  #find(t: Buffer, from: number, to: number): number {
    const { m, shift, buckets } = this.#t;
    let pos = from + m - 1;
    while (pos < to) {
      const s = shift[((t[pos - 1] as number) << 8) | (t[pos] as number)] as number;
      if (s !== 0) {
        pos += s;
        continue;
      }
      const start = pos - m + 1;
      for (const p of buckets[((FOLD[t[pos - 1] as number] as number) << 8) | (FOLD[t[pos] as number] as number)] ?? []) {
        const n = p.length;
        if (start + n > to) continue;
        let j = 0;
        while (j < n && FOLD[t[start + j] as number] === p[j]) j++;
        if (j === n) return start;
      }
      pos++;
    }
    return -1;
  }
}
