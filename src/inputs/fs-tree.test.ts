/**
 * @module Tests of the folder walk: sort order, links and FIFOs skipped, unreadable folders and files
 * reported (through a mocked fs, since CI runs as root), single files, and that nothing is modified.
 * The walk calls `fs.readdirSync`/`fs.accessSync` through the `fs` default export, so the mocks
 * below reach it; each mock test also asserts that the mock was called, so a walk that stopped
 * going through it would fail here rather than pass without testing anything.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs, { chmodSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import fsp from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it, mock } from 'node:test';
import type { Diagnostic } from '../core/diagnostic.js';
import { InputError } from '../core/errors.js';
import { makeTempDir, OLD_TIME, readAll, removeTempDir, snapshot, treeContents, treePaths, writeTree } from '../../test/fixtures/inputs/temp-tree.js';
import { openFolderTree } from './fs-tree.js';
import { compareTreePaths } from './tree-path.js';
import { walkFolder } from './walk.js';

const TRIAGE = {
  'C/Program Files/Microsoft/Exchange Server/V15/Logging/HttpProxy/Owa/HttpProxy_2021030304-1.LOG': 'DateTime,RequestId\n',
  'C/Program Files/Microsoft/Exchange Server/V15/Logging/HttpProxy/Ecp/HttpProxy_2021030304-1.LOG': 'DateTime,RequestId\n',
  'C/Program Files/Microsoft/Exchange Server/V15/FrontEnd/HttpProxy/owa/auth/errorFE.aspx': '<%@ Page %>',
  'C/inetpub/logs/LogFiles/W3SVC1/u_ex210303.log': '#Software: Microsoft Internet Information Services 10.0\n',
  'C/inetpub/wwwroot/aspnet_client/system_web/shell.aspx': '<script language="JScript" runat="server">',
  'C/ProgramData/a-b.7z': 'x',
  'C/ProgramData/a/x.zip': 'y',
  'C/ProgramData/B.rar': 'z',
};

void describe('compareTreePaths', () => {
  void it('orders segment by segment, by code unit', () => {
    const sorted = ['a-b', 'a/x', 'B', 'a.txt', 'a/x/y', 'ab', 'a'].sort(compareTreePaths);
    assert.deepEqual(sorted, ['B', 'a', 'a/x', 'a/x/y', 'a-b', 'a.txt', 'ab']);
  });
});

void describe('openFolderTree', () => {
  let dir: string;
  before(() => {
    dir = makeTempDir('fs-tree');
    writeTree(dir, TRIAGE);
  });
  after(() => removeTempDir(dir));

  void it('yields every file once, sorted, with sizes, mtimes and contents', async () => {
    const tree = await openFolderTree(dir);
    const entries = [];
    for await (const e of tree.entries()) entries.push(e);
    const expected = Object.keys(TRIAGE).sort(compareTreePaths);
    assert.deepEqual(
      entries.map((e) => e.path),
      expected,
    );
    // The walk order really is segment order: `a/x.zip` before `a-b.7z`.
    assert.ok(expected.indexOf('C/ProgramData/a/x.zip') < expected.indexOf('C/ProgramData/a-b.7z'));
    const shell = entries.find((e) => e.path.endsWith('shell.aspx'));
    assert.equal(shell?.size, TRIAGE['C/inetpub/wwwroot/aspnet_client/system_web/shell.aspx'].length);
    assert.equal(shell?.mtime?.getTime(), OLD_TIME.getTime());
    assert.equal((await readAll(await shell.open())).toString(), TRIAGE['C/inetpub/wwwroot/aspnet_client/system_web/shell.aspx']);
    assert.equal(tree.input, dir);
    assert.match(tree.label, /^exhunt-fs-tree-/);
  });

  void it('walks without a thread-pool round trip per folder or file', async () => {
    // Awaiting fs/promises per file left a 14,000-file scan idle for most of a second.
    const calls: string[] = [];
    for (const name of ['readdir', 'opendir', 'access', 'lstat', 'stat'] as const) {
      mock.method(fsp, name, (...args: unknown[]) => {
        calls.push(`${name} ${String(args[0])}`);
        return Promise.reject(new Error(`fs/promises ${name} called`));
      });
    }
    try {
      const entries = [];
      for await (const e of walkFolder(dir, '', () => undefined)) entries.push(e.path);
      assert.deepEqual(entries, Object.keys(TRIAGE).sort(compareTreePaths));
      assert.deepEqual(calls, []);
    } finally {
      mock.restoreAll();
    }
  });

  void it('can be walked twice with the same result', async () => {
    const tree = await openFolderTree(dir);
    assert.deepEqual(await treePaths(tree), await treePaths(tree));
  });

  void it('leaves every file byte-for-byte and mtime unchanged', async () => {
    const before = snapshot(dir);
    const tree = await openFolderTree(dir);
    const contents = await treeContents(tree);
    await tree.close();
    assert.equal(contents.size, Object.keys(TRIAGE).length);
    assert.deepEqual(snapshot(dir), before);
  });
});

void describe('openFolderTree: links and special files', () => {
  let dir: string;
  let outside: string;
  before(() => {
    dir = makeTempDir('fs-links');
    outside = makeTempDir('fs-outside');
    writeTree(dir, { 'C/inetpub/wwwroot/iisstart.htm': 'ok' });
    writeTree(outside, { 'secret.txt': 'not part of the collection' });
    symlinkSync(join(outside, 'secret.txt'), join(dir, 'C/inetpub/wwwroot/link.aspx'));
    symlinkSync(outside, join(dir, 'C/linked-folder'));
    // A loop: following it would never end.
    symlinkSync(join(dir, 'C'), join(dir, 'C/inetpub/loop'));
  });
  after(() => {
    removeTempDir(dir);
    removeTempDir(outside);
  });

  void it('skips symbolic links to files and folders, including loops', async () => {
    assert.deepEqual(await treePaths(await openFolderTree(dir)), ['C/inetpub/wwwroot/iisstart.htm']);
  });

  void it('skips FIFOs (reading one would block the scan)', { skip: spawnSync('mkfifo', ['--version']).error ? 'mkfifo not available' : false }, async () => {
    const fifo = join(dir, 'C/inetpub/wwwroot/pipe');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    try {
      assert.deepEqual(await treePaths(await openFolderTree(dir)), ['C/inetpub/wwwroot/iisstart.htm']);
    } finally {
      rmSync(fifo);
    }
  });
});

void describe('openFolderTree: unreadable parts', () => {
  let dir: string;
  before(() => {
    dir = makeTempDir('fs-unreadable');
    writeTree(dir, {
      'C/Windows/Temp/lsass.dmp': 'MDMP',
      'C/root/lsass.dmp': 'MDMP',
      'C/inetpub/wwwroot/iisstart.htm': 'ok',
    });
  });
  after(() => {
    mock.restoreAll();
    removeTempDir(dir);
  });

  void it('reports an unreadable folder and goes on with the rest', async () => {
    const original = fs.readdirSync;
    const readdir = mock.method(fs, 'readdirSync', function (this: unknown, ...args: unknown[]) {
      if (String(args[0]).endsWith(join('C', 'Windows'))) {
        throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
      }
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    });
    try {
      const diagnostics: Diagnostic[] = [];
      const tree = await openFolderTree(dir, { onDiagnostic: (d) => diagnostics.push(d) });
      assert.deepEqual(await treePaths(tree), ['C/inetpub/wwwroot/iisstart.htm', 'C/root/lsass.dmp']);
      assert.equal(diagnostics.length, 1);
      assert.equal(diagnostics[0]?.code, 'unreadable');
      assert.equal(diagnostics[0]?.path, 'C/Windows');
      assert.match(diagnostics[0]?.message ?? '', /C\/Windows.*EACCES/);
      assert.ok(readdir.mock.callCount() >= 4, 'the walk lists folders through fs.readdirSync');
    } finally {
      mock.restoreAll();
    }
  });

  void it('reports an unreadable file and does not yield it', async () => {
    const original = fs.accessSync;
    const access = mock.method(fs, 'accessSync', function (this: unknown, ...args: unknown[]) {
      if (String(args[0]).endsWith(join('root', 'lsass.dmp'))) {
        throw Object.assign(new Error('EACCES'), { code: 'EACCES' });
      }
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    });
    try {
      const diagnostics: Diagnostic[] = [];
      const tree = await openFolderTree(dir, { onDiagnostic: (d) => diagnostics.push(d) });
      assert.deepEqual(await treePaths(tree), ['C/Windows/Temp/lsass.dmp', 'C/inetpub/wwwroot/iisstart.htm']);
      assert.deepEqual(
        diagnostics.map((d) => [d.code, d.path]),
        [['unreadable', 'C/root/lsass.dmp']],
      );
      assert.equal(access.mock.callCount(), 3, 'every file is checked for read permission through fs.accessSync');
    } finally {
      mock.restoreAll();
    }
  });

  void it('reports a folder without permissions (real chmod)', { skip: process.getuid?.() === 0 ? 'root ignores permission bits' : false }, async () => {
    const locked = join(dir, 'C/Windows/Temp');
    chmodSync(locked, 0o000);
    try {
      const diagnostics: Diagnostic[] = [];
      const paths = await treePaths(await openFolderTree(dir, { onDiagnostic: (d) => diagnostics.push(d) }));
      assert.ok(!paths.includes('C/Windows/Temp/lsass.dmp'));
      assert.deepEqual(
        diagnostics.map((d) => [d.code, d.path]),
        [['unreadable', 'C/Windows/Temp']],
      );
    } finally {
      chmodSync(locked, 0o755);
    }
  });

  void it('open() of a file that vanished rejects, naming the tree path', async () => {
    const scratch = makeTempDir('fs-vanish');
    try {
      writeTree(scratch, { 'C/root/gone.dmp': 'x' });
      const tree = await openFolderTree(scratch);
      const entries = [];
      for await (const e of tree.entries()) entries.push(e);
      rmSync(join(scratch, 'C/root/gone.dmp'));
      await assert.rejects(entries[0]!.open(), (e: unknown) => e instanceof InputError && /C\/root\/gone\.dmp/.test(e.message) && /ENOENT/.test(e.message));
    } finally {
      removeTempDir(scratch);
    }
  });
});

void describe('openFolderTree: single file and bad paths', () => {
  let dir: string;
  before(() => {
    dir = makeTempDir('fs-single');
    writeTree(dir, { 'HttpProxy_2021030304-1.LOG': 'DateTime,RequestId\n' });
    mkdirSync(join(dir, 'empty'));
  });
  after(() => removeTempDir(dir));

  void it('presents a single file as one entry named by its base name', async () => {
    const file = join(dir, 'HttpProxy_2021030304-1.LOG');
    const tree = await openFolderTree(file);
    assert.equal(tree.label, 'HttpProxy_2021030304-1.LOG');
    assert.deepEqual(Object.fromEntries(await treeContents(tree)), { 'HttpProxy_2021030304-1.LOG': 'DateTime,RequestId\n' });
  });

  void it('an empty folder is an empty tree', async () => {
    assert.deepEqual(await treePaths(await openFolderTree(join(dir, 'empty'))), []);
  });

  void it('a missing PATH rejects with an InputError naming it', async () => {
    const missing = join(dir, 'no-such-collection');
    await assert.rejects(openFolderTree(missing), (e: unknown) => e instanceof InputError && e.message.includes(missing) && /no such file/.test(e.message));
  });
});
