/**
 * @module A disk cache of compiled rule sets (YARA-X only): the whole of signature-base takes
 * several CPU seconds to compile but about a second to load from its serialised form. An entry
 * is keyed by a SHA-256 over the engine and version, the set and every namespace and rule text
 * that went into it, so any change to the rules or the engine misses. Entries are written
 * atomically (temp file + rename) and checked against their own SHA-256 when read; any problem
 * reading or writing is a cache miss, never an error.
 *
 * Location: `EXHUNT_YARA_CACHE` (a folder, or `off`), else `$XDG_CACHE_HOME/exhunt/yara`,
 * `~/.cache/exhunt/yara`, or `%LOCALAPPDATA%\exhunt\cache\yara` on Windows.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { EngineIssue } from './engine.js';

/** What a cached set needs besides the compiled rules to report the same as a fresh compile. */
export interface CacheMeta {
  readonly rules: number;
  /** Units that did not compile, with their issues (relative lines, as the engine reported). */
  readonly failed: readonly { readonly namespace: string; readonly issues: readonly EngineIssue[] }[];
  /** Units left out of this set only (their subset did not compile), with the first issue. */
  readonly dropped: readonly { readonly namespace: string; readonly issue: EngineIssue }[];
}

interface Stored extends CacheMeta {
  readonly format: 1;
  readonly sha256: string;
}

export class RuleCache {
  readonly dir: string | null;

  constructor(dir: string | null) {
    this.dir = dir;
  }

  /** The cache at the configured location (see module doc), or a disabled one. */
  static fromEnv(env: NodeJS.ProcessEnv = process.env): RuleCache {
    const v = env.EXHUNT_YARA_CACHE;
    if (v === 'off' || v === '0') return new RuleCache(null);
    if (v) return new RuleCache(v);
    if (process.platform === 'win32' && env.LOCALAPPDATA) return new RuleCache(join(env.LOCALAPPDATA, 'exhunt', 'cache', 'yara'));
    const base = env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
    return new RuleCache(join(base, 'exhunt', 'yara'));
  }

  static key(parts: readonly string[]): string {
    const h = createHash('sha256');
    for (const p of parts) h.update(`${p.length}:`).update(p);
    return h.digest('hex');
  }

  get(key: string): { blob: Buffer; meta: CacheMeta } | null {
    if (!this.dir) return null;
    try {
      const stored = JSON.parse(readFileSync(join(this.dir, `${key}.json`), 'utf8')) as Stored;
      if (stored.format !== 1) return null;
      const blob = readFileSync(join(this.dir, `${key}.yarx`));
      if (createHash('sha256').update(blob).digest('hex') !== stored.sha256) return null;
      return { blob, meta: { rules: stored.rules, failed: stored.failed, dropped: stored.dropped } };
    } catch {
      return null;
    }
  }

  put(key: string, blob: Buffer, meta: CacheMeta): void {
    if (!this.dir) return;
    try {
      mkdirSync(this.dir, { recursive: true });
      const stored: Stored = { format: 1, sha256: createHash('sha256').update(blob).digest('hex'), ...meta };
      const tmp = `.${key}.${process.pid}.tmp`;
      writeFileSync(join(this.dir, tmp), blob);
      renameSync(join(this.dir, tmp), join(this.dir, `${key}.yarx`));
      writeFileSync(join(this.dir, tmp), JSON.stringify(stored));
      renameSync(join(this.dir, tmp), join(this.dir, `${key}.json`));
      this.#prune();
    } catch {
      // A cache that cannot be written is only slower.
    }
  }

  /** Keeps the newest `MAX_ENTRIES` entries (rule sets change; old ones are never used again). */
  #prune(): void {
    if (!this.dir) return;
    const dir = this.dir;
    const entries = readdirSync(dir)
      .filter((f) => f.endsWith('.yarx'))
      .map((f) => ({ key: f.slice(0, -5), mtime: statSync(join(dir, f)).mtimeMs }))
      .sort((a, b) => b.mtime - a.mtime);
    for (const e of entries.slice(MAX_ENTRIES)) {
      rmSync(join(dir, `${e.key}.yarx`), { force: true });
      rmSync(join(dir, `${e.key}.json`), { force: true });
    }
  }
}

const MAX_ENTRIES = 24;
