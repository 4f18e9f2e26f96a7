/**
 * @module A Sigma correlation rule as a stateful consumer of base-rule hits.
 *
 * The engine feeds it every hit of the rules it refers to, in time order, with the record the
 * hit came from (group-by and condition fields are read from it through the base rule's field
 * mapping and the correlation's aliases). It answers with the correlation hits that became true.
 * `finish()` closes the windows still open.
 *
 * Windows: conditions that can only become true with more events (`gt`, `gte` on counts and
 * sums) fire as soon as they hold over the events of the last `timespan`, and the group starts
 * afresh. Other conditions (`lt`, `lte`, `eq`, `neq`, averages, percentiles) are judged when a
 * window closes; a window starts at a group's first event and lasts `timespan`.
 *
 * Memory is bounded: at most `maxGroups` groups (the least recently active is dropped) and
 * `maxEventsPerGroup` events per group (the oldest are dropped); `stats()` counts both.
 * Hits without a time, or without a value for a group-by field, are not counted.
 */
import type { Hit } from '../../../core/finding.js';
import type { LogRecord } from '../../../core/record.js';
import { capEvidence, cvesOf, outcomeOf, referencesOf, ruleEvidence, ruleIdOf, severityOf, stageOf, techniquesOf } from '../hit.js';
import type { SigmaCorrelation } from '../rule/types.js';
import type { WindowEvent } from './window.js';
import { holds, isMonotone, measure, percentileMatches } from './window.js';

/** Reads a Sigma field of the record a base rule matched, through that rule's mapping. */
export type FieldReader = (record: LogRecord, field: string) => string | undefined;

/** One entry of a correlation's `rules`: a detection rule or another correlation. */
export type CorrelationRef =
  | { readonly kind: 'rule'; readonly ruleId: string; readonly names: readonly string[]; readonly read: FieldReader; readonly tags: readonly string[] }
  | { readonly kind: 'correlation'; readonly correlator: SigmaCorrelator; readonly names: readonly string[] };

export interface CorrelatorLimits {
  readonly maxGroups: number;
  readonly maxEventsPerGroup: number;
}

export const DEFAULT_LIMITS: CorrelatorLimits = { maxGroups: 10_000, maxEventsPerGroup: 1_000 };

interface Group {
  readonly key: string;
  readonly values: readonly string[];
  events: WindowEvent[];
  lastHit: Hit;
  start: number;
}

interface Incoming {
  readonly ref: number;
  readonly time: number;
  readonly hit: Hit;
  readonly get: (field: string) => string | undefined;
}

export interface CorrelatorStats {
  readonly groups: number;
  readonly evictedGroups: number;
  readonly droppedEvents: number;
  readonly skipped: number;
}

export class SigmaCorrelator {
  readonly id: string;
  readonly rule: SigmaCorrelation;
  readonly refs: readonly CorrelationRef[];
  /** Detection rule ids whose hits this correlator (or one it builds on) consumes. */
  readonly ruleIds: ReadonlySet<string>;
  readonly #limits: CorrelatorLimits;
  readonly #license: string;
  readonly #file: string;
  readonly #groups = new Map<string, Group>();
  readonly #monotone: boolean;
  readonly #tags: readonly string[];
  #evicted = 0;
  #dropped = 0;
  #skipped = 0;
  #fed = 0;
  #watermark = -Infinity;

  constructor(rule: SigmaCorrelation, refs: readonly CorrelationRef[], license: string, file: string, limits: CorrelatorLimits = DEFAULT_LIMITS) {
    this.rule = rule;
    this.id = ruleIdOf(rule);
    this.refs = refs;
    this.#limits = limits;
    this.#license = license;
    this.#file = file;
    const ids = new Set<string>();
    for (const r of refs) {
      if (r.kind === 'rule') ids.add(r.ruleId);
      else r.correlator.ruleIds.forEach((x) => ids.add(x));
    }
    this.ruleIds = ids;
    const ops = rule.condition?.ops ?? [{ op: 'gte' as const, value: refs.length }];
    this.#monotone = isMonotone(rule.type, ops);
    // Tags of the correlation, or of the rules it correlates when it has none of its own.
    this.#tags = rule.tags.length ? rule.tags : [...new Set(refs.flatMap((r) => (r.kind === 'rule' ? r.tags : [])))];
  }

  /** Whether hits of this detection rule id are wanted. */
  accepts(ruleId: string): boolean {
    return this.ruleIds.has(ruleId);
  }

  /** Feeds one base-rule hit; returns the correlation hits it completes. */
  feed(hit: Hit, record: LogRecord): Hit[] {
    const out: Hit[] = [];
    const time = hit.time === null ? NaN : Date.parse(hit.time);
    this.refs.forEach((r, i) => {
      if (r.kind === 'rule') {
        if (r.ruleId !== hit.ruleId) return;
        if (Number.isNaN(time)) {
          this.#skipped++;
          return;
        }
        out.push(...this.#event({ ref: i, time, hit, get: (f) => r.read(record, f) }));
      } else if (r.correlator.accepts(hit.ruleId)) {
        for (const h of r.correlator.feed(hit, record)) out.push(...this.#fromNested(i, h));
      }
    });
    return out;
  }

  /** Closes every open window (end of input); returns the hits they produce. */
  finish(): Hit[] {
    const out: Hit[] = [];
    this.refs.forEach((r, i) => {
      if (r.kind === 'correlation') for (const h of r.correlator.finish()) out.push(...this.#fromNested(i, h));
    });
    if (!this.#monotone) for (const g of [...this.#groups.values()]) out.push(...this.#close(g));
    this.#groups.clear();
    // The next input (another host in a scan) starts from nothing.
    this.#watermark = -Infinity;
    return out;
  }

  stats(): CorrelatorStats {
    return { groups: this.#groups.size, evictedGroups: this.#evicted, droppedEvents: this.#dropped, skipped: this.#skipped };
  }

  #fromNested(ref: number, h: Hit): Hit[] {
    const time = h.time === null ? NaN : Date.parse(h.time);
    if (Number.isNaN(time)) return [];
    return this.#event({ ref, time, hit: h, get: (f) => h.evidence[`group.${f}`] });
  }

  /** The record field behind a group-by name or alias, for the rule at `ref`. */
  #fieldFor(name: string, ref: number): string {
    const alias = this.rule.aliases.get(name);
    if (!alias) return name;
    for (const n of this.refs[ref]!.names) {
      const f = alias.get(n);
      if (f !== undefined) return f;
    }
    return name;
  }

  #event(e: Incoming): Hit[] {
    const values: string[] = [];
    for (const g of this.rule.groupBy) {
      const v = e.get(this.#fieldFor(g, e.ref));
      if (v === undefined) {
        this.#skipped++;
        return [];
      }
      values.push(v);
    }
    const out: Hit[] = [];
    this.#watermark = Math.max(this.#watermark, e.time);
    const key = JSON.stringify(values);
    let g = this.#groups.get(key);
    const span = this.rule.timespanMs;
    if (g && !this.#monotone && e.time > g.start + span) {
      out.push(...this.#close(g));
      this.#groups.delete(key);
      g = undefined;
    }
    if (!g) {
      g = { key, values, events: [], lastHit: e.hit, start: e.time };
      this.#evictIfFull();
    } else {
      this.#groups.delete(key); // re-inserted below: Map order is least recently active first
    }
    this.#groups.set(key, g);
    const field = this.rule.condition?.field;
    g.events.push({ time: e.time, ref: e.ref, value: field === undefined ? undefined : e.get(this.#fieldFor(field, e.ref)) });
    g.lastHit = e.hit;
    const cap = Math.max(this.#limits.maxEventsPerGroup, ...(this.rule.condition?.ops.map((o) => o.value + 1) ?? [0]));
    if (g.events.length > cap) {
      g.events.splice(0, g.events.length - cap);
      this.#dropped++;
    }
    if (this.#monotone) {
      // Sliding window: only the last `timespan` counts.
      const from = e.time - span;
      if (g.events[0]!.time < from) g.events = g.events.filter((x) => x.time >= from);
      if (this.#judge(g.events)) {
        out.push(this.#hit(g, g.events, e.time));
        this.#groups.delete(key);
      }
    }
    if (!this.#monotone && ++this.#fed % 1024 === 0) out.push(...this.#closeExpired());
    return out;
  }

  #closeExpired(): Hit[] {
    const out: Hit[] = [];
    for (const g of [...this.#groups.values()]) {
      if (this.#watermark > g.start + this.rule.timespanMs) {
        out.push(...this.#close(g));
        this.#groups.delete(g.key);
      }
    }
    return out;
  }

  #evictIfFull(): void {
    while (this.#groups.size >= this.#limits.maxGroups) {
      const oldest = this.#groups.keys().next();
      if (oldest.done) break;
      this.#groups.delete(oldest.value);
      this.#evicted++;
    }
  }

  #judge(events: readonly WindowEvent[]): boolean {
    const c = this.rule.condition;
    const n = this.refs.length;
    if (this.rule.type === 'value_percentile') return c !== undefined && percentileMatches(events, c.ops).length > 0;
    const ops = c?.ops ?? [{ op: 'gte' as const, value: n }];
    return holds(ops, measure(this.rule.type, events, n, c?.field).value);
  }

  #close(g: Group): Hit[] {
    const inWindow = g.events.filter((x) => x.time <= g.start + this.rule.timespanMs);
    if (inWindow.length === 0 || !this.#judge(inWindow)) return [];
    return [this.#hit(g, inWindow, Math.max(...inWindow.map((x) => x.time)))];
  }

  #hit(g: Group, events: readonly WindowEvent[], time: number): Hit {
    const r = this.rule;
    const severity = severityOf(r.level);
    const c = r.condition;
    const evidence: Record<string, string> = {};
    r.groupBy.forEach((f, i) => {
      evidence[`group.${f}`] = capEvidence(g.values[i] ?? '');
    });
    evidence['sigma.correlation.type'] = r.type;
    evidence['sigma.correlation.timespan'] = r.timespanText;
    if (r.type === 'value_percentile' && c) {
      evidence['sigma.correlation.measure'] = capEvidence(
        percentileMatches(events, c.ops)
          .map((m) => `${m.value} (${m.percent.toFixed(2)}%)`)
          .join(', '),
      );
    } else {
      evidence['sigma.correlation.measure'] = measure(r.type, events, this.refs.length, c?.field).text;
    }
    evidence['sigma.correlation.first'] = new Date(Math.min(...events.map((e) => e.time))).toISOString();
    evidence['sigma.correlation.last'] = new Date(time).toISOString();
    evidence['sigma.correlation.rules'] = this.refs.map((x) => (x.kind === 'rule' ? x.ruleId : x.correlator.id)).join(', ');
    const last = g.lastHit;
    return {
      ruleId: this.id,
      title: r.title,
      description: r.description,
      severity,
      outcome: outcomeOf(severity),
      stage: stageOf(this.#tags),
      cves: cvesOf(this.#tags),
      attack: techniquesOf(this.#tags),
      references: referencesOf(r.references),
      time: new Date(time).toISOString(),
      clientIp: last.clientIp,
      source: last.source,
      evidence: { ...evidence, ...ruleEvidence(r, this.#license, this.#file) },
    };
  }
}
