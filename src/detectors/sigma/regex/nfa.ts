/**
 * @module A linear-time matcher for Sigma regular expressions: a Thompson NFA simulated over the
 * value one code unit at a time (Russ Cox, "Regular Expression Matching Can Be Simple And Fast",
 * 2007). Work is bounded by value length times pattern size whatever the pattern, so a rule
 * written to backtrack catastrophically (`(a+)+$`, `.*a.*a.*a...`) cannot stall a scan.
 *
 * Only match/no-match is computed (Sigma needs nothing more), so greedy and lazy quantifiers are
 * the same and groups need no captures. Search is unanchored, like `RegExp.prototype.test`.
 */
import type { CharSet, ParsedRegex, RegexFlags, RegexNode } from './ast.js';

const CHAR = 0;
const SPLIT = 1;
const ASSERT = 2;
const MATCH = 3;
const JUMP = 4;

const A_BOL = 0;
const A_EOL = 1;
const A_WORDB = 2;
const A_NOT_WORDB = 3;

/** Largest automaton built; counted repetitions multiply states, so `(x{1000}){1000}` is refused. */
export const MAX_NFA_STATES = 50_000;

export class NfaTooLargeError extends Error {}

/** Largest lazy DFA kept per pattern before its cache is dropped. */
const MAX_DFA_STATES = 1024;

interface DState {
  /** NFA CHAR states alive, sorted. */
  readonly states: Int32Array;
  /** What the state was built from (to rebuild it after the cache is dropped). */
  readonly seeds: readonly number[];
  readonly atStart: boolean;
  /** MATCH was reached: the pattern matches, whatever follows. */
  readonly accept: boolean;
  /** MATCH is reached if the input ends here (`$`). */
  readonly acceptAtEnd: boolean;
  /** Next state per ASCII character (-1: not computed yet), and for the others. */
  readonly ascii: Int32Array;
  readonly other: Map<number, number>;
}

class CharTest {
  readonly #ascii = new Uint8Array(128);
  readonly #ranges: readonly (readonly [number, number])[];
  readonly #negated: boolean;
  readonly #icase: boolean;

  constructor(set: CharSet, icase: boolean) {
    this.#ranges = set.ranges;
    this.#negated = set.negated;
    this.#icase = icase;
    for (let c = 0; c < 128; c++) this.#ascii[c] = this.#slow(c) ? 1 : 0;
  }

  test(c: number): boolean {
    return c < 128 ? this.#ascii[c] === 1 : this.#slow(c);
  }

  #slow(c: number): boolean {
    let hit = inRanges(this.#ranges, c);
    if (!hit && this.#icase) {
      const s = String.fromCharCode(c);
      const lo = s.toLowerCase();
      const up = s.toUpperCase();
      if (lo.length === 1) hit = inRanges(this.#ranges, lo.charCodeAt(0));
      if (!hit && up.length === 1) hit = inRanges(this.#ranges, up.charCodeAt(0));
    }
    return hit !== this.#negated;
  }
}

function inRanges(ranges: readonly (readonly [number, number])[], c: number): boolean {
  for (const r of ranges) {
    if (c < r[0]) return false;
    if (c <= r[1]) return true;
  }
  return false;
}

const LINE_TERMINATORS: CharSet = {
  ranges: [
    [10, 10],
    [13, 13],
    [0x2028, 0x2029],
  ],
  negated: true,
};
const ANY: CharSet = { ranges: [[0, 0xffff]], negated: false };

function isWord(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || c === 95 || (c >= 97 && c <= 122);
}
function isLineTerminator(c: number): boolean {
  return c === 10 || c === 13 || c === 0x2028 || c === 0x2029;
}

export class Nfa {
  readonly #kind: number[] = [];
  readonly #out1: number[] = [];
  readonly #out2: number[] = [];
  /** CHAR: index into #tests; ASSERT: assertion kind. */
  readonly #arg: number[] = [];
  readonly #tests: CharTest[] = [];
  readonly #flags: RegexFlags;
  readonly #start: number;
  // Simulation buffers, reused across calls (a matcher is used by one thread at a time).
  #mark: Int32Array = new Int32Array(0);
  #cur: Int32Array = new Int32Array(0);
  #next: Int32Array = new Int32Array(0);
  #stack: Int32Array = new Int32Array(0);
  #gen = 0;
  // Lazy DFA (see #dfaTest): built state by state as inputs need them, cached, bounded.
  readonly #dfaUsable: boolean;
  #dstates: DState[] = [];
  #dindex = new Map<string, number>();
  #dstart = -1;

  constructor(parsed: ParsedRegex) {
    this.#flags = parsed.flags;
    const match = this.#add(MATCH, -1, -1, 0);
    this.#start = this.#compile(parsed.root, match);
    const n = this.#kind.length;
    this.#mark = new Int32Array(n);
    this.#cur = new Int32Array(n);
    this.#next = new Int32Array(n);
    this.#stack = new Int32Array(n * 2 + 2);
    // Word boundaries and multi-line anchors depend on the characters around a position, which
    // a DFA state does not know: those patterns run on the plain simulation.
    this.#dfaUsable = !this.#arg.some((a, st) => this.#kind[st] === ASSERT && (a === A_WORDB || a === A_NOT_WORDB || this.#flags.m));
  }

  get size(): number {
    return this.#kind.length;
  }

  #add(kind: number, out1: number, out2: number, arg: number): number {
    if (this.#kind.length >= MAX_NFA_STATES) throw new NfaTooLargeError(`regular expression needs more than ${MAX_NFA_STATES} automaton states`);
    this.#kind.push(kind);
    this.#out1.push(out1);
    this.#out2.push(out2);
    this.#arg.push(arg);
    return this.#kind.length - 1;
  }

  #test(set: CharSet): number {
    this.#tests.push(new CharTest(set, this.#flags.i));
    return this.#tests.length - 1;
  }

  /** Compiles `node` so that it continues to state `next`; returns its entry state. */
  #compile(node: RegexNode, next: number): number {
    switch (node.t) {
      case 'char':
        return this.#add(CHAR, next, -1, this.#test({ ranges: [[node.c, node.c]], negated: false }));
      case 'set':
        return this.#add(CHAR, next, -1, this.#test(node.set));
      case 'dot':
        return this.#add(CHAR, next, -1, this.#test(this.#flags.s ? ANY : LINE_TERMINATORS));
      case 'bol':
        return this.#add(ASSERT, next, -1, A_BOL);
      case 'eol':
        return this.#add(ASSERT, next, -1, A_EOL);
      case 'wordb':
        return this.#add(ASSERT, next, -1, node.negated ? A_NOT_WORDB : A_WORDB);
      case 'group':
        return this.#compile(node.body, next);
      case 'seq': {
        let cont = next;
        for (let k = node.items.length - 1; k >= 0; k--) cont = this.#compile(node.items[k]!, cont);
        return cont === next ? this.#add(JUMP, next, -1, 0) : cont;
      }
      case 'alt': {
        // A chain of SPLIT states, one per alternative.
        let cont = this.#compile(node.alts[node.alts.length - 1]!, next);
        for (let k = node.alts.length - 2; k >= 0; k--) cont = this.#add(SPLIT, this.#compile(node.alts[k]!, next), cont, 0);
        return cont;
      }
      case 'rep': {
        let cont = next;
        if (node.max === Infinity) {
          const loop = this.#add(SPLIT, -1, next, 0);
          this.#out1[loop] = this.#compile(node.body, loop);
          cont = loop;
        } else {
          for (let k = 0; k < node.max - node.min; k++) cont = this.#add(SPLIT, this.#compile(node.body, cont), next, 0);
        }
        for (let k = 0; k < node.min; k++) cont = this.#compile(node.body, cont);
        return cont;
      }
    }
  }

  /** Whether the pattern matches anywhere in `input`. */
  test(input: string): boolean {
    return this.#dfaUsable ? this.#dfaTest(input) : this.#simulate(input);
  }

  /**
   * Lazy DFA (the approach of RE2): a DFA state is the set of NFA threads alive after some
   * prefix, plus a new thread for the unanchored search; its transition on a character is
   * computed once and cached. Each step is then an array lookup. `^` (single-line) can only
   * hold at the start and `$` only at the end, so both fold into how states are built. The
   * cache is bounded: when full it is dropped and rebuilt from the current state.
   */
  #dfaTest(input: string): boolean {
    if (this.#dstart < 0) this.#dstart = this.#intern([], true);
    let d = this.#dstates[this.#dstart]!;
    if (d.accept) return true;
    for (let pos = 0; pos < input.length; pos++) {
      const c = input.charCodeAt(pos);
      let nx = c < 128 ? d.ascii[c]! : (d.other.get(c) ?? -1);
      if (nx < 0) {
        const seeds: number[] = [];
        for (const st of d.states) if (this.#tests[this.#arg[st]!]!.test(c)) seeds.push(this.#out1[st]!);
        if (this.#dstates.length >= MAX_DFA_STATES) {
          // Full: forget every state but the current one.
          this.#dstates = [];
          this.#dindex = new Map();
          this.#dstart = -1;
          const keep = this.#intern(d.seeds, d.atStart);
          d = this.#dstates[keep]!;
        }
        nx = this.#intern(seeds, false);
        if (c < 128) d.ascii[c] = nx;
        else d.other.set(c, nx);
      }
      d = this.#dstates[nx]!;
      if (d.accept) return true;
    }
    return d.acceptAtEnd;
  }

  /** The DFA state for the closure of `seeds` plus a new search thread; returns its index. */
  #intern(seeds: readonly number[], atStart: boolean): number {
    const list: number[] = [];
    const accept = this.#closureFlags(seeds, atStart, false, list);
    list.sort((a, b) => a - b);
    // The accept flags are part of the identity: MATCH is not in the list of CHAR states.
    const acceptAtEnd = accept || this.#closureFlags(seeds, atStart, true, []);
    const key = `${atStart ? 's' : ''}${accept ? 'A' : ''}${acceptAtEnd ? 'E' : ''}:${list.join(',')}`;
    const known = this.#dindex.get(key);
    if (known !== undefined) return known;
    const st: DState = { states: Int32Array.from(list), seeds: [...seeds], atStart, accept, acceptAtEnd, ascii: new Int32Array(128).fill(-1), other: new Map() };
    this.#dstates.push(st);
    this.#dindex.set(key, this.#dstates.length - 1);
    return this.#dstates.length - 1;
  }

  /** Closure of `seeds` and the start state with fixed anchor truth values; true when MATCH is reached. */
  #closureFlags(seeds: readonly number[], bol: boolean, eol: boolean, out: number[]): boolean {
    const gen = ++this.#gen;
    const stack = this.#stack;
    let matched = false;
    for (const seed of [...seeds, this.#start]) {
      let sp = 0;
      stack[sp++] = seed;
      while (sp > 0) {
        const st = stack[--sp]!;
        if (this.#mark[st] === gen) continue;
        this.#mark[st] = gen;
        switch (this.#kind[st]) {
          case MATCH:
            matched = true;
            break;
          case CHAR:
            out.push(st);
            break;
          case JUMP:
            stack[sp++] = this.#out1[st]!;
            break;
          case SPLIT:
            stack[sp++] = this.#out2[st]!;
            stack[sp++] = this.#out1[st]!;
            break;
          case ASSERT: {
            const a = this.#arg[st]!;
            if ((a === A_BOL && bol) || (a === A_EOL && eol)) stack[sp++] = this.#out1[st]!;
            break;
          }
        }
      }
    }
    return matched;
  }

  /** Thread-list simulation, for patterns the DFA cannot take. */
  #simulate(input: string): boolean {
    if (this.#gen > 0x3fffffff) {
      this.#mark.fill(0);
      this.#gen = 0;
    }
    const len = input.length;
    let cur = this.#cur;
    let next = this.#next;
    let nCur = 0;
    let gen = ++this.#gen;
    for (let pos = 0; pos <= len; pos++) {
      // Unanchored search: a new thread starts at every position (deduplicated against the
      // threads already there, which carry the same mark).
      nCur = this.#closure(this.#start, cur, nCur, pos, input, gen);
      if (nCur < 0) return true;
      if (pos === len) break;
      const c = input.charCodeAt(pos);
      const gen2 = ++this.#gen;
      let nNext = 0;
      for (let k = 0; k < nCur; k++) {
        const s = cur[k]!;
        if (this.#tests[this.#arg[s]!]!.test(c)) {
          nNext = this.#closure(this.#out1[s]!, next, nNext, pos + 1, input, gen2);
          if (nNext < 0) return true;
        }
      }
      const t = cur;
      cur = next;
      next = t;
      nCur = nNext;
      gen = gen2;
    }
    return false;
  }

  /**
   * Adds the epsilon closure of `s` at position `pos` to `list` (which holds `n` states marked
   * with `gen`); returns the new length, or -1 when MATCH is reached.
   */
  #closure(s: number, list: Int32Array, n: number, pos: number, input: string, gen: number): number {
    const stack = this.#stack;
    let sp = 0;
    stack[sp++] = s;
    while (sp > 0) {
      const st = stack[--sp]!;
      if (this.#mark[st] === gen) continue;
      this.#mark[st] = gen;
      switch (this.#kind[st]) {
        case MATCH:
          return -1;
        case CHAR:
          list[n++] = st;
          break;
        case JUMP:
          stack[sp++] = this.#out1[st]!;
          break;
        case SPLIT:
          stack[sp++] = this.#out2[st]!;
          stack[sp++] = this.#out1[st]!;
          break;
        case ASSERT:
          if (this.#assert(this.#arg[st]!, pos, input)) stack[sp++] = this.#out1[st]!;
          break;
      }
    }
    return n;
  }

  #assert(kind: number, pos: number, input: string): boolean {
    const len = input.length;
    switch (kind) {
      case A_BOL:
        return pos === 0 || (this.#flags.m && isLineTerminator(input.charCodeAt(pos - 1)));
      case A_EOL:
        return pos === len || (this.#flags.m && isLineTerminator(input.charCodeAt(pos)));
      default: {
        const a = pos > 0 && isWord(input.charCodeAt(pos - 1));
        const b = pos < len && isWord(input.charCodeAt(pos));
        return kind === A_WORDB ? a !== b : a === b;
      }
    }
  }
}
