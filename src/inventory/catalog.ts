/**
 * @module The build catalog: the build table indexed for lookups (which entry, which CU line,
 * which product a build belongs to) and ordered within each version group (`15.2` holds Exchange
 * 2019 and SE, whose builds continue 2019's numbering).
 */
import { compareBuilds, formatShort, groupKey, lineKey, mustParseFull, type Build } from './build.js';
import type { BuildEntry, Product, ProductId } from './content/schema.js';

export interface CatalogEntry extends BuildEntry {
  readonly parsed: Build;
}

export interface CuLine {
  readonly product: ProductId;
  /** `CU19`, `RTM`, `SP3`. */
  readonly name: string;
  /** First build of the line (the CU/RTM/SP release, else the lowest build listed). */
  readonly base: Build;
  readonly group: string;
  /** Entries of the line, lowest build first. */
  readonly entries: readonly CatalogEntry[];
  /** True when the line's builds differ in their third part (Exchange 2010 rollups). */
  readonly spans: boolean;
  readonly maxBuildNumber: number;
}

const LINE_TYPES = new Set(['CU', 'RTM', 'SP', 'Preview']);

export class BuildCatalog {
  readonly entries: readonly CatalogEntry[];
  readonly lines: readonly CuLine[];
  readonly products: ReadonlyMap<ProductId, Product>;
  readonly #byBuild = new Map<string, CatalogEntry>();
  readonly #byLineKey = new Map<string, CuLine>();

  constructor(entries: readonly BuildEntry[], products: readonly Product[]) {
    this.products = new Map(products.map((p) => [p.id, p]));
    const parsed = entries.map((e) => ({ ...e, parsed: mustParseFull(e.build) })).sort((a, b) => compareBuilds(a.parsed, b.parsed));
    this.entries = parsed;
    const grouped = new Map<string, CatalogEntry[]>();
    for (const e of parsed) {
      this.#byBuild.set(formatShort(e.parsed), e);
      const k = `${e.product} ${e.line}`;
      const list = grouped.get(k) ?? [];
      list.push(e);
      grouped.set(k, list);
    }
    const lines: CuLine[] = [];
    for (const list of grouped.values()) {
      const first = list[0];
      if (!first) continue;
      const baseEntry = list.find((e) => LINE_TYPES.has(e.type)) ?? first;
      const numbers = new Set(list.map((e) => e.parsed.build));
      const line: CuLine = {
        product: first.product,
        name: first.line,
        base: baseEntry.parsed,
        group: groupKey(first.parsed),
        entries: list,
        spans: numbers.size > 1,
        maxBuildNumber: Math.max(...numbers),
      };
      lines.push(line);
      for (const e of list) if (!this.#byLineKey.has(lineKey(e.parsed))) this.#byLineKey.set(lineKey(e.parsed), line);
    }
    lines.sort((a, b) => compareBuilds(a.base, b.base));
    this.lines = lines;
  }

  /** The table entry for exactly this build (four parts), or null. */
  entry(b: Build): CatalogEntry | null {
    if (b.revision === null) return null;
    return this.#byBuild.get(formatShort(b)) ?? null;
  }

  /** The CU line a build is on, or null when its line is not in the table. */
  line(b: Build): CuLine | null {
    const exact = this.#byLineKey.get(lineKey(b));
    if (exact) return exact;
    // Exchange 2010 rollups each have their own third part: 14.3.513.0 is SP3 RU32.
    for (const l of this.lines) {
      if (l.spans && l.group === groupKey(b) && b.build >= l.base.build && b.build <= l.maxBuildNumber) return l;
    }
    return null;
  }

  /** Lines of one version group, oldest first. */
  linesInGroup(group: string): CuLine[] {
    return this.lines.filter((l) => l.group === group);
  }

  /** The product a build belongs to by its number alone (also for builds not in the table). */
  productOf(b: Build): Product | null {
    const known = this.line(b);
    if (known) return this.products.get(known.product) ?? null;
    let best: Product | null = null;
    for (const p of this.products.values()) {
      if (p.version !== groupKey(b)) continue;
      if (p.fromBuild !== undefined && b.build < p.fromBuild) continue;
      if (best === null || (p.fromBuild ?? 0) > (best.fromBuild ?? 0)) best = p;
    }
    return best;
  }

  /** Newest build of the table (for "newer than anything exhunt knows" messages). */
  newest(group: string): CatalogEntry | null {
    let n: CatalogEntry | null = null;
    for (const e of this.entries) if (groupKey(e.parsed) === group) n = e;
    return n;
  }
}
