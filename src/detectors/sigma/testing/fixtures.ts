/**
 * @module Test helpers of the Sigma stage: compile a rule from YAML text, build records of each
 * kind, and find the shared reference data (SigmaHQ, datasets) next to the repository.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { HostContext } from '../../../core/detector.js';
import type { Hit } from '../../../core/finding.js';
import type { RecordKind } from '../../../core/origin.js';
import type { LogRecord } from '../../../core/record.js';
import { Columns, MapRecord, TabularRecord } from '../../../core/record.js';
import { packageRoot } from '../../../content/package-root.js';
import type { SigmaDetector } from '../detector.js';
import type { SigmaLoadOptions, SigmaLoadResult } from '../load.js';
import { loadSigmaText } from '../load.js';

export const HOST: HostContext = { exchangeInstall: null };

/** Loads YAML text; fails loudly when anything in it fails to load. */
export function load(yaml: string, options: SigmaLoadOptions = {}): SigmaLoadResult {
  const r = loadSigmaText(yaml, 'test.yml', options);
  if (r.failed.length) throw new Error(`rule failed to load: ${r.failed.map((f) => `${f.line ?? '?'}:${f.column ?? '?'} ${f.reason}`).join('; ')}`);
  return r;
}

/** The one detector of a rule text. */
export function compileOne(yaml: string, options: SigmaLoadOptions = {}): SigmaDetector {
  const r = load(yaml, options);
  if (r.detectors.length !== 1) throw new Error(`expected one detector, got ${r.detectors.length} (unrouted: ${r.unrouted.length})`);
  return r.detectors[0]!;
}

/**
 * A detection rule with the given detection section (indented by the helper), for any Windows
 * event unless `logsource` says otherwise.
 */
export function procRule(detection: string, logsource = 'product: windows'): string {
  return `title: test rule
id: 11111111-2222-4333-8444-555555555555
status: test
level: high
logsource:
${logsource
  .split('\n')
  .map((l) => `    ${l}`)
  .join('\n')}
detection:
${detection
  .split('\n')
  .map((l) => `    ${l}`)
  .join('\n')}
`;
}

let recordCount = 0;

/** A Windows event record (Sysmon process creation unless Channel/EventID say otherwise). */
export function winEvent(fields: Record<string, string>): LogRecord {
  const f: Record<string, string> = { Channel: 'Microsoft-Windows-Sysmon/Operational', EventID: '1', ...fields };
  return new MapRecord('event', { path: 'test.evtx', line: null, kind: 'event', recordId: ++recordCount }, f.TimeCreated ?? '2021-03-03T04:05:06.000Z', f);
}

const IIS = ['date', 'time', 's-ip', 'cs-method', 'cs-uri-stem', 'cs-uri-query', 's-port', 'cs-username', 'c-ip', 'cs(User-Agent)', 'cs(Referer)', 'sc-status', 'sc-substatus', 'sc-win32-status', 'time-taken'];
const IIS_COLUMNS = new Columns(IIS);

/** An IIS W3C record; unspecified columns are empty (W3C `-`). */
export function iisRecord(v: Partial<Record<string, string>>, line = 7): TabularRecord {
  return new TabularRecord('iis', { path: 'W3SVC1/u_ex210303.log', line, kind: 'iis' }, '2021-03-03T04:05:06.000Z', IIS_COLUMNS, IIS.map((n) => v[n] ?? ''));
}

export function record(kind: RecordKind, fields: Record<string, string>): LogRecord {
  return new MapRecord(kind, { path: `test.${kind}`, line: 1, kind }, null, fields);
}

/** Runs a detector; returns the hit or null. */
export function run(d: SigmaDetector, rec: LogRecord): Hit | null {
  return d.match(rec, HOST);
}

/** Whether the rule (text) matches the record. */
export function matches(yaml: string, rec: LogRecord, options: SigmaLoadOptions = {}): boolean {
  return compileOne(yaml, options).match(rec, HOST) !== null;
}

/**
 * The shared reference data folder (`../shared/data` beside the repository, or
 * EXHUNT_SHARED_DATA). When absent the test is skipped, except in CI where that is a failure.
 */
export function sharedData(t: TestContext, ...sub: string[]): string | null {
  const root = process.env.EXHUNT_SHARED_DATA ?? join(packageRoot(), '..', 'shared', 'data');
  const p = join(root, ...sub);
  if (existsSync(p)) return p;
  if (process.env.CI) throw new Error(`needs ${p} (shared reference data) and CI is set`);
  t.skip(`needs ../shared/data/${sub.join('/')} (shared reference data)`);
  return null;
}

/** A small deterministic random generator (mulberry32) for property tests: `rand(n)` in [0, n). */
export function rng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n: number): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * n >>> 0;
  };
}
