/**
 * Test helpers: a Watcher run in this process with short intervals, what it found, what a scan of
 * the same files finds (the reference), and what rsyslog received.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { alertKey } from '../../../src/alerts/alert.js';
import { channelFromUri } from '../../../src/alerts/build.js';
import type { AlertChannel } from '../../../src/alerts/channel.js';
import type { Finding } from '../../../src/core/finding.js';
import type { DetectorSet } from '../../../src/engine/content.js';
import { loadScanDetectors } from '../../../src/engine/load-detectors.js';
import { runScan } from '../../../src/engine/scan.js';
import type { WatchEvent, WatchOptions } from '../../../src/watch/index.js';
import { Watcher } from '../../../src/watch/index.js';
import { CTX } from '../../alerts/helpers/fixtures.js';
import { eventually } from '../../alerts/helpers/net.js';
import { makePki } from '../../alerts/helpers/openssl.js';
import type { Rsyslog } from '../../alerts/helpers/rsyslog.js';
import { startRsyslog } from '../../alerts/helpers/rsyslog.js';
import { HOST } from './logs.js';

let cached: Promise<DetectorSet> | null = null;

/** exhunt's built-in rules without indicators: what every watch test runs. */
export function testDetectors(): Promise<DetectorSet> {
  cached ??= loadScanDetectors({ intel: false });
  return cached;
}

export interface Running {
  readonly watcher: Watcher;
  readonly findings: Finding[];
  readonly events: WatchEvent[];
  stop(): Promise<void>;
}

/** Starts a watcher on `root` with test-speed intervals. */
export async function startWatcher(root: string, stateFile: string, extra: Partial<WatchOptions> = {}): Promise<Running> {
  const findings: Finding[] = [];
  const events: WatchEvent[] = [];
  const watcher = await Watcher.open({
    inputs: [root],
    stateFile,
    host: HOST,
    content: { intel: false },
    detectors: await testDetectors(),
    channels: [],
    pollMs: 100,
    rescanMs: 5000,
    settleMs: 200,
    reloadMs: 0,
    dispatcherPollMs: 200,
    maxCpu: 0,
    onFindings: (f) => findings.push(...f),
    onEvent: (e) => events.push(e),
    ...extra,
  });
  await watcher.start();
  return { watcher, findings, events, stop: () => watcher.stop(5000) };
}

/** A syslog channel to rsyslog's TCP input taking every severity, retrying fast. */
export function syslogTo(port: number, name = 'siem'): AlertChannel {
  return channelFromUri(`syslog+tcp://127.0.0.1:${port}?name=${name}&format=cef&minSeverity=info&retryInitial=50ms&retryMax=200ms`, CTX);
}

/** What `exhunt scan` finds in the same files, with the same host and rules: the reference. */
export async function scanFindings(root: string): Promise<Finding[]> {
  const r = await runScan({ inputs: [root], host: HOST, detectors: await testDetectors(), sinks: () => [] });
  return [...r.findings];
}

export const keyOf = (f: Pick<Finding, 'host' | 'ruleId' | 'source' | 'time'>): string => alertKey(f);

/** `path:line ruleId` of a finding, for readable comparisons. */
export const where = (f: Pick<Finding, 'ruleId' | 'source'>): string => `${f.source.path}:${f.source.line ?? '-'} ${f.ruleId}`;

/** The findings in a JSON Lines file. */
export function readJsonl(file: string): Finding[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Finding);
}

/** The idempotency keys (`externalId`) of the CEF messages rsyslog received, in order. */
export function receivedKeys(raw: readonly string[]): string[] {
  return raw.map((l) => /externalId=([0-9a-f]+)/.exec(l)?.[1] ?? '').filter((k) => k !== '');
}

/** Waits until `get()` holds at least `n` items. */
export function waitCount<T>(get: () => readonly T[], n: number, timeoutMs = 15_000, what = 'items'): Promise<readonly T[]> {
  return eventually(() => {
    const v = get();
    return v.length >= n ? v : undefined;
  }, timeoutMs, `${n} ${what} (have ${get().length})`);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * For the tests of one `describe`: a temporary folder and a TLS rsyslog receiver (certificates in
 * `<dir>/pki`), started before them and stopped and removed after. `failure` is the tool gate's
 * reason the tools are unusable, which fails the suite rather than skipping it silently.
 */
export function rsyslogSuite(prefix: string, failure: string | null | undefined): { readonly dir: string; readonly rs: Rsyslog } {
  const suite: { dir: string; rs: Rsyslog | null } = { dir: '', rs: null };
  before(async () => {
    if (failure) throw new Error(failure);
    suite.dir = mkdtempSync(join(tmpdir(), prefix));
    const pki = join(suite.dir, 'pki');
    mkdirSync(pki);
    suite.rs = await startRsyslog(pki, makePki(pki));
  });
  after(async () => {
    await suite.rs?.stop();
    if (suite.dir) rmSync(suite.dir, { recursive: true, force: true });
  });
  return {
    get dir() {
      return suite.dir;
    },
    get rs() {
      if (!suite.rs) throw new Error('rsyslog is not running (the suite set-up failed)');
      return suite.rs;
    },
  };
}
