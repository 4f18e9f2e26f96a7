/**
 * @module Opens a PATH argument as an input tree; the empty PATH is the live host (Windows).
 */
import type { DiagnosticSink } from '../core/diagnostic.js';
import { openInput, openLiveHostTree } from '../inputs/index.js';
import type { InputTree } from '../inputs/tree.js';

export interface OpenOptions {
  readonly onDiagnostic: DiagnosticSink;
  readonly zip?: { readonly maxTotalBytes?: number; readonly maxRatio?: number };
}

export function openScanInput(input: string, options: OpenOptions): Promise<InputTree> {
  if (input === '') return openLiveHostTree({ onDiagnostic: options.onDiagnostic });
  return openInput(input, { onDiagnostic: options.onDiagnostic, ...(options.zip ?? {}) });
}
