/**
 * @module Routing: which log sources a record belongs to (decided once per record, before any
 * rule is evaluated) and which log sources a rule's `logsource` fits.
 *
 * A rule fits a log source when every attribute it names (category, product, service) is
 * declared by the log source with the same value; a record belongs to a log source when its
 * kind is the source's kind and its fields have the values `where` asks for. A detector is only
 * evaluated on records that belong to one of the log sources its rule fits, through the field
 * mapping of the first such log source.
 */
import type { RecordKind } from '../../../core/origin.js';
import type { LogRecord } from '../../../core/record.js';
import type { LogSource } from '../rule/types.js';
import type { PipelineEntry } from './load.js';
import type { FieldSpec } from './schema.js';
import { RecordView } from './view.js';

export interface Route {
  readonly index: number;
  readonly id: string;
  readonly file: string;
  readonly sigma: LogSource;
  readonly kind: RecordKind;
  /** Lower-case Sigma field name → spec. */
  readonly fields: ReadonlyMap<string, FieldSpec>;
  readonly test: (r: LogRecord) => boolean;
}

interface KindIndex {
  readonly byChannel: Map<string, Route[]>;
  readonly other: Route[];
}

/**
 * What a router knows about one record: the log sources it belongs to and its views. Made for
 * every record a Sigma rule is asked about, so it holds no more than those: a record belongs to
 * one or two log sources of the dozens the pipelines declare.
 */
export class RoutedRecord {
  readonly record: LogRecord;
  /** Indices of the log sources the record belongs to, and their views once made (same order). */
  readonly #member: readonly number[];
  readonly #views: (RecordView | undefined)[] = [];
  readonly #routes: readonly Route[];

  constructor(record: LogRecord, routes: readonly Route[], member: readonly number[]) {
    this.record = record;
    this.#routes = routes;
    this.#member = member;
  }

  belongs(route: number): boolean {
    return this.#member.includes(route);
  }

  view(route: number): RecordView {
    const at = this.#member.indexOf(route);
    let v = at === -1 ? undefined : this.#views[at];
    if (v === undefined) {
      const r = this.#routes[route]!;
      v = new RecordView(this.record, r.id, r.fields);
      if (at !== -1) this.#views[at] = v;
    }
    return v;
  }
}

export class Router {
  readonly routes: readonly Route[];
  readonly #index = new Map<RecordKind, KindIndex>();
  #last: LogRecord | null = null;
  #lastState: RoutedRecord | null = null;

  constructor(entries: readonly PipelineEntry[]) {
    this.routes = entries.map((e, index) => compileRoute(e, index));
    for (const r of this.routes) {
      let k = this.#index.get(r.kind);
      if (!k) this.#index.set(r.kind, (k = { byChannel: new Map(), other: [] }));
      const ch = channelOf(r);
      if (ch === null) k.other.push(r);
      else for (const c of ch) k.byChannel.set(c, [...(k.byChannel.get(c) ?? []), r]);
    }
  }

  /** Indices of the log sources a rule's logsource fits, in pipeline order. */
  routesFor(ls: LogSource): number[] {
    const keys = (['category', 'product', 'service'] as const).filter((k) => ls[k] !== undefined);
    if (keys.length === 0) return [];
    return this.routes.filter((r) => keys.every((k) => r.sigma[k] === ls[k])).map((r) => r.index);
  }

  /**
   * The routing state of a record. The engine asks every detector about one record before the
   * next, so the last answer is kept: routing runs once per record, not once per rule.
   */
  route(record: LogRecord): RoutedRecord {
    if (record === this.#last && this.#lastState) return this.#lastState;
    const member: number[] = [];
    const k = this.#index.get(record.kind);
    if (k) {
      const ch = k.byChannel.size ? record.get('Channel')?.toLowerCase() : undefined;
      const byChannel = ch !== undefined ? k.byChannel.get(ch) : undefined;
      if (byChannel) for (const r of byChannel) if (r.test(record)) member.push(r.index);
      for (const r of k.other) if (r.test(record)) member.push(r.index);
    }
    const state = new RoutedRecord(record, this.routes, member);
    this.#last = record;
    this.#lastState = state;
    return state;
  }
}

function channelOf(r: Route & { readonly channels?: readonly string[] }): readonly string[] | null {
  return r.channels ?? null;
}

function compileRoute(e: PipelineEntry, index: number): Route & { readonly channels?: readonly string[] } {
  const conds = Object.entries(e.where).map(([field, v]) => {
    const list = (Array.isArray(v) ? v : [v]).map((x) => String(x).toLowerCase());
    const numbers = list.map((x) => (/^-?\d+$/.test(x) ? Number(x) : NaN));
    return { field, list, numbers };
  });
  const channel = conds.find((c) => c.field.toLowerCase() === 'channel');
  const test = (rec: LogRecord): boolean =>
    conds.every((c) => {
      const v = rec.get(c.field);
      if (v === undefined) return false;
      const lv = v.trim().toLowerCase();
      if (c.list.includes(lv)) return true;
      const n = /^-?\d+$/.test(lv) ? Number(lv) : NaN;
      return !Number.isNaN(n) && c.numbers.includes(n);
    });
  const fields = new Map(Object.entries(e.fields).map(([k, v]) => [k.toLowerCase(), v]));
  const sigma: { category?: string; product?: string; service?: string } = {};
  for (const k of ['category', 'product', 'service'] as const) {
    const v = e.sigma[k];
    if (v !== undefined) sigma[k] = v.toLowerCase();
  }
  return { index, id: e.id, file: e.file, sigma, kind: e.kind, fields, test, ...(channel ? { channels: channel.list } : {}) };
}
