/**
 * @module Tests of zip trees over archives crafted by the test zip writer: zip-slip names, ratio and
 * overlapping-entry bombs, entries that lie about their size or CRC, corrupt central directories,
 * Windows backslash names, and that the archive is neither modified nor extracted.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import type { Diagnostic } from '../core/diagnostic.js';
import { InputError } from '../core/errors.js';
import { makeTempDir, OLD_TIME, readAll, removeTempDir, snapshot, treeContents, treePaths, writeTree } from '../../test/fixtures/inputs/temp-tree.js';
import { buildZip, centralDirectoryOffset, type ZipEntrySpec } from '../../test/fixtures/inputs/zip-writer.js';
import { openFolderTree } from './fs-tree.js';
import type { InputTree, TreeEntry } from './tree.js';
import { openZipTree, ZipBombError } from './zip-tree.js';

let dir: string;
let counter = 0;
before(() => {
  dir = makeTempDir('zip-tree');
});
after(() => removeTempDir(dir));

function writeZip(entries: readonly ZipEntrySpec[] | Buffer): string {
  const path = join(dir, `case-${++counter}.zip`);
  writeFileSync(path, Buffer.isBuffer(entries) ? entries : buildZip(entries));
  return path;
}

async function open(entries: readonly ZipEntrySpec[] | Buffer, options: Parameters<typeof openZipTree>[1] = {}) {
  const diagnostics: Diagnostic[] = [];
  const path = writeZip(entries);
  const tree = await openZipTree(path, { ...options, onDiagnostic: (d) => diagnostics.push(d) });
  return { path, tree, diagnostics };
}

async function entryList(tree: InputTree): Promise<TreeEntry[]> {
  const out: TreeEntry[] = [];
  for await (const e of tree.entries()) out.push(e);
  return out;
}

const HTTPPROXY = 'DateTime,RequestId,MajorVersion\n2021-03-03T04:05:06.789Z,abc,15\n';
const TRIAGE: Record<string, string> = {
  'C/Program Files/Microsoft/Exchange Server/V15/Logging/HttpProxy/Owa/HttpProxy_2021030304-1.LOG': HTTPPROXY,
  'C/Program Files/Microsoft/Exchange Server/V15/Logging/ECP/Server/ECPServer20210303-1.LOG': '#Software: Microsoft Exchange Server\n',
  'C/inetpub/wwwroot/aspnet_client/system_web/shell.aspx': '<script language="JScript" runat="server">eval(Request["x"])</script>',
  'C/ProgramData/a/x.zip': 'PK',
  'C/ProgramData/a-b.7z': '7z',
  'C/root/lsass.dmp': 'MDMP'.repeat(1000),
};

void describe('openZipTree: reading', () => {
  void it('lists nested entries sorted like the folder walk, skipping folder entries', async () => {
    // Written in a scrambled order with folder entries, as archivers do.
    const names = Object.keys(TRIAGE).reverse();
    const { tree } = await open([
      { name: 'C/', method: 'store' },
      { name: 'C/root/', method: 'store' },
      ...names.map((name, i): ZipEntrySpec => ({ name, data: TRIAGE[name], method: i % 2 ? 'store' : 'deflate' })),
    ]);
    const folderDir = makeTempDir('zip-vs-folder');
    try {
      writeTree(folderDir, TRIAGE);
      const fromFolder = await treePaths(await openFolderTree(folderDir));
      assert.deepEqual(await treePaths(tree), fromFolder);
    } finally {
      removeTempDir(folderDir);
    }
    assert.deepEqual(Object.fromEntries(await treeContents(tree)), Object.fromEntries(Object.entries(TRIAGE)));
    await tree.close();
  });

  void it('reads Windows-made names with backslash separators', async () => {
    const { tree, diagnostics } = await open([
      { name: 'C\\inetpub\\', method: 'store', externalAttributes: 0x10 },
      // A folder marked only by the DOS directory attribute, without a trailing separator.
      { name: 'C\\inetpub\\wwwroot', method: 'store', externalAttributes: 0x10 },
      { name: 'C\\inetpub\\wwwroot\\aspnet_client\\system_web\\shell.aspx', data: 'x' },
      { name: 'C\\Windows\\Temp\\lsass.dmp', data: 'MDMP' },
    ]);
    assert.deepEqual(await treePaths(tree), ['C/Windows/Temp/lsass.dmp', 'C/inetpub/wwwroot/aspnet_client/system_web/shell.aspx']);
    assert.deepEqual(diagnostics, []);
  });

  void it('gives sizes, UTC mtimes and UTF-8 names', async () => {
    const { tree } = await open([{ name: 'C/ProgramData/données/exfil.7z', data: 'abc' }]);
    const [entry] = await entryList(tree);
    assert.equal(entry?.path, 'C/ProgramData/données/exfil.7z');
    assert.equal(entry?.size, 3);
    assert.equal(entry?.mtime?.toISOString(), OLD_TIME.toISOString());
  });

  void it('entries can be opened again, in any order, and concurrently', async () => {
    const { tree } = await open(Object.entries(TRIAGE).map(([name, data]) => ({ name, data })));
    const entries = await entryList(tree);
    const texts = await Promise.all([...entries].reverse().map(async (e) => (await readAll(await e.open())).toString()));
    assert.deepEqual(texts, entries.map((e) => TRIAGE[e.path]).reverse());
    assert.equal((await readAll(await entries[0]!.open())).toString(), TRIAGE[entries[0]!.path]);
  });

  void it('leaves the zip byte-for-byte and mtime unchanged and extracts nothing', async () => {
    const path = writeZip(Object.entries(TRIAGE).map(([name, data]) => ({ name, data })));
    const before = snapshot(dir);
    const filesBefore = readdirSync(dir).sort();
    const tree = await openZipTree(path);
    await treeContents(tree);
    await tree.close();
    assert.deepEqual(snapshot(dir), before);
    assert.deepEqual(readdirSync(dir).sort(), filesBefore);
  });

  void it('skips symbolic link entries silently (links are not followed)', async () => {
    const { tree, diagnostics } = await open([
      { name: 'C/inetpub/wwwroot/link.aspx', data: '/etc/passwd', method: 'store', versionMadeBy: 0x031e, externalAttributes: (0o120777 << 16) >>> 0 },
      { name: 'C/inetpub/wwwroot/iisstart.htm', data: 'ok', versionMadeBy: 0x031e, externalAttributes: (0o100644 << 16) >>> 0 },
    ]);
    assert.deepEqual(await treePaths(tree), ['C/inetpub/wwwroot/iisstart.htm']);
    assert.deepEqual(diagnostics, []);
  });
});

/** File descriptors of this process open on `path` (Linux /proc). */
function openFds(path: string): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === path) n++;
    } catch {
      // The fd used by readdir itself is gone by now.
    }
  }
  return n;
}

void describe('openZipTree: releasing the archive', { skip: existsSync('/proc/self/fd') ? false : 'needs /proc' }, () => {
  void it('a reader that stops early (content sniffing) leaves no descriptor open after close()', async () => {
    const lines = Array.from({ length: 200_000 }, (_, i) => `2021-03-03T04:05:06.789Z,req-${i},15,1,2176,2,,Owa,mail.contoso.com,/owa/\n`).join('');
    const { path, tree } = await open([{ name: 'HttpProxy_2021030304-1.LOG', data: lines }]);
    const [entry] = await entryList(tree);
    for await (const chunk of await entry!.open()) {
      assert.ok((chunk as Buffer).length > 0);
      break; // as the engine's sniffer does after 8 KB
    }
    await tree.close();
    for (let i = 0; i < 20 && openFds(path) > 0; i++) await tick();
    assert.equal(openFds(path), 0);
  });

  void it('a bomb stopped by the guard leaves no descriptor open after close()', async () => {
    const { path, tree } = await open([{ name: 'u_ex210303.log', data: Buffer.alloc(8 * 1024 * 1024), uncompressedSize: 1000 }]);
    const [entry] = await entryList(tree);
    await assert.rejects(async () => readAll(await entry!.open()), /inflates past/);
    await tree.close();
    for (let i = 0; i < 20 && openFds(path) > 0; i++) await tick();
    assert.equal(openFds(path), 0);
  });
});

void describe('openZipTree: zip-slip', () => {
  void it('skips every traversal name with a diagnostic and keeps the safe entries', async () => {
    const evil = ['../evil.aspx', '..\\evil.aspx', '/abs/evil.aspx', 'C:/x/evil.aspx', 'C:\\x\\evil.aspx', '\\\\srv\\share\\evil.aspx', 'C/inetpub/../../evil.aspx'];
    const { path, tree, diagnostics } = await open([
      ...evil.map((name) => ({ name, data: '<%eval%>' })),
      { name: 'C/inetpub/wwwroot/aspnet_client/ok.aspx', data: 'fine' },
    ]);
    assert.deepEqual(await treePaths(tree), ['C/inetpub/wwwroot/aspnet_client/ok.aspx']);
    assert.equal(diagnostics.length, evil.length);
    for (const [i, d] of diagnostics.entries()) {
      assert.equal(d.code, 'zip-slip');
      assert.equal(d.level, 'error');
      assert.equal(d.path, path);
      assert.ok(d.message.includes(JSON.stringify(evil[i])), d.message);
    }
  });
});

void describe('openZipTree: zip bombs and lying entries', () => {
  void it('skips an entry whose declared ratio exceeds maxRatio', async () => {
    const zeros = Buffer.alloc(2 * 1024 * 1024);
    const { tree, diagnostics } = await open([
      { name: 'C/ProgramData/bomb.bin', data: zeros, uncompressedSize: 100 * 1024 * 1024 },
      { name: 'C/root/lsass.dmp', data: 'MDMP' },
    ]);
    assert.deepEqual(await treePaths(tree), ['C/root/lsass.dmp']);
    assert.deepEqual(
      diagnostics.map((d) => [d.code, d.path]),
      [['zip-bomb', 'C/ProgramData/bomb.bin']],
    );
    assert.match(diagnostics[0]?.message ?? '', /inflate \d+:1 \(limit 1000:1\)/);
  });

  void it('accepts a small highly compressible file (ratio floor) but honours a lower maxRatio', async () => {
    const zeros = Buffer.alloc(512 * 1024);
    const spec = [{ name: 'C/Windows/Temp/zeros.bin', data: zeros }];
    assert.deepEqual(await treePaths((await open(spec)).tree), ['C/Windows/Temp/zeros.bin']);
    const big = [{ name: 'C/Windows/Temp/zeros.bin', data: Buffer.alloc(4 * 1024 * 1024) }];
    const strict = await open(big, { maxRatio: 10 });
    assert.deepEqual(await treePaths(strict.tree), []);
    assert.equal(strict.diagnostics[0]?.code, 'zip-bomb');
  });

  void it('rejects an overlapping-entries bomb past the default 20 GiB total', async () => {
    // 5,121 central entries all pointing at one stored 4 MiB body: each looks honest (ratio 1),
    // together they declare 20 GiB + 4 MiB.
    const body = Buffer.alloc(4 * 1024 * 1024, 0x41);
    const specs: ZipEntrySpec[] = [{ name: 'C/ProgramData/f00000.bin', data: body, method: 'store' }];
    for (let i = 1; i <= 5120; i++) specs.push({ name: `C/ProgramData/f${String(i).padStart(5, '0')}.bin`, sharesDataWith: 0 });
    const path = writeZip(specs);
    await assert.rejects(openZipTree(path), (e: unknown) => {
      assert.ok(e instanceof ZipBombError);
      assert.ok(e instanceof InputError);
      assert.equal(e.code, 'zip-bomb');
      assert.ok(e.message.includes(path));
      assert.match(e.message, /more than the limit of 21474836480 bytes/);
      return true;
    });
  });

  void it('honours a configured maxTotalBytes and maxEntries', async () => {
    const specs = [
      { name: 'a.log', data: 'x'.repeat(600) },
      { name: 'b.log', data: 'y'.repeat(600) },
      { name: 'c.log', data: 'z' },
    ];
    await assert.rejects(open(specs, { maxTotalBytes: 1000 }), ZipBombError);
    await assert.rejects(open(specs, { maxEntries: 2 }), (e: unknown) => e instanceof ZipBombError && /3 entries/.test(e.message));
    assert.equal((await treePaths((await open(specs, { maxTotalBytes: 1201, maxEntries: 3 })).tree)).length, 3);
  });

  void it('stops an entry that inflates past its declared size, delivering no more than declared', async () => {
    const bomb = Buffer.alloc(8 * 1024 * 1024); // deflates to ~8 KB
    const { tree } = await open([
      { name: 'C/inetpub/logs/LogFiles/W3SVC1/u_ex210303.log', data: bomb, uncompressedSize: 1000 },
      { name: 'C/root/after.txt', data: 'still readable' },
    ]);
    const [lying, afterIt] = await entryList(tree);
    assert.equal(lying?.path, 'C/inetpub/logs/LogFiles/W3SVC1/u_ex210303.log');
    const stream = await lying.open();
    let received = 0;
    await assert.rejects(
      (async () => {
        for await (const chunk of stream) received += (chunk as Buffer).length;
      })(),
      (e: unknown) => e instanceof InputError && /inflates past its declared 1000 bytes/.test(e.message) && e.message.includes(lying.path),
    );
    assert.ok(received <= 1000, `received ${received}`);
    // The archive stays usable after one bad entry.
    assert.equal((await readAll(await afterIt!.open())).toString(), 'still readable');
  });

  void it('fails an entry that ends short of its declared size or has a wrong CRC', async () => {
    const { tree } = await open([
      { name: 'short.log', data: HTTPPROXY, uncompressedSize: HTTPPROXY.length + 10 },
      { name: 'crc.log', data: HTTPPROXY, crc32: 0x12345678 },
      { name: 'garbage.log', rawData: Buffer.from('this is not deflate data at all \xff\xfe'), uncompressedSize: 50 },
    ]);
    const byName = new Map((await entryList(tree)).map((e) => [e.path, e]));
    await assert.rejects(async () => readAll(await byName.get('short.log')!.open()), /short\.log: zip entry ends after \d+ of its declared \d+ bytes/);
    await assert.rejects(async () => readAll(await byName.get('crc.log')!.open()), /crc\.log: zip entry is corrupt \(CRC-32 mismatch\)/);
    await assert.rejects(async () => readAll(await byName.get('garbage.log')!.open()), /garbage\.log: zip entry is corrupt/);
  });

  void it('skips stored entries whose sizes disagree and entries larger than the archive', async () => {
    const { tree, diagnostics } = await open([
      { name: 'stored-lie.log', data: 'abcdef', method: 'store', uncompressedSize: 600 },
      { name: 'too-big.log', data: 'abcdef', compressedSize: 10_000_000 },
      { name: 'ok.log', data: 'ok' },
    ]);
    assert.deepEqual(await treePaths(tree), ['ok.log']);
    assert.deepEqual(
      diagnostics.map((d) => [d.code, d.path]),
      [
        ['bad-entry', 'stored-lie.log'],
        ['bad-entry', 'too-big.log'],
      ],
    );
  });
});

void describe('openZipTree: entries it cannot read', () => {
  void it('reports encrypted, unsupported and duplicate entries and skips them', async () => {
    const { tree, diagnostics } = await open([
      { name: 'C/ProgramData/secret.7z', data: 'x', flags: 0x1 },
      { name: 'C/ProgramData/lzma.log', data: 'x', method: 14, rawData: Buffer.from('??') },
      { name: 'C/root/lsass.dmp', data: 'first' },
      { name: 'C\\root\\lsass.dmp', data: 'second' },
    ]);
    assert.deepEqual(Object.fromEntries(await treeContents(tree)), { 'C/root/lsass.dmp': 'first' });
    assert.deepEqual(
      diagnostics.map((d) => [d.code, d.path]),
      [
        ['encrypted', 'C/ProgramData/secret.7z'],
        ['unsupported-compression', 'C/ProgramData/lzma.log'],
        ['duplicate-entry', 'C/root/lsass.dmp'],
      ],
    );
  });
});

void describe('openZipTree: corrupt archives', () => {
  const good = (): Buffer => buildZip(Object.entries(TRIAGE).map(([name, data]) => ({ name, data })));

  void it('rejects a corrupt central directory with an InputError naming the file', async () => {
    const zip = good();
    zip.writeUInt32LE(0xdeadbeef, centralDirectoryOffset(zip));
    const path = writeZip(zip);
    await assert.rejects(openZipTree(path), (e: unknown) => e instanceof InputError && e.message.startsWith(`${path}: corrupt zip archive`) && /central directory/.test(e.message));
  });

  void it('rejects a central directory offset pointing past the end', async () => {
    const zip = good();
    zip.writeUInt32LE(zip.length + 1000, zip.length - 22 + 16);
    const path = writeZip(zip);
    await assert.rejects(openZipTree(path), (e: unknown) => e instanceof InputError && e.message.includes(path));
  });

  void it('rejects a truncated zip (no end record)', async () => {
    const zip = good();
    const path = writeZip(zip.subarray(0, zip.length - 30));
    await assert.rejects(openZipTree(path), (e: unknown) => e instanceof InputError && e.message.startsWith(`${path}: not a readable zip archive`));
  });

  void it('a local header that is damaged fails that entry only, at open()', async () => {
    const zip = buildZip([
      { name: 'first.log', data: 'one' },
      { name: 'second.log', data: 'two' },
    ]);
    zip.writeUInt32LE(0, 0); // first local header signature
    const { tree } = await open(zip);
    const [first, second] = await entryList(tree);
    await assert.rejects(first!.open(), (e: unknown) => e instanceof InputError && /first\.log: cannot read zip entry \(invalid local file header signature/.test(e.message));
    assert.equal((await readAll(await second!.open())).toString(), 'two');
  });

  void it('open() after close() rejects cleanly', async () => {
    const { tree } = await open([{ name: 'a.log', data: 'a' }]);
    const [entry] = await entryList(tree);
    await tree.close();
    await assert.rejects(entry!.open(), (e: unknown) => e instanceof InputError && /a\.log: cannot read zip entry \(closed\)/.test(e.message));
  });

  void it('an empty archive is an empty tree', async () => {
    const { tree } = await open([]);
    assert.deepEqual(await treePaths(tree), []);
  });
});
