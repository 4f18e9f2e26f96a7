/**
 * @module The scan orchestrator: the one place that knows inputs, sources, detectors, findings
 * and sinks together (ripgrep's "search worker").
 *
 * For each PATH: open it as a tree (folder, zip, single file, live host), split it into hosts,
 * find each host's layout (Exchange install, drives), then read every file in path order: logs
 * through their parser with the kind's prefilter, swept files into file records. Hits become
 * findings; per host they are escalated, ordered and judged. Sinks get the findings in order and
 * the summary at the end. Problems with one file or line become diagnostics and the scan goes on.
 *
 * Files are read by one function (`scanPlannedFile`, scan-file.ts), either here one after the
 * other or, for big folders on disk, on worker threads as well (src/engine/parallel). Either way
 * each file's result is applied to its host here in plan order, so the output does not depend on
 * the number of threads.
 */
import type { Readable } from 'node:stream';
import type { Diagnostic, DiagnosticSink } from '../core/diagnostic.js';
import type { FileScanner, LineScanner } from '../core/detector.js';
import { InputError, UsageError } from '../core/errors.js';
import type { Finding, Hit } from '../core/finding.js';
import { FINDING_SCHEMA_VERSION } from '../core/finding.js';
import type { Severity } from '../core/severity.js';
import { SEVERITIES } from '../core/severity.js';
import type { Sink } from '../core/sink.js';
import type { HostReport, ScanSummary } from '../core/summary.js';
import { exhuntVersion } from '../content/package-root.js';
import { CoverageTracker, compareFindings, decideVerdict, escalate, worstVerdict } from '../findings/index.js';
import type { InputTree, TreeEntry } from '../inputs/tree.js';
import type { DetectorSet } from './content.js';
import { RecordMatcher } from './matcher.js';
import { planInput } from './plan.js';
import type { PlannedFile } from './plan.js';
import { openScanInput } from './open.js';
import { Prefetcher } from './prefetch.js';
import { scanPlannedFile } from './scan-file.js';
import type { FileResult, FileScanContext } from './scan-file.js';
import type { ParallelOptions } from './parallel/policy.js';
import type { ScanPool } from './parallel/pool.js';
import type { FileJob } from './parallel/protocol.js';
import { InOrder } from './parallel/in-order.js';
import { ThreadPlan } from './parallel/threads.js';

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
  /**
   * Worker threads for big folders on disk; without it (or with `threads: 1`) the scan is serial.
   * The output is the same either way.
   */
  readonly parallel?: ParallelOptions;
}

export interface ScanProgress {
  start(totalBytes: number, totalFiles: number): void;
  advance(bytes: number, label: string): void;
  stop(): void;
}

export interface ScanResult {
  readonly summary: ScanSummary;
  readonly findings: readonly Finding[];
  /**
   * How many threads read the files, why only one when so, and how many files worker threads
   * read (not in the summary: it must not depend on the machine).
   */
  readonly threads: { readonly used: number; readonly serialReason: string | null; readonly workerFiles: number };
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

/** One input's plan and the host groups its files are applied to. */
interface PlanState {
  readonly input: string;
  readonly tree: InputTree;
  readonly files: PlannedFile[];
  readonly groups: Map<string, GroupState>;
  readonly onDiag: DiagnosticSink;
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
  const plans: PlanState[] = [];
  let files = 0;
  let bytes = 0;
  let records = 0;

  // The planned files by input and path, indexed on the first request: only `--collect` asks, and
  // a map of every file of a big triage folder would be megabytes held for nothing otherwise.
  let evidence: Map<string, TreeEntry> | null = null;
  const openEvidence: EvidenceOpener = async (f) => {
    evidence ??= new Map(plans.flatMap((p) => p.files.map((x) => [`${p.input}\0${x.entry.path}`, x.entry] as const)));
    const entry = evidence.get(`${f.input}\0${f.source.path}`);
    return entry ? entry.open() : null;
  };
  const sinks = options.sinks({ openEvidence });
  for (const s of sinks) {
    await s.begin?.({ startedAt, inputs: options.inputs, exhuntVersion: version, rulesLoaded: rulesLoaded(options.detectors) });
  }

  const threadPlan = new ThreadPlan(
    {
      parallel: options.parallel,
      inputs: options.inputs,
      ruleProfile: options.ruleProfile !== undefined,
      fileScanners: options.fileScanners?.length ?? 0,
      lineScanners: options.lineScanners?.length ?? 0,
    },
    options.detectors,
  );

  try {
    const inputs = options.inputs.length > 0 ? options.inputs : [''];
    // Plan every input first, so the progress bar knows the total.
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
      const files = await planInput(tree, onDiag, {
        deep: options.deep === true && (options.fileScanners?.length ?? 0) > 0,
        onEntry: (e) => threadPlan.observe(e),
      });
      plans.push({ input, tree, files, groups: new Map(), onDiag });
    }

    const total = plans.reduce((n, p) => n + p.files.reduce((m, f) => m + f.entry.size, 0), 0);
    const totalFiles = plans.reduce((n, p) => n + p.files.length, 0);
    options.progress?.start(total, totalFiles);

    const groupOf = (plan: PlanState, f: PlannedFile): GroupState => {
      let g = plan.groups.get(f.group);
      if (!g) {
        g = {
          groupName: f.groupName,
          serverNames: new Map(),
          coverage: new CoverageTracker(),
          hits: [],
          matcher: new RecordMatcher(options.detectors, 'buffered', options.ruleProfile ?? null),
          exchangeInstall: null,
        };
        plan.groups.set(f.group, g);
      }
      if (f.exchangeInstall && !g.exchangeInstall) g.exchangeInstall = f.exchangeInstall;
      return g;
    };
    /** What one file contributes, applied to its group; called in plan order. */
    const apply = (plan: PlanState, file: PlannedFile, result: FileResult): void => {
      const group = groupOf(plan, file);
      files += 1;
      bytes += file.entry.size;
      records += result.records;
      for (const hit of result.hits) group.hits.push(hit);
      const c = result.coverage;
      if (c) group.coverage.add(c.source, c.kind, c.bytes, c.oldest, c.newest);
      if (result.serverName) group.serverNames.set(result.serverName, (group.serverNames.get(result.serverName) ?? 0) + 1);
      for (const d of result.diagnostics) plan.onDiag(d);
    };
    const fileScanners = options.fileScanners ?? [];
    const lineScanners = options.lineScanners ?? [];

    const parallel = threadPlan.begin(plans.flatMap((p) => p.files));
    let workerFiles = 0;
    if (parallel) {
      workerFiles = await scanParallel(plans, parallel, {
        detectors: options.detectors,
        apply,
        advance: (f) => options.progress?.advance(f.entry.size, f.entry.path),
        report,
        mainTakesFiles: options.parallel?.mainTakesFiles !== false,
      });
    } else {
      for (const plan of plans) {
        const prefetch = new Prefetcher(plan.files.map((f) => f.entry));
        for (const [index, file] of plan.files.entries()) {
          // Each group (host) matches with its own matcher: correlations are per host.
          const matcher = groupOf(plan, file).matcher;
          apply(plan, file, await scanPlannedFile(file, prefetch.take(index), { detectors: options.detectors, matcher, fileScanners, lineScanners }));
          options.progress?.advance(file.entry.size, file.entry.path);
        }
      }
    }

    for (const plan of plans) {
      const input = plan.input;
      const groups = plan.groups;
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
    return { summary, findings: all, threads: { used: threadPlan.threads, serialReason: threadPlan.serialReason, workerFiles } };
  } finally {
    options.progress?.stop();
    await threadPlan.close();
    await Promise.allSettled(trees.map((t) => t.close()));
  }
}

interface ParallelHooks {
  readonly detectors: DetectorSet;
  readonly apply: (plan: PlanState, file: PlannedFile, result: FileResult) => void;
  readonly advance: (file: PlannedFile) => void;
  readonly report: DiagnosticSink;
  readonly mainTakesFiles: boolean;
}

/**
 * Reads every planned file on the pool's workers and this thread. Results come back in any
 * order; they are held until every earlier file's result is in, then applied in plan order.
 * Returns how many files the workers read.
 */
async function scanParallel(
  plans: readonly PlanState[],
  parallel: { readonly pool: ScanPool; readonly jobs: readonly FileJob[] },
  hooks: ParallelHooks,
): Promise<number> {
  const flat = plans.flatMap((plan) => plan.files.map((file) => ({ plan, file })));
  const inOrder = new InOrder<FileResult>(flat.length, (index, result) => hooks.apply(flat[index]!.plan, flat[index]!.file, result));
  // No correlations in a parallel scan (policy.ts), so one matcher serves every host here.
  const local: FileScanContext = { detectors: hooks.detectors, matcher: new RecordMatcher(hooks.detectors, 'buffered', null), fileScanners: [], lineScanners: [] };
  const { notes, workerFiles } = await parallel.pool.run(parallel.jobs, {
    scanLocal: (index) => {
      const { file } = flat[index]!;
      return scanPlannedFile(file, () => file.entry.open(), local);
    },
    onResult: (index, result) => {
      hooks.advance(flat[index]!.file);
      inOrder.put(index, result);
    },
    mainTakesFiles: hooks.mainTakesFiles,
  });
  if (!inOrder.done) throw new Error(`parallel scan: ${inOrder.applied} of ${flat.length} file results`);
  for (const note of notes) {
    const at = note.index === null ? undefined : flat[note.index];
    hooks.report({ level: 'warning', code: 'worker-failed', message: note.message, path: at ? at.file.entry.path : '', ...(at ? { input: at.plan.input } : {}) });
  }
  return workerFiles;
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
