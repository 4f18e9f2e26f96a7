/**
 * @module Tests of the live-host pieces that run anywhere: the reg.exe output parser, install-path
 * discovery, the folder plan, the event log entries (read through a fake `wevtutil` first on
 * PATH, see test/events/fake-wevtutil.ts; POSIX only), and the refusal off Windows. The platform
 * is injected, so the Windows code paths run on Linux.
 */
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Diagnostic } from '../core/diagnostic.js';
import { UsageError } from '../core/errors.js';
import { liveEventLogEntries, openLiveHostTree, parseRegQueryValue, findExchangeInstallPath, planLiveRoots, withEntries } from './live-host.js';
import { openMappedTree } from './mapped-tree.js';
import { compareTreePaths } from './tree-path.js';
import { makeTempDir, readAll, removeTempDir, treePaths, writeTree } from '../../test/fixtures/inputs/temp-tree.js';
import { installFakeWevtutil } from '../../test/events/fake-wevtutil.js';

const posix = process.platform !== 'win32';

/** The event log entries of a host whose Windows folder is `Q:\Windows`, in tree order. */
const Q_EVENT_LOGS = [
  'Q/Windows/System32/winevt/Logs/Application.xml',
  'Q/Windows/System32/winevt/Logs/MSExchange Management.xml',
  'Q/Windows/System32/winevt/Logs/Microsoft-Windows-PowerShell%4Operational.xml',
  'Q/Windows/System32/winevt/Logs/Microsoft-Windows-Sysmon%4Operational.xml',
  'Q/Windows/System32/winevt/Logs/Security.xml',
  'Q/Windows/System32/winevt/Logs/System.xml',
  'Q/Windows/System32/winevt/Logs/Windows PowerShell.xml',
];

/** What reg.exe prints on an Exchange 2016 server (CRLF, blank lines around the key). */
const REG_OUTPUT = [
  '',
  'HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\ExchangeServer\\v15\\Setup',
  '    MsiProductMajor    REG_DWORD    0xf',
  '    MsiInstallPath    REG_SZ    C:\\Program Files\\Microsoft\\Exchange Server\\V15\\',
  '    Some Name With Spaces    REG_SZ    value with  two  spaces',
  '',
  '',
].join('\r\n');

void describe('parseRegQueryValue', () => {
  void it('reads a REG_SZ path containing spaces, name case-insensitively', () => {
    assert.deepEqual(parseRegQueryValue(REG_OUTPUT, 'msiinstallpath'), { type: 'REG_SZ', data: 'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\' });
    assert.deepEqual(parseRegQueryValue(REG_OUTPUT, 'Some Name With Spaces'), { type: 'REG_SZ', data: 'value with  two  spaces' });
    assert.deepEqual(parseRegQueryValue(REG_OUTPUT, 'MsiProductMajor'), { type: 'REG_DWORD', data: '0xf' });
  });

  void it('returns null when the value is absent or the output is an error', () => {
    assert.equal(parseRegQueryValue(REG_OUTPUT, 'MsiInstall'), null);
    assert.equal(parseRegQueryValue('ERROR: The system was unable to find the specified registry key or value.\r\n', 'MsiInstallPath'), null);
    assert.equal(parseRegQueryValue('', 'MsiInstallPath'), null);
  });

  void it('reads an empty value', () => {
    assert.deepEqual(parseRegQueryValue('\r\nHKEY_LOCAL_MACHINE\\X\r\n    MsiInstallPath    REG_SZ    \r\n', 'MsiInstallPath'), { type: 'REG_SZ', data: '' });
  });
});

void describe('findExchangeInstallPath', () => {
  void it('prefers the registry, normalised with one trailing backslash', async () => {
    const path = await findExchangeInstallPath({ ExchangeInstallPath: 'E:\\Other\\' }, () => Promise.resolve(REG_OUTPUT.replace('V15\\', 'V15')));
    assert.equal(path, 'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\');
  });

  void it('expands REG_EXPAND_SZ values', async () => {
    const out = '\r\nHKEY_LOCAL_MACHINE\\X\r\n    MsiInstallPath    REG_EXPAND_SZ    %ProgramFiles%\\Microsoft\\Exchange Server\\V15\\\r\n';
    assert.equal(await findExchangeInstallPath({ ProgramFiles: 'D:\\Apps' }, () => Promise.resolve(out)), 'D:\\Apps\\Microsoft\\Exchange Server\\V15\\');
  });

  void it('falls back to %ExchangeInstallPath%, then to null', async () => {
    assert.equal(await findExchangeInstallPath({ exchangeinstallpath: 'D:\\Exchange' }, () => Promise.resolve(null)), 'D:\\Exchange\\');
    assert.equal(await findExchangeInstallPath({}, () => Promise.resolve(null)), null);
    assert.equal(await findExchangeInstallPath({ ExchangeInstallPath: '' }, () => Promise.resolve('ERROR: not found')), null);
  });
});

void describe('planLiveRoots', () => {
  void it('maps the folders exhunt reads into the drive mirror', () => {
    const env = { SystemDrive: 'C:', windir: 'C:\\WINDOWS', ProgramData: 'C:\\ProgramData' };
    const roots = planLiveRoots('D:\\Exchange\\', env);
    assert.deepEqual(roots, [
      { dir: 'C:\\inetpub\\logs\\LogFiles', prefix: 'C/inetpub/logs/LogFiles' },
      { dir: 'C:\\inetpub\\wwwroot', prefix: 'C/inetpub/wwwroot' },
      { dir: 'C:\\WINDOWS\\Temp', prefix: 'C/WINDOWS/Temp' },
      { dir: 'C:\\root', prefix: 'C/root' },
      { dir: 'C:\\root', prefix: 'C/root' },
      { dir: 'C:\\ProgramData', prefix: 'C/ProgramData' },
      { dir: 'D:\\Exchange\\Logging', prefix: 'D/Exchange/Logging' },
      { dir: 'D:\\Exchange\\FrontEnd\\HttpProxy', prefix: 'D/Exchange/FrontEnd/HttpProxy' },
      { dir: 'D:\\Exchange\\ClientAccess\\OAB', prefix: 'D/Exchange/ClientAccess/OAB' },
    ]);
  });

  void it('uses Windows defaults without environment, and no install folders without an install', () => {
    const prefixes = planLiveRoots(null, {}).map((r) => r.prefix);
    assert.deepEqual(prefixes, ['C/inetpub/logs/LogFiles', 'C/inetpub/wwwroot', 'C/Windows/Temp', 'C/root', 'C/root', 'C/ProgramData']);
  });

  void it('drops folders that are not on a drive (UNC)', () => {
    const prefixes = planLiveRoots('\\\\fileserver\\exchange\\', { SystemDrive: 'C:' }).map((r) => r.prefix);
    assert.ok(!prefixes.some((p) => p.includes('Logging')));
  });
});

void describe('openLiveHostTree', () => {
  void it('rejects off Windows with a UsageError asking for a PATH', async () => {
    await assert.rejects(openLiveHostTree({ platform: 'linux' }), (e: unknown) => e instanceof UsageError && /a PATH is required/.test(e.message) && /linux/.test(e.message));
  });

  void it('reports a server without Exchange and still opens (folders that do not exist are skipped; the event logs are there)', async () => {
    const diagnostics: Diagnostic[] = [];
    const tree = await openLiveHostTree({
      platform: 'win32',
      env: { SystemDrive: 'Q:' },
      runRegQuery: () => Promise.resolve(null),
      onDiagnostic: (d) => diagnostics.push(d),
    });
    assert.equal(tree.input, '');
    assert.equal(tree.label, hostname());
    assert.deepEqual(await treePaths(tree), Q_EVENT_LOGS);
    assert.deepEqual(
      diagnostics.map((d) => [d.level, d.code]),
      [['warning', 'exchange-not-found']],
    );
  });

  void it('leaves the event logs out when asked', async () => {
    const tree = await openLiveHostTree({ platform: 'win32', env: { SystemDrive: 'Q:' }, runRegQuery: () => Promise.resolve(null), eventLogs: false });
    assert.deepEqual(await treePaths(tree), []);
  });

  void it('reads the channels through wevtutil (a fake first on PATH), each a warning when it cannot be read', { skip: posix ? false : 'the fake wevtutil is a POSIX shell script' }, async (t) => {
    const fake = installFakeWevtutil();
    t.after(() => fake.remove());
    const diagnostics: Diagnostic[] = [];
    const tree = await openLiveHostTree({
      platform: 'win32',
      env: { ...fake.env, SystemDrive: 'Q:', WINDIR: undefined, SystemRoot: undefined },
      runRegQuery: () => Promise.resolve(null),
      wevtutil: 'wevtutil',
      onDiagnostic: (d) => diagnostics.push(d),
    });
    const contents = new Map<string, string>();
    for await (const e of tree.entries()) {
      assert.equal(e.placement?.type, 'log');
      contents.set(e.path, (await readAll(await e.open())).toString('utf8'));
    }
    assert.deepEqual([...contents.keys()], Q_EVENT_LOGS);
    const mgmt = contents.get('Q/Windows/System32/winevt/Logs/MSExchange Management.xml') ?? '';
    assert.match(mgmt, /^<Events><Event xmlns=/);
    assert.equal(mgmt.match(/<Event /g)?.length, 20);
    assert.equal(contents.get('Q/Windows/System32/winevt/Logs/Security.xml'), '');
    assert.deepEqual(
      diagnostics.map((d) => [d.code, d.path]),
      [
        ['exchange-not-found', ''],
        ['event-log-unavailable', 'Q/Windows/System32/winevt/Logs/Microsoft-Windows-PowerShell%4Operational.xml'],
        ['event-log-unavailable', 'Q/Windows/System32/winevt/Logs/Security.xml'],
        ['event-log-unavailable', 'Q/Windows/System32/winevt/Logs/System.xml'],
        ['event-log-unavailable', 'Q/Windows/System32/winevt/Logs/Windows PowerShell.xml'],
      ],
    );
    assert.match(diagnostics.find((d) => d.path.endsWith('Security.xml'))?.message ?? '', /"Security" not read: wevtutil: access denied/);
    assert.match(diagnostics.find((d) => d.path.endsWith('System.xml'))?.message ?? '', /"System" not read: .*could not be found/);
  });
});

void describe('liveEventLogEntries', () => {
  void it('one entry per channel under the Windows folder, placed as wevtutil XML of that event log', () => {
    const entries = liveEventLogEntries({ SystemDrive: 'C:', windir: 'C:\\WINDOWS' }, { channels: ['Microsoft-Windows-Sysmon/Operational', 'Application'] });
    assert.deepEqual(
      entries.map((e) => [e.path, e.size, e.mtime, e.placement]),
      [
        ['C/WINDOWS/System32/winevt/Logs/Application.xml', 0, null, { type: 'log', kind: 'event', source: 'Event log/Application', format: 'wevtutil-xml' }],
        [
          'C/WINDOWS/System32/winevt/Logs/Microsoft-Windows-Sysmon%4Operational.xml',
          0,
          null,
          { type: 'log', kind: 'event', source: 'Event log/Microsoft-Windows-Sysmon/Operational', format: 'wevtutil-xml' },
        ],
      ],
    );
    assert.equal(liveEventLogEntries({}).length, 7, 'every channel the rules need');
    assert.equal(liveEventLogEntries({})[0]?.path, 'C/Windows/System32/winevt/Logs/Application.xml', 'Windows defaults without environment');
  });

  void it('merge into the folder tree in tree order', async (t) => {
    const dir = makeTempDir('live-events');
    t.after(() => removeTempDir(dir));
    writeTree(dir, { 'Windows/Temp/a.dmp': 'x', 'Windows/System32/z.txt': 'y', 'inetpub/wwwroot/aspnet_client/s.aspx': 'z' });
    const files = openMappedTree(
      [
        { dir: join(dir, 'Windows', 'Temp'), prefix: 'C/Windows/Temp' },
        { dir: join(dir, 'Windows', 'System32'), prefix: 'C/Windows/System32' },
        { dir: join(dir, 'inetpub', 'wwwroot'), prefix: 'C/inetpub/wwwroot' },
      ],
      { input: '', label: 'h' },
    );
    const paths = await treePaths(withEntries(files, liveEventLogEntries({ SystemDrive: 'C:' }, { channels: ['System', 'Application'] })));
    assert.deepEqual(paths, [
      'C/Windows/System32/winevt/Logs/Application.xml',
      'C/Windows/System32/winevt/Logs/System.xml',
      'C/Windows/System32/z.txt',
      'C/Windows/Temp/a.dmp',
      'C/inetpub/wwwroot/aspnet_client/s.aspx',
    ]);
    assert.deepEqual(paths, [...paths].sort(compareTreePaths));
  });
});
