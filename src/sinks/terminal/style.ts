/**
 * @module Small formatting helpers shared by the terminal report's sections: colours, times,
 * sizes, column alignment. Every helper that takes untrusted text escapes it.
 */
import pc from 'picocolors';
import type { Severity } from '../../core/severity.js';
import type { Verdict } from '../../core/summary.js';
import { escapeTerminal, truncate } from '../escape/index.js';

/** picocolors' formatter set (its `Colors` type is not exported from the package root). */
export type Colors = ReturnType<typeof pc.createColors>;

export interface Style {
  readonly c: Colors;
  readonly verbose: boolean;
  /** Longest evidence value shown before it is cut. */
  readonly valueMax: number;
}

/** `createColors(false)` returns formatters that add nothing, so piped output has no codes. */
export function makeStyle(color: boolean, verbose: boolean): Style {
  return { c: pc.createColors(color), verbose, valueMax: verbose ? 2000 : 120 };
}

/** Escaped and, when longer than `max`, cut: the one way untrusted text reaches the report. */
export function safe(s: string, max = Number.MAX_SAFE_INTEGER): string {
  return escapeTerminal(truncate(s, max));
}

const ISO = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(?:\.\d+)?Z$/;
const ISO_MINUTES = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d)/;

/** `2021-03-03T04:05:06.789Z` → `2021-03-03 04:05:06Z` (UTC, said with the Z); anything else escaped. */
export function utc(iso: string | null, missing = '-'): string {
  if (iso === null) return missing;
  const m = ISO.exec(iso);
  return m ? `${m[1]} ${m[2]}Z` : safe(iso, 40);
}

/** Minute precision, for coverage columns where seconds are noise. */
export function utcMinutes(iso: string | null): string {
  if (iso === null) return '-';
  const m = ISO_MINUTES.exec(iso);
  return m ? `${m[1]} ${m[2]}Z` : safe(iso, 40);
}

export function verdictLabel(v: Verdict, s: Style): string {
  const text = v.toUpperCase();
  switch (v) {
    case 'compromised':
      return s.c.bold(s.c.red(text));
    case 'attempted':
      return s.c.bold(s.c.yellow(text));
    case 'inconclusive':
      return s.c.bold(s.c.magenta(text));
    case 'clean':
      return s.c.bold(s.c.green(text));
  }
}

/** Fixed width so the titles line up; padded before colouring because codes have no width. */
export function severityLabel(sev: Severity, s: Style): string {
  const text = sev.toUpperCase().padEnd(8);
  switch (sev) {
    case 'critical':
      return s.c.bold(s.c.red(text));
    case 'high':
      return s.c.red(text);
    case 'medium':
      return s.c.yellow(text);
    case 'low':
      return s.c.cyan(text);
    case 'info':
      return s.c.dim(text);
  }
}

export function counts(bySeverity: Readonly<Record<Severity, number>>): string {
  const parts = (['critical', 'high', 'medium', 'low', 'info'] as const).filter((k) => bySeverity[k] > 0).map((k) => `${k} ${bySeverity[k]}`);
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

const GROUPED = new Intl.NumberFormat('en-US');

/** `4567890` → `4,567,890`. */
export function num(n: number): string {
  return GROUPED.format(n);
}

/** `1 rule`, `2 rules`, `4,567,890 records`. */
export function plural(n: number, word: string): string {
  return `${num(n)} ${word}${n === 1 ? '' : 's'}`;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

export function duration(from: string, to: string): string {
  const ms = Date.parse(to) - Date.parse(from);
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const sec = Math.round(ms / 1000);
  if (sec < 60) return `${sec}s`;
  const min = Math.floor(sec / 60);
  return min < 60 ? `${min}m${String(sec % 60).padStart(2, '0')}s` : `${Math.floor(min / 60)}h${String(min % 60).padStart(2, '0')}m`;
}

/**
 * Aligns already-escaped plain cells into columns; `paint` colours a cell after padding (codes
 * would otherwise count as width). Columns listed in `right` are right-aligned (numbers).
 */
export function table(
  rows: readonly (readonly string[])[],
  right: ReadonlySet<number>,
  paint: (row: number, col: number, padded: string) => string = (_r, _c, p) => p,
): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row, r) =>
    row
      .map((cell, i) => {
        const last = i === row.length - 1;
        const padded = right.has(i) ? cell.padStart(widths[i] ?? 0) : last ? cell : cell.padEnd(widths[i] ?? 0);
        return paint(r, i, padded);
      })
      .join('  '),
  );
}
