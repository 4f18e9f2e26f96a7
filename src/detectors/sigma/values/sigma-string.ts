/**
 * @module Sigma string values: text with wildcards (`*` any run, `?` one character), the
 * backslash escapes of the specification, `%name%` placeholders (only under `|expand`) and
 * "one of these characters" positions (what `|windash` produces).
 *
 * Escapes (specification, "Escape Character"): a backslash escapes `*`, `?` and itself; before
 * any other character it is a plain backslash. So `\*` is a literal star, `\\*` a backslash
 * followed by a wildcard, `\\\*` a backslash and a literal star, and `\\\\` two backslashes.
 * Under `|expand`, `\%` is a literal percent sign.
 */

export type StringPart =
  | string
  | { readonly type: 'star' }
  | { readonly type: 'one' }
  | { readonly type: 'class'; readonly chars: string }
  | { readonly type: 'placeholder'; readonly name: string };

export const STAR: StringPart = Object.freeze({ type: 'star' as const });
export const ONE: StringPart = Object.freeze({ type: 'one' as const });

export class SigmaString {
  /** Literal runs and special positions; adjacent literal runs are always merged. */
  readonly parts: readonly StringPart[];

  constructor(parts: readonly StringPart[]) {
    this.parts = normalize(parts);
  }

  /** Parses rule text. With `placeholders`, `%name%` becomes a placeholder and `\%` a literal `%`. */
  static parse(text: string, placeholders = false): SigmaString {
    const parts: StringPart[] = [];
    let lit = '';
    const flush = (): void => {
      if (lit) parts.push(lit);
      lit = '';
    };
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (c === '\\') {
        const n = text[i + 1];
        if (n === '*' || n === '?' || n === '\\' || (placeholders && n === '%')) {
          lit += n;
          i++;
        } else {
          lit += '\\';
        }
      } else if (c === '*') {
        flush();
        parts.push(STAR);
      } else if (c === '?') {
        flush();
        parts.push(ONE);
      } else if (c === '%' && placeholders) {
        const end = text.indexOf('%', i + 1);
        const name = end > i + 1 ? text.slice(i + 1, end) : '';
        if (name && /^[\w.-]+$/.test(name)) {
          flush();
          parts.push({ type: 'placeholder', name });
          i = end;
        } else {
          lit += c;
        }
      } else {
        lit += c;
      }
    }
    flush();
    return new SigmaString(parts);
  }

  static literal(text: string): SigmaString {
    return new SigmaString(text ? [text] : []);
  }

  /** True when there is no wildcard, character class or placeholder. */
  get plain(): boolean {
    return this.parts.every((p) => typeof p === 'string');
  }

  /** The literal text; only meaningful when `plain`. */
  get text(): string {
    return this.parts.filter((p): p is string => typeof p === 'string').join('');
  }

  get placeholders(): string[] {
    return this.parts.flatMap((p) => (typeof p !== 'string' && p.type === 'placeholder' ? [p.name] : []));
  }

  startsWithStar(): boolean {
    const f = this.parts[0];
    return f !== undefined && typeof f !== 'string' && f.type === 'star';
  }

  endsWithStar(): boolean {
    const l = this.parts[this.parts.length - 1];
    return l !== undefined && typeof l !== 'string' && l.type === 'star';
  }

  /** `*value*`, without doubling stars already there. */
  contains(): SigmaString {
    return this.startswith().endswith();
  }

  /** `value*`: the value is expected at the beginning. */
  startswith(): SigmaString {
    return this.endsWithStar() ? this : new SigmaString([...this.parts, STAR]);
  }

  /** `*value`: the value is expected at the end. */
  endswith(): SigmaString {
    return this.startsWithStar() ? this : new SigmaString([STAR, ...this.parts]);
  }

  /** Replaces every literal run with the parts `fn` returns for it. */
  mapLiterals(fn: (lit: string) => readonly StringPart[]): SigmaString {
    return new SigmaString(this.parts.flatMap((p) => (typeof p === 'string' ? fn(p) : [p])));
  }

  /** Every combination of placeholder values (cartesian product), each value parsed as Sigma text. */
  expand(values: (name: string) => readonly string[] | undefined): SigmaString[] | { missing: string } {
    let acc: StringPart[][] = [[]];
    for (const p of this.parts) {
      if (typeof p !== 'string' && p.type === 'placeholder') {
        const vs = values(p.name);
        if (vs === undefined) return { missing: p.name };
        const next: StringPart[][] = [];
        for (const a of acc) for (const v of vs) next.push([...a, ...SigmaString.parse(v).parts]);
        acc = next;
        if (acc.length > 10_000) return { missing: `${p.name} (too many combinations)` };
      } else {
        acc = acc.map((a) => [...a, p]);
      }
    }
    return acc.map((a) => new SigmaString(a));
  }

  /** Rule-text form (for messages and evidence). */
  toString(): string {
    return this.parts
      .map((p) => {
        if (typeof p === 'string') return p.replace(/[*?\\]/g, (c) => `\\${c}`);
        switch (p.type) {
          case 'star':
            return '*';
          case 'one':
            return '?';
          case 'class':
            return `[${p.chars}]`;
          case 'placeholder':
            return `%${p.name}%`;
        }
      })
      .join('');
  }
}

function normalize(parts: readonly StringPart[]): StringPart[] {
  const out: StringPart[] = [];
  for (const p of parts) {
    if (typeof p === 'string') {
      if (p === '') continue;
      const last = out[out.length - 1];
      if (typeof last === 'string') out[out.length - 1] = last + p;
      else out.push(p);
    } else if (p.type === 'star') {
      const last = out[out.length - 1];
      // `**` is the same as `*`.
      if (last !== undefined && typeof last !== 'string' && last.type === 'star') continue;
      out.push(p);
    } else {
      out.push(p);
    }
  }
  return out;
}
