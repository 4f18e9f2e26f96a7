/**
 * @module Tests of the Test-ProxyLogon compatible files: exact names and headers, column mapping
 * from evidence, which files are written, formula injection, quoting, and not clobbering an
 * earlier run's reports.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Finding } from '../../core/finding.js';
import type { ScanSummary } from '../../core/summary.js';
import { runSinkConformance } from '../conformance.js';
import { SinkError } from '../lifecycle.js';
import { coverage, ecpVdirFinding, hostReport, parseCsv, RUN, ssrfFinding, summaryFor, webShellFinding } from '../testing.js';
import { proxyLogonCsvSink } from './index.js';

runSinkConformance('proxylogon-csv', ({ dir }) => proxyLogonCsvSink({ dir: join(dir, 'csv') }));

const TYPE = '#TYPE System.Management.Automation.PSCustomObject';
// From exchange-facts/test_proxylogon_output_files.csv.
const HTTP_HEADER = ['DateTime', 'RequestId', 'ClientIPAddress', 'UrlHost', 'UrlStem', 'RoutingHint', 'UserAgent', 'AnchorMailbox', 'HttpStatus'];
const LOG_AGE_HEADER = ['OabGen', 'Ecp', 'AutoDProxy', 'EasProxy', 'EcpProxy', 'EwsProxy', 'MapiProxy', 'OabProxy', 'OwaProxy', 'OwaCalendarProxy', 'PowershellProxy', 'RpcHttpProxy'];

let root = '';
before(async () => (root = await mkdtemp(join(tmpdir(), 'exhunt-tplcsv-'))));
after(() => rm(root, { recursive: true, force: true }));

async function run(findings: readonly Finding[], summary: ScanSummary = summaryFor(findings), overwrite = false, dir?: string): Promise<string> {
  const out = dir ?? (await mkdtemp(join(root, 'run-')));
  const sink = proxyLogonCsvSink({ dir: out, overwrite });
  await sink.begin?.(RUN);
  for (const f of findings) await sink.write(f);
  await sink.close?.(summary, findings);
  return out;
}

/** Reads an Export-Csv file: checks the #TYPE line and that every cell is quoted, returns rows. */
async function exportCsv(path: string): Promise<string[][]> {
  const text = await readFile(path, 'utf8');
  assert.ok(text.startsWith(`${TYPE}\r\n`), 'first line is the #TYPE line');
  const body = text.slice(TYPE.length + 2);
  const rows = parseCsv(body);
  const allQuoted = rows.map((r) => `${r.map((c) => `"${c.replaceAll('"', '""')}"`).join(',')}\r\n`).join('');
  assert.equal(body, allQuoted, 'every value is quoted, as Export-Csv writes it');
  return rows;
}

const resetVDir = (o: Partial<Finding> = {}): Finding =>
  ssrfFinding({
    ruleId: 'Exchange.ProxyLogon.ResetVDir',
    title: 'ResetOabVirtualDirectory through the SSRF',
    report: 'Cve-2021-27065-ResetVDir',
    evidence: { ...ssrfFinding().evidence, AnchorMailbox: 'ServerInfo~a]@exch01:444/ecp/DDI/DDIService.svc/SetObject?msExchEcpCanary=x&schema=ResetOABVirtualDirectory#' },
    ...o,
  });

const oabDownload = (path: string, logLine: number): Finding =>
  ssrfFinding({
    ruleId: 'Exchange.ProxyLogon.OabDownload',
    title: 'OAB generator downloaded to an unexpected path',
    stage: 'exploitation',
    cves: ['CVE-2021-26858'],
    report: 'Cve-2021-26858',
    source: { path: 'C/Program Files/Microsoft/Exchange Server/V15/Logging/OABGeneratorLog/OABGenerator20210303-1.LOG', line: logLine, kind: 'oab' },
    evidence: { DownloadPath: path, WindowsPath: 'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\Logging\\OABGeneratorLog\\OABGenerator20210303-1.LOG' },
  });

void describe('proxyLogonCsvSink', () => {
  void test('writes each report under its exact Test-ProxyLogon name, only when it has rows', async () => {
    const fs = [ssrfFinding(), ecpVdirFinding(), webShellFinding(), resetVDir(), oabDownload("'C:\\inetpub\\wwwroot\\aspnet_client\\x.aspx'", 5)];
    const dir = await run(fs);
    assert.deepEqual((await readdir(dir)).sort(), [
      'EXCH01-Cve-2021-26855.csv',
      'EXCH01-Cve-2021-26858-DownloadPaths.log',
      'EXCH01-Cve-2021-26858.log',
      'EXCH01-Cve-2021-27065-ResetVDir.csv',
      'EXCH01-Cve-2021-27065.log',
      'EXCH01-LogAgeDays.csv',
      'EXCH01-other.csv',
    ]);
    const only = await run([ssrfFinding()]);
    assert.deepEqual((await readdir(only)).sort(), ['EXCH01-Cve-2021-26855.csv', 'EXCH01-LogAgeDays.csv']);
  });

  void test('26855: Export-Csv header and values from evidence, matched case-insensitively', async () => {
    const dir = await run([ssrfFinding(), ssrfFinding({ source: { line: 58 }, evidence: { clientipaddress: '103.77.192.219', anchormailbox: 'ServerInfo~b]@x:444/y#', datetime: '2021-03-03T06:00:00.000Z' } })]);
    const rows = await exportCsv(join(dir, 'EXCH01-Cve-2021-26855.csv'));
    assert.deepEqual(rows[0], HTTP_HEADER);
    assert.deepEqual(rows[1], [
      '2021-03-03T04:05:06.789Z',
      'f3b2c1d0-1111-4a2b-9c3d-5e6f7a8b9c0d',
      '86.105.18.116',
      'mail.contoso.com',
      '/ecp/y.js',
      'ServerInfo',
      'ExchangeServicesClient/0.0.0.0',
      'ServerInfo~a]@exch01.contoso.com:444/mapi/emsmdb/?#',
      '200',
    ]);
    assert.deepEqual(rows[2], ['2021-03-03T06:00:00.000Z', '', '103.77.192.219', '', '', '', '', 'ServerInfo~b]@x:444/y#', '']);
  });

  void test('27065 ResetVDir uses the same columns as 26855', async () => {
    const dir = await run([resetVDir()]);
    const rows = await exportCsv(join(dir, 'EXCH01-Cve-2021-27065-ResetVDir.csv'));
    assert.deepEqual(rows[0], HTTP_HEADER);
    assert.match(rows[1]?.[7] ?? '', /ResetOABVirtualDirectory#$/);
  });

  void test('26857: TimeCreated, MachineName, Message', async () => {
    const um = ssrfFinding({
      report: 'Cve-2021-26857',
      source: { path: 'C/Windows/System32/winevt/Logs/Application.evtx', line: null, kind: 'file' },
      evidence: { TimeCreated: '2021-03-03T04:00:00.000Z', Message: 'Watson report about to be sent ... System.InvalidCastException, x' },
    });
    const rows = await exportCsv(join(await run([um]), 'EXCH01-Cve-2021-26857.csv'));
    assert.deepEqual(rows, [
      ['TimeCreated', 'MachineName', 'Message'],
      ['2021-03-03T04:00:00.000Z', 'EXCH01', 'Watson report about to be sent ... System.InvalidCastException, x'],
    ]);
  });

  void test('other.csv: ComputerName, Type, Path (Windows form), Name, LastWrite; one row per file', async () => {
    const dump = webShellFinding({
      source: { path: 'C/root/lsass.dmp' },
      evidence: { Type: 'LsassDump', Path: 'C:\\root\\lsass.dmp', Name: 'lsass.dmp', Modified: '2021-03-04T01:02:03.000Z' },
    });
    // A second rule on the same file adds no row.
    const sameFile = webShellFinding({ ruleId: 'Exchange.Webshell.KnownName' });
    const rows = await exportCsv(join(await run([webShellFinding(), sameFile, dump]), 'EXCH01-other.csv'));
    assert.deepEqual(rows, [
      ['ComputerName', 'Type', 'Path', 'Name', 'LastWrite'],
      ['EXCH01', 'WebShell', 'C:\\inetpub\\wwwroot\\aspnet_client\\system_web\\errorEE.aspx', 'errorEE.aspx', '2021-03-03T05:12:44.000Z'],
      ['EXCH01', 'LsassDump', 'C:\\root\\lsass.dmp', 'lsass.dmp', '2021-03-04T01:02:03.000Z'],
    ]);
  });

  void test('.log files: distinct source paths (Windows form when known) and download paths', async () => {
    const ecpRelative = ecpVdirFinding({ source: { path: 'ECP/Server/ECPServer20210304-1.LOG' }, evidence: { Cmd: 'Set-OabVirtualDirectory' } });
    const dir = await run([ecpVdirFinding(), ecpVdirFinding({ source: { line: 40 } }), ecpRelative, oabDownload("'C:\\inetpub\\x.aspx'", 1), oabDownload("'C:\\inetpub\\x.aspx'", 2), oabDownload("'C:\\root\\y\r\nC:\\fake'", 3)]);
    assert.equal(
      await readFile(join(dir, 'EXCH01-Cve-2021-27065.log'), 'utf8'),
      'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\Logging\\ECP\\Server\\ECPServer20210303-1.LOG\r\nECP/Server/ECPServer20210304-1.LOG\r\n',
    );
    assert.equal(await readFile(join(dir, 'EXCH01-Cve-2021-26858.log'), 'utf8'), 'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\Logging\\OABGeneratorLog\\OABGenerator20210303-1.LOG\r\n');
    // A hostile path cannot add a line of its own.
    assert.equal(await readFile(join(dir, 'EXCH01-Cve-2021-26858-DownloadPaths.log'), 'utf8'), "'C:\\inetpub\\x.aspx'\r\n'C:\\root\\y\\x0d\\x0aC:\\fake'\r\n");
  });

  void test('neutralises formula injection and quotes commas, quotes and line breaks', async () => {
    const evil = ssrfFinding({
      evidence: { ...ssrfFinding().evidence, UserAgent: "=cmd|' /C calc'!A0", UrlStem: '/owa/auth/x.aspx,"a"\r\nb', RequestId: '@SUM(1+1)*cmd|x', HttpStatus: '-1' },
    });
    const path = join(await run([evil]), 'EXCH01-Cve-2021-26855.csv');
    const text = await readFile(path, 'utf8');
    assert.ok(text.includes(`"'=cmd|' /C calc'!A0"`));
    const row = (await exportCsv(path))[1] ?? [];
    assert.equal(row[6], "'=cmd|' /C calc'!A0");
    assert.equal(row[4], '/owa/auth/x.aspx,"a"\r\nb');
    assert.equal(row[1], "'@SUM(1+1)*cmd|x");
    assert.equal(row[8], "'-1");
    assert.equal(row.length, HTTP_HEADER.length);
  });

  void test('LogAgeDays: always written, days with one decimal, sources matched case-insensitively', async () => {
    const host = hostReport([], {
      verdict: 'clean',
      coverage: [
        coverage('OAB Generator', { days: 12 }),
        coverage('ECP Server', { days: 30.04 }),
        coverage('HttpProxy/Owa', { days: 29.96 }),
        coverage('httpproxy/powershell', { days: 7.25 }),
        coverage('HttpProxy/Ecp', { days: null }),
        coverage('IIS W3SVC1', { days: 400 }),
      ],
    });
    const rows = await exportCsv(join(await run([], summaryFor([], { hosts: [host] })), 'EXCH01-LogAgeDays.csv'));
    assert.deepEqual(rows, [LOG_AGE_HEADER, ['12.0', '30.0', '', '', '', '', '', '', '30.0', '', '7.3', '']]);
  });

  void test('0 findings and inconclusive coverage: only LogAgeDays, with empty days', async () => {
    const host = hostReport([], { verdict: 'inconclusive', reason: 'no logs', coverage: [] });
    const dir = await run([], summaryFor([], { hosts: [host] }));
    assert.deepEqual(await readdir(dir), ['EXCH01-LogAgeDays.csv']);
    assert.deepEqual(await exportCsv(join(dir, 'EXCH01-LogAgeDays.csv')), [LOG_AGE_HEADER, LOG_AGE_HEADER.map(() => '')]);
  });

  void test('findings without a known report value go to no file', async () => {
    const dir = await run([ssrfFinding({ report: undefined }), ssrfFinding({ report: 'Cve-2099-0000' })]);
    assert.deepEqual(await readdir(dir), ['EXCH01-LogAgeDays.csv']);
  });

  void test('host names are made safe for file names and kept apart when they collide', async () => {
    const a = ssrfFinding({ host: '../../etc/EXCH:01' });
    const b = ssrfFinding({ host: '../../etc/exch?01' });
    const summary = summaryFor([a, b], { hosts: [hostReport([a, b], { host: a.host }), hostReport([a, b], { host: b.host })] });
    const dir = await run([a, b], summary);
    const names = (await readdir(dir)).sort();
    assert.deepEqual(names, [
      '.._.._etc_EXCH_01-Cve-2021-26855.csv',
      '.._.._etc_EXCH_01-LogAgeDays.csv',
      '.._.._etc_exch_01_2-Cve-2021-26855.csv',
      '.._.._etc_exch_01_2-LogAgeDays.csv',
    ]);
  });

  void test('refuses to replace an earlier run\'s reports, at begin, unless overwrite is set', async () => {
    const dir = await run([ssrfFinding(), webShellFinding()]);
    await writeFile(join(dir, 'notes.txt'), 'analyst notes');
    await assert.rejects(async () => proxyLogonCsvSink({ dir }).begin?.(RUN), (e: unknown) => e instanceof SinkError && /already holds Test-ProxyLogon reports/.test(e.message));
    const before = await readFile(join(dir, 'EXCH01-Cve-2021-26855.csv'), 'utf8');
    assert.ok(before.includes('86.105.18.116'));

    // Another host whose name starts like this one: its files are not this host's to remove.
    await writeFile(join(dir, 'EXCH01-2-Cve-2021-26855.csv'), 'other host');

    // Overwrite: this run has only a web shell, so the old 26855 file must not survive.
    await run([webShellFinding()], undefined, true, dir);
    assert.deepEqual((await readdir(dir)).sort(), ['EXCH01-2-Cve-2021-26855.csv', 'EXCH01-LogAgeDays.csv', 'EXCH01-other.csv', 'notes.txt']);
  });

  void test('writing into an existing folder with other files is fine; a missing folder is created', async () => {
    const dir = await mkdtemp(join(root, 'existing-'));
    await writeFile(join(dir, 'README.txt'), 'x');
    await run([ssrfFinding()], undefined, false, dir);
    const nested = join(root, 'new', 'deeper');
    const sink = proxyLogonCsvSink({ dir: nested });
    await sink.close?.(summaryFor([]), []);
    assert.deepEqual(await readdir(nested), ['EXCH01-LogAgeDays.csv']);
    assert.deepEqual(sink.files, [join(nested, 'EXCH01-LogAgeDays.csv')]);
  });
});
