/**
 * @module The terminal report of `exhunt inventory` and `exhunt probe`: one row per server, a
 * summary of the exposed count per family, and, with `--explain`, every family's reasoning, the
 * evidence, the posture and the conflicts between sources behind each answer.
 *
 * Host names, inputs, evidence and log text are attacker-controlled (a server name from a CSV, a
 * header from a probed server): everything that did not come from exhunt's own content passes
 * through escapeTerminal before it is printed. Colours only when asked for (a TTY).
 */
import pc from 'picocolors';
import { escapeTerminal, truncate } from '../../sinks/escape/index.js';
import type { Diagnostic } from '../../core/diagnostic.js';
import type { ServerReport, Status, SupportStatus } from '../types.js';

type Colors = ReturnType<typeof pc.createColors>;

export interface TerminalOptions {
  readonly color: boolean;
  readonly explain: boolean;
}

const safe = (s: string, max = 200): string => escapeTerminal(truncate(s, max));

function statusText(s: Status, c: Colors, pad = 12): string {
  const t = s.toUpperCase().padEnd(pad);
  switch (s) {
    case 'open':
      return c.bold(c.red(t));
    case 'unknown':
      return c.magenta(t);
    case 'mitigated':
    case 'likely-fixed':
      return c.yellow(t);
    case 'fixed':
      return c.green(t);
    case 'not-affected':
      return c.dim(t);
  }
}

function supportText(s: SupportStatus, c: Colors, text: string): string {
  switch (s) {
    case 'supported':
      return c.green(text);
    case 'esu':
      return c.yellow(text);
    case 'cu-out-of-support':
    case 'end-of-life':
      return c.red(text);
    case 'unknown':
      return c.magenta(text);
  }
}

function table(rows: readonly (readonly string[])[], paint: (r: number, col: number, cell: string) => string): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row, r) =>
    row
      .map((cell, i) => paint(r, i, i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

function openText(r: ServerReport): string {
  const open = r.families.filter((f) => f.status === 'open').map((f) => f.short);
  const unknown = r.families.filter((f) => f.status === 'unknown').map((f) => f.short);
  const parts: string[] = [];
  if (open.length > 0) parts.push(open.join(', '));
  if (unknown.length > 0) parts.push(`unknown: ${unknown.length === r.families.length ? 'all' : unknown.join(', ')}`);
  return parts.length > 0 ? parts.join('; ') : 'none';
}

/** The report as lines (no trailing newline on each). */
export function renderReport(reports: readonly ServerReport[], diagnostics: readonly Diagnostic[], options: TerminalOptions): string {
  const c = pc.createColors(options.color);
  const out: string[] = [];
  const header = ['HOST', 'BUILD', 'PRODUCT', 'CU', 'SU', 'CONFIDENCE', 'SUPPORT', 'OPEN', 'INSTALL'];
  const rows = reports.map((r) => [
    safe(r.host, 40),
    r.build ?? '-',
    (r.product ?? '-').replace(/^Exchange Server /, ''),
    r.cu ?? '-',
    r.su ?? (r.confidence === 'cu-only' ? '?' : '-'),
    r.confidence,
    r.support.status,
    openText(r),
    r.kbs.length > 0 ? r.kbs.join(' + ') : '-',
  ]);
  out.push(
    ...table([header, ...rows], (row, col, cell) => {
      if (row === 0) return c.bold(cell);
      const r = reports[row - 1];
      if (!r) return cell;
      if (col === 7) return r.openFamilies.length > 0 ? c.red(cell) : r.unknownFamilies.length > 0 ? c.magenta(cell) : c.green(cell);
      if (col === 6) return supportText(r.support.status, c, cell);
      if (col === 5) return r.confidence === 'exact' ? cell : c.yellow(cell);
      return cell;
    }),
  );
  out.push('');

  const families = reports[0]?.families ?? [];
  if (reports.length > 0) {
    const exposed = families.map((f) => ({
      short: f.short,
      open: reports.filter((r) => r.families.some((x) => x.id === f.id && x.status === 'open')).length,
      unknown: reports.filter((r) => r.families.some((x) => x.id === f.id && x.status === 'unknown')).length,
    }));
    out.push(c.bold('Exposed servers per family (open / unknown):'));
    out.push(`  ${exposed.map((e) => `${e.short} ${e.open > 0 ? c.red(String(e.open)) : c.green('0')}/${e.unknown > 0 ? c.magenta(String(e.unknown)) : '0'}`).join('  ')}`);
    const nOpen = reports.filter((r) => r.openFamilies.length > 0).length;
    const nUnknown = reports.filter((r) => r.openFamilies.length === 0 && r.unknownFamilies.length > 0).length;
    const verdict =
      nOpen > 0
        ? c.bold(c.red(`${nOpen} of ${reports.length} server(s) open to an exploited vulnerability family`))
        : nUnknown > 0
          ? c.bold(c.magenta(`no server provably open, but ${nUnknown} of ${reports.length} cannot be told (unknown is never safe)`))
          : c.bold(c.green(`no server open (${reports.length} checked)`));
    out.push(verdict);
    const conflicts = new Set(reports.flatMap((r) => r.conflicts.map((x) => x.id)));
    if (conflicts.size > 0 && !options.explain) out.push(c.dim(`${conflicts.size} conflict(s) between sources bear on these answers: run with --explain (or see the JSON)`));
  }
  if (options.explain) for (const r of reports) out.push('', ...explain(r, c));
  if (diagnostics.length > 0) {
    out.push('');
    for (const d of diagnostics) out.push(`${d.level === 'error' ? c.red('error') : c.yellow('warning')}: ${safe(d.path, 160)}${d.line ? `:${d.line}` : ''}: ${safe(d.message, 400)}`);
  }
  return `${out.join('\n')}\n`;
}

function explain(r: ServerReport, c: Colors): string[] {
  const out: string[] = [];
  out.push(c.bold(`${safe(r.host, 80)}  ${r.build ?? 'no build'}  ${r.product ?? ''} ${r.cu ?? ''} ${r.su ?? ''}`.trimEnd()));
  out.push(`  input: ${safe(r.input, 200)}`);
  out.push(`  confidence: ${r.confidence} (${r.method})${r.suNote ? `; ${safe(r.suNote, 200)}` : ''}`);
  out.push(`  support: ${supportText(r.support.status, c, r.support.status)}: ${r.support.note}`);
  for (const e of r.evidence) out.push(`  evidence: ${safe(e.source, 160)}${e.line ? `:${e.line}` : ''}: ${safe(e.detail, 300)}`);
  out.push('  families:');
  for (const f of r.families) {
    out.push(`    ${statusText(f.status, c)} ${f.name}${f.exploited ? '' : c.dim(' (not known exploited)')}${f.action ? ` → ${f.action}` : ''}`);
    if (f.mitigations.length > 0) out.push(`      mitigation in place (not a fix): ${f.mitigations.join('; ')}`);
    for (const cve of f.cves) out.push(`      ${cve.id.padEnd(15)} ${statusText(cve.status, c, 12)} ${safe(cve.reason, 300)}`);
  }
  if (r.conflicts.length > 0) {
    out.push('  conflicts between sources:');
    for (const x of r.conflicts) {
      out.push(`    [${x.id}] ${x.about}`);
      for (const v of x.values) out.push(`      ${v.source}: ${v.says}`);
      out.push(`      exhunt: ${x.resolution}`);
    }
  }
  if (r.posture.length > 0) {
    out.push('  posture:');
    for (const p of r.posture) {
      const tag = p.verdict === 'good' ? c.green('GOOD') : p.verdict === 'bad' ? c.red('BAD ') : c.dim('INFO');
      out.push(`    ${tag} ${p.title} [${p.state}]: ${safe(p.detail, 400)}`);
      for (const e of p.evidence.slice(0, 12)) out.push(`         ${safe(e.source, 160)}${e.line ? `:${e.line}` : ''}: ${safe(e.detail, 300)}`);
    }
  }
  if (r.history.length > 0) {
    out.push('  builds seen in logs (first entries of each log file):');
    for (const h of r.history) out.push(`    ${safe(h.build, 30).padEnd(16)} first ${h.firstSeen ?? '?'}  last ${h.lastSeen ?? '?'}  ${h.files} file(s), ${safe(h.how.join(', '), 200)}`);
  }
  for (const n of r.notes) out.push(`  note: ${safe(n, 400)}`);
  return out;
}
