/**
 * @module `proxyLogonCsvSink`: writes the files Test-ProxyLogon.ps1 writes, with the same names
 * and columns, so runbooks and scripts built around that tool keep working on exhunt's results.
 *
 * Per host (`<host>` made safe as a file name): `<host>-Cve-2021-26855.csv`,
 * `-Cve-2021-26857.csv`, `-Cve-2021-26858.log`, `-Cve-2021-26858-DownloadPaths.log`,
 * `-Cve-2021-27065.log`, `-Cve-2021-27065-ResetVDir.csv`, `-other.csv` (each only when it has
 * rows, as Test-ProxyLogon does) and `-LogAgeDays.csv` (always). A finding goes to a file by its
 * `report` field; findings without one, or with a value not listed here, are in the other sinks
 * only. CSV files are Export-Csv style: a `#TYPE System.Management.Automation.PSCustomObject`
 * line, a quoted header, every value quoted, CRLF line ends, UTF-8; values that a spreadsheet
 * would run as formulas get a leading `'` (see `csvCell`). `.log` files list distinct values one
 * per line, with control characters escaped so a hostile path cannot add lines.
 *
 * An earlier run's reports are never replaced silently: if the folder already holds files with
 * these names, `begin` (or `close`) rejects unless `overwrite` is set. With `overwrite`, the
 * files of each host in this run are replaced and that host's stale report files (kinds with no
 * rows this time) are removed, so the folder never mixes two runs.
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Finding } from '../../core/finding.js';
import type { Sink } from '../../core/sink.js';
import type { ScanSummary } from '../../core/summary.js';
import { csvRow, escapeTerminal, safeFileName, uniqueSafeNames } from '../escape/index.js';
import { errorMessage, SinkError, SinkLifecycle } from '../lifecycle.js';
import type { Column, ReportFile } from './reports.js';
import { LOG_AGE_COLUMNS, LOG_AGE_SUFFIX, logAgeDays, REPORT_FILES, REPORT_NAME } from './reports.js';

export interface ProxyLogonCsvOptions {
  /** Output folder; created when missing. Other files in it are left alone. */
  readonly dir: string;
  /** Replace an earlier run's report files instead of refusing. Default false. */
  readonly overwrite?: boolean;
}

export interface ProxyLogonCsvSink extends Sink {
  /** Paths written by `close`, in order (for "Report exported to" messages). */
  readonly files: readonly string[];
}

const TYPE_LINE = '#TYPE System.Management.Automation.PSCustomObject\r\n';

function exportCsv(columns: readonly string[], rows: readonly (readonly string[])[]): string {
  return TYPE_LINE + csvRow(columns, { quote: 'always' }) + rows.map((r) => csvRow(r, { quote: 'always' })).join('');
}

/** Case-insensitive evidence lookup, as PowerShell property access is. */
function evidenceOf(f: Finding): (key: string) => string {
  const lower = new Map<string, string>();
  for (const [k, v] of Object.entries(f.evidence)) if (!lower.has(k.toLowerCase())) lower.set(k.toLowerCase(), v);
  return (key) => lower.get(key.toLowerCase()) ?? '';
}

function cell(f: Finding, ev: (key: string) => string, col: Column): string {
  for (const key of col.from) {
    const v = ev(key);
    if (v !== '') return v;
  }
  return col.fallback?.(f) ?? '';
}

function render(spec: ReportFile, findings: readonly Finding[]): string | null {
  const mine = findings.filter((f) => f.report?.toLowerCase() === spec.report.toLowerCase());
  if (spec.type === 'csv') {
    if (mine.length === 0) return null;
    // One row per log line or file, as Test-ProxyLogon has, however many rules fired on it.
    const seen = new Set<string>();
    const once = mine.filter((f) => {
      const key = `${f.input}\0${f.source.path}\0${f.source.line ?? ''}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    const rows = once.map((f) => {
      const ev = evidenceOf(f);
      return spec.columns.map((c) => cell(f, ev, c));
    });
    return exportCsv(spec.columns.map((c) => c.name), rows);
  }
  const lines = new Set(mine.map((f) => spec.line(f, evidenceOf(f))).filter((l) => l !== ''));
  return lines.size === 0 ? null : [...lines].map((l) => `${escapeTerminal(l)}\r\n`).join('');
}

function fail(what: string, err?: unknown): SinkError {
  return new SinkError(`proxylogon-csv sink: ${what}${err === undefined ? '' : `: ${errorMessage(err)}`}`);
}

export function proxyLogonCsvSink(options: ProxyLogonCsvOptions): ProxyLogonCsvSink {
  const life = new SinkLifecycle('proxylogon-csv');
  const files: string[] = [];

  async function existingReports(): Promise<string[]> {
    try {
      return (await readdir(options.dir)).filter((n) => REPORT_NAME.test(n)).sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw fail(`cannot read ${options.dir}`, err);
    }
  }

  async function refuseOldReports(): Promise<void> {
    if (options.overwrite) return;
    const old = await existingReports();
    if (old.length > 0) {
      const list = old.slice(0, 3).join(', ') + (old.length > 3 ? `, and ${old.length - 3} more` : '');
      throw fail(`${options.dir} already holds Test-ProxyLogon reports (${list}); choose another folder or remove them first`);
    }
  }

  async function put(name: string, text: string): Promise<void> {
    const path = join(options.dir, name);
    try {
      // 'wx' fails if the file appeared since begin's check, rather than replacing it.
      await writeFile(path, text, { encoding: 'utf8', flag: options.overwrite ? 'w' : 'wx' });
    } catch (err) {
      throw fail(`cannot write ${path}`, err);
    }
    files.push(path);
  }

  return {
    name: 'proxylogon-csv',
    files,
    async begin(): Promise<void> {
      life.begin();
      await refuseOldReports();
    },
    write(_finding: Finding): void {
      life.write();
    },
    async close(summary: ScanSummary, findings: readonly Finding[]): Promise<void> {
      life.close();
      await refuseOldReports();
      try {
        await mkdir(options.dir, { recursive: true });
      } catch (err) {
        throw fail(`cannot create ${options.dir}`, err);
      }
      const hosts = [...new Set([...summary.hosts.map((h) => h.host), ...findings.map((f) => f.host)])];
      const bases = uniqueSafeNames(hosts);
      const old = options.overwrite ? await existingReports() : [];
      for (const host of hosts) {
        const base = bases.get(host) ?? safeFileName(host);
        const mine = findings.filter((f) => f.host === host);
        const written = new Set<string>();
        for (const spec of REPORT_FILES) {
          const text = render(spec, mine);
          if (text === null) continue;
          await put(`${base}-${spec.suffix}`, text);
          written.add(`${base}-${spec.suffix}`.toLowerCase());
        }
        const coverage = summary.hosts.find((h) => h.host === host)?.coverage ?? [];
        await put(`${base}-${LOG_AGE_SUFFIX}`, exportCsv(LOG_AGE_COLUMNS.map(([c]) => c), [logAgeDays(coverage)]));
        written.add(`${base}-${LOG_AGE_SUFFIX}`.toLowerCase());
        // Overwriting: this host's report kinds without rows this run must not survive from the
        // last. Exact names only, so host `EXCH01` never removes `EXCH01-2`'s files.
        const mineByName = new Set([...REPORT_FILES.map((r) => r.suffix), LOG_AGE_SUFFIX].map((suffix) => `${base}-${suffix}`.toLowerCase()));
        for (const name of old) {
          const lower = name.toLowerCase();
          if (mineByName.has(lower) && !written.has(lower)) await rm(join(options.dir, name), { force: true });
        }
      }
    },
  };
}
