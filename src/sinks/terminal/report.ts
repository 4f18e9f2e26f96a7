/**
 * @module `formatReport`: the whole terminal report as one string, top to bottom in the order a
 * responder reads it: per host the verdict and why, the findings by attack stage, how far the
 * logs reach; then input problems and totals. Pure (no I/O), so tests can read the exact text.
 */
import type { Finding } from '../../core/finding.js';
import type { HostReport, ScanSummary } from '../../core/summary.js';
import { coverageSection } from './coverage.js';
import { clientIps, findingSection } from './findings.js';
import type { Style } from './style.js';
import { bytes, counts, duration, makeStyle, num, plural, safe, table, utc, utcMinutes, verdictLabel } from './style.js';

export interface ReportOptions {
  /** ANSI colours; false for pipes and files, where codes would be noise. */
  readonly color: boolean;
  /** Show every finding, every input problem and longer evidence values. */
  readonly verbose?: boolean;
  /** Findings printed per rule per host before "… and N more" (default 20; ignored when verbose). */
  readonly maxPerRule?: number;
  /** Input problems printed before "… and N more" (default 5; ignored when verbose). */
  readonly maxDiagnostics?: number;
}

function hostSection(host: HostReport | null, name: string, findings: readonly Finding[], summary: ScanSummary, s: Style, maxPerRule: number): string[] {
  const lines = ['', s.c.bold(`=== Host ${safe(name, 120)} ${'='.repeat(Math.max(3, 60 - name.length))}`)];
  if (host) {
    lines.push(`VERDICT: ${verdictLabel(host.verdict, s)} - ${safe(host.reason, 400)}`);
    lines.push(`  inputs: ${host.inputs.map((i) => safe(i, 300)).join(', ') || '-'}`);
    lines.push(`  Exchange install: ${host.exchangeInstall === null ? 'not found' : safe(host.exchangeInstall, 300)}`);
  } else {
    // Findings name a host the summary does not list: an engine bug, but the evidence still shows.
    lines.push(`VERDICT: ${s.c.bold('UNKNOWN')} - this host is missing from the run summary`);
  }
  const bySeverity = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
  for (const f of findings) bySeverity[f.severity] += 1;
  lines.push(`  findings: ${num(findings.length)}${counts(bySeverity)}`);
  const ips = clientIps(findings);
  if (ips !== '') lines.push(`  client IPs: ${ips}`);
  lines.push(...findingSection(findings, s, maxPerRule));
  if (host) lines.push(...coverageSection(host, summary.window.since, s));
  return lines;
}

function diagnosticSection(summary: ScanSummary, s: Style, max: number): string[] {
  const ds = summary.diagnostics;
  const errors = ds.filter((d) => d.level === 'error').length;
  const title = `Input problems: ${ds.length}${ds.length > 0 ? ` (${plural(errors, 'error')}, ${plural(ds.length - errors, 'warning')})` : ''}`;
  const lines = ['', ds.length > 0 ? s.c.bold(s.c.yellow(title)) : s.c.bold(title)];
  const rows = ds.slice(0, max).map((d) => [d.level, safe(d.code, 40), `${safe(d.path, 200)}${d.line === undefined ? '' : `:${d.line}`}`, safe(d.message, 300)]);
  lines.push(...table(rows, new Set(), (_r, col, p) => (col === 0 && p.startsWith('error') ? s.c.red(p) : p)).map((l) => `  ${l}`));
  if (ds.length > max) lines.push(`  … and ${ds.length - max} more (see --summary-json)`);
  return lines;
}

function totals(summary: ScanSummary, s: Style): string[] {
  const window = `${utcMinutes(summary.window.since)}${summary.window.until === null ? '' : ` to ${utcMinutes(summary.window.until)}`}`;
  return [
    '',
    s.c.bold('Totals'),
    `  findings: ${num(summary.findings)}${counts(summary.bySeverity)}${summary.findings > 0 ? ` from ${plural(Object.keys(summary.byRule).length, 'rule')}` : ''}`,
    `  scanned: ${plural(summary.files, 'file')}, ${bytes(summary.bytes)}, ${plural(summary.records, 'record')}, ${plural(summary.rulesLoaded, 'rule')} loaded, in ${duration(summary.startedAt, summary.finishedAt)}`,
    `  attack window: ${window}`,
    `OVERALL VERDICT: ${verdictLabel(summary.verdict, s)} (${plural(summary.hosts.length, 'host')})`,
  ];
}

export function formatReport(summary: ScanSummary, findings: readonly Finding[], opts: ReportOptions): string {
  const s = makeStyle(opts.color, opts.verbose ?? false);
  const maxPerRule = s.verbose ? Number.POSITIVE_INFINITY : (opts.maxPerRule ?? 20);
  const maxDiagnostics = s.verbose ? Number.POSITIVE_INFINITY : (opts.maxDiagnostics ?? 5);

  const byHost = new Map<string, Finding[]>();
  for (const h of summary.hosts) byHost.set(h.host, []);
  for (const f of findings) {
    const list = byHost.get(f.host) ?? [];
    list.push(f);
    byHost.set(f.host, list);
  }
  const reports = new Map(summary.hosts.map((h) => [h.host, h]));

  const lines = [s.c.bold(`exhunt ${safe(summary.exhuntVersion, 40)} report, scan finished ${utc(summary.finishedAt)}`)];
  if (byHost.size === 0) lines.push('', 'No hosts were scanned.');
  for (const [name, list] of byHost) lines.push(...hostSection(reports.get(name) ?? null, name, list, summary, s, maxPerRule));
  lines.push(...diagnosticSection(summary, s, maxDiagnostics), ...totals(summary, s));
  return `${lines.join('\n')}\n`;
}
