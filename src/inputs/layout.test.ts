/**
 * @module Tests of layout detection and classification over realistic path lists: default install,
 * D:\Exchange, C:\Exchange, install folder alone, loose logs, case variants, W3SVC1/W3SVC2.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectLayout } from './layout.js';
import type { LogKind } from '../sources/source.js';
import type { Placement, SweepZone } from './placement.js';

const V15 = 'C/Program Files/Microsoft/Exchange Server/V15';
const V15_WIN = 'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\';

/** A KAPE-style collection of a default install (paths as the collector writes them). */
const DEFAULT_INSTALL = [
  `${V15}/Bin/Microsoft.Exchange.Diagnostics.dll`,
  `${V15}/ClientAccess/OAB/6c8b3c4e-6a0e-4e0a-9a55-0f0b3c7f9a11/oab.xml`,
  `${V15}/ClientAccess/Owa/web.config`,
  `${V15}/FrontEnd/HttpProxy/OAB/log.aspx`,
  `${V15}/FrontEnd/HttpProxy/ecp/auth/TimeoutLogoff.aspx`,
  `${V15}/FrontEnd/HttpProxy/owa/auth/15.1.2176/themes/resources/logon.css`,
  `${V15}/FrontEnd/HttpProxy/owa/auth/Current/themes/resources/shell.aspx`,
  `${V15}/FrontEnd/HttpProxy/owa/auth/errorFE.aspx`,
  `${V15}/FrontEnd/HttpProxy/owa/web.config`,
  `${V15}/Logging/ECP/Activity/ECPActivity_20210303-1.LOG`,
  `${V15}/Logging/ECP/Server/ECPServer20210303-1.LOG`,
  `${V15}/Logging/HttpProxy/Autodiscover/HttpProxy_2021030304-1.LOG`,
  `${V15}/Logging/HttpProxy/Ecp/HttpProxy_2021030304-1.LOG`,
  `${V15}/Logging/HttpProxy/Owa/HttpProxy_2021030304-1.LOG`,
  `${V15}/Logging/HttpProxy/PowerShell/HttpProxy_2021030304-1.LOG`,
  `${V15}/Logging/OABGeneratorLog/OABGeneratorLog_20210303-1.LOG`,
  'C/ProgramData/VSPerfMon/x.7z',
  'C/Users/Public/opera/opera_browser.exe',
  'C/Windows/System32/drivers/etc/hosts',
  'C/Windows/Temp/lsass.dmp',
  'C/inetpub/logs/LogFiles/FTPSVC2/u_ex210303.log',
  'C/inetpub/logs/LogFiles/W3SVC1/u_ex210303.log',
  'C/inetpub/logs/LogFiles/W3SVC2/u_ex210303.log',
  'C/inetpub/wwwroot/aspnet_client/system_web/shell.aspx',
  'C/inetpub/wwwroot/iisstart.htm',
  'C/root/lsass.dmp',
  'C/rootkit/x.dmp',
];

function logOf(kind: LogKind, source: string): Placement {
  return { type: 'log', kind, source };
}

function sweepOf(zone: SweepZone, windowsPath: string): Placement {
  return { type: 'sweep', zone, windowsPath };
}

void describe('detectLayout: default install on C:', () => {
  const layout = detectLayout(DEFAULT_INSTALL);

  void it('finds the install folder and the drive', () => {
    assert.equal(layout.exchangeInstall, V15_WIN);
    assert.equal(layout.installTreePrefix, V15);
    assert.deepEqual(layout.drives, [{ folder: 'C', letter: 'C' }]);
  });

  void it('places each log by its folder', () => {
    assert.deepEqual(layout.classify(`${V15}/Logging/HttpProxy/Owa/HttpProxy_2021030304-1.LOG`), logOf('httpproxy', 'HttpProxy/Owa'));
    assert.deepEqual(layout.classify(`${V15}/Logging/HttpProxy/PowerShell/HttpProxy_2021030304-1.LOG`), logOf('httpproxy', 'HttpProxy/PowerShell'));
    assert.deepEqual(layout.classify(`${V15}/Logging/ECP/Server/ECPServer20210303-1.LOG`), logOf('ecp', 'ECP Server'));
    assert.deepEqual(layout.classify(`${V15}/Logging/OABGeneratorLog/OABGeneratorLog_20210303-1.LOG`), logOf('oab', 'OAB Generator'));
    assert.deepEqual(layout.classify('C/inetpub/logs/LogFiles/W3SVC1/u_ex210303.log'), logOf('iis', 'IIS W3SVC1'));
    assert.deepEqual(layout.classify('C/inetpub/logs/LogFiles/W3SVC2/u_ex210303.log'), logOf('iis', 'IIS W3SVC2'));
  });

  void it('places files in sweep zones with their server paths', () => {
    assert.deepEqual(
      layout.classify('C/inetpub/wwwroot/aspnet_client/system_web/shell.aspx'),
      sweepOf('aspnet-client', 'C:\\inetpub\\wwwroot\\aspnet_client\\system_web\\shell.aspx'),
    );
    assert.deepEqual(layout.classify('C/inetpub/wwwroot/iisstart.htm'), sweepOf('wwwroot', 'C:\\inetpub\\wwwroot\\iisstart.htm'));
    // A file (not a folder) named aspnet_client is an ordinary wwwroot file.
    assert.deepEqual(layout.classify('C/inetpub/wwwroot/aspnet_client'), sweepOf('wwwroot', 'C:\\inetpub\\wwwroot\\aspnet_client'));
    assert.deepEqual(
      layout.classify(`${V15}/FrontEnd/HttpProxy/owa/auth/Current/themes/resources/shell.aspx`),
      sweepOf('owa-auth', `${V15_WIN}FrontEnd\\HttpProxy\\owa\\auth\\Current\\themes\\resources\\shell.aspx`),
    );
    assert.deepEqual(layout.classify(`${V15}/FrontEnd/HttpProxy/owa/auth/errorFE.aspx`)?.type, 'sweep');
    assert.deepEqual(
      layout.classify(`${V15}/FrontEnd/HttpProxy/ecp/auth/TimeoutLogoff.aspx`),
      sweepOf('ecp-auth', `${V15_WIN}FrontEnd\\HttpProxy\\ecp\\auth\\TimeoutLogoff.aspx`),
    );
    assert.deepEqual(layout.classify(`${V15}/FrontEnd/HttpProxy/OAB/log.aspx`), sweepOf('oab', `${V15_WIN}FrontEnd\\HttpProxy\\OAB\\log.aspx`));
    assert.deepEqual(
      layout.classify(`${V15}/ClientAccess/OAB/6c8b3c4e-6a0e-4e0a-9a55-0f0b3c7f9a11/oab.xml`),
      sweepOf('oab', `${V15_WIN}ClientAccess\\OAB\\6c8b3c4e-6a0e-4e0a-9a55-0f0b3c7f9a11\\oab.xml`),
    );
    assert.deepEqual(layout.classify('C/root/lsass.dmp'), sweepOf('staging', 'C:\\root\\lsass.dmp'));
    assert.deepEqual(layout.classify('C/Windows/Temp/lsass.dmp'), sweepOf('staging', 'C:\\Windows\\Temp\\lsass.dmp'));
    assert.deepEqual(layout.classify('C/ProgramData/VSPerfMon/x.7z'), sweepOf('programdata', 'C:\\ProgramData\\VSPerfMon\\x.7z'));
  });

  void it('says nothing about files outside logs and zones', () => {
    for (const p of [
      `${V15}/Bin/Microsoft.Exchange.Diagnostics.dll`,
      `${V15}/FrontEnd/HttpProxy/owa/web.config`,
      `${V15}/Logging/ECP/Activity/ECPActivity_20210303-1.LOG`,
      'C/Windows/System32/drivers/etc/hosts',
      'C/Users/Public/opera/opera_browser.exe',
      // FTP logs are W3C too, but not the web site's.
      'C/inetpub/logs/LogFiles/FTPSVC2/u_ex210303.log',
      // `root` is matched as a whole name.
      'C/rootkit/x.dmp',
    ]) {
      assert.equal(layout.classify(p), null, p);
    }
  });
});

void describe('detectLayout: other install places', () => {
  void it('D:\\Exchange', () => {
    const layout = detectLayout([
      'C/inetpub/logs/LogFiles/W3SVC1/u_ex210303.log',
      'C/Windows/Temp/x.tmp',
      'D/Exchange/Bin/ExSetup.exe',
      'D/Exchange/ClientAccess/ecp/web.config',
      'D/Exchange/FrontEnd/HttpProxy/owa/auth/x.aspx',
      'D/Exchange/Logging/HttpProxy/Ews/HttpProxy_2021030304-1.LOG',
    ]);
    assert.equal(layout.exchangeInstall, 'D:\\Exchange\\');
    assert.equal(layout.installTreePrefix, 'D/Exchange');
    assert.deepEqual(
      layout.drives.map((d) => d.letter),
      ['C', 'D'],
    );
    assert.deepEqual(layout.classify('D/Exchange/FrontEnd/HttpProxy/owa/auth/x.aspx'), sweepOf('owa-auth', 'D:\\Exchange\\FrontEnd\\HttpProxy\\owa\\auth\\x.aspx'));
    assert.deepEqual(layout.classify('D/Exchange/Logging/HttpProxy/Ews/HttpProxy_2021030304-1.LOG'), logOf('httpproxy', 'HttpProxy/Ews'));
  });

  void it('C:\\Exchange with the HAFNIUM web shell path', () => {
    const layout = detectLayout(['C/Exchange/FrontEnd/HttpProxy/owa/auth/RedirSuiteServerProxy.aspx', 'C/Exchange/Logging/HttpProxy/Owa/HttpProxy_2021030304-1.LOG']);
    assert.equal(layout.exchangeInstall, 'C:\\Exchange\\');
    assert.deepEqual(
      layout.classify('C/Exchange/FrontEnd/HttpProxy/owa/auth/RedirSuiteServerProxy.aspx'),
      sweepOf('owa-auth', 'C:\\Exchange\\FrontEnd\\HttpProxy\\owa\\auth\\RedirSuiteServerProxy.aspx'),
    );
  });

  void it('an install folder alone: install is the root, server paths use %ExchangeInstallPath%', () => {
    const layout = detectLayout([
      'Bin/ExSetup.exe',
      'ClientAccess/OAB/x/oab.xml',
      'FrontEnd/HttpProxy/owa/auth/shell.aspx',
      'Logging/ECP/Server/ECPServer20210303-1.LOG',
      'Logging/HttpProxy/Owa/HttpProxy_2021030304-1.LOG',
    ]);
    assert.equal(layout.installTreePrefix, '');
    assert.equal(layout.exchangeInstall, null);
    assert.deepEqual(layout.drives, []);
    assert.deepEqual(layout.classify('FrontEnd/HttpProxy/owa/auth/shell.aspx'), sweepOf('owa-auth', '%ExchangeInstallPath%\\FrontEnd\\HttpProxy\\owa\\auth\\shell.aspx'));
    assert.deepEqual(layout.classify('ClientAccess/OAB/x/oab.xml'), sweepOf('oab', '%ExchangeInstallPath%\\ClientAccess\\OAB\\x\\oab.xml'));
    assert.deepEqual(layout.classify('Logging/HttpProxy/Owa/HttpProxy_2021030304-1.LOG'), logOf('httpproxy', 'HttpProxy/Owa'));
    assert.deepEqual(layout.classify('Logging/ECP/Server/ECPServer20210303-1.LOG'), logOf('ecp', 'ECP Server'));
    assert.equal(layout.classify('Bin/ExSetup.exe'), null);
  });

  void it('prefers the install with more markers over a stray Logging/HttpProxy copy', () => {
    const layout = detectLayout([
      `${V15}/Bin/x.dll`,
      `${V15}/ClientAccess/OAB/oab.xml`,
      `${V15}/FrontEnd/HttpProxy/owa/auth/x.aspx`,
      `${V15}/Logging/HttpProxy/Owa/a.LOG`,
      // Shallower than the install: depth alone would pick it.
      'C/copy/Logging/HttpProxy/Owa/a.LOG',
    ]);
    assert.equal(layout.exchangeInstall, V15_WIN);
    // The copy is still read as a log (moved or copied log folders keep their names).
    assert.deepEqual(layout.classify('C/copy/Logging/HttpProxy/Owa/a.LOG'), logOf('httpproxy', 'HttpProxy/Owa'));
  });
});

void describe('detectLayout: spellings', () => {
  void it('ignores case in every folder name, keeping the protocol folder as written', () => {
    const v15 = 'c/PROGRAM FILES/microsoft/exchange server/v15';
    const layout = detectLayout([`${v15}/logging/httpproxy/OWA/httpproxy_2021030304-1.log`, `${v15}/FRONTEND/HTTPPROXY/OWA/AUTH/X.ASPX`, 'c/INETPUB/WWWROOT/ASPNET_CLIENT/X.ASPX', 'c/inetpub/logs/logfiles/w3svc1/U_EX210303.LOG']);
    assert.equal(layout.exchangeInstall, 'C:\\PROGRAM FILES\\microsoft\\exchange server\\v15\\');
    assert.deepEqual(layout.classify(`${v15}/logging/httpproxy/OWA/httpproxy_2021030304-1.log`), logOf('httpproxy', 'HttpProxy/OWA'));
    assert.deepEqual(layout.classify(`${v15}/FRONTEND/HTTPPROXY/OWA/AUTH/X.ASPX`)?.type, 'sweep');
    assert.deepEqual(layout.classify('c/INETPUB/WWWROOT/ASPNET_CLIENT/X.ASPX'), sweepOf('aspnet-client', 'C:\\INETPUB\\WWWROOT\\ASPNET_CLIENT\\X.ASPX'));
    assert.deepEqual(layout.classify('c/inetpub/logs/logfiles/w3svc1/U_EX210303.LOG'), logOf('iis', 'IIS W3SVC1'));
  });

  void it('reads C$ and C%3A drive folders', () => {
    for (const drive of ['C$', 'C%3A']) {
      const layout = detectLayout([`${drive}/inetpub/wwwroot/aspnet_client/a.aspx`, `${drive}/Windows/Temp/lsass.dmp`]);
      assert.deepEqual(layout.drives, [{ folder: drive, letter: 'C' }]);
      assert.deepEqual(layout.classify(`${drive}/Windows/Temp/lsass.dmp`), sweepOf('staging', 'C:\\Windows\\Temp\\lsass.dmp'));
    }
  });
});

void describe('detectLayout: loose logs', () => {
  const paths = [
    'E/HttpProxy_2021030304-1.LOG',
    'HttpProxy_2021030305-1.LOG',
    'IISLogs/W3SVC1/u_ex210303.log',
    'OABGeneratorLog/OABGeneratorLog_20210303-1.LOG',
    'Owa/HttpProxy_2021030304-1.LOG',
    'ecp/ECPServer20210303-1.LOG',
    'notes.txt',
    'u_ex210304.log',
  ];
  const layout = detectLayout(paths);

  void it('has no drive and no install (a single-letter folder without a volume inside is no drive)', () => {
    assert.deepEqual(layout.drives, []);
    assert.equal(layout.installTreePrefix, null);
    assert.equal(layout.exchangeInstall, null);
  });

  void it('classifies by file name and folder hints', () => {
    assert.deepEqual(layout.classify('Owa/HttpProxy_2021030304-1.LOG'), logOf('httpproxy', 'HttpProxy/Owa'));
    assert.deepEqual(layout.classify('E/HttpProxy_2021030304-1.LOG'), logOf('httpproxy', 'HttpProxy/E'));
    assert.deepEqual(layout.classify('HttpProxy_2021030305-1.LOG'), logOf('httpproxy', 'HttpProxy'));
    assert.deepEqual(layout.classify('ecp/ECPServer20210303-1.LOG'), logOf('ecp', 'ECP Server'));
    assert.deepEqual(layout.classify('OABGeneratorLog/OABGeneratorLog_20210303-1.LOG'), logOf('oab', 'OAB Generator'));
    assert.deepEqual(layout.classify('IISLogs/W3SVC1/u_ex210303.log'), logOf('iis', 'IIS W3SVC1'));
    assert.deepEqual(layout.classify('u_ex210304.log'), logOf('iis', 'IIS'));
    assert.equal(layout.classify('notes.txt'), null);
  });

  void it('a single log file (tree of one base name)', () => {
    assert.deepEqual(detectLayout(['HttpProxy_2021030304-1.LOG']).classify('HttpProxy_2021030304-1.LOG'), logOf('httpproxy', 'HttpProxy'));
  });

  void it('does not apply name hints inside a drive folder', () => {
    const withDrive = detectLayout(['C/Windows/System32/x.dll', 'C/Users/admin/HttpProxy_2021030304-1.LOG']);
    assert.equal(withDrive.classify('C/Users/admin/HttpProxy_2021030304-1.LOG'), null);
  });

  void it('reads a drive-less inetpub at the top as %SystemDrive%\\inetpub', () => {
    const l = detectLayout(['inetpub/wwwroot/aspnet_client/system_web/x.aspx', 'inetpub/logs/LogFiles/W3SVC1/u_ex210303.log']);
    assert.deepEqual(l.classify('inetpub/wwwroot/aspnet_client/system_web/x.aspx'), sweepOf('aspnet-client', '%SystemDrive%\\inetpub\\wwwroot\\aspnet_client\\system_web\\x.aspx'));
    assert.deepEqual(l.classify('inetpub/logs/LogFiles/W3SVC1/u_ex210303.log'), logOf('iis', 'IIS W3SVC1'));
  });
});

void describe('detectLayout under a host root', () => {
  void it('classifies full tree paths below the root and nothing outside it', () => {
    const paths = ['cases/EXCH01/C/Program Files/Microsoft/Exchange Server/V15/FrontEnd/HttpProxy/owa/auth/x.aspx', 'cases/EXCH01/C/root/lsass.dmp'];
    const layout = detectLayout(paths, 'cases/EXCH01/');
    assert.equal(layout.exchangeInstall, V15_WIN);
    assert.equal(layout.installTreePrefix, 'cases/EXCH01/C/Program Files/Microsoft/Exchange Server/V15');
    assert.deepEqual(layout.classify('cases/EXCH01/C/root/lsass.dmp'), sweepOf('staging', 'C:\\root\\lsass.dmp'));
    assert.equal(layout.classify('cases/EXCH02/C/root/lsass.dmp'), null);
  });
});
