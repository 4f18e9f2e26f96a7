/**
 * @module The syntax tree of a STIX 2.x pattern (STIX 2.1 Patterning, section 9).
 */

export type LiteralKind = 'string' | 'int' | 'float' | 'bool' | 'binary' | 'hex' | 'timestamp';

export interface Literal {
  readonly kind: LiteralKind;
  /** Strings unescaped; binary/hex/timestamp as written inside the quotes. */
  readonly value: string | number | boolean;
}

export type PathStep = { readonly prop: string } | { readonly index: number | '*' };

export interface ObjectPath {
  readonly objectType: string;
  readonly steps: readonly PathStep[];
}

export type ComparisonOp = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'IN' | 'LIKE' | 'MATCHES' | 'ISSUBSET' | 'ISSUPERSET';

export type Comparison =
  | { readonly kind: 'test'; readonly path: ObjectPath; readonly op: ComparisonOp; readonly negated: boolean; readonly value: Literal | readonly Literal[] }
  | { readonly kind: 'exists'; readonly path: ObjectPath }
  | { readonly kind: 'and' | 'or'; readonly operands: readonly Comparison[] };

export type Qualifier =
  | { readonly kind: 'WITHIN'; readonly seconds: number }
  | { readonly kind: 'REPEATS'; readonly times: number }
  | { readonly kind: 'STARTSTOP'; readonly start: string; readonly stop: string };

export type Observation =
  | { readonly kind: 'observation'; readonly comparison: Comparison; readonly qualifiers: readonly Qualifier[] }
  | { readonly kind: 'group'; readonly expr: Observation; readonly qualifiers: readonly Qualifier[] }
  | { readonly kind: 'and' | 'or' | 'followedby'; readonly operands: readonly Observation[] };

/** Dotted text of a path as written in patterns: `file:hashes.'SHA-256'`, `x:a[*].b`. */
export function pathText(p: ObjectPath): string {
  let s = `${p.objectType}:`;
  p.steps.forEach((st, i) => {
    if ('prop' in st) {
      const quoted = /^[A-Za-z_][A-Za-z0-9_]*$/.test(st.prop) ? st.prop : `'${st.prop.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
      s += i === 0 ? quoted : `.${quoted}`;
    } else {
      s += `[${st.index}]`;
    }
  });
  return s;
}
