/**
 * @module Event records (kind `event`) as every event source builds them, following the field
 * convention of `src/core/event.ts`, plus the builder that applies the convention's rules in
 * one place (which name wins, how unnamed `Data` are numbered, what `Data` joins).
 *
 * Name collisions: EventData/UserData names are provider-defined (and attacker-controlled in
 * text exports), so they never replace the System fields that identify an event (`EventID`,
 * `Channel`, `Provider_Name`, `Computer`, `EventRecordID`, `TimeCreated`...): such a value stays
 * searchable in `Data` only. `ProcessID`, `ThreadID` and `UserID` are the exception, because
 * Sysmon and Security events carry their own `ProcessId`/`UserID` data that rules mean: both
 * are kept, an exact-case `get` finds each, and a case-insensitive `get` prefers the EventData
 * value. Within EventData and UserData the first occurrence of a name wins.
 */
import { EVENT_SYSTEM_FIELDS } from '../../core/event.js';
import type { Origin } from '../../core/origin.js';
import type { LogRecord } from '../../core/record.js';
import type { XNode } from './nodes.js';

/** System fields EventData may share a name with (see the module doc). */
const SHARED_SYSTEM_FIELDS = new Set(['processid', 'threadid', 'userid']);
const PROTECTED = new Set(EVENT_SYSTEM_FIELDS.map((f) => f.toLowerCase()).filter((f) => !SHARED_SYSTEM_FIELDS.has(f)));

/** Lower-case forms of field names, cached (names repeat in every event of a provider). */
const lowerCache = new Map<string, string>();
function lower(name: string): string {
  let l = lowerCache.get(name);
  if (l === undefined) {
    if (lowerCache.size > 50_000) lowerCache.clear();
    l = name.toLowerCase();
    lowerCache.set(name, l);
  }
  return l;
}

/** Ordered fields of one event (System first, then data, `Message`, `Data`). */
export type EventFields = Map<string, string>;

/** Collects one event's fields in the convention's order and applies its rules. */
export class EventFieldsBuilder {
  readonly #fields: EventFields = new Map();
  readonly #dataNames = new Set<string>();
  readonly #joined: string[] = [];
  #unnamed = 0;
  #message: string | null = null;

  /** A System field (one of `EVENT_SYSTEM_FIELDS`); the first value set wins. */
  system(name: string, value: string): void {
    if (!this.#fields.has(name)) this.#fields.set(name, value);
  }

  /** An `EventData/Data` element: by its `Name`, or `Data1`, `Data2`... when it has none. */
  data(name: string | null, value: string): void {
    this.#add(name === null || name.length === 0 ? `Data${++this.#unnamed}` : name, value);
  }

  /** A leaf element of UserData (or another EventData child such as `Binary`). */
  leaf(name: string, value: string): void {
    this.#add(name, value);
  }

  /** The rendered message (RenderingInfo, JSON exports); it replaces a `Message` data field. */
  message(text: string): void {
    if (this.#message === null) this.#message = text;
  }

  #add(name: string, value: string): void {
    if (value.length > 0) this.#joined.push(value);
    const l = lower(name);
    if (this.#dataNames.has(l) || PROTECTED.has(l) || l === 'data') return;
    this.#dataNames.add(l);
    this.#fields.set(name, value);
  }

  build(): EventFields {
    const out = this.#fields;
    if (this.#message !== null) out.set('Message', this.#message);
    if (this.#joined.length > 0 || this.#dataNames.size > 0) out.set('Data', this.#joined.join(' '));
    return out;
  }
}

/**
 * One event as a record. Field lookup is exact first, then case-insensitive (built on first
 * use, preferring EventData over a System field that differs only in case).
 */
export class EventRecord implements LogRecord {
  readonly kind = 'event' as const;
  readonly origin: Origin;
  readonly time: string | null;
  readonly #fields: EventFields;
  #lower: Map<string, string> | null = null;
  /** The parsed Binary XML of an EVTX record, for `renderXml`; null for text exports. */
  readonly doc: readonly XNode[] | null;

  constructor(origin: Origin, time: string | null, fields: EventFields, doc: readonly XNode[] | null = null) {
    this.origin = origin;
    this.time = time;
    this.#fields = fields;
    this.doc = doc;
  }

  get(name: string): string | undefined {
    const exact = this.#fields.get(name);
    if (exact !== undefined) return exact;
    if (this.#lower === null) {
      const map = new Map<string, string>();
      // System fields come first; a later data name of another spelling (ProcessId after
      // ProcessID) replaces it here.
      for (const [k, v] of this.#fields) map.set(lower(k), v);
      this.#lower = map;
    }
    return this.#lower.get(lower(name));
  }

  fields(): Record<string, string> {
    return Object.fromEntries(this.#fields);
  }
}
