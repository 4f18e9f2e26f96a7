/**
 * @module The parse tree of a Sigma condition, with `x of` patterns already resolved to the
 * search identifiers they name.
 */
export type ConditionNode =
  | { readonly t: 'and'; readonly items: readonly ConditionNode[] }
  | { readonly t: 'or'; readonly items: readonly ConditionNode[] }
  | { readonly t: 'not'; readonly item: ConditionNode }
  | { readonly t: 'ref'; readonly name: string }
  /** `1 of pattern` / `all of pattern` / `1 of them`: `names` are the identifiers it covers. */
  | { readonly t: 'of'; readonly quantifier: 'one' | 'all'; readonly pattern: string; readonly names: readonly string[] };
