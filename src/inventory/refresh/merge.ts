/**
 * @module Merging the rows of Microsoft's build page into the build table: a build already in the
 * table gets `ms-docs` among its sources and the page's name, KB and date (a different KB or date
 * is recorded as a conflict with what the table said); a new build is added; builds the page does
 * not list (HealthChecker-only, eightwone-only) are kept. When the page gives a different build for
 * an update the table already has on that line (2016 CU8 Mar21SU: 15.1.1415.10 vs .8), both stay and
 * each records the other as a conflict.
 */
import { compareBuilds, mustParseFull } from '../build.js';
import type { BuildEntry, BuildsFile, ProductId } from '../content/schema.js';
import type { PageRow } from './page.js';

export interface MergeResult {
  readonly file: BuildsFile;
  readonly added: readonly string[];
  readonly updated: readonly string[];
  readonly unchanged: number;
  readonly conflicts: readonly string[];
}

const PRODUCT_ORDER: readonly ProductId[] = ['2010', '2013', '2016', '2019', 'SE'];
const PAGE_SOURCE = 'ms-docs';

function addUnique(list: readonly string[] | undefined, item: string): string[] {
  const l = [...(list ?? [])];
  if (!l.includes(item)) l.push(item);
  return l;
}

export function mergePage(current: BuildsFile, rows: readonly PageRow[], pageLabel: string): MergeResult {
  const byBuild = new Map<string, BuildEntry>(current.builds.map((b) => [b.build, b]));
  const added: string[] = [];
  const updated: string[] = [];
  const conflicts: string[] = [];
  let unchanged = 0;
  for (const row of rows) {
    const existing = byBuild.get(row.build);
    if (existing) {
      let next: BuildEntry = { ...existing, sources: addUnique(existing.sources, PAGE_SOURCE) };
      if (existing.kb !== null && row.kb !== null && existing.kb !== row.kb) {
        const c = `${pageLabel} gives ${row.kb} for ${row.build}; the table had ${existing.kb}`;
        next = { ...next, conflicts: addUnique(next.conflicts, c) };
        conflicts.push(c);
      }
      if (existing.released.length === 10 && row.released.length === 10 && existing.released !== row.released) {
        const c = `${pageLabel} dates ${row.build} ${row.released}; the table had ${existing.released}`;
        next = { ...next, conflicts: addUnique(next.conflicts, c) };
        conflicts.push(c);
      }
      next = {
        ...next,
        name: row.name,
        kb: row.kb ?? existing.kb,
        released: row.released.length >= existing.released.length ? row.released : existing.released,
        ...(row.update !== undefined ? { update: row.update } : {}),
      };
      if (JSON.stringify(next) !== JSON.stringify(existing)) updated.push(row.build);
      else unchanged++;
      byBuild.set(row.build, next);
      continue;
    }
    let entry: BuildEntry = {
      product: row.product,
      line: row.line,
      type: row.type,
      ...(row.update !== undefined ? { update: row.update } : {}),
      name: row.name,
      kb: row.kb,
      released: row.released,
      build: row.build,
      buildLong: row.buildLong,
      sources: [PAGE_SOURCE],
    };
    if (row.update !== undefined) {
      for (const other of byBuild.values()) {
        if (other.product === row.product && other.line === row.line && other.update === row.update && other.build !== row.build) {
          const c = `${pageLabel} lists Exchange ${row.product} ${row.line} ${row.update} as ${row.build}; ${other.sources.join('/')} list it as ${other.build}`;
          entry = { ...entry, conflicts: addUnique(entry.conflicts, c) };
          byBuild.set(other.build, { ...other, conflicts: addUnique(other.conflicts, c) });
          conflicts.push(c);
        }
      }
    }
    byBuild.set(row.build, entry);
    added.push(row.build);
  }
  const builds = [...byBuild.values()].sort(
    (a, b) => PRODUCT_ORDER.indexOf(a.product) - PRODUCT_ORDER.indexOf(b.product) || compareBuilds(mustParseFull(a.build), mustParseFull(b.build)),
  );
  const sources = current.sources.some((s) => s.id === PAGE_SOURCE)
    ? current.sources
    : [...current.sources, { id: PAGE_SOURCE, name: 'Microsoft Learn, "Exchange Server build numbers and release dates"', url: 'https://learn.microsoft.com/en-us/exchange/new-features/build-numbers-and-release-dates' }];
  return { file: { ...current, sources, builds }, added, updated, unchanged, conflicts };
}
