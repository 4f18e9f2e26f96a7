#!/usr/bin/env node
// Regenerates content/exchange/builds.yaml from a saved copy of Microsoft's "Exchange Server build
// numbers and release dates" page (the same as `exhunt inventory refresh-builds PAGE.html`):
//   npm run build && node scripts/refresh-builds.mjs PAGE.html [--builds FILE] [--dry-run]
// The merge keeps builds the page does not list and records disagreements as conflicts; the new
// table is validated with products.yaml and fixes.yaml before anything is written.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const lib = join(root, 'dist', 'src', 'inventory', 'refresh', 'index.js');
if (!existsSync(lib)) {
  console.error('refresh-builds: dist/ not built (run `npm run build` first)');
  process.exit(2);
}
const { refreshBuilds } = await import(lib);
const args = process.argv.slice(2);
const page = args.find((a) => !a.startsWith('--') && args[args.indexOf(a) - 1] !== '--builds');
const bi = args.indexOf('--builds');
const buildsFile = bi >= 0 ? args[bi + 1] : join(root, 'content', 'exchange', 'builds.yaml');
if (!page || (bi >= 0 && !buildsFile)) {
  console.error('usage: node scripts/refresh-builds.mjs PAGE.html [--builds content/exchange/builds.yaml] [--dry-run]');
  process.exit(2);
}
const r = refreshBuilds({ page, buildsFile, dryRun: args.includes('--dry-run') });
for (const e of r.errors) console.error(`refresh-builds: ${e.message}`);
console.log(
  `${r.page.rows.length} rows read (${r.page.skipped.length} skipped); ${r.merge.added.length} added, ${r.merge.updated.length} updated, ` +
    `${r.merge.unchanged} unchanged, ${r.merge.conflicts.length} new conflict(s); ${r.written ? `wrote ${buildsFile}` : 'nothing written'}`,
);
for (const c of r.merge.conflicts) console.log(`  ! ${c}`);
process.exit(r.errors.length > 0 ? 2 : 0);
