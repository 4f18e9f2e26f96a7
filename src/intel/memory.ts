/**
 * @module An import session held in memory: the same merge rules as the store, for content that
 * is read fresh on every run instead of stored (exhunt's bundled pack) and for tests.
 */
import type { AddOutcome, ImportSession } from '../store/index.js';
import type { Indicator, IndicatorInput, Provenance } from './model.js';
import { stricterTlp } from './tlp.js';

export class MemorySession implements ImportSession {
  readonly #source: string;
  readonly #byKey = new Map<string, { ind: Omit<Indicator, 'provenance'>; prov: Map<string, Provenance> }>();
  #next = 1;

  constructor(source: string) {
    this.#source = source;
  }

  add(items: readonly IndicatorInput[]): Promise<AddOutcome[]> {
    const now = new Date().toISOString();
    return Promise.resolve(
      items.map((item): AddOutcome => {
        const key = `${item.type}\u0000${item.value}`;
        let slot = this.#byKey.get(key);
        const outcome: AddOutcome = slot ? 'merged' : 'taken';
        if (!slot) {
          slot = { ind: { id: this.#next++, type: item.type, value: item.value, display: item.display, attrs: item.attrs ?? null }, prov: new Map() };
          this.#byKey.set(key, slot);
        }
        const p = item.provenance;
        const old = slot.prov.get(p.ref);
        slot.prov.set(p.ref, {
          source: this.#source,
          ref: p.ref,
          version: p.version ?? old?.version ?? null,
          firstSeen: old?.firstSeen && p.firstSeen ? (old.firstSeen < p.firstSeen ? old.firstSeen : p.firstSeen) : (p.firstSeen ?? old?.firstSeen ?? null),
          lastSeen: old?.lastSeen && p.lastSeen ? (old.lastSeen > p.lastSeen ? old.lastSeen : p.lastSeen) : (p.lastSeen ?? old?.lastSeen ?? null),
          confidence: Math.max(p.confidence ?? -1, old?.confidence ?? -1) < 0 ? null : Math.max(p.confidence ?? -1, old?.confidence ?? -1),
          tlp: stricterTlp(old?.tlp ?? null, p.tlp ?? null),
          tags: [...new Set([...(old?.tags ?? []), ...(p.tags ?? [])])].sort(),
          validFrom: p.validFrom ?? old?.validFrom ?? null,
          validUntil: p.validUntil ?? old?.validUntil ?? null,
          revoked: p.revoked ?? old?.revoked ?? false,
          description: old?.description ?? p.description ?? null,
          importedAt: now,
        });
        return outcome;
      }),
    );
  }

  commit(): Promise<void> {
    return Promise.resolve();
  }

  rollback(): Promise<void> {
    this.#byKey.clear();
    return Promise.resolve();
  }

  indicators(): Indicator[] {
    return [...this.#byKey.values()].map((s) => ({ ...s.ind, provenance: [...s.prov.values()] }));
  }
}
