/**
 * @module Checking and defaulting `DemoOptions`. The resolved form is plain data, so it can be
 * handed to worker threads as is.
 */
import { UsageError } from '../core/errors.js';
import type { DemoOptions, DemoProfile } from './types.js';
import { isDemoProfile } from './types.js';

export const DEFAULT_SIZE_BYTES = 20_000_000;
export const DEFAULT_SEED = 2021;
export const DEFAULT_MAX_FILE_BYTES = 100_000_000;

export interface ResolvedOptions {
  readonly out: string;
  readonly profile: DemoProfile;
  readonly sizeBytes: number;
  readonly seed: string;
  readonly host: string;
  readonly force: boolean;
  readonly maxFileBytes: number;
  /** Worker threads; 0 = choose from the size and the machine. */
  readonly threads: number;
}

/** Throws UsageError for a bad profile, size, host or file cap. */
export function resolveOptions(o: DemoOptions): ResolvedOptions {
  const profile: string = o.profile ?? 'compromised';
  if (!isDemoProfile(profile)) throw new UsageError(`unknown demo profile '${profile}' (compromised, attempted, clean, no-history)`);
  const sizeBytes = o.sizeBytes ?? DEFAULT_SIZE_BYTES;
  if (!Number.isFinite(sizeBytes) || sizeBytes < 0) throw new UsageError(`demo size must be a non-negative number of bytes, got ${sizeBytes}`);
  const host = o.host ?? 'EXCH01';
  if (!/^[A-Za-z0-9][A-Za-z0-9-]{0,14}$/.test(host)) throw new UsageError(`demo host must be a NetBIOS name (letters, digits, '-', at most 15), got '${host}'`);
  const maxFileBytes = o.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  if (!(maxFileBytes >= 16_000)) throw new UsageError(`maxFileBytes must be at least 16000, got ${maxFileBytes}`);
  if (typeof o.out !== 'string' || o.out === '') throw new UsageError('demo output folder is required');
  const threads = o.threads ?? 0;
  if (!Number.isInteger(threads) || threads < 0 || threads > 64) throw new UsageError(`threads must be an integer from 0 to 64, got ${threads}`);
  return { out: o.out, profile, sizeBytes, seed: String(o.seed ?? DEFAULT_SEED), host, force: o.force ?? false, maxFileBytes, threads };
}

export function isResolvedOptions(v: unknown): v is ResolvedOptions {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return (
    typeof r.out === 'string' &&
    typeof r.profile === 'string' &&
    isDemoProfile(r.profile) &&
    typeof r.sizeBytes === 'number' &&
    typeof r.seed === 'string' &&
    typeof r.host === 'string' &&
    typeof r.force === 'boolean' &&
    typeof r.maxFileBytes === 'number' &&
    typeof r.threads === 'number'
  );
}
