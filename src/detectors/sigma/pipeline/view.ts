/**
 * @module A record as one log source's Sigma rules see it: Sigma field names resolved through
 * that log source's field mappings, values computed once per record and cached (rules ask for
 * `CommandLine` a thousand times per event), lower-cased copies for case-insensitive matching,
 * and every field value for keyword searches.
 *
 * A field may have several values (`cs-user-agent` as written with `+` and with spaces; the
 * `Data` pseudo-field as each event data value and all of them joined): a test matches when any
 * value does.
 */
import { EVENT_SYSTEM_FIELDS } from '../../../core/event.js';
import type { LogRecord } from '../../../core/record.js';
import type { FieldSpec } from './schema.js';

const SYSTEM = new Set([...EVENT_SYSTEM_FIELDS, 'Message', 'Data'].map((f) => f.toLowerCase()));

interface Entry {
  readonly values: readonly string[] | undefined;
  lower?: readonly string[] | undefined;
  readonly nullish: boolean;
}

export class RecordView {
  readonly record: LogRecord;
  readonly routeId: string;
  readonly #fields: ReadonlyMap<string, FieldSpec>;
  readonly #cache = new Map<string, Entry>();
  #all: readonly string[] | undefined;
  #spacedIndex: Map<string, string> | undefined;
  #allLower: readonly string[] | undefined;

  /** `fields`: Sigma field name (lower-case) → spec. */
  constructor(record: LogRecord, routeId: string, fields: ReadonlyMap<string, FieldSpec>) {
    this.record = record;
    this.routeId = routeId;
    this.#fields = fields;
  }

  /** Values of a Sigma field, or undefined when the record does not have it. */
  values(field: string): readonly string[] | undefined {
    return this.#entry(field).values;
  }

  /** Lower-cased values (cached). */
  lower(field: string): readonly string[] | undefined {
    const e = this.#entry(field);
    if (e.lower === undefined && e.values !== undefined) e.lower = e.values.map((v) => v.toLowerCase());
    return e.lower;
  }

  /** True when the field is absent or empty (Sigma `null`). */
  isNull(field: string): boolean {
    return this.#entry(field).nullish;
  }

  /** Every field value of the record, for keyword searches. */
  all(): readonly string[] {
    if (this.#all === undefined) {
      const out = Object.values(this.record.fields()).filter((v) => v !== '');
      // Values the log source builds (IIS stem + query, user agents with spaces) are searched too.
      for (const [name, spec] of this.#fields) {
        if (typeof spec === 'object' && !Array.isArray(spec) && ('join' in spec || 'alternatives' in spec)) {
          for (const v of this.values(name) ?? []) if (v !== '' && !out.includes(v)) out.push(v);
        }
      }
      this.#all = out;
    }
    return this.#all;
  }

  allLower(): readonly string[] {
    if (this.#allLower === undefined) this.#allLower = this.all().map((v) => v.toLowerCase());
    return this.#allLower;
  }

  #entry(field: string): Entry {
    // Rules spell a field the same way almost always: look up the spelling first, and only
    // fold case on a miss.
    let e = this.#cache.get(field);
    if (e === undefined) {
      const key = field.toLowerCase();
      e = this.#cache.get(key);
      if (e === undefined) {
        e = this.#resolve(key, field);
        this.#cache.set(key, e);
      }
      this.#cache.set(field, e);
    }
    return e;
  }

  /**
   * Fields whose names contain spaces (`Threat Name` in Defender events), found by the name with
   * the spaces stripped, as the specification asks rules to write them (`ThreatName`).
   */
  #spaced(key: string): string | undefined {
    if (this.#spacedIndex === undefined) {
      this.#spacedIndex = new Map();
      for (const [k, v] of Object.entries(this.record.fields())) {
        if (k.includes(' ')) this.#spacedIndex.set(k.replace(/ /g, '').toLowerCase(), v);
      }
    }
    return this.#spacedIndex.get(key);
  }

  #resolve(key: string, field: string): Entry {
    const spec = this.#fields.get(key);
    const r = this.record;
    if (spec === undefined) return plain(r.get(field) ?? this.#spaced(key));
    if (typeof spec === 'string') return plain(r.get(spec) ?? this.#spaced(spec.toLowerCase()));
    if (Array.isArray(spec)) {
      for (const f of spec) {
        const v = r.get(f);
        if (v !== undefined) return plain(v);
      }
      return plain(undefined);
    }
    if ('join' in spec) {
      const parts: string[] = [];
      let any = false;
      for (const f of spec.join) {
        const v = r.get(f);
        if (v !== undefined) any = true;
        if (v === undefined || (spec.skipEmpty && v === '')) continue;
        parts.push(v);
      }
      if (!any) return plain(undefined);
      const value = parts.join(spec.separator);
      const nullish = spec.nullWhenEmpty !== undefined ? (r.get(spec.nullWhenEmpty) ?? '') === '' : value === '';
      return { values: [value], nullish };
    }
    if ('alternatives' in spec) {
      const v = r.get(spec.field);
      if (v === undefined) return plain(undefined);
      const out = [v];
      for (const a of spec.alternatives) {
        const alt = v.split(a.replace).join(a.with);
        if (!out.includes(alt)) out.push(alt);
      }
      return { values: out, nullish: v === '' };
    }
    if ('extension' in spec) {
      const v = r.get(spec.extension);
      if (v === undefined) return plain(undefined);
      const path = v.split(/[?#]/)[0] ?? '';
      const name = path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
      const dot = name.lastIndexOf('.');
      return plain(dot > 0 ? name.slice(dot + 1) : '');
    }
    // eventData: each event data value, and all of them joined.
    const data: string[] = [];
    for (const [k, v] of Object.entries(r.fields())) if (!SYSTEM.has(k.toLowerCase()) && v !== '') data.push(v);
    const joined = r.get('Data') ?? data.join(' ');
    if (data.length === 0 && joined === '') return plain(r.get('Data'));
    return { values: [joined, ...data.filter((d) => d !== joined)], nullish: joined === '' };
  }
}

function plain(v: string | undefined): Entry {
  return { values: v === undefined ? undefined : [v], nullish: v === undefined || v === '' };
}
