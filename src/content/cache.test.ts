import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { writeBuiltinContentCache } from './build-cache.js';
import { ContentCache, SCHEMA_MODULES, writeContentCache } from './cache.js';
import { cacheInputs, loadContent } from './load.js';
import { builtinContentDir } from './package-root.js';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'exhunt-content-cache-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const RULE = 'rules/Exchange/ProxyLogon/SsrfHttpProxy.yaml';
const RULE_ID = 'Exchange.ProxyLogon.SsrfHttpProxy';

describe('content cache', () => {
  it('serves the built-in pack exactly as the YAML loader reads it', async (t) => {
    const file = join(tempDir(t), 'cache.json');
    const built = await writeBuiltinContentCache(builtinContentDir(), file);
    assert.deepEqual(built.errors, []);
    assert.ok(built.files > 20);
    const packs = [{ dir: builtinContentDir(), builtin: true }];
    assert.deepStrictEqual(loadContent(packs, { cache: ContentCache.open(file) }), loadContent(packs, { cache: null }));
  });

  it('reads a file changed since the cache was written from its YAML, with line numbers for errors', async (t) => {
    const tmp = tempDir(t);
    const pack = join(tmp, 'pack');
    cpSync(builtinContentDir(), pack, { recursive: true });
    const file = join(tmp, 'cache.json');
    await writeBuiltinContentCache(pack, file);
    const cache = ContentCache.open(file);
    const path = join(pack, RULE);
    const text = readFileSync(path, 'utf8');

    writeFileSync(path, text.replace(/^title: .*$/m, 'title: Edited after the build'));
    const edited = loadContent([{ dir: pack, builtin: true }], { cache });
    assert.equal(edited.rules.find((r) => r.rule.id === RULE_ID)?.rule.title, 'Edited after the build');

    writeFileSync(path, text.replace(/^severity: /m, 'severty: '));
    const broken = loadContent([{ dir: pack, builtin: true }], { cache });
    assert.ok(broken.errors.some((e) => /SsrfHttpProxy\.yaml:\d+: .*severty/.test(e.message)), broken.errors.map((e) => e.message).join('\n'));
    assert.ok(!broken.rules.some((r) => r.rule.id === RULE_ID));
  });

  it('is consulted for built-in packs only', (t) => {
    const file = join(tempDir(t), 'cache.json');
    // A cache whose entry says something the file does not: only the built-in pack sees it.
    const inputs = cacheInputs(builtinContentDir()).inputs.map((i) =>
      i.rel === RULE && i.kind === 'rule' ? { ...i, data: { ...i.data, title: 'From the cache' } } : i,
    );
    writeContentCache(inputs, file);
    const cache = ContentCache.open(file);
    const title = (builtin: boolean): string | undefined =>
      loadContent([{ dir: builtinContentDir(), builtin }], { cache }).rules.find((r) => r.rule.id === RULE_ID)?.rule.title;
    assert.equal(title(true), 'From the cache');
    assert.notEqual(title(false), 'From the cache');
  });

  it('is ignored when missing, unreadable, or written by other schema code', (t) => {
    const tmp = tempDir(t);
    assert.equal(ContentCache.open(join(tmp, 'missing.json')), null);
    const file = join(tmp, 'cache.json');
    writeFileSync(file, '{not json');
    assert.equal(ContentCache.open(file), null);
    writeContentCache([], file);
    assert.notEqual(ContentCache.open(file), null);
    const stale = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    writeFileSync(file, JSON.stringify({ ...stale, fingerprint: 'other schema code' }));
    assert.equal(ContentCache.open(file), null);
  });

  it('fingerprints every module the schema is built from', () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const listed = new Set(SCHEMA_MODULES.map((m) => resolve(here, m)));
    const todo = [resolve(here, './schema.js'), resolve(here, '../detectors/sigma/pipeline/schema.js')];
    const seen = new Set<string>();
    while (todo.length > 0) {
      const file = todo.pop() as string;
      if (seen.has(file)) continue;
      seen.add(file);
      assert.ok(listed.has(file), `${file} shapes validated content but is not in SCHEMA_MODULES`);
      for (const m of readFileSync(file, 'utf8').matchAll(/^(?:import|export)\s[^'"]*from\s+'(\.[^']+)'/gm)) {
        todo.push(resolve(dirname(file), m[1] as string));
      }
    }
  });
});
