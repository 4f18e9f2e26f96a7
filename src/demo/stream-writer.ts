/**
 * @module Writing log streams: for each stream, plan its files (see schedule.ts), then fill each
 * file with benign rows in time order, inserting the planted and decoy lines at their times and
 * recording the exact line each one got. Runs in the calling thread or in a worker
 * (stream-worker.ts); either way the output depends only on the options and the stream.
 */
import { join } from 'node:path';
import { DAY, HOUR, isoTime, logRange } from './clock.js';
import type { TimeRange } from './clock.js';
import type { DemoContext } from './context.js';
import { buildContext } from './context.js';
import type { ResolvedOptions } from './options.js';
import type { LogEvent } from './planted.js';
import { logEvents } from './planted.js';
import { Rng } from './random.js';
import type { FilePlan } from './schedule.js';
import { planStream } from './schedule.js';
import type { StreamSpec } from './streams.js';
import { demoStreams } from './streams.js';
import type { DecoyItem, PlantedItem, StreamTotals } from './types.js';
import { BufferPool, DirMaker, LogWriter } from './writer.js';

export interface StreamsJob {
  readonly options: ResolvedOptions;
  /** Labels of the streams to write (`HttpProxy/Owa`, `IIS W3SVC1`...). */
  readonly labels: readonly string[];
}

export interface StreamResult extends StreamTotals {
  readonly label: string;
}

export interface StreamsOutcome {
  readonly streams: readonly StreamResult[];
  readonly planted: readonly PlantedItem[];
  readonly decoys: readonly DecoyItem[];
}

interface Shared {
  readonly ctx: DemoContext;
  readonly o: ResolvedOptions;
  readonly range: TimeRange;
  readonly dirs: DirMaker;
  readonly pool: BufferPool;
  readonly planted: PlantedItem[];
  readonly decoys: DecoyItem[];
}

export async function writeStreams(job: StreamsJob): Promise<StreamsOutcome> {
  const o = job.options;
  const ctx = buildContext(o.seed, o.host, o.profile);
  const range = logRange(o.profile);
  const events = logEvents(ctx, o.profile, range);
  const shared: Shared = { ctx, o, range, dirs: new DirMaker(), pool: new BufferPool(), planted: [], decoys: [] };
  const results: StreamResult[] = [];
  for (const s of demoStreams(ctx)) {
    if (!job.labels.includes(s.label)) continue;
    results.push(await writeStream(s, shared, events.filter((e) => e.stream === s.label)));
  }
  return { streams: results, planted: shared.planted, decoys: shared.decoys };
}

interface MutableTotals {
  files: number;
  bytes: number;
  lines: number;
  oldest: number;
  newest: number;
}

async function writeStream(s: StreamSpec, sh: Shared, events: readonly LogEvent[]): Promise<StreamResult> {
  const { ctx, o, range } = sh;
  const budget = o.sizeBytes * s.share;
  const days = (range.to - range.from) / DAY;
  const hourly = s.rollover === 'hourly' && budget / days > o.maxFileBytes * 0.8;
  const preambleBytes = s.preamble(ctx, range.from).reduce((n, l) => n + l.length + 2, 0);
  const plans = planStream(
    {
      budget,
      range,
      rotation: hourly ? 'hour' : s.rotation,
      forced: events.map((e) => e.time),
      // Real HttpProxy files run from hundreds of kilobytes to megabytes; below 32 KB a
      // stream gets fewer files rather than many tiny ones.
      minFileBytes: Math.max(32_768, preambleBytes * 8),
    },
    Rng.derive(o.seed, `plan:${s.label}`),
  );
  const rng = Rng.derive(o.seed, `noise:${s.label}`);
  const totals: MutableTotals = { files: 0, bytes: 0, lines: 0, oldest: Infinity, newest: -Infinity };
  let ei = 0;
  for (const plan of plans) {
    const mine: LogEvent[] = [];
    while (ei < events.length && events[ei]!.time < plan.end) {
      const e = events[ei++]!;
      if (e.time >= plan.start) mine.push(e);
    }
    writeFilePlan(s, plan, mine, rng, sh, totals);
    await yieldToLoop();
  }
  return {
    label: s.label,
    files: totals.files,
    bytes: totals.bytes,
    lines: totals.lines,
    oldest: Number.isFinite(totals.oldest) ? isoTime(totals.oldest) : null,
    newest: Number.isFinite(totals.newest) ? isoTime(totals.newest) : null,
  };
}

/** Cumulative share of a day's traffic by the end of each hour, to place rows in daily files. */
const DAY_CURVE = ((): number[] => {
  const w = [0.06, 0.05, 0.05, 0.05, 0.05, 0.08, 0.3, 0.7, 1, 1, 1, 1, 0.9, 1, 1, 1, 1, 0.9, 0.6, 0.35, 0.3, 0.25, 0.15, 0.1];
  const total = w.reduce((a, b) => a + b, 0);
  let acc = 0;
  return w.map((x) => (acc += x / total));
})();

/** Offset into the period by which `frac` of the file's rows are written. */
function offsetAt(frac: number, periodLength: number): number {
  if (periodLength <= HOUR) return frac * periodLength;
  let h = 0;
  while (h < 23 && DAY_CURVE[h]! < frac) h++;
  const lo = h === 0 ? 0 : DAY_CURVE[h - 1]!;
  const hi = DAY_CURVE[h]!;
  return (h + (hi > lo ? (frac - lo) / (hi - lo) : 0)) * HOUR;
}

function writeFilePlan(s: StreamSpec, plan: FilePlan, events: readonly LogEvent[], rng: Rng, sh: Shared, totals: MutableTotals): void {
  const { ctx, o } = sh;
  const rel = (seq: number): string => s.fileName(plan.start, seq, plan.hourly);
  let seq = 1;
  let path = rel(seq);
  let w = LogWriter.create(join(o.out, path), sh.dirs, sh.pool);
  let t = plan.start;
  let first = Infinity;
  const close = (): void => {
    w.close(new Date(t));
    totals.files++;
    totals.bytes += w.bytes;
    totals.lines += w.lines;
    totals.oldest = Math.min(totals.oldest, first);
    totals.newest = Math.max(totals.newest, t);
  };
  try {
    for (const l of s.preamble(ctx, plan.start)) w.line(l);
    const payloadTarget = Math.max(plan.budget - w.bytes, 1);
    const span = plan.end - plan.start;
    let restartAt = s.restart && rng.chance(0.15) ? 0.3 + rng.next() * 0.4 : 2;
    let payload = 0;
    let ei = 0;
    const emit = (e: LogEvent): void => {
      const line = e.render(Rng.derive(o.seed, `event:${e.planted?.id ?? e.decoy?.id ?? ''}`));
      if (e.planted) sh.planted.push({ ...e.planted, path, line: w.lines + 1, kind: e.kind, time: isoTime(e.time) });
      if (e.decoy) sh.decoys.push({ ...e.decoy, path, line: w.lines + 1, kind: e.kind });
      w.line(line);
      payload += line.length + 2;
      first = Math.min(first, e.time);
      t = Math.max(t, e.time);
    };
    while (payload < payloadTarget) {
      const frac = payload / payloadTarget;
      let next = plan.start + Math.floor(offsetAt(frac, span)) + rng.int(1500);
      if (next <= t) next = t + rng.int(40);
      t = Math.min(next, plan.end - 1);
      while (ei < events.length && events[ei]!.time <= t) emit(events[ei++]!);
      if (s.restart && frac >= restartAt) {
        for (const l of s.restart(t)) w.line(l);
        restartAt = 2;
      }
      const line = s.noise(rng, ctx, t);
      w.line(line);
      payload += line.length + 2;
      if (first === Infinity) first = t;
      if (s.rollover === 'sequence' && w.bytes >= o.maxFileBytes) {
        close();
        seq++;
        path = rel(seq);
        w = LogWriter.create(join(o.out, path), sh.dirs, sh.pool);
        for (const l of s.preamble(ctx, t)) w.line(l);
      }
    }
    while (ei < events.length) emit(events[ei++]!);
  } finally {
    close();
  }
}

/** Lets timers, signals and I/O callbacks run between files (the writes are synchronous). */
function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
