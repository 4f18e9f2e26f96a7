/**
 * @module Conformance suite for the Sink contract (`src/core/sink.ts`), run by every sink's test
 * so that they all agree on call order and on what a call out of order does.
 *
 * Checked: begin → write → close works; close with no findings works; begin may be skipped;
 * `write` and a second `close` after close reject with {@link SinkClosedError} (never silently
 * ignored: a finding that arrives after the report was written would be missing from it).
 *
 * Usage, in `<name>.test.ts`:
 *
 *     runSinkConformance('jsonl', ({ dir }) => jsonlSink({ path: join(dir, 'f.jsonl') }));
 *
 * A sink may skip a named case with a reason: `{ skip: { 'close twice': 'why' } }`.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Sink } from '../core/sink.js';
import { SinkClosedError } from './lifecycle.js';
import { ecpVdirFinding, RUN, ssrfFinding, summaryFor, webShellFinding } from './testing.js';

export interface ConformanceContext {
  /** A fresh empty folder for this case, removed afterwards. */
  readonly dir: string;
}

export type MakeSink = (ctx: ConformanceContext) => Sink | Promise<Sink>;

export const CONFORMANCE_CASES = [
  'has a name',
  'begin, write, close',
  'close without findings',
  'begin is optional',
  'write after close rejects',
  'close twice rejects',
] as const;
export type ConformanceCase = (typeof CONFORMANCE_CASES)[number];

export interface ConformanceOptions {
  /** Cases to skip, each with the reason (printed as the skip message). */
  readonly skip?: Partial<Record<ConformanceCase, string>>;
}

async function withSink(makeSink: MakeSink, body: (sink: Sink, ctx: ConformanceContext) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'exhunt-sink-conf-'));
  try {
    await body(await makeSink({ dir }), { dir });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function runSinkConformance(name: string, makeSink: MakeSink, options: ConformanceOptions = {}): void {
  const findings = [ssrfFinding(), ecpVdirFinding(), webShellFinding()];
  const summary = summaryFor(findings);
  const emptySummary = summaryFor([], { hosts: [] });

  const cases: Record<ConformanceCase, (sink: Sink) => Promise<void>> = {
    'has a name': async (sink) => {
      assert.equal(typeof sink.name, 'string');
      assert.ok(sink.name.length > 0);
      await sink.close?.(emptySummary, []);
    },
    'begin, write, close': async (sink) => {
      await sink.begin?.(RUN);
      for (const f of findings) await sink.write(f);
      await sink.close?.(summary, findings);
    },
    'close without findings': async (sink) => {
      await sink.begin?.(RUN);
      await sink.close?.(emptySummary, []);
    },
    'begin is optional': async (sink) => {
      await sink.write(findings[0]!);
      await sink.close?.(summaryFor([findings[0]!]), [findings[0]!]);
    },
    'write after close rejects': async (sink) => {
      await sink.begin?.(RUN);
      await sink.close?.(emptySummary, []);
      // Wrapped in an async function so a synchronous throw and a rejection both count.
      await assert.rejects(async () => sink.write(findings[0]!), SinkClosedError);
      await assert.rejects(async () => sink.write(findings[1]!), SinkClosedError);
    },
    'close twice rejects': async (sink) => {
      if (!sink.close) return;
      await sink.begin?.(RUN);
      await sink.close(emptySummary, []);
      await assert.rejects(async () => sink.close?.(emptySummary, []), SinkClosedError);
    },
  };

  void describe(`${name} sink: conformance`, () => {
    for (const c of CONFORMANCE_CASES) {
      const reason = options.skip?.[c];
      void test(c, reason ? { skip: reason } : {}, () => withSink(makeSink, (sink) => cases[c](sink)));
    }
  });
}
