/**
 * @module Parsers for option values (sizes, dates), raising UsageError with the option's name.
 */
import { UsageError } from '../core/errors.js';

const UNITS: Readonly<Record<string, number>> = { '': 1, B: 1, KB: 1e3, MB: 1e6, GB: 1e9, KIB: 1024, MIB: 1024 ** 2, GIB: 1024 ** 3 };

/** `20GB`, `512MiB`, `1000` → bytes. */
export function parseSize(option: string, value: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
  const unit = m ? UNITS[m[2]!.toUpperCase()] : undefined;
  if (!m || unit === undefined) throw new UsageError(`${option}: "${value}" is not a size (examples: 500MB, 2GiB, 1000)`);
  return Math.round(Number(m[1]) * unit);
}

/** `2021-01-01` or a full ISO 8601 time → ISO 8601 UTC. */
export function parseDate(option: string, value: string): string {
  const t = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(t)) throw new UsageError(`${option}: "${value}" is not a date (examples: 2021-01-01, 2021-03-02T10:00:00Z)`);
  return new Date(t).toISOString();
}

export function parsePositiveInt(option: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${option}: "${value}" is not a positive whole number`);
  return n;
}

/** Commander collector for repeatable options. */
export function repeatable(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `NAME=VALUE` items (repeatable; several values for one name are OR-ed), e.g. Sigma `|expand`. */
export function parseExpand(option: string, items: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`${option}: "${item}" is not NAME=VALUE`);
    const name = item.slice(0, eq).replace(/^%|%$/g, '');
    (out[name] ??= []).push(item.slice(eq + 1));
  }
  return out;
}
