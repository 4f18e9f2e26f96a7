/**
 * @module The parse tree of a Sigma regular expression (the `|re` modifier).
 */

/** A set of UTF-16 code units as sorted, inclusive ranges, possibly negated. */
export interface CharSet {
  readonly ranges: readonly (readonly [number, number])[];
  readonly negated: boolean;
}

export type RegexNode =
  | { readonly t: 'char'; readonly c: number }
  | { readonly t: 'set'; readonly set: CharSet }
  /** `.`: any code unit but line terminators, or any at all with the `s` flag. */
  | { readonly t: 'dot' }
  | { readonly t: 'bol' }
  | { readonly t: 'eol' }
  | { readonly t: 'wordb'; readonly negated: boolean }
  | { readonly t: 'seq'; readonly items: readonly RegexNode[] }
  | { readonly t: 'alt'; readonly alts: readonly RegexNode[] }
  | { readonly t: 'group'; readonly body: RegexNode }
  | { readonly t: 'rep'; readonly body: RegexNode; readonly min: number; readonly max: number; readonly lazy: boolean };

export interface RegexFlags {
  readonly i: boolean;
  readonly m: boolean;
  readonly s: boolean;
}

export interface ParsedRegex {
  readonly root: RegexNode;
  readonly flags: RegexFlags;
}
