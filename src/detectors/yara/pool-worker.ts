/**
 * @module Worker thread of `YaraPool`: loads the serialised text and binary rule sets it is given
 * and answers scan requests with the same `YaraScanner.scanFile` the main thread would run.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Diagnostic } from '../../core/diagnostic.js';
import type { CompiledYara, RuleFacts } from './compile.js';
import type { ScanLimits, ScanSet } from './engine.js';
import { nativeEngine } from './engine-native.js';
import { loadBinding } from './loader.js';
import type { Hit } from '../../core/finding.js';
import type { YaraFileInput, YaraScanStats } from './scan.js';
import { YaraScanner } from './scan.js';

export interface WorkerInit {
  readonly text: Uint8Array | null;
  readonly binary: Uint8Array | null;
  readonly facts: readonly (readonly [string, RuleFacts])[];
  readonly externalsUsed: readonly string[];
  readonly limits: ScanLimits;
  readonly maxFileBytes: number;
  readonly report: CompiledYara['report'];
}

export interface WorkerRequest {
  readonly id: number;
  readonly input: YaraFileInput;
}

export type WorkerReply =
  | { readonly type: 'result'; readonly id: number; readonly hits: Hit[]; readonly diagnostics: Diagnostic[]; readonly stats: YaraScanStats }
  | { readonly type: 'ready' }
  | { readonly type: 'failed'; readonly message: string };

function start(): void {
  const port = parentPort;
  if (!port) return;
  const init = workerData as WorkerInit;
  try {
    const { binding, info } = loadBinding();
    if (!binding) throw new Error(info.detail);
    const engine = nativeEngine(binding, info);
    const load = (b: Uint8Array | null): ScanSet | null => {
      if (!b || !engine.load) return null;
      return engine.load(Buffer.from(b.buffer, b.byteOffset, b.length), init.limits);
    };
    const compiled: CompiledYara = {
      report: init.report,
      text: load(init.text),
      binary: load(init.binary),
      logs: null,
      logGate: null,
      lineLiterals: [],
      facts: new Map(init.facts),
      externalsUsed: new Set(init.externalsUsed),
      limits: init.limits,
      close: () => undefined,
    };
    let diagnostics: Diagnostic[] = [];
    const scanner = new YaraScanner(compiled, { maxFileBytes: init.maxFileBytes, onDiagnostic: (d) => diagnostics.push(d) });
    port.on('message', (req: WorkerRequest) => {
      diagnostics = [];
      const before = { ...scanner.stats };
      const hits = scanner.scanFile(req.input);
      const stats = { ...scanner.stats };
      for (const k of Object.keys(stats) as (keyof YaraScanStats)[]) stats[k] -= before[k];
      port.postMessage({ type: 'result', id: req.id, hits, diagnostics, stats } satisfies WorkerReply);
    });
    port.postMessage({ type: 'ready' } satisfies WorkerReply);
  } catch (e) {
    port.postMessage({ type: 'failed', message: e instanceof Error ? e.message : String(e) } satisfies WorkerReply);
  }
}

start();
