/**
 * @module Tests of the Windows path helpers, exercised on Linux: separators, drive letters, UNC, dot
 * segments, case-insensitive comparison and the tree ↔ server path mapping.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  driveOfFolder,
  expandWindowsEnv,
  isWindowsPathWithin,
  joinWindowsPath,
  normalizeWindowsPath,
  treePathToWindows,
  windowsPathEquals,
  windowsPathKey,
  windowsPathToTree,
  withTrailingBackslash,
} from './winpath.js';

const INSTALL = 'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\';

void describe('normalizeWindowsPath', () => {
  void it('uses backslashes, an upper-case drive and no doubled or trailing separators', () => {
    assert.equal(normalizeWindowsPath('c:/Program Files//Microsoft\\Exchange Server\\V15\\'), 'C:\\Program Files\\Microsoft\\Exchange Server\\V15');
    assert.equal(normalizeWindowsPath('c:'), 'C:\\');
    assert.equal(normalizeWindowsPath('C:\\'), 'C:\\');
    assert.equal(normalizeWindowsPath('c:/'), 'C:\\');
  });

  void it('keeps a UNC root and resolves dot segments without climbing above it', () => {
    assert.equal(normalizeWindowsPath('//EXCH01/c$/inetpub/./wwwroot/'), '\\\\EXCH01\\c$\\inetpub\\wwwroot');
    assert.equal(normalizeWindowsPath('\\\\EXCH01\\c$\\..\\..\\x'), '\\\\EXCH01\\c$\\x');
    assert.equal(normalizeWindowsPath('C:\\a\\b\\..\\..\\..\\Windows'), 'C:\\Windows');
  });

  void it('reads the \\\\?\\ namespace forms as the paths they name', () => {
    assert.equal(normalizeWindowsPath('\\\\?\\C:\\inetpub\\wwwroot'), 'C:\\inetpub\\wwwroot');
    assert.equal(normalizeWindowsPath('\\\\?\\UNC\\srv\\share\\x'), '\\\\srv\\share\\x');
  });

  void it('keeps leading .. of a relative path', () => {
    assert.equal(normalizeWindowsPath('../..\\evil.aspx'), '..\\..\\evil.aspx');
  });
});

void describe('comparison', () => {
  void it('treats C:\\ and c:/ spellings, case and trailing separators as the same path', () => {
    assert.ok(windowsPathEquals('C:\\inetpub\\wwwroot\\aspnet_client\\', 'c:/INETPUB/wwwroot/Aspnet_Client'));
    assert.ok(windowsPathEquals('\\\\exch01\\C$\\root', '//EXCH01/c$/ROOT/'));
    assert.ok(!windowsPathEquals('C:\\root', 'D:\\root'));
  });

  void it('drops trailing dots and spaces from names as Win32 does', () => {
    assert.ok(windowsPathEquals('C:\\inetpub\\wwwroot\\aspnet_client.\\shell.aspx ', 'C:\\inetpub\\wwwroot\\aspnet_client\\shell.aspx'));
    assert.equal(windowsPathKey('c:/x/y. '), 'C:\\X\\Y');
  });

  void it('isWindowsPathWithin compares whole names and resolves .. first', () => {
    const oab = `${INSTALL}ClientAccess\\OAB`;
    assert.ok(isWindowsPathWithin('c:/program files/microsoft/exchange server/v15/clientaccess/oab/x.xml', oab));
    assert.ok(isWindowsPathWithin(oab, `${oab}\\`));
    assert.ok(!isWindowsPathWithin(`${INSTALL}ClientAccess\\OABX\\x.xml`, oab));
    // The evasion Test-ProxyLogon's plain StartsWith would miss.
    assert.ok(!isWindowsPathWithin(`${INSTALL}ClientAccess\\OAB\\..\\..\\FrontEnd\\HttpProxy\\owa\\auth\\shell.aspx`, oab));
    assert.ok(isWindowsPathWithin('C:\\root\\lsass.dmp', 'c:\\'));
    assert.ok(!isWindowsPathWithin('C:\\rootkit\\x', 'C:\\root'));
  });
});

void describe('tree ↔ Windows paths', () => {
  void it('maps drive folders of a triage mirror to drive letters', () => {
    assert.equal(treePathToWindows('C/Program Files/x'), 'C:\\Program Files\\x');
    assert.equal(treePathToWindows('c/inetpub/wwwroot/aspnet_client/a.aspx'), 'C:\\inetpub\\wwwroot\\aspnet_client\\a.aspx');
    assert.equal(treePathToWindows('D$/Exchange/Bin'), 'D:\\Exchange\\Bin');
    assert.equal(treePathToWindows('C%3A/root'), 'C:\\root');
    assert.equal(treePathToWindows('C'), 'C:\\');
    assert.equal(treePathToWindows('Logging/HttpProxy/Owa/x.log'), null);
    assert.equal(treePathToWindows('CD/x'), null);
  });

  void it('maps live paths back into the mirror, refusing UNC and relative paths', () => {
    assert.equal(windowsPathToTree(INSTALL), 'C/Program Files/Microsoft/Exchange Server/V15');
    assert.equal(windowsPathToTree('d:/Exchange\\Logging'), 'D/Exchange/Logging');
    assert.equal(windowsPathToTree('C:\\'), 'C');
    assert.equal(windowsPathToTree('\\\\srv\\share\\x'), null);
    assert.equal(windowsPathToTree('Logging\\x'), null);
  });

  void it('driveOfFolder accepts the spellings collectors use and nothing else', () => {
    assert.deepEqual(['C', 'c', 'C$', 'd$', 'C%3A', 'e%3a'].map(driveOfFolder), ['C', 'C', 'C', 'D', 'C', 'E']);
    assert.deepEqual(['CD', 'C:', '', 'W3SVC1', '1'].map(driveOfFolder), [null, null, null, null, null]);
  });
});

void describe('joining and environment', () => {
  void it('joins and adds a single trailing backslash', () => {
    assert.equal(joinWindowsPath('D:\\Exchange\\', 'FrontEnd', 'HttpProxy'), 'D:\\Exchange\\FrontEnd\\HttpProxy');
    assert.equal(withTrailingBackslash('D:\\Exchange'), 'D:\\Exchange\\');
    assert.equal(withTrailingBackslash('D:\\Exchange\\\\'), 'D:\\Exchange\\');
  });

  void it('expands %VAR% case-insensitively and leaves unknown names visible', () => {
    const env = { windir: 'C:\\Windows', ProgramData: 'C:\\ProgramData' };
    assert.equal(expandWindowsEnv('%WINDIR%\\temp', env), 'C:\\Windows\\temp');
    assert.equal(expandWindowsEnv('%programdata%\\x;%NOPE%\\y', env), 'C:\\ProgramData\\x;%NOPE%\\y');
  });
});
