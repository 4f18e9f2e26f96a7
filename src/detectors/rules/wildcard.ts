/**
 * @module Wildcard patterns as PowerShell's `-like` reads them (`*` any run, `?` one character,
 * case-insensitive), because Microsoft's published checks are written in that dialect and
 * responders copy them. A backtick escapes the next character, as in PowerShell.
 */

/** What `*` compiles to (an escaped `*` compiles to `\*`, so it never equals this). */
const ANY_RUN = '[\\s\\S]*';

/**
 * Compiles a `-like` pattern to a RegExp that tests whether a whole value matches it
 * (case-insensitive unless `cased`). Leading and trailing `*` become an unanchored start or end
 * instead of `^[\s\S]*` and `[\s\S]*$`: the same values match, and `*text*` is then a plain
 * search rather than a backtracking one over the whole value.
 */
export function likeToRegExp(pattern: string, cased = false): RegExp {
  const parts: string[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '`' && i + 1 < pattern.length) {
      parts.push(escapeRegExp(pattern[++i]!));
    } else if (c === '*') {
      parts.push(ANY_RUN);
    } else if (c === '?') {
      parts.push('[\\s\\S]');
    } else {
      parts.push(escapeRegExp(c));
    }
  }
  let first = 0;
  let last = parts.length;
  while (first < last && parts[first] === ANY_RUN) first++;
  while (last > first && parts[last - 1] === ANY_RUN) last--;
  const body = parts.slice(first, last).join('');
  return new RegExp(`${first === 0 ? '^' : ''}${body}${last === parts.length ? '$' : ''}`, cased ? '' : 'i');
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
