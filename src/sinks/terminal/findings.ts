/**
 * @module The findings part of a host's section: grouped by attack stage in kill-chain order so
 * the report reads as the story of the intrusion, each finding on two lines (what and where, then
 * its evidence), and a cap per rule so one noisy rule cannot bury the rest.
 */
import type { Finding } from '../../core/finding.js';
import type { Stage } from '../../core/severity.js';
import { STAGES } from '../../core/severity.js';
import type { Style } from './style.js';
import { safe, severityLabel, utc } from './style.js';

/** Evidence keys that repeat what the finding's first line already shows. */
const TIME_KEYS = new Set(['datetime', 'timestamp', 'date-time', 'date', 'time']);
const IP_KEYS = new Set(['clientipaddress', 'clientip', 'c-ip']);

function stageTitle(stage: string): string {
  const words = stage.replace(/-/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Stable sort by time, untimed last: ties keep the engine's (file, line) order. */
function byTime(a: Finding, b: Finding): number {
  if (a.time === b.time) return 0;
  if (a.time === null) return 1;
  if (b.time === null) return -1;
  return a.time < b.time ? -1 : 1;
}

/** Evidence fields shown per finding unless verbose; the JSON Lines output has all of them. */
const MAX_FIELDS = 6;

function evidenceLine(f: Finding, s: Style): string {
  const parts: string[] = [];
  let omitted = 0;
  for (const [key, value] of Object.entries(f.evidence)) {
    const k = key.toLowerCase();
    if (f.time !== null && TIME_KEYS.has(k)) continue;
    if (IP_KEYS.has(k) && value === f.clientIp) continue;
    // The Windows form of the path on the first line: worth its width only when asked for.
    if (!s.verbose && k === 'windowspath') continue;
    if (!s.verbose && parts.length >= MAX_FIELDS) {
      omitted += 1;
      continue;
    }
    parts.push(`${s.c.dim(`${safe(key, 60)}=`)}${safe(value, s.valueMax)}`);
  }
  if (omitted > 0) parts.push(s.c.dim(`(+${omitted} fields)`));
  return parts.join('  ');
}

function findingLines(f: Finding, s: Style): string[] {
  const where = `${safe(f.source.path, s.verbose ? 4000 : 200)}${f.source.line === null ? '' : `:${f.source.line}`}`;
  const from = f.clientIp === null ? '' : `  from ${s.c.bold(safe(f.clientIp, 64))}`;
  const head = `    ${utc(f.time, '(no time)'.padEnd(20))}  ${severityLabel(f.severity, s)}  ${s.c.bold(safe(f.title, 160))}${from}  ${s.c.cyan(where)}`;
  const ev = evidenceLine(f, s);
  return ev === '' ? [head] : [head, `        ${ev}`];
}

/**
 * Lines for one host's findings. `maxPerRule` caps how many findings of one rule are printed for
 * the host; the rest are counted on a "… and N more" line, never dropped silently.
 */
export function findingSection(findings: readonly Finding[], s: Style, maxPerRule: number): string[] {
  const groups = new Map<string, Finding[]>();
  for (const f of findings) {
    const list = groups.get(f.stage) ?? [];
    list.push(f);
    groups.set(f.stage, list);
  }
  // Kill-chain order first; a stage the engine knows but this build does not goes last.
  const order = [...STAGES, ...[...groups.keys()].filter((k) => !STAGES.includes(k as Stage)).sort()];
  const shownPerRule = new Map<string, number>();
  const lines: string[] = [];
  for (const stage of order) {
    const group = groups.get(stage);
    if (!group) continue;
    lines.push('', `  ${s.c.bold(s.c.underline(safe(stageTitle(stage), 60)))} ${s.c.dim(`(${group.length})`)}`);
    const hidden = new Map<string, { title: string; count: number }>();
    for (const f of [...group].sort(byTime)) {
      const shown = shownPerRule.get(f.ruleId) ?? 0;
      if (shown >= maxPerRule) {
        const h = hidden.get(f.ruleId) ?? { title: f.title, count: 0 };
        h.count += 1;
        hidden.set(f.ruleId, h);
        continue;
      }
      shownPerRule.set(f.ruleId, shown + 1);
      lines.push(...findingLines(f, s));
    }
    for (const [ruleId, h] of hidden) {
      lines.push(s.c.yellow(`    … and ${h.count} more "${safe(h.title, 160)}" (${safe(ruleId, 120)}) (see --jsonl)`));
    }
  }
  return lines;
}

/** `86.105.18.116 ×312, 103.77.192.219 ×3 (+4 more)`: who to block and hunt for elsewhere. */
export function clientIps(findings: readonly Finding[], max = 5): string {
  const counts = new Map<string, number>();
  for (const f of findings) if (f.clientIp) counts.set(f.clientIp, (counts.get(f.clientIp) ?? 0) + 1);
  const top = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const shown = top.slice(0, max).map(([ip, n]) => `${safe(ip, 64)} ×${n}`);
  return top.length > max ? `${shown.join(', ')} (+${top.length - max} more)` : shown.join(', ');
}
