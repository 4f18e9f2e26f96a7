/**
 * @module `exhunt sigma`: check a Sigma rule tree (`sigma check`) and try rules on exported
 * events (`sigma test`). Options → loadSigmaRules → report; no matching logic here.
 *
 * Exit codes: `sigma check` exits 0 whatever loads (SigmaHQ always holds rules outside any one
 * tool's scope, so failures are a report, not an error); `sigma test` exits 0, or 1 when
 * `--expect N` is given and the number of matches differs. Both exit 2 on usage errors and
 * unreadable inputs.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Hit } from '../../core/finding.js';
import type { LogRecord } from '../../core/record.js';
import { UsageError } from '../../core/errors.js';
import { parseExpand } from '../options.js';
import type { SigmaLoadOptions, SigmaLoadResult } from '../../detectors/sigma/index.js';
import { loadSigmaRules, readJsonEvents } from '../../detectors/sigma/index.js';
import { escapeJsonText, escapeTerminal } from '../../sinks/index.js';
import { EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS } from '../exit-codes.js';

interface LoadFlags {
  pipeline: string[];
  expand: string[];
}

const repeat = (v: string, acc: string[]): string[] => [...acc, v];

function loadOptions(flags: LoadFlags): SigmaLoadOptions {
  return { pipelines: flags.pipeline, expand: parseExpand('--expand', flags.expand) };
}

export function registerSigma(program: Command, setExit: (code: number) => void): void {
  const sigma = program.command('sigma').summary('check Sigma rule trees and try rules on events');

  sigma
    .command('check')
    .description(
      'Load Sigma rules (files or folders, recursively) and report how many load, how many run on the records exhunt reads, ' +
        'and for each document that does not load its file, line, column and reason. Exits 0 whatever loads (see docs/sigma.md).',
    )
    .argument('<path...>', 'Sigma rule files or folders')
    .option('--json', 'print one JSON object: files, loaded, failed, failures[], unrouted, detectors, correlations, warnings[]')
    .option('--pipeline <file>', 'extra pipeline file (log sources and field mappings); repeatable', repeat, [])
    .option('--expand <name=value>', 'value of a %placeholder% for |expand; repeatable', repeat, [])
    .option('--unrouted', 'also list the rules no exhunt log source fits')
    .action((paths: string[], flags: LoadFlags & { json?: boolean; unrouted?: boolean }) => {
      const r = loadSigmaRules(paths, loadOptions(flags));
      if (flags.json) process.stdout.write(`${escapeJsonText(JSON.stringify(checkReport(r)))}\n`);
      else printCheck(r, flags.unrouted === true);
      setExit(EXIT_CLEAN);
    });

  sigma
    .command('test')
    .description(
      'Run Sigma rules over Windows events exported as JSON or JSON Lines (evtx_dump JSON, OTRF/Winlogbeat lines, Get-WinEvent | ConvertTo-Json) ' +
        'and print every match, correlations included.',
    )
    .argument('<rule...>', 'Sigma rule files or folders')
    .requiredOption('--events <file>', 'events file (JSON or JSON Lines); repeatable', repeat, [])
    .option('--json', 'print matches as JSON Lines (the finding fields)')
    .option('--expect <n>', 'exit 1 unless exactly n matches are found')
    .option('--profile-rules', 'print the time spent per rule (slowest first) on standard error')
    .option('--pipeline <file>', 'extra pipeline file; repeatable', repeat, [])
    .option('--expand <name=value>', 'value of a %placeholder% for |expand; repeatable', repeat, [])
    .action((rules: string[], flags: LoadFlags & { events: string[]; json?: boolean; expect?: string; profileRules?: boolean }) => {
      setExit(testCommand(rules, flags));
    });
}

function checkReport(r: SigmaLoadResult): Record<string, unknown> {
  return {
    files: r.files,
    loaded: r.loaded,
    failed: r.failed.length,
    failures: r.failed,
    detectors: r.detectors.length,
    correlations: r.correlations.length,
    unrouted: r.unrouted.length,
    byReason: countBy(r.failed.map((f) => f.code)),
    warnings: r.warnings,
  };
}

function countBy(xs: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
}

function printCheck(r: SigmaLoadResult, listUnrouted: boolean): void {
  const w = (s: string): boolean => process.stdout.write(`${escapeTerminal(s)}\n`);
  for (const f of r.failed) w(`${f.file}${f.line !== undefined ? `:${f.line}${f.column !== undefined ? `:${f.column}` : ''}` : ''}: [${f.code}] ${f.reason}`);
  for (const f of r.warnings) w(`${f.file}${f.line !== undefined ? `:${f.line}` : ''}: warning: ${f.reason}`);
  if (listUnrouted) {
    for (const u of r.unrouted) w(`${u.file}: no exhunt log source for ${JSON.stringify(u.logsource)}`);
  }
  const reasons = Object.entries(countBy(r.failed.map((f) => f.code)))
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
  w(
    `${r.files} files: ${r.loaded} documents loaded, ${r.failed.length} failed${reasons ? ` (${reasons})` : ''}; ` +
      `${r.detectors.length} rules run on exhunt records, ${r.unrouted.length} have no exhunt log source, ${r.correlations.length} correlations`,
  );
}

function testCommand(rules: string[], flags: LoadFlags & { events: string[]; json?: boolean; expect?: string; profileRules?: boolean }): number {
  const expect = flags.expect === undefined ? undefined : Number(flags.expect);
  if (expect !== undefined && (!Number.isInteger(expect) || expect < 0)) throw new UsageError(`--expect: "${flags.expect ?? ''}" is not a whole number`);
  const r = loadSigmaRules(rules, loadOptions(flags));
  for (const f of r.failed) process.stderr.write(`exhunt: ${escapeTerminal(`${f.file}${f.line !== undefined ? `:${f.line}` : ''}: ${f.reason}`)}\n`);
  if (r.detectors.length === 0) {
    process.stderr.write('exhunt: no Sigma rule to run (none loaded, or none fits an exhunt log source)\n');
    return EXIT_ERROR;
  }
  const events: LogRecord[] = [];
  for (const file of flags.events) {
    try {
      events.push(...readJsonEvents(readFileSync(file, 'utf8'), file));
    } catch (e) {
      process.stderr.write(`exhunt: ${escapeTerminal(`${file}: ${(e as Error).message}`)}\n`);
      return EXIT_ERROR;
    }
  }
  // Correlations need their hits in time order.
  events.sort((a, b) => (a.time ?? '').localeCompare(b.time ?? ''));
  const spent = new Map<string, number>();
  const hits: Hit[] = [];
  const host = { exchangeInstall: null };
  for (const rec of events) {
    for (const d of r.detectors) {
      if (!d.kinds.includes(rec.kind)) continue;
      const t0 = flags.profileRules ? performance.now() : 0;
      const h = d.match(rec, host);
      if (flags.profileRules) spent.set(d.id, (spent.get(d.id) ?? 0) + performance.now() - t0);
      if (!h) continue;
      if (d.standalone) hits.push(h);
      for (const c of r.correlations) if (c.accepts(h.ruleId)) hits.push(...c.feed(h, rec));
    }
  }
  for (const c of r.correlations) hits.push(...c.finish());
  for (const h of hits) {
    if (flags.json) process.stdout.write(`${escapeJsonText(JSON.stringify(h))}\n`);
    else process.stdout.write(`${escapeTerminal(`${h.time ?? '-'}  ${h.severity.padEnd(8)} ${h.ruleId}  ${h.title}  (${h.source.path}${h.source.line !== null ? `:${h.source.line}` : ''})`)}\n`);
  }
  if (flags.profileRules) {
    const top = [...spent.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25);
    for (const [id, ms] of top) process.stderr.write(`${ms.toFixed(2).padStart(10)} ms  ${escapeTerminal(id)}\n`);
  }
  process.stderr.write(`exhunt: ${hits.length} matches in ${events.length} events (${r.detectors.length} rules, ${r.correlations.length} correlations)\n`);
  if (expect !== undefined && hits.length !== expect) return EXIT_FINDINGS;
  return EXIT_CLEAN;
}
