/**
 * @module The engine contract the compiler and scanner use. `engine-native.ts` implements it
 * over the YARA-X binding, `engine-command.ts` over the `yara` command; `engines.ts` picks one.
 */
import type { EngineInfo } from './loader.js';
import { isRecord } from './loader.js';
import type { MetaValue } from './rule-text.js';
import { EXTERNALS } from './rule-class.js';

/** External variable values for one scan (every declared name, empty when unknown). */
export type Externals = Readonly<Record<string, string>>;

export interface RawString {
  /** Pattern identifier, e.g. `$x1`. */
  readonly id: string;
  readonly offset: number;
  readonly length: number;
  /** Matched bytes as text (lossy for binary data; the engine's rendering). */
  readonly data: string;
}

/** One matching rule as an engine reports it. */
export interface RawMatch {
  readonly namespace: string;
  readonly rule: string;
  readonly tags: readonly string[];
  readonly meta: Readonly<Record<string, MetaValue>>;
  readonly strings: readonly RawString[];
}

/** A piece of rule text compiled under its own namespace. */
export interface UnitSource {
  readonly namespace: string;
  readonly text: string;
}

/** A compile error, located relative to the unit's text (line 1 = its first line). */
export interface EngineIssue {
  readonly line: number | null;
  readonly column: number | null;
  /** Engine error code (`E009` in YARA-X), or `error` when the engine gives none. */
  readonly code: string;
  readonly reason: string;
}

export interface ScanLimits {
  /** Per-scan time limit. YARA-X checks it about once a second; the command takes whole seconds. */
  readonly timeoutMs: number;
  /** Matches kept per pattern (conditions that count beyond it see this many). */
  readonly maxMatchesPerPattern: number;
}

/** Compiled rules, ready to scan. Not safe to share between threads. */
export interface ScanSet {
  /** Throws `YaraTimeoutError` past the time limit, Error on other engine failures. */
  scan(data: Buffer, externals: Externals): RawMatch[];
  /** Scans a file on disk (the command engine avoids a copy); same throws as `scan`. */
  scanPath(path: string, externals: Externals): RawMatch[];
  /**
   * Scans each item separately (log lines); one result list per item. An item whose scan fails
   * is reported to `onError` (with its index) and has no matches; the others still count.
   */
  scanEach(items: readonly Buffer[], externals: Externals, onError: (index: number, error: unknown) => void): RawMatch[][];
  close(): void;
  /** The compiled rules in the engine's serialised form, when it has one (for the disk cache). */
  serialize?(): Buffer;
}

export interface YaraEngine {
  readonly info: EngineInfo;
  /** Errors of one unit compiled alone with the externals declared; empty when it compiles. */
  check(unit: UnitSource): EngineIssue[];
  /** Compiles units together (one namespace each). Throws Error when they do not compile. */
  build(units: readonly UnitSource[], limits: ScanLimits): ScanSet;
  /** Loads rules from `ScanSet.serialize` output (engines without a serialised form omit it). */
  load?(blob: Buffer, limits: ScanLimits): ScanSet;
  /** Identifies the engine and version in cache keys. */
  readonly cacheId?: string;
}

export class YaraTimeoutError extends Error {}

/** Declared externals with empty values (strings, as Loki declares them). */
export const EMPTY_EXTERNALS: Externals = Object.fromEntries(EXTERNALS.map((n) => [n, '']));

/**
 * Splits a YARA-X diagnostic ("error[E009]: unknown identifier `foo`\n --> line:5:10 ... ^^^ label")
 * into line, column and a one-line reason.
 */
export function parseYaraXMessage(message: string): Omit<EngineIssue, 'code'> {
  const lines = message.split('\n');
  const head = (lines[0] ?? '').replace(/^(error|warning)\[[^\]]*\]:\s*/, '').trim();
  const at = /-->\s*[^\n]*?:(\d+):(\d+)/.exec(message);
  const labels = lines.map((l) => /^\s*\|\s*[\^-]+\s+(.+)$/.exec(l)?.[1]?.trim()).filter((x): x is string => !!x);
  const reason = labels.length > 0 && !head.includes(labels[0] ?? '') ? `${head}: ${labels.join('; ')}` : head;
  return { line: at ? Number(at[1]) : null, column: at ? Number(at[2]) : null, reason: reason || message.trim() };
}

/** Narrows the binding's scan result (typed loosely) into RawMatch values. */
export function toRawMatches(result: unknown): RawMatch[] {
  if (!Array.isArray(result)) return [];
  const out: RawMatch[] = [];
  for (const r of result as unknown[]) {
    if (!isRecord(r) || typeof r.ruleIdentifier !== 'string') continue;
    const meta: Record<string, MetaValue> = {};
    if (isRecord(r.meta)) {
      for (const [k, v] of Object.entries(r.meta)) if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') meta[k] = v;
    }
    const strings: RawString[] = [];
    if (Array.isArray(r.matches)) {
      for (const m of r.matches as unknown[]) {
        if (!isRecord(m)) continue;
        strings.push({
          id: typeof m.identifier === 'string' ? m.identifier : '$',
          offset: typeof m.offset === 'number' ? m.offset : 0,
          length: typeof m.length === 'number' ? m.length : 0,
          data: typeof m.data === 'string' ? m.data : '',
        });
      }
    }
    out.push({
      namespace: typeof r.namespace === 'string' ? r.namespace : 'default',
      rule: r.ruleIdentifier,
      tags: Array.isArray(r.tags) ? (r.tags as unknown[]).filter((t): t is string => typeof t === 'string') : [],
      meta,
      strings,
    });
  }
  return out;
}
