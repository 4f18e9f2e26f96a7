/**
 * Test support for the Windows event rules (test/events): the built-in pack's event rules
 * compiled once, event files read into records with exhunt's own readers (the EVTX reader, or
 * the event export readers found by content), hits as `rule id @ EventRecordID` strings, and
 * the shared reference data next to the repository (skipped when absent, a failure under CI).
 */
import { createReadStream, existsSync, openSync, readSync, closeSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { TestContext } from 'node:test';
import type { HostContext } from '../../src/core/detector.js';
import type { Hit } from '../../src/core/finding.js';
import type { LogRecord } from '../../src/core/record.js';
import { builtinContentDir } from '../../src/content/package-root.js';
import { loadContent } from '../../src/content/load.js';
import type { RuleDetector } from '../../src/detectors/rules/index.js';
import { compileRules } from '../../src/detectors/rules/index.js';
import { openZipTree } from '../../src/inputs/index.js';
import { readHead } from '../../src/inputs/read-whole.js';
import { detectEventExport, EVENT_EXPORT_DETECT_BYTES, eventExportParsers } from '../../src/sources/event-exports/index.js';
import { parseEvtx } from '../../src/sources/evtx/index.js';
import type { LogParser } from '../../src/sources/source.js';
import { REPO, SHARED } from '../helpers/cli.js';

/** The Windows event rules this suite is about (the issue 5 checks), by id. */
export const EVENT_RULES = [
  'Exchange.DefenseEvasion.EventLogCleared',
  'Exchange.ProxyLogon.UnifiedMessagingChildProcess',
  'Exchange.ProxyLogon.UnifiedMessagingInvalidCast',
  'Exchange.ProxyShell.ManagementCertificateRequestToWebFolder',
  'Exchange.ProxyShell.ManagementMailboxExportToWebFolder',
  'Exchange.ProxyShell.ManagementMailboxImportExportRole',
  'Exchange.ProxyShell.ManagementRemoveMailboxExportRequest',
  'Exchange.Staging.DumpFileCreated',
  'Exchange.Staging.LsassDumpCommandLine',
  'Exchange.Staging.LsassProcessAccess',
  'Exchange.WebShell.ScriptFileCreatedInWebFolder',
  'Exchange.WebShell.WorkerProcessShellChild',
] as const;

export const HOST: HostContext = { exchangeInstall: 'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\' };

let compiled: { all: readonly RuleDetector[]; errors: readonly string[] } | undefined;

/** Every rule of the built-in pack that reads `event` records (compiled once per process). */
export function eventDetectors(): readonly RuleDetector[] {
  if (compiled === undefined) {
    const pack = loadContent([{ dir: builtinContentDir(), builtin: true }]);
    const c = compileRules(pack.rules, pack.indicatorSets);
    compiled = {
      all: c.detectors.filter((d) => d.kinds.includes('event')),
      errors: [...pack.errors, ...c.errors].map((e) => e.message),
    };
  }
  return compiled.all;
}

export function contentErrors(): readonly string[] {
  eventDetectors();
  return compiled?.errors ?? [];
}

/** The hits of the given detectors (default: every event rule) on one record. */
export function hitsOf(record: LogRecord, detectors: readonly RuleDetector[] = eventDetectors()): Hit[] {
  return detectors.map((d) => d.match(record, HOST)).filter((h): h is Hit => h !== null);
}

/**
 * `ruleId @ EventRecordID`, the stable name of a hit on an event in the tests (`@ TimeCreated`
 * for exports without record numbers, such as the OTRF datasets).
 */
export function hitKey(h: Hit, record: LogRecord): string {
  return `${h.ruleId} @ ${record.get('EventRecordID') ?? record.get('TimeCreated') ?? '?'}`;
}

/**
 * Reads an event file with exhunt's readers: `.evtx` with the EVTX reader, a `.zip` entry by entry
 * through exhunt's zip tree (event exports found by content, as a scan finds them), anything else
 * by content.
 */
export async function readEvents(path: string): Promise<{ records: LogRecord[]; diagnostics: string[] }> {
  const records: LogRecord[] = [];
  const diagnostics: string[] = [];
  if (path.toLowerCase().endsWith('.zip')) {
    await readZipEvents(path, records, diagnostics);
    return { records, diagnostics };
  }
  const parser = path.toLowerCase().endsWith('.evtx') ? parseEvtx : exportParser(path);
  await parser(
    { path: basename(path), open: () => Promise.resolve(createReadStream(path)) },
    { literals: null, onRecord: (r) => records.push(r), onDiagnostic: (d) => diagnostics.push(`${d.code}: ${d.message}`) },
  );
  return { records, diagnostics };
}

async function readZipEvents(path: string, records: LogRecord[], diagnostics: string[]): Promise<void> {
  const tree = await openZipTree(path);
  try {
    for await (const entry of tree.entries()) {
      const kind = detectEventExport(await readHead(() => entry.open(), EVENT_EXPORT_DETECT_BYTES));
      if (kind === null) continue;
      await eventExportParsers[kind](
        { path: `${basename(path)}/${entry.path}`, open: () => entry.open() },
        { literals: null, onRecord: (r) => records.push(r), onDiagnostic: (d) => diagnostics.push(`${d.code}: ${d.message}`) },
      );
    }
  } finally {
    await tree.close();
  }
}

function exportParser(path: string): LogParser {
  const fd = openSync(path, 'r');
  const head = Buffer.alloc(EVENT_EXPORT_DETECT_BYTES);
  const n = readSync(fd, head, 0, head.length, 0);
  closeSync(fd);
  const kind = detectEventExport(head.subarray(0, n));
  if (kind === null) throw new Error(`${path}: not an event export`);
  return eventExportParsers[kind];
}

/** Every hit of `detectors` in a file, as `ruleId @ EventRecordID` keys in file order. */
export async function fileHits(path: string, detectors: readonly RuleDetector[] = eventDetectors()): Promise<{ keys: string[]; hits: Hit[]; records: LogRecord[] }> {
  const { records } = await readEvents(path);
  const keys: string[] = [];
  const hits: Hit[] = [];
  for (const r of records) {
    for (const h of hitsOf(r, detectors)) {
      keys.push(hitKey(h, r));
      hits.push(h);
    }
  }
  return { keys, hits, records };
}

/** `../shared/data` beside the repository, or EXHUNT_SHARED_DATA. */
export function sharedRoot(): string {
  return process.env.EXHUNT_SHARED_DATA ?? SHARED;
}

/**
 * A file or folder of the shared reference data, or null after `t.skip` when it is absent
 * (under CI its absence is a failure).
 */
export function shared(t: TestContext, ...sub: string[]): string | null {
  const p = join(sharedRoot(), ...sub);
  if (existsSync(p)) return p;
  if (process.env.CI) throw new Error(`needs ../shared/data/${sub.join('/')} and CI is set`);
  t.skip(`needs ../shared/data/${sub.join('/')} (shared reference data)`);
  return null;
}

/** Folder of this suite's own (synthetic) fixtures. */
export const FIXTURES = join(REPO, 'test', 'events', 'fixtures');
