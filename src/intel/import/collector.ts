/**
 * @module The emitter the format readers talk to during one import: it normalises values,
 * applies the import's defaults, batches items into the store's import session, and keeps the
 * counts, skip reasons and locations of the report.
 */
import type { AddOutcome, ImportSession } from '../../store/index.js';
import type { IndicatorAttrs, IndicatorInput, IndicatorType, ItemLocation, ProvenanceInput } from '../model.js';
import { formatLocation, KEPT_ONLY_TYPES } from '../model.js';
import { inferIndicator, normalizeValue } from '../normalize/index.js';
import { stricterTlp } from '../tlp.js';
import type { Emitter, ImportDefaults, SkipCode } from '../formats/types.js';

/** Skipped items and warnings listed in a report; the counts cover all of them. */
export const MAX_LISTED = 500;
const BATCH = 2000;

export interface ReportEntry {
  readonly code: string;
  readonly message: string;
  /** `file:line`, or `file $.json.path`. */
  readonly location: string;
}

/** What one import did. */
export interface ImportReport {
  /** The input as given (path or URL, credentials removed). */
  readonly input: string;
  readonly format: string | null;
  readonly source: string;
  /** False when the input as a whole failed: then nothing of it was written. */
  readonly ok: boolean;
  readonly error: string | null;
  /** HTTP 304: the feed has not changed since the last update. */
  readonly notModified: boolean;
  /** New indicators. */
  readonly taken: number;
  /** Items whose indicator was already known (from any source, or earlier in this input). */
  readonly merged: number;
  /** Items refused, each with a reason and location (see `skips`). */
  readonly skipped: number;
  /** Of taken + merged: kept but not evaluated by the matcher (YARA rules, STIX patterns). */
  readonly kept: number;
  /** Older versions of objects ignored because a newer version is stored or in the input. */
  readonly superseded: number;
  /** taken + merged per indicator type. */
  readonly byType: Readonly<Record<string, number>>;
  readonly skipReasons: Readonly<Record<string, number>>;
  /** The first {@link MAX_LISTED} skips. */
  readonly skips: readonly ReportEntry[];
  readonly warnings: readonly ReportEntry[];
  readonly durationMs: number;
}

export class Collector implements Emitter {
  readonly #session: ImportSession;
  readonly #defaults: ImportDefaults;
  #batch: IndicatorInput[] = [];
  taken = 0;
  merged = 0;
  skipped = 0;
  kept = 0;
  supersededCount = 0;
  readonly byType: Record<string, number> = {};
  readonly skipReasons: Record<string, number> = {};
  readonly skips: ReportEntry[] = [];
  readonly warnings: ReportEntry[] = [];

  constructor(session: ImportSession, defaults: ImportDefaults = {}) {
    this.#session = session;
    this.#defaults = defaults;
  }

  async indicator(type: IndicatorType, raw: string, at: ItemLocation, provenance: ProvenanceInput, attrs?: IndicatorAttrs | null): Promise<boolean> {
    const n = normalizeValue(type, raw, attrs);
    if (!n.ok) {
      this.skip('invalid-value', n.reason, at);
      return false;
    }
    if (n.warning) this.warn(n.warning, at);
    await this.#add(n.type, n.value, raw, at, provenance, attrs ?? null);
    return true;
  }

  async infer(raw: string, at: ItemLocation, provenance: ProvenanceInput): Promise<boolean> {
    const n = inferIndicator(raw);
    if (n === null) {
      this.skip('not-an-indicator', `no indicator type fits "${raw.trim().slice(0, 80)}"`, at);
      return false;
    }
    if (!n.ok) {
      this.skip('invalid-value', n.reason, at);
      return false;
    }
    if (n.warning) this.warn(n.warning, at);
    await this.#add(n.type, n.value, raw.trim(), at, provenance, null);
    return true;
  }

  skip(code: SkipCode, message: string, at: ItemLocation): void {
    this.skipped++;
    this.skipReasons[code] = (this.skipReasons[code] ?? 0) + 1;
    if (this.skips.length < MAX_LISTED) this.skips.push({ code, message, location: formatLocation(at) });
  }

  warn(message: string, at: ItemLocation): void {
    if (this.warnings.length < 100) this.warnings.push({ code: 'warning', message, location: formatLocation(at) });
  }

  superseded(_at: ItemLocation): void {
    this.supersededCount++;
  }

  async #add(type: IndicatorType, value: string, display: string, _at: ItemLocation, p: ProvenanceInput, attrs: IndicatorAttrs | null): Promise<void> {
    const d = this.#defaults;
    const provenance: ProvenanceInput = {
      ...p,
      tlp: d.tlp ? stricterTlp(p.tlp ?? null, d.tlp) : (p.tlp ?? null),
      confidence: p.confidence ?? d.confidence ?? null,
      tags: d.tags && d.tags.length > 0 ? [...new Set([...(p.tags ?? []), ...d.tags])] : (p.tags ?? []),
    };
    this.#batch.push({ type, value, display: display.length > 4096 ? display.slice(0, 4096) : display, attrs, provenance });
    if (this.#batch.length >= BATCH) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.#batch.length === 0) return;
    const batch = this.#batch;
    this.#batch = [];
    const outcomes: AddOutcome[] = await this.#session.add(batch);
    outcomes.forEach((o, i) => {
      const item = batch[i]!;
      if (o === 'superseded') {
        this.supersededCount++;
        return;
      }
      if (o === 'taken') this.taken++;
      else this.merged++;
      this.byType[item.type] = (this.byType[item.type] ?? 0) + 1;
      if (KEPT_ONLY_TYPES.has(item.type)) this.kept++;
    });
  }
}
