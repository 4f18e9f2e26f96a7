/**
 * @module The scan orchestrator: the one place that knows inputs, sources, detectors, findings
 * and sinks together (ripgrep's "search worker").
 *
 * For each PATH: open it as a tree (folder, zip, single file, live host), split it into hosts,
 * find each host's layout (Exchange install, drives), then read every file in path order: logs
 * through their parser with the kind's prefilter, swept files into file records. Hits become
 * findings; per host they are escalated, ordered and judged. Sinks get the findings in order and
 * the summary at the end. Problems with one file or line become diagnostics and the scan goes on.
 */
import type { Readable } from 'node:stream';
import type { Diagnostic, DiagnosticSink } from '../core/diagnostic.js';
import type { FileScanner, HostContext, LineScanner } from '../core/detector.js';
import { InputError, UsageError } from '../core/errors.js';
import type { Finding, Hit } from '../core/finding.js';
import { FINDING_SCHEMA_VERSION } from '../core/finding.js';
import type { LogRecord } from '../core/record.js';
import type { Severity } from '../core/severity.js';
import { SEVERITIES } from '../core/severity.js';
import type { Sink } from '../core/sink.js';
import type { HostReport, ScanSummary } from '../core/summary.js';
import { exhuntVersion } from '../content/package-root.js';
import { CoverageTracker, compareFindings, decideVerdict, escalate, worstVerdict } from '../findings/index.js';
import type { InputTree, TreeEntry } from '../inputs/tree.js';
import { readFileRecord } from '../sources/files/index.js';
import { readWhole } from '../inputs/read-whole.js';
import type { DetectorSet } from './content.js';
import { RecordMatcher } from './matcher.js';
import { planInput } from './plan.js';
import type { PlannedFile } from './plan.js';
import { openScanInput } from './open.js';
import { readLog } from './read-log.js';
import { scanLogLines } from '../detectors/yara/log-lines.js';
import { Prefetcher } from './prefetch.js';

export const DEFAULT_SINCE = '2021-01-01T00:00:00.000Z';

export interface ScanOptions {
  /** PATH arguments; empty means the live host (Windows only). */
  readonly inputs: readonly string[];
  /** Host name to use instead of the one found in the logs. */
  readonly host?: string;
  /** Start of the attack window that log coverage is judged against (ISO 8601). */
  readonly since?: string;
  readonly detectors: DetectorSet;
  /** Whole-file scanners (YARA) run on every swept file. */
  readonly fileScanners?: readonly FileScanner[];
  /** When given, filled with the milliseconds each detector spent matching (`--profile-rules`). */
  readonly ruleProfile?: Map<string, number>;
  /** Sweep every file of the inputs with the file scanners, not only the web and staging folders. */
  readonly deep?: boolean;
  /** Raw-line scanners (YARA log rules) run on every line of every text log. */
  readonly lineScanners?: readonly LineScanner[];
  /**
   * Builds the sinks once the run can reopen evidence files (for `--collect`); the opener works
   * until the sinks are closed.
   */
  readonly sinks: (context: SinkContext) => readonly Sink[];
  /** Called with each diagnostic as it happens (they are also in the summary). */
  readonly onDiagnostic?: DiagnosticSink;
  readonly progress?: ScanProgress;
  /** Zip limits: total declared uncompressed bytes, and per-entry compression ratio. */
  readonly zip?: { readonly maxTotalBytes?: number; readonly maxRatio?: number };
}

export interface ScanProgress {
  start(totalBytes: number, totalFiles: number): void;
  advance(bytes: number, label: string): void;
  stop(): void;
}

export interface ScanResult {
  readonly summary: ScanSummary;
  readonly findings: readonly Finding[];
}

interface GroupState {
  readonly groupName: string | null;
  readonly serverNames: Map<string, number>;
  readonly coverage: CoverageTracker;
  readonly hits: Hit[];
  /** Each group (host) correlates on its own. */
  readonly matcher: RecordMatcher;
  exchangeInstall: string | null;
}

interface HostState {
  readonly name: string;
  readonly inputs: Set<string>;
  exchangeInstall: string | null;
  readonly coverage: CoverageTracker;
  findings: Finding[];
}

export async function runScan(options: ScanOptions): Promise<ScanResult> {
  const startedAt = new Date().toISOString();
  const since = options.since ?? DEFAULT_SINCE;
  const version = exhuntVersion();
  const diagnostics: Diagnostic[] = [];
  const report = (d: Diagnostic): void => {
    diagnostics.push(d);
    options.onDiagnostic?.(d);
  };
  for (const [level, list] of [['error', options.detectors.errors], ['warning', options.detectors.warnings]] as const) {
    for (const e of list) report({ level, code: 'content', message: e.message, path: e.location?.path ?? '', ...(e.location?.line ? { line: e.location.line } : {}) });
  }

  const hosts = new Map<string, HostState>();
  const trees: InputTree[] = [];
  const evidence = new Map<string, TreeEntry>();
  let files = 0;
  let bytes = 0;
  let records = 0;

  const openEvidence: EvidenceOpener = async (f) => {
    const entry = evidence.get(`${f.input}\0${f.source.path}`);
    return entry ? entry.open() : null;
  };
  const sinks = options.sinks({ openEvidence });
  for (const s of sinks) {
    await s.begin?.({ startedAt, inputs: options.inputs, exhuntVersion: version, rulesLoaded: rulesLoaded(options.detectors) });
  }

  try {
    const inputs = options.inputs.length > 0 ? options.inputs : [''];
    // Plan every input first, so the progress bar knows the total.
    const plans: { input: string; tree: InputTree; files: PlannedFile[] }[] = [];
    for (const input of inputs) {
      const onDiag: DiagnosticSink = (d) => report({ ...d, input });
      let tree: InputTree;
      try {
        tree = await openScanInput(input, { onDiagnostic: onDiag, ...(options.zip ? { zip: options.zip } : {}) });
      } catch (e) {
        if (e instanceof UsageError) throw e;
        const msg = e instanceof Error ? e.message : String(e);
        report({ level: 'error', code: e instanceof InputError ? 'input' : 'unreadable', message: msg, path: input, input });
        continue;
      }
      trees.push(tree);
      plans.push({ input, tree, files: await planInput(tree, onDiag, { deep: options.deep === true && (options.fileScanners?.length ?? 0) > 0 }) });
    }

    const total = plans.reduce((n, p) => n + p.files.reduce((m, f) => m + f.entry.size, 0), 0);
    const totalFiles = plans.reduce((n, p) => n + p.files.length, 0);
    options.progress?.start(total, totalFiles);

    for (const plan of plans) {
      const input = plan.input;
      const onDiag: DiagnosticSink = (d) => report({ ...d, input });
      const groups = new Map<string, GroupState>();
      const groupOf = (f: PlannedFile): GroupState => {
        let g = groups.get(f.group);
        if (!g) {
          g = {
            groupName: f.groupName,
            serverNames: new Map(),
            coverage: new CoverageTracker(),
            hits: [],
            matcher: new RecordMatcher(options.detectors, 'buffered', options.ruleProfile ?? null),
            exchangeInstall: null,
          };
          groups.set(f.group, g);
        }
        if (f.exchangeInstall && !g.exchangeInstall) g.exchangeInstall = f.exchangeInstall;
        return g;
      };

      const prefetch = new Prefetcher(plan.files.map((f) => f.entry));
      for (const [index, file] of plan.files.entries()) {
        const open = prefetch.take(index);
        const host: HostContext = { exchangeInstall: file.exchangeInstall };
        const group = groupOf(file);
        files += 1;
        bytes += file.entry.size;
        evidence.set(`${input}\0${file.entry.path}`, file.entry);
        const onHit = (hit: Hit): void => {
          group.hits.push(hit);
        };
        try {
          if (file.placement.type === 'log') {
            const kind = file.placement.kind;
            const stats = await readLog(kind, file.placement.format, file.entry.path, open, {
              literals: options.detectors.literalsByKind.get(kind) ?? null,
              onRecord: (rec: LogRecord) => {
                records += 1;
                for (const hit of group.matcher.match(rec, host)) onHit(hit);
              },
              onDiagnostic: onDiag,
            }, file.entry.openSync?.bind(file.entry));
            group.coverage.add(file.placement.source, kind, file.entry.size, stats.oldest, stats.newest);
            // Line scanners read the raw lines in a second, prefiltered pass (event logs have none).
            if (kind !== 'event') {
              for (const scanner of options.lineScanners ?? []) {
                (await scanLogLines(scanner, open, { path: file.entry.path, kind })).forEach(onHit);
              }
            }
            if (stats.serverName) group.serverNames.set(stats.serverName, (group.serverNames.get(stats.serverName) ?? 0) + 1);
          } else {
            const rec = file.deep
              ? null
              : await readFileRecord(
              {
                path: file.entry.path,
                windowsPath: file.placement.windowsPath,
                zone: file.placement.zone,
                size: file.entry.size,
                mtime: file.entry.mtime,
                open,
              },
                  { exchangeInstall: file.exchangeInstall, extraHashes: options.detectors.fileHashes },
                );
            if (rec) {
              records += 1;
              for (const hit of group.matcher.match(rec, host)) onHit(hit);
            }
            for (const scanner of options.fileScanners ?? []) {
              const bytes = await readWhole(open, file.entry.size, scanner.maxFileBytes);
              if (!bytes) {
                onDiag({ level: 'warning', code: 'too-large', message: `${scanner.name}: not scanned, larger than ${scanner.maxFileBytes} bytes`, path: file.entry.path });
                continue;
              }
              const scanned = await scanner.scanFile({
                path: file.entry.path,
                bytes,
                size: file.entry.size,
                windowsPath: file.placement.windowsPath,
                time: file.entry.mtime ? file.entry.mtime.toISOString() : null,
              });
              scanned.forEach(onHit);
            }
          }
        } catch (e) {
          onDiag({ level: 'error', code: 'unreadable', message: e instanceof Error ? e.message : String(e), path: file.entry.path });
        }
        options.progress?.advance(file.entry.size, file.entry.path);
      }

      // Name each group now that its logs have been read, then merge it into its host.
      for (const g of groups.values()) {
        g.hits.push(...g.matcher.finish());
        const name = options.host ?? g.groupName ?? mostCommon(g.serverNames) ?? plan.tree.label;
        let h = hosts.get(name);
        if (!h) {
          h = { name, inputs: new Set(), exchangeInstall: null, coverage: new CoverageTracker(), findings: [] };
          hosts.set(name, h);
        }
        h.inputs.add(input);
        h.exchangeInstall ??= g.exchangeInstall;
        h.coverage.merge(g.coverage);
        for (const hit of g.hits) h.findings.push({ schemaVersion: FINDING_SCHEMA_VERSION, ...hit, host: name, input });
      }
    }
    options.progress?.stop();

    // Per host: escalate, order, judge.
    const hostReports: HostReport[] = [];
    const all: Finding[] = [];
    for (const h of [...hosts.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const findings = escalate(h.findings, options.detectors.escalations).sort(compareFindings);
      const coverage = h.coverage.report(since);
      const { verdict, reason } = decideVerdict(findings, coverage, since);
      hostReports.push({
        host: h.name,
        inputs: [...h.inputs].sort(),
        verdict,
        reason,
        exchangeInstall: h.exchangeInstall,
        coverage,
        findings: findings.length,
        bySeverity: countBySeverity(findings),
      });
      all.push(...findings);
    }
    for (const f of all) for (const s of sinks) await s.write(f);

    const byRule: Record<string, number> = {};
    for (const f of all) byRule[f.ruleId] = (byRule[f.ruleId] ?? 0) + 1;
    const summary: ScanSummary = {
      schemaVersion: 1,
      exhuntVersion: version,
      startedAt,
      finishedAt: new Date().toISOString(),
      window: { since, until: null },
      verdict: hostReports.length ? worstVerdict(hostReports.map((h) => h.verdict)) : 'inconclusive',
      hosts: hostReports,
      findings: all.length,
      bySeverity: countBySeverity(all),
      byRule,
      files,
      bytes,
      records,
      rulesLoaded: rulesLoaded(options.detectors),
      indicatorsLoaded: options.detectors.counts.indicators,
      diagnostics,
    };
    for (const s of sinks) await s.close?.(summary, all);
    return { summary, findings: all };
  } finally {
    options.progress?.stop();
    await Promise.allSettled(trees.map((t) => t.close()));
  }
}

export interface SinkContext {
  readonly openEvidence: EvidenceOpener;
}

/** Opens the file behind a finding again (for `--collect`), while the run's trees are open. */
export type EvidenceOpener = (f: Finding) => Promise<Readable | null>;

/** Rules and correlations that run (the indicator detectors are counted as indicators, not rules). */
function rulesLoaded(set: DetectorSet): number {
  return set.counts.rules + set.counts.sigma + set.counts.correlations;
}

/** The most frequent name, ties broken alphabetically so the choice is deterministic. */
function mostCommon(counts: ReadonlyMap<string, number>): string | null {
  const best = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0];
  return best ? best[0] : null;
}

function countBySeverity(findings: readonly Finding[]): Record<Severity, number> {
  const out = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of findings) out[f.severity] += 1;
  return out;
}
