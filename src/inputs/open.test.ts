/**
 * @module Tests of openInput: folder, zip by magic bytes (any extension), single file, and the InputErrors
 * for missing, mislabelled and corrupt inputs.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Diagnostic } from '../core/diagnostic.js';
import { InputError } from '../core/errors.js';
import { makeTempDir, removeTempDir, treeContents, treePaths, writeTree } from '../../test/fixtures/inputs/temp-tree.js';
import { buildZip } from '../../test/fixtures/inputs/zip-writer.js';
import { openInput, ZipBombError } from './index.js';

void describe('openInput', () => {
  let dir: string;
  before(() => {
    dir = makeTempDir('open');
    writeTree(dir, {
      'triage/C/root/lsass.dmp': 'MDMP',
      'HttpProxy_2021030304-1.LOG': 'DateTime,RequestId\n',
      'fake.zip': 'this was never a zip',
    });
    const zip = buildZip([
      { name: 'EXCH01/C/inetpub/wwwroot/aspnet_client/shell.aspx', data: 'shell' },
      { name: '../evil.aspx', data: 'x' },
    ]);
    writeFileSync(join(dir, 'collection.zip'), zip);
    // Same bytes without the extension: recognised by its magic number.
    writeFileSync(join(dir, 'collection.bin'), zip);
    writeFileSync(join(dir, 'empty.zip'), buildZip([]));
    writeFileSync(join(dir, 'corrupt.dat'), Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(100, 0x55)]));
  });
  after(() => removeTempDir(dir));

  void it('opens a folder', async () => {
    assert.deepEqual(await treePaths(await openInput(join(dir, 'triage'))), ['C/root/lsass.dmp']);
  });

  void it('opens a zip by its magic bytes, whatever its name, passing diagnostics and limits on', async () => {
    for (const name of ['collection.zip', 'collection.bin']) {
      const diagnostics: Diagnostic[] = [];
      const tree = await openInput(join(dir, name), { onDiagnostic: (d) => diagnostics.push(d) });
      assert.deepEqual(Object.fromEntries(await treeContents(tree)), { 'EXCH01/C/inetpub/wwwroot/aspnet_client/shell.aspx': 'shell' });
      assert.deepEqual(
        diagnostics.map((d) => d.code),
        ['zip-slip'],
      );
      assert.equal(tree.label, name);
      await tree.close();
    }
    await assert.rejects(openInput(join(dir, 'collection.zip'), { maxTotalBytes: 2 }), ZipBombError);
  });

  void it('opens an empty zip (end record only) as an empty tree', async () => {
    assert.deepEqual(await treePaths(await openInput(join(dir, 'empty.zip'))), []);
  });

  void it('opens a single file as a one-entry tree', async () => {
    assert.deepEqual(await treePaths(await openInput(join(dir, 'HttpProxy_2021030304-1.LOG'))), ['HttpProxy_2021030304-1.LOG']);
  });

  void it('rejects a .zip that is not a zip, a corrupt zip and a missing PATH with InputErrors naming them', async () => {
    for (const [name, pattern] of [
      ['fake.zip', /named \.zip but is not a zip archive/],
      ['corrupt.dat', /not a readable zip archive/],
      ['missing-folder', /no such file or folder/],
    ] as const) {
      const path = join(dir, name);
      await assert.rejects(openInput(path), (e: unknown) => e instanceof InputError && e.message.startsWith(`${path}: `) && pattern.test(e.message));
    }
  });
});
