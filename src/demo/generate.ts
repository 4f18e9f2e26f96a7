/**
 * @module `generateDemo`: writes a synthetic triage folder of an Exchange 2016 server, laid out
 * the way collectors such as KAPE mirror the drive (`<out>/C/Program Files/...`,
 * `<out>/C/inetpub/...`), with benign traffic of the requested size and the profile's planted
 * evidence at known lines, and returns (and writes) the manifest that lists them.
 *
 * Log streams are written by stream-writer.ts, in this thread or spread over worker threads;
 * each stream draws from its own seeded generator, so the output is byte-identical for a seed
 * whatever the split. Files roll like the real logs: HttpProxy hourly, ECP and OAB daily, IIS
 * daily (hourly when a day would pass the size cap); Exchange logs start `-2.LOG` when a file
 * reaches `maxFileBytes`.
 */
import { existsSync } from 'node:fs';
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { isoTime, logRange } from './clock.js';
import { buildContext } from './context.js';
import type { ResolvedOptions } from './options.js';
import { resolveOptions } from './options.js';
import type { PlantedFile } from './planted.js';
import { logEvents, plantedFiles } from './planted.js';
import type { StreamSpec } from './streams.js';
import { demoStreams } from './streams.js';
import type { StreamsJob, StreamsOutcome } from './stream-writer.js';
import { writeStreams } from './stream-writer.js';
import { MANIFEST_NAME, prepareOutput } from './target-dir.js';
import type { DecoyItem, DemoManifest, DemoOptions, DemoProfile, PlantedItem, StreamTotals } from './types.js';
import type { WebFile } from './web-files.js';
import { standardFolders, standardWebFiles } from './web-files.js';
import { DirMaker } from './writer.js';

/** Below this size worker start-up costs more than it saves. */
const PARALLEL_FROM_BYTES = 64_000_000;

export async function generateDemo(options: DemoOptions): Promise<DemoManifest> {
  const o = resolveOptions(options);
  await prepareOutput(o.out, o.force);
  const ctx = buildContext(o.seed, o.host, o.profile);
  const range = logRange(o.profile);
  const events = logEvents(ctx, o.profile, range);
  const streams = demoStreams(ctx);
  const outcome = await writeAllStreams(o, streams);

  const installedAt = o.profile === 'no-history' ? Date.UTC(2021, 4, 20, 9, 30) : Date.UTC(2020, 11, 15, 9, 30);
  const files: (WebFile | PlantedFile)[] = [...standardWebFiles(ctx, installedAt), ...plantedFiles(ctx, o.profile)];
  for (const dir of standardFolders(ctx)) await mkdir(join(o.out, dir), { recursive: true });
  const dirs = new DirMaker();
  let otherBytes = 0;
  const plantedFileItems = new Map<string, PlantedItem>();
  for (const f of files) {
    const abs = join(o.out, f.path);
    dirs.ensure(dirname(abs));
    await writeFile(abs, f.content, { flag: 'wx' });
    await utimes(abs, new Date(f.mtime), new Date(f.mtime));
    otherBytes += f.content.length;
    if ('meta' in f) plantedFileItems.set(f.meta.id, { ...f.meta, path: f.path, line: null, kind: 'file', time: isoTime(f.mtime) });
  }

  // Manifest order: log lines in timeline order, then files as defined.
  const loggedPlanted = new Map(outcome.planted.map((p) => [p.id, p]));
  const loggedDecoys = new Map(outcome.decoys.map((d) => [d.id, d]));
  const planted: PlantedItem[] = [...events.flatMap((e) => pick(loggedPlanted, e.planted?.id)), ...plantedFileItems.values()];
  const decoys: DecoyItem[] = events.flatMap((e) => pick(loggedDecoys, e.decoy?.id));

  const byStream: Record<string, StreamTotals> = {};
  let logFiles = 0;
  let logBytes = 0;
  let logLines = 0;
  for (const r of outcome.streams) {
    const { label, ...totals } = r;
    byStream[label] = totals;
    logFiles += r.files;
    logBytes += r.bytes;
    logLines += r.lines;
  }

  const manifest: DemoManifest = {
    schemaVersion: 1,
    synthetic: true,
    generator: 'exhunt demo',
    profile: o.profile,
    seed: o.seed,
    sizeBytes: o.sizeBytes,
    host: ctx.host,
    fqdn: ctx.fqdn,
    exchangeBuild: ctx.build.long,
    exchangeInstall: ctx.installWin,
    logRange: { from: isoTime(range.from), to: isoTime(range.to) },
    notes: manifestNotes(o.profile),
    planted,
    decoys,
    totals: {
      files: logFiles + files.length,
      bytes: logBytes + otherBytes,
      logFiles,
      logBytes,
      logLines,
      planted: planted.length,
      decoys: decoys.length,
      byStream,
    },
  };
  await writeFile(join(o.out, MANIFEST_NAME), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

function pick<T>(m: ReadonlyMap<string, T>, id: string | undefined): T[] {
  const v = id === undefined ? undefined : m.get(id);
  return v === undefined ? [] : [v];
}

function manifestNotes(profile: DemoProfile): string[] {
  const notes = [
    'Everything here is synthetic (see the "SYNTHETIC exhunt demo data" comment in each file). Benign users have internal or RFC 5737 documentation addresses.',
    'This manifest is part of the fixture, not of the server: a scan does not recognise it.',
    'Line numbers are 1-based and count every line, directives and comments included.',
  ];
  if (profile === 'compromised' || profile === 'attempted') {
    notes.push('ProxyShell, ProxyNotShell and OWASSRF lines sit on their historical dates (2021-08-13, 2022-10-03, 2022-12-20): IIS W3SVC1 keeps those three days beyond the Exchange log range.');
  }
  if (profile === 'no-history') notes.push('Logs start 2021-06-01, after the ProxyLogon window: a scan cannot tell whether the server was attacked then.');
  return notes;
}

/** The worker script beside this module, when it exists (it does not under a TypeScript loader). */
function workerScript(): URL | null {
  const url = new URL('./stream-worker.js', import.meta.url);
  return url.protocol === 'file:' && existsSync(fileURLToPath(url)) ? url : null;
}

async function writeAllStreams(o: ResolvedOptions, streams: readonly StreamSpec[]): Promise<StreamsOutcome> {
  const script = workerScript();
  const wanted = o.threads > 0 ? o.threads : o.sizeBytes >= PARALLEL_FROM_BYTES ? Math.min(availableParallelism(), 4) : 1;
  const n = script ? Math.min(wanted, streams.length) : 1;
  if (n <= 1 || !script) return writeStreams({ options: o, labels: streams.map((s) => s.label) });

  // Longest-processing-time split by each stream's share of the bytes.
  const groups = Array.from({ length: n }, () => ({ share: 0, labels: [] as string[] }));
  for (const s of [...streams].sort((a, b) => b.share - a.share)) {
    const g = groups.reduce((min, x) => (x.share < min.share ? x : min));
    g.share += s.share;
    g.labels.push(s.label);
  }
  const outcomes = await Promise.all(groups.map((g) => runWorker(script, { options: o, labels: g.labels })));
  const byLabel = new Map(outcomes.flatMap((x) => x.streams.map((r) => [r.label, r] as const)));
  return {
    streams: streams.flatMap((s) => pick(byLabel, s.label)),
    planted: outcomes.flatMap((x) => x.planted),
    decoys: outcomes.flatMap((x) => x.decoys),
  };
}

function runWorker(script: URL, job: StreamsJob): Promise<StreamsOutcome> {
  return new Promise((resolve, reject) => {
    const w = new Worker(script, { workerData: job });
    let settled = false;
    w.on('message', (m: unknown) => {
      settled = true;
      if (isOk(m)) resolve(m.outcome);
      else reject(new Error(isFailure(m) ? m.message : 'demo worker sent an unexpected message'));
    });
    w.on('error', (e) => {
      settled = true;
      reject(e);
    });
    w.on('exit', (code) => {
      if (!settled) reject(new Error(`demo worker exited with code ${code} before reporting`));
    });
  });
}

function isOk(m: unknown): m is { ok: true; outcome: StreamsOutcome } {
  return typeof m === 'object' && m !== null && 'ok' in m && m.ok === true && 'outcome' in m;
}

function isFailure(m: unknown): m is { ok: false; message: string } {
  return typeof m === 'object' && m !== null && 'ok' in m && m.ok === false && 'message' in m && typeof m.message === 'string';
}
