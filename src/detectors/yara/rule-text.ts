/**
 * @module A light reader of YARA source text: where each rule starts and ends, its name, tags,
 * meta, strings and condition tokens. It does not check the grammar (the engine does that); it
 * only has to find rules well enough to count them, pick the rules meant for log lines, tell
 * which rules need binary files, and cut a rule set into subsets.
 *
 * Never throws: text it cannot follow ends the rule list early and sets `complete` to false, and
 * callers then use the file as a whole.
 */

export type MetaValue = string | number | boolean;

export interface RuleString {
  /** `$name` as written (`$` alone for anonymous strings). */
  readonly id: string;
  readonly kind: 'text' | 'regex' | 'hex';
  /** The literal as written, quotes, slashes or braces included. */
  readonly raw: string;
  readonly modifiers: readonly string[];
  /** Each modifier as written, arguments included (`xor(1-255)`, `base64("...")`). */
  readonly modifierTexts: readonly string[];
}

export interface RuleText {
  readonly name: string;
  readonly tags: readonly string[];
  readonly isPrivate: boolean;
  readonly isGlobal: boolean;
  /** Meta entries in source order (keys may repeat, e.g. several `hash`). */
  readonly meta: readonly (readonly [string, MetaValue])[];
  readonly strings: readonly RuleString[];
  /** Condition tokens (comments removed). */
  readonly condition: readonly string[];
  /** The `strings:` section's text as written (without the keyword), or '' when it has none. */
  readonly stringsText: string;
  /** 1-based line of the rule's first keyword. */
  readonly line: number;
  /** Character offsets of the rule text in the source: [start, end). */
  readonly start: number;
  readonly end: number;
}

export interface ParsedSource {
  readonly imports: readonly string[];
  readonly includes: readonly string[];
  readonly rules: readonly RuleText[];
  /** False when the reader lost track; the rule list is then a prefix. */
  readonly complete: boolean;
}

interface Token {
  readonly text: string;
  readonly kind: 'word' | 'string' | 'regex' | 'number' | 'punct';
  readonly start: number;
  readonly end: number;
  readonly line: number;
}

/** Splits YARA text into tokens. `regexAllowed` tells the lexer when `/` starts a regex. */
class Lexer {
  readonly #src: string;
  #pos = 0;
  #line = 1;

  constructor(src: string) {
    this.#src = src;
  }

  get pos(): number {
    return this.#pos;
  }

  next(regexAllowed: boolean): Token | null {
    const s = this.#src;
    for (;;) {
      for (let c = s.charCodeAt(this.#pos); c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0xfeff; c = s.charCodeAt(this.#pos)) {
        if (c === 10) this.#line += 1;
        this.#pos += 1;
      }
      if (s.startsWith('//', this.#pos)) {
        const nl = s.indexOf('\n', this.#pos);
        this.#pos = nl < 0 ? s.length : nl;
        continue;
      }
      if (s.startsWith('/*', this.#pos)) {
        const close = s.indexOf('*/', this.#pos + 2);
        const end = close < 0 ? s.length : close + 2;
        this.#countLines(this.#pos, end);
        this.#pos = end;
        continue;
      }
      break;
    }
    if (this.#pos >= s.length) return null;
    const start = this.#pos;
    const line = this.#line;
    const c = s[start] ?? '';
    if (c === '"') {
      let i = start + 1;
      while (i < s.length && s[i] !== '"' && s[i] !== '\n') i += s[i] === '\\' ? 2 : 1;
      this.#pos = Math.min(i + 1, s.length);
      return { text: s.slice(start, this.#pos), kind: 'string', start, end: this.#pos, line };
    }
    if (c === '/' && regexAllowed) {
      let i = start + 1;
      let inClass = false;
      while (i < s.length && s[i] !== '\n') {
        const ch = s[i];
        if (ch === '\\') i += 2;
        else {
          if (ch === '[') inClass = true;
          else if (ch === ']') inClass = false;
          else if (ch === '/' && !inClass) break;
          i += 1;
        }
      }
      i += 1;
      while (i < s.length && /[a-z]/i.test(s[i] ?? '')) i += 1;
      this.#pos = Math.min(i, s.length);
      return { text: s.slice(start, this.#pos), kind: 'regex', start, end: this.#pos, line };
    }
    const word = /^(?:[$#@!][A-Za-z0-9_]*\*?|[A-Za-z_][A-Za-z0-9_]*)/;
    const rest = s.slice(start, start + 256);
    const w = word.exec(rest);
    if (w && /[A-Za-z_$#@!]/.test(c)) {
      this.#pos = start + w[0].length;
      return { text: w[0], kind: 'word', start, end: this.#pos, line };
    }
    const num = /^(0x[0-9a-fA-F]+|0o[0-7]+|[0-9]+(\.[0-9]+)?(KB|MB)?)/.exec(rest);
    if (num) {
      this.#pos = start + num[0].length;
      return { text: num[0], kind: 'number', start, end: this.#pos, line };
    }
    const two = s.slice(start, start + 2);
    const op = ['==', '!=', '<=', '>=', '<<', '>>', '..'].includes(two) ? two : c;
    this.#pos = start + op.length;
    return { text: op, kind: 'punct', start, end: this.#pos, line };
  }

  #countLines(from: number, to: number): void {
    for (let i = from; i < to; i++) if (this.#src.charCodeAt(i) === 10) this.#line += 1;
  }
}

/** Reads the rules of one YARA source text. */
export function parseRuleText(src: string): ParsedSource {
  const lx = new Lexer(src);
  const imports: string[] = [];
  const includes: string[] = [];
  const rules: RuleText[] = [];
  let pending: Token | null = null;
  const take = (regexAllowed = false): Token | null => {
    if (pending) {
      const t = pending;
      pending = null;
      return t;
    }
    return lx.next(regexAllowed);
  };

  let modifiers: Token[] = [];
  for (;;) {
    const t = take();
    if (!t) return { imports, includes, rules, complete: modifiers.length === 0 };
    if (t.text === 'import' || t.text === 'include') {
      const arg = take();
      if (!arg || arg.kind !== 'string') return { imports, includes, rules, complete: false };
      (t.text === 'import' ? imports : includes).push(unquote(arg.text));
      continue;
    }
    if (t.text === 'private' || t.text === 'global') {
      modifiers.push(t);
      continue;
    }
    if (t.text !== 'rule') return { imports, includes, rules, complete: false };
    const first = modifiers[0] ?? t;
    const name = take();
    if (!name || name.kind !== 'word') return { imports, includes, rules, complete: false };
    const tags: string[] = [];
    let brace = take();
    if (brace?.text === ':') {
      for (brace = take(); brace && brace.kind === 'word'; brace = take()) tags.push(brace.text);
    }
    if (brace?.text !== '{') return { imports, includes, rules, complete: false };
    const body = readBody(take, (tok) => (pending = tok), (a, b) => src.slice(a, b));
    if (!body) return { imports, includes, rules, complete: false };
    rules.push({
      name: name.text,
      tags,
      isPrivate: modifiers.some((m) => m.text === 'private'),
      isGlobal: modifiers.some((m) => m.text === 'global'),
      meta: body.meta,
      strings: body.strings,
      condition: body.condition,
      stringsText: body.stringsText,
      line: first.line,
      start: first.start,
      end: body.end,
    });
    modifiers = [];
  }
}

interface Body {
  readonly meta: [string, MetaValue][];
  readonly strings: RuleString[];
  readonly condition: string[];
  readonly stringsText: string;
  readonly end: number;
}

const STRING_MODIFIERS = new Set(['ascii', 'wide', 'nocase', 'fullword', 'private', 'xor', 'base64', 'base64wide']);

function readBody(
  take: (regexAllowed?: boolean) => Token | null,
  pushBack: (t: Token) => void,
  slice: (start: number, end: number) => string,
): Body | null {
  const meta: [string, MetaValue][] = [];
  const strings: RuleString[] = [];
  const condition: string[] = [];
  let section = '';
  let depth = 0;
  let prev: Token | null = null;
  let stringsFrom = -1;
  let stringsText = '';
  for (;;) {
    const regexAllowed = section === 'condition' && prev?.text === 'matches';
    const t = take(regexAllowed);
    if (!t) return null;
    if (t.text === '}' && depth === 0) {
      if (section === 'strings') stringsText = slice(stringsFrom, t.start);
      return { meta, strings, condition, stringsText, end: t.end };
    }
    if (['meta', 'strings', 'condition'].includes(t.text) && depth === 0) {
      const colon = take();
      if (colon?.text === ':') {
        if (section === 'strings') stringsText = slice(stringsFrom, t.start);
        if (t.text === 'strings') stringsFrom = colon.end;
        section = t.text;
        prev = colon;
        continue;
      }
      if (colon) pushBack(colon);
    }
    if (section === 'meta' && t.kind === 'word') {
      if (take()?.text !== '=') return null;
      let v = take();
      let negative = false;
      if (v?.text === '-') {
        negative = true;
        v = take();
      }
      if (!v) return null;
      meta.push([t.text, metaValue(v, negative)]);
    } else if (section === 'strings' && t.text.startsWith('$')) {
      if (take()?.text !== '=') return null;
      const v = take(true);
      if (!v) return null;
      let raw = v.text;
      let kind: RuleString['kind'] = v.kind === 'regex' ? 'regex' : 'text';
      if (v.text === '{') {
        kind = 'hex';
        let h = take();
        while (h && h.text !== '}') h = take();
        if (!h) return null;
        raw = slice(v.start, h.end);
      }
      const mods: string[] = [];
      const modTexts: string[] = [];
      for (let m = take(); ; m = take()) {
        if (m && STRING_MODIFIERS.has(m.text)) {
          mods.push(m.text);
          let end = m.end;
          // xor(1-255), base64("alphabet")
          const paren = take();
          if (paren?.text === '(') {
            let a = take();
            for (; a && a.text !== ')'; a = take());
            if (!a) return null;
            end = a.end;
          } else if (paren) pushBack(paren);
          modTexts.push(slice(m.start, end));
          continue;
        }
        if (m) pushBack(m);
        break;
      }
      strings.push({ id: t.text, kind, raw, modifiers: mods, modifierTexts: modTexts });
    } else if (section === 'condition') {
      condition.push(t.text);
    } else if (t.text === '{') depth += 1;
    else if (t.text === '}') depth -= 1;
    prev = t;
  }
}

function metaValue(v: Token, negative: boolean): MetaValue {
  if (v.kind === 'string') return unquote(v.text);
  if (v.kind === 'number') {
    const n = Number(v.text);
    return negative ? -n : n;
  }
  if (v.text === 'true') return true;
  if (v.text === 'false') return false;
  return v.text;
}

/** The text of a YARA string literal without quotes, with the common escapes decoded. */
export function unquote(lit: string): string {
  const inner = lit.startsWith('"') ? lit.slice(1, lit.endsWith('"') && lit.length > 1 ? -1 : undefined) : lit;
  return inner.replace(/\\(x[0-9a-fA-F]{2}|.)/g, (_, e: string) => {
    if (e.startsWith('x') && e.length === 3) return String.fromCharCode(parseInt(e.slice(1), 16));
    return ({ n: '\n', t: '\t', r: '\r' } as Record<string, string>)[e] ?? e;
  });
}
