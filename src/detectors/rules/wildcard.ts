/**
 * @module Wildcard patterns as PowerShell's `-like` reads them (`*` any run, `?` one character,
 * case-insensitive), because Microsoft's published checks are written in that dialect and
 * responders copy them. A backtick escapes the next character, as in PowerShell.
 */

/** Compiles a `-like` pattern to an anchored RegExp (case-insensitive unless `cased`). */
export function likeToRegExp(pattern: string, cased = false): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '`' && i + 1 < pattern.length) {
      source += escapeRegExp(pattern[++i]!);
    } else if (c === '*') {
      source += '[\\s\\S]*';
    } else if (c === '?') {
      source += '[\\s\\S]';
    } else {
      source += escapeRegExp(c);
    }
  }
  return new RegExp(`^${source}$`, cased ? '' : 'i');
}

/** Escapes a literal for use inside a `-like` pattern. */
export function escapeLike(value: string): string {
  return value.replace(/[*?`]/g, (c) => `\`${c}`);
}

/** The literal runs of a `-like` pattern (text between wildcards), unescaped. */
export function likeLiterals(pattern: string): string[] {
  const runs: string[] = [];
  let cur = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '`' && i + 1 < pattern.length) {
      cur += pattern[++i]!;
    } else if (c === '*' || c === '?') {
      if (cur) runs.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  if (cur) runs.push(cur);
  return runs;
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
