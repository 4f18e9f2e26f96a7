/**
 * @module Tests of evidence collection: one copy per file with its SHA-256, hostile paths and host
 * names kept inside the folder, per-file errors recorded without stopping, and the manifest.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { Finding } from '../../core/finding.js';
import { runSinkConformance } from '../conformance.js';
import { SinkError } from '../lifecycle.js';
import { ecpVdirFinding, parseCsv, RUN, ssrfFinding, summaryFor, webShellFinding } from '../testing.js';
import type { Manifest } from './index.js';
import { collectSink } from './index.js';

/** Known-answer SHA-256 values (FIPS 180-2 test vector for "abc", and the empty input). */
const SHA256_ABC = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
const SHA256_EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

runSinkConformance('collect', ({ dir }) => collectSink({ dir: join(dir, 'case'), openEvidence: () => Promise.resolve(Readable.from([Buffer.from('abc')])) }));

let root = '';
before(async () => (root = await mkdtemp(join(tmpdir(), 'exhunt-collect-'))));
after(() => rm(root, { recursive: true, force: true }));

type Opener = (f: Finding) => Promise<Readable | null>;

/** An opener over an in-memory input, counting how often each path is opened. */
function memoryInput(files: Record<string, string>, opened: string[] = []): Opener {
  return (f) => {
    opened.push(f.source.path);
    const content = files[f.source.path];
    return Promise.resolve(content === undefined ? null : Readable.from([Buffer.from(content)]));
  };
}

async function collect(findings: readonly Finding[], openEvidence: Opener, dir?: string, overwrite = false): Promise<{ dir: string; manifest: Manifest }> {
  const out = dir ?? join(await mkdtemp(join(root, 'run-')), 'case');
  const sink = collectSink({ dir: out, openEvidence, overwrite });
  await sink.begin?.(RUN);
  for (const f of findings) await sink.write(f);
  await sink.close?.(summaryFor(findings), findings);
  return { dir: out, manifest: JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as Manifest };
}

void describe('collectSink', () => {
  void test('copies each file with a finding once, into <dir>/<host>/<path>, with its SHA-256', async () => {
    const ssrf = ssrfFinding();
    const shell = webShellFinding();
    const opened: string[] = [];
    const open = memoryInput({ [ssrf.source.path]: 'abc', [shell.source.path]: '' }, opened);
    const { dir, manifest } = await collect([ssrf, ssrfFinding({ source: { line: 99 } }), ssrfFinding({ ruleId: 'Exchange.Other' }), shell], open);

    assert.deepEqual(opened, [ssrf.source.path, shell.source.path], 'one open per file');
    assert.equal(await readFile(join(dir, 'EXCH01', ...ssrf.source.path.split('/')), 'utf8'), 'abc');
    assert.equal(await readFile(join(dir, 'EXCH01', ...shell.source.path.split('/')), 'utf8'), '');
    assert.deepEqual(manifest.files, [
      { host: 'EXCH01', input: ssrf.input, path: ssrf.source.path, copy: `EXCH01/${ssrf.source.path}`, sha256: SHA256_ABC, bytes: 3, error: null, rules: ['Exchange.Other', 'Exchange.ProxyLogon.Ssrf'] },
      { host: 'EXCH01', input: shell.input, path: shell.source.path, copy: `EXCH01/${shell.source.path}`, sha256: SHA256_EMPTY, bytes: 0, error: null, rules: ['Exchange.Webshell.AspnetClient'] },
    ]);
    assert.equal(manifest.schemaVersion, 1);
  });

  void test('a large file is hashed over all its chunks', async () => {
    const chunks = Array.from({ length: 64 }, (_, i) => Buffer.alloc(16 * 1024, i));
    const { createHash } = await import('node:crypto');
    const expected = createHash('sha256').update(Buffer.concat(chunks)).digest('hex');
    const { manifest } = await collect([ssrfFinding()], () => Promise.resolve(Readable.from(chunks)));
    assert.equal(manifest.files[0]?.sha256, expected);
    assert.equal(manifest.files[0]?.bytes, 64 * 16 * 1024);
  });

  void test('hostile source paths and host names stay inside the folder', async () => {
    const base = await mkdtemp(join(root, 'hostile-'));
    const dir = join(base, 'case');
    const hostile = [
      ssrfFinding({ source: { path: '../../etc/passwd' } }),
      ssrfFinding({ source: { path: '/etc/shadow' } }),
      ssrfFinding({ source: { path: 'C:\\Windows\\Temp\\lsass.dmp' } }),
      ssrfFinding({ host: '../../..', source: { path: 'x.log' } }),
      ssrfFinding({ host: 'manifest.json', source: { path: 'y.log' } }),
    ];
    const { manifest } = await collect(hostile, (f) => Promise.resolve(Readable.from([Buffer.from(f.source.path)])), dir);
    assert.deepEqual(await readdir(base), ['case'], 'nothing written beside the folder');
    assert.deepEqual(
      manifest.files.map((e) => e.copy),
      ['EXCH01/etc/passwd', 'EXCH01/etc/shadow', 'EXCH01/C_/Windows/Temp/lsass.dmp', '.._..___/x.log', 'manifest.json_2/y.log'],
    );
    assert.equal(await readFile(join(dir, 'EXCH01', 'etc', 'passwd'), 'utf8'), '../../etc/passwd');
    assert.ok(manifest.files.every((e) => e.error === null));
  });

  void test('a symbolic link planted in the folder does not lead copies outside it', async () => {
    const base = await mkdtemp(join(root, 'symlink-'));
    const outside = join(base, 'outside');
    const dir = join(base, 'case');
    await mkdir(outside);
    await mkdir(dir);
    await symlink(outside, join(dir, 'EXCH01'));
    const { manifest } = await collect([webShellFinding()], memoryInput({ [webShellFinding().source.path]: 'shell' }), dir, true);
    assert.deepEqual(await readdir(outside), [], 'no folders or files created outside');
    assert.match(manifest.files[0]?.error ?? '', /outside the collection/);
  });

  void test('with overwrite, a symbolic link at the file name itself is not followed', async () => {
    const base = await mkdtemp(join(root, 'symlink-file-'));
    const victim = join(base, 'victim.txt');
    const dir = join(base, 'case');
    await writeFile(victim, 'original');
    await mkdir(join(dir, 'EXCH01'), { recursive: true });
    await symlink(victim, join(dir, 'EXCH01', 'x.log'));
    const { manifest } = await collect([ssrfFinding({ source: { path: 'x.log' } })], () => Promise.resolve(Readable.from([Buffer.from('evil')])), dir, true);
    assert.equal(await readFile(victim, 'utf8'), 'original');
    assert.match(manifest.files[0]?.error ?? '', /symbolic link/);
  });

  void test('a file that cannot be opened or read is recorded as an error and the rest are copied', async () => {
    const gone = ssrfFinding({ source: { path: 'Logging/HttpProxy/Owa/gone.LOG' } });
    const denied = ssrfFinding({ source: { path: 'Logging/HttpProxy/Owa/denied.LOG' } });
    const broken = ssrfFinding({ source: { path: 'Logging/HttpProxy/Owa/broken.LOG' } });
    const ok = webShellFinding();
    const open: Opener = (f) => {
      if (f === gone) return Promise.resolve(null);
      if (f === denied) return Promise.reject(new Error('EACCES: permission denied'));
      if (f === broken) {
        return Promise.resolve(
          Readable.from(
            (async function* () {
              yield Buffer.from('partial');
              await Promise.resolve();
              throw new Error('zip entry CRC mismatch');
            })(),
          ),
        );
      }
      return Promise.resolve(Readable.from([Buffer.from('abc')]));
    };
    const { dir, manifest } = await collect([gone, denied, broken, ok], open);
    const byPath = new Map(manifest.files.map((e) => [e.path, e]));
    assert.equal(byPath.get(gone.source.path)?.error, 'not available from the input');
    assert.match(byPath.get(denied.source.path)?.error ?? '', /EACCES/);
    assert.match(byPath.get(broken.source.path)?.error ?? '', /CRC mismatch/);
    assert.equal(byPath.get(broken.source.path)?.sha256, null);
    assert.equal(byPath.get(ok.source.path)?.sha256, SHA256_ABC);
    // The partial copy of the broken file is removed.
    assert.deepEqual(await readdir(join(dir, 'EXCH01', 'Logging', 'HttpProxy', 'Owa')).catch(() => []), []);
  });

  void test('the same path from two inputs of one host gets a ~2 copy', async () => {
    const a = ecpVdirFinding({ input: '/cases/a.zip' });
    const b = ecpVdirFinding({ input: '/cases/b.zip' });
    const { manifest } = await collect([a, b], (f) => Promise.resolve(Readable.from([Buffer.from(f.input)])));
    assert.deepEqual(
      manifest.files.map((e) => e.copy),
      [`EXCH01/${a.source.path}`, `EXCH01/${a.source.path.replace(/\.LOG$/, '~2.LOG')}`],
    );
  });

  void test('manifest.csv: host,path,sha256,bytes,rules first, formula injection neutralised', async () => {
    const evil = ssrfFinding({ source: { path: '=HYPERLINK("http://x")/a,b.log' } });
    const { dir } = await collect([evil], () => Promise.resolve(Readable.from([Buffer.from('abc')])));
    const rows = parseCsv(await readFile(join(dir, 'manifest.csv'), 'utf8'));
    assert.deepEqual(rows[0], ['host', 'path', 'sha256', 'bytes', 'rules', 'input', 'copy', 'error']);
    assert.deepEqual(rows[1]?.slice(0, 5), ['EXCH01', `'=HYPERLINK("http://x")/a,b.log`, SHA256_ABC, '3', 'Exchange.ProxyLogon.Ssrf']);
    assert.equal(rows.length, 2);
  });

  void test('no findings: an empty manifest, nothing else', async () => {
    const { dir, manifest } = await collect([], () => Promise.reject(new Error('must not be called')));
    assert.deepEqual(manifest.files, []);
    assert.deepEqual((await readdir(dir)).sort(), ['manifest.csv', 'manifest.json']);
  });

  void test('refuses to write over an earlier collection unless overwrite is set', async () => {
    const { dir } = await collect([ssrfFinding()], () => Promise.resolve(Readable.from([Buffer.from('abc')])));
    await assert.rejects(async () => collectSink({ dir, openEvidence: () => Promise.resolve(null) }).begin?.(RUN), SinkError);
    await writeFile(join(dir, 'note.txt'), 'kept');
    const { manifest } = await collect([ssrfFinding()], () => Promise.resolve(Readable.from([Buffer.from('abcd')])), dir, true);
    assert.equal(manifest.files[0]?.bytes, 4);
    assert.equal(await readFile(join(dir, 'note.txt'), 'utf8'), 'kept');
  });
});
