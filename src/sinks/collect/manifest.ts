/**
 * @module The collection manifest: one entry per collected file, as `manifest.json` and
 * `manifest.csv` (for a spreadsheet or chain-of-custody form).
 */
import { csvRow } from '../escape/index.js';

export interface ManifestEntry {
  readonly host: string;
  /** The PATH argument the file was found under. */
  readonly input: string;
  /** Path relative to the input, as in the findings (`source.path`). */
  readonly path: string;
  /** Where the copy is, relative to the collection folder (`/` separators); null when not copied. */
  readonly copy: string | null;
  /** SHA-256 of the bytes copied, lower-case hex; null when not copied. */
  readonly sha256: string | null;
  readonly bytes: number | null;
  /** Rule ids of the findings on this file, sorted. */
  readonly rules: readonly string[];
  /** Why the file was not copied; null when it was. */
  readonly error: string | null;
}

export interface Manifest {
  readonly schemaVersion: 1;
  readonly exhuntVersion: string;
  /** When the scan finished (ISO 8601 UTC). */
  readonly createdAt: string;
  readonly files: readonly ManifestEntry[];
}

/** The columns asked for first (host, path, sha256, bytes, rules), then the rest. */
const COLUMNS = ['host', 'path', 'sha256', 'bytes', 'rules', 'input', 'copy', 'error'] as const;

export function manifestCsv(m: Manifest): string {
  const rows = m.files.map((e) => [e.host, e.path, e.sha256 ?? '', e.bytes === null ? '' : String(e.bytes), e.rules.join(';'), e.input, e.copy ?? '', e.error ?? '']);
  return [COLUMNS, ...rows].map((r) => csvRow(r)).join('');
}
