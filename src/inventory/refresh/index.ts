/**
 * @module Refreshing `content/exchange/builds.yaml` from a saved copy of Microsoft's build page
 * (`exhunt inventory refresh-builds PAGE.html`, or `node scripts/refresh-builds.mjs PAGE.html`).
 * exhunt never downloads the page itself: the user saves it, so a refresh is reviewable and works
 * offline. The result is validated by the same loader as any run before it is written.
 */
import { readFileSync, writeFileSync, mkdtempSync, copyFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { ContentError } from '../../core/errors.js';
import { buildsFileSchema, type BuildsFile } from '../content/schema.js';
import { loadExchangeContent } from '../content/load.js';
import { readYamlFile } from '../../content/yaml-file.js';
import { mergePage, type MergeResult } from './merge.js';
import { parseBuildPage, type PageParse } from './page.js';
import { buildsYaml } from './write-yaml.js';

export { parseBuildPage, parseProductName, parseReleaseDate, type PageRow, type PageParse } from './page.js';
export { mergePage, type MergeResult } from './merge.js';
export { buildsYaml } from './write-yaml.js';

export interface RefreshOptions {
  /** The saved HTML page. */
  readonly page: string;
  /** builds.yaml to update (read, merged, written back). */
  readonly buildsFile: string;
  /** Do everything but write. */
  readonly dryRun: boolean;
}

export interface RefreshResult {
  readonly page: PageParse;
  readonly merge: MergeResult;
  readonly written: boolean;
  readonly errors: readonly ContentError[];
}

export function refreshBuilds(options: RefreshOptions): RefreshResult {
  const html = readFileSync(options.page, 'utf8');
  const page = parseBuildPage(html);
  const errors: ContentError[] = [];
  const current = readYamlFile<BuildsFile>(options.buildsFile, buildsFileSchema, errors);
  if (!current) return { page, merge: { file: { schema: 'exhunt/exchange-builds@1', sources: [], builds: [] }, added: [], updated: [], unchanged: 0, conflicts: [] }, written: false, errors };
  if (page.rows.length === 0) {
    errors.push(new ContentError('no build rows found: is this a saved copy of "Exchange Server build numbers and release dates"?', { path: options.page }));
    return { page, merge: { file: current.data, added: [], updated: [], unchanged: 0, conflicts: [] }, written: false, errors };
  }
  const merge = mergePage(current.data, page.rows, `the page ${basename(options.page)}`);
  const text = buildsYaml(merge.file);
  // Validate the new table with its sibling products.yaml and fixes.yaml before replacing anything.
  const dir = mkdtempSync(join(tmpdir(), 'exhunt-refresh-'));
  try {
    const src = dirname(options.buildsFile);
    for (const f of ['products.yaml', 'fixes.yaml']) copyFileSync(join(src, f), join(dir, f));
    writeFileSync(join(dir, 'builds.yaml'), text);
    const check = loadExchangeContent(dir);
    errors.push(...check.errors);
  } catch (e) {
    errors.push(new ContentError(`cannot validate the refreshed table: ${(e as Error).message}`, { path: options.buildsFile }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (errors.length > 0 || options.dryRun) return { page, merge, written: false, errors };
  writeFileSync(options.buildsFile, text);
  return { page, merge, written: true, errors };
}
