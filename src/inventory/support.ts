/**
 * @module Support status of a server's product and CU line on a given date, from products.yaml
 * (end of support, the paid Extended Security Update period) and the build table (which CU lines
 * still receive updates).
 *
 * A CU line is current when it received the product's latest regular update (one released for at
 * most three lines; the March 2021 one-off covered nineteen) or was released after it.
 */
import type { BuildCatalog, CuLine } from './catalog.js';
import type { Product } from './content/schema.js';
import type { SupportInfo } from './types.js';

const REGULAR_UPDATE_MAX_LINES = 3;

function releasedBy(date: string, asOf: string): boolean {
  return date.slice(0, 10) <= asOf;
}

/** Lines of `product` that receive updates as of `asOf` (YYYY-MM-DD). */
export function currentLines(catalog: BuildCatalog, product: Product, asOf: string): CuLine[] {
  const lines = catalog.lines.filter((l) => l.product === product.id);
  // Updates by name → lines that got them, with their release date.
  const updates = new Map<string, { released: string; lines: Set<CuLine> }>();
  for (const l of lines) {
    for (const e of l.entries) {
      if (e.update === undefined || !['SU', 'HU', 'RU'].includes(e.type) || !releasedBy(e.released, asOf)) continue;
      const u = updates.get(e.update) ?? { released: e.released, lines: new Set<CuLine>() };
      u.lines.add(l);
      updates.set(e.update, u);
    }
  }
  let latest: { released: string; lines: Set<CuLine> } | null = null;
  for (const u of updates.values()) {
    if (u.lines.size > REGULAR_UPDATE_MAX_LINES) continue;
    if (latest === null || u.released > latest.released) latest = u;
  }
  if (latest === null) {
    // No regular update yet: the newest released line is current.
    const released = lines.filter((l) => l.entries.some((e) => releasedBy(e.released, asOf)));
    return released.slice(-1);
  }
  const since = latest.released;
  const newer = lines.filter((l) => {
    const base = l.entries.find((e) => e.parsed === l.base);
    return base !== undefined && releasedBy(base.released, asOf) && base.released.slice(0, 10) > since.slice(0, 10);
  });
  return [...latest.lines, ...newer];
}

export function supportStatus(catalog: BuildCatalog, product: Product | null, line: CuLine | null, asOf: string): SupportInfo {
  if (product === null) return { status: 'unknown', endOfSupport: null, esuUntil: null, note: 'product unknown' };
  const eos = product.endOfSupport;
  const esuUntil = product.esu?.until ?? null;
  if (eos !== null && asOf > eos) {
    if (product.esu && esuUntil !== null && asOf <= esuUntil && line !== null && product.esu.lines.includes(line.name)) {
      return { status: 'esu', endOfSupport: eos, esuUntil, note: `${product.name} ended support on ${eos}; ${line.name} gets paid Extended Security Updates until ${esuUntil}` };
    }
    const esuText = product.esu ? ` (paid Extended Security Updates for ${product.esu.lines.join('/')} ended ${product.esu.until})` : '';
    return {
      status: 'end-of-life',
      endOfSupport: eos,
      esuUntil,
      note: `${product.name} reached end of support on ${eos}${asOf > (esuUntil ?? eos) ? esuText : ''}: no security updates, likely vulnerable to anything disclosed since`,
    };
  }
  if (line === null) return { status: 'unknown', endOfSupport: eos, esuUntil, note: 'CU line unknown' };
  const current = currentLines(catalog, product, asOf);
  if (current.includes(line)) return { status: 'supported', endOfSupport: eos, esuUntil, note: `${product.name} ${line.name} receives security updates` };
  const names = current.map((l) => l.name).join(', ');
  return {
    status: 'cu-out-of-support',
    endOfSupport: eos,
    esuUntil,
    note: `${line.name} no longer receives security updates${names ? `; supported CU${current.length > 1 ? 's' : ''}: ${names}` : ''}`,
  };
}
