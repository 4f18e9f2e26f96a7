/**
 * @module Tests of the live-host pieces that run anywhere: the reg.exe output parser, install-path
 * discovery, the folder plan, and the refusal off Windows.
 */
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { describe, it } from 'node:test';
import type { Diagnostic } from '../core/diagnostic.js';
import { UsageError } from '../core/errors.js';
import { findExchangeInstallPath, openLiveHostTree, parseRegQueryValue, planLiveRoots } from './live-host.js';
import { treePaths } from '../../test/fixtures/inputs/temp-tree.js';

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

  void it('reports a server without Exchange and still opens (folders that do not exist are skipped)', async () => {
    const diagnostics: Diagnostic[] = [];
    const tree = await openLiveHostTree({
      platform: 'win32',
      env: { SystemDrive: 'Q:' },
      runRegQuery: () => Promise.resolve(null),
      onDiagnostic: (d) => diagnostics.push(d),
    });
    assert.equal(tree.input, '');
    assert.equal(tree.label, hostname());
    assert.deepEqual(await treePaths(tree), []);
    assert.deepEqual(
      diagnostics.map((d) => [d.level, d.code]),
      [['warning', 'exchange-not-found']],
    );
  });
});
