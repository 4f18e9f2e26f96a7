/**
 * @module Writes builds.yaml in exhunt's layout (one mapping per build, flow lists for sources),
 * so that a refresh produces a small, reviewable diff.
 */
import type { BuildsFile } from '../content/schema.js';

const HEADER = [
  '# Exchange Server build table: every known Exchange 2010 SP3, 2013, 2016, 2019 and Subscription',
  '# Edition build (CU, SU, HU, RU), with the sources that list it. Regenerate or extend with',
  "# `exhunt inventory refresh-builds PAGE.html` (a saved copy of Microsoft's build page); rows the page",
  '# does not have (HealthChecker-only or eightwone-only builds) are kept. Schema: src/inventory/content/schema.ts.',
];

/** A plain YAML scalar when that is unambiguous, else a JSON (double-quoted YAML) string. */
function scalar(s: string): string {
  const plain =
    /^[A-Za-z0-9][A-Za-z0-9 ._()/+,'&-]*[A-Za-z0-9.)]$|^[A-Za-z0-9]$/.test(s) &&
    !/^(null|true|false|yes|no|on|off|~|\d[\d.:-]*)$/i.test(s) &&
    !s.includes(': ') &&
    !s.includes(' #');
  return plain ? s : JSON.stringify(s);
}

export function buildsYaml(file: BuildsFile): string {
  const out = [...HEADER, `schema: ${file.schema}`];
  if (file.description !== undefined) out.push(`description: ${scalar(file.description)}`);
  out.push('sources:');
  for (const s of file.sources) {
    out.push(`  - id: ${s.id}`, `    name: ${scalar(s.name)}`);
    if (s.url !== undefined) out.push(`    url: ${s.url}`);
    if (s.note !== undefined) out.push(`    note: ${scalar(s.note)}`);
  }
  out.push('builds:');
  for (const b of file.builds) {
    out.push(`  - product: ${JSON.stringify(b.product)}`, `    line: ${b.line}`, `    type: ${b.type}`);
    if (b.update !== undefined) out.push(`    update: ${b.update}`);
    out.push(
      `    name: ${scalar(b.name)}`,
      `    kb: ${b.kb ?? 'null'}`,
      `    released: ${JSON.stringify(b.released)}`,
      `    build: ${b.build}`,
      `    buildLong: ${JSON.stringify(b.buildLong)}`,
      `    sources: [${b.sources.map(scalar).join(', ')}]`,
    );
    if (b.notes?.length) out.push('    notes:', ...b.notes.map((n) => `      - ${JSON.stringify(n)}`));
    if (b.conflicts?.length) out.push('    conflicts:', ...b.conflicts.map((n) => `      - ${JSON.stringify(n)}`));
  }
  return `${out.join('\n')}\n`;
}
