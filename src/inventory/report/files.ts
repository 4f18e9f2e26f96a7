/**
 * @module File outputs: `--jsonl FILE` (one ServerReport per line, schema in docs/inventory.md)
 * and `--csv FILE` (one row per server, spreadsheet-safe cells). `-` writes to standard output.
 */
import { writeFileSync } from 'node:fs';
import { csvRow, escapeJsonText } from '../../sinks/escape/index.js';
import type { ServerReport } from '../types.js';

export const CSV_COLUMNS = [
  'host',
  'input',
  'build',
  'product',
  'cu',
  'su',
  'confidence',
  'method',
  'support',
  'open_families',
  'open_cves',
  'unknown_families',
  'kbs',
  'conflicts',
] as const;

export function toJsonl(reports: readonly ServerReport[]): string {
  return reports.map((r) => `${escapeJsonText(JSON.stringify(r))}\n`).join('');
}

export function toCsv(reports: readonly ServerReport[]): string {
  const rows = [csvRow([...CSV_COLUMNS])];
  for (const r of reports) {
    rows.push(
      csvRow([
        r.host,
        r.input,
        r.build ?? '',
        r.product ?? '',
        r.cu ?? '',
        r.su ?? '',
        r.confidence,
        r.method,
        r.support.status,
        r.openFamilies.join(' '),
        r.open.join(' '),
        r.unknownFamilies.join(' '),
        r.kbs.join(' + '),
        r.conflicts.map((c) => c.id).join(' '),
      ]),
    );
  }
  return rows.join('');
}

/** Writes `text` to `path`, or to standard output for `-`. */
export function writeOutput(path: string, text: string, stdout: { write(s: string): unknown }): void {
  if (path === '-') stdout.write(text);
  else writeFileSync(path, text);
}
