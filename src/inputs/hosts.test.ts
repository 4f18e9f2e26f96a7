/**
 * @module Tests of host grouping: one triage folder, several under one PATH, wrapper folders, drive-less
 * installs, loose logs; the groups always partition the paths.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectHosts, type HostGroup } from './hosts.js';
import { detectLayout } from './layout.js';
import { compareTreePaths } from './tree-path.js';

const V15 = 'C/Program Files/Microsoft/Exchange Server/V15';

function summary(groups: readonly HostGroup[]): [string | null, string, number][] {
  return groups.map((g) => [g.name, g.root, g.paths.length]);
}

/** Every path in exactly one group. */
function assertPartition(paths: readonly string[], groups: readonly HostGroup[]): void {
  const all = groups.flatMap((g) => g.paths).sort(compareTreePaths);
  assert.deepEqual(all, [...paths].sort(compareTreePaths));
}

void describe('detectHosts', () => {
  void it('one triage folder at the root is one host named by nothing', () => {
    const paths = [`${V15}/Logging/HttpProxy/Owa/a.LOG`, 'C/inetpub/wwwroot/iisstart.htm'];
    assert.deepEqual(summary(detectHosts(paths)), [[null, '', 2]]);
  });

  void it('several triage folders under the PATH are several hosts, files beside them one more group', () => {
    const paths = [
      'EXCH01/C/Windows/Temp/lsass.dmp',
      `EXCH01/${V15}/Logging/HttpProxy/Owa/a.LOG`,
      'EXCH02/C/inetpub/logs/LogFiles/W3SVC1/u_ex210303.log',
      'EXCH02/D/Exchange/FrontEnd/HttpProxy/owa/auth/x.aspx',
      'README.txt',
      'notes/timeline.csv',
    ];
    const groups = detectHosts(paths);
    assert.deepEqual(summary(groups), [
      ['EXCH01', 'EXCH01/', 2],
      ['EXCH02', 'EXCH02/', 2],
      [null, '', 2],
    ]);
    assertPartition(paths, groups);
    // Each host gets its own layout.
    const [one, two] = groups;
    assert.equal(detectLayout(one!.paths, one!.root).exchangeInstall, 'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\');
    const l2 = detectLayout(two!.paths, two!.root);
    assert.equal(l2.exchangeInstall, 'D:\\Exchange\\');
    assert.deepEqual(l2.classify('EXCH02/D/Exchange/FrontEnd/HttpProxy/owa/auth/x.aspx'), {
      type: 'sweep',
      zone: 'owa-auth',
      windowsPath: 'D:\\Exchange\\FrontEnd\\HttpProxy\\owa\\auth\\x.aspx',
    });
  });

  void it('looks through wrapper folders (the top folder of a zip)', () => {
    const paths = ['cases/EXCH01/C/root/lsass.dmp', 'cases/EXCH02/c/ProgramData/x.7z', 'cases/EXCH02/c/Windows/Temp/y.tmp'];
    const groups = detectHosts(paths);
    assert.deepEqual(summary(groups), [
      ['EXCH01', 'cases/EXCH01/', 1],
      ['EXCH02', 'cases/EXCH02/', 2],
    ]);
    assertPartition(paths, groups);
  });

  void it('one host inside a wrapper is named by its folder', () => {
    const paths = ['2021-03-05T101010_EXCH01/C/inetpub/wwwroot/aspnet_client/a.aspx', '2021-03-05T101010_EXCH01/C/root/lsass.dmp'];
    assert.deepEqual(summary(detectHosts(paths)), [['2021-03-05T101010_EXCH01', '2021-03-05T101010_EXCH01/', 2]]);
  });

  void it('a host that is an install folder without drive is a host too', () => {
    const paths = ['EXCH01/C/Windows/Temp/x.tmp', 'EXCH02/V15/Logging/HttpProxy/Owa/a.LOG', 'EXCH02/V15/FrontEnd/HttpProxy/owa/auth/x.aspx'];
    const groups = detectHosts(paths);
    assert.deepEqual(summary(groups), [
      ['EXCH01', 'EXCH01/', 1],
      ['EXCH02', 'EXCH02/', 2],
    ]);
    const l2 = detectLayout(groups[1]!.paths, groups[1]!.root);
    assert.equal(l2.installTreePrefix, 'EXCH02/V15');
    assert.equal(l2.exchangeInstall, null);
    assert.deepEqual(l2.classify('EXCH02/V15/FrontEnd/HttpProxy/owa/auth/x.aspx'), {
      type: 'sweep',
      zone: 'owa-auth',
      windowsPath: '%ExchangeInstallPath%\\FrontEnd\\HttpProxy\\owa\\auth\\x.aspx',
    });
  });

  void it('an install folder as the PATH is one host', () => {
    const paths = ['Bin/ExSetup.exe', 'ClientAccess/OAB/x.xml', 'Logging/HttpProxy/Owa/a.LOG'];
    assert.deepEqual(summary(detectHosts(paths)), [[null, '', 3]]);
  });

  void it('a folder of loose logs is one group for the whole tree', () => {
    const paths = ['logs/HttpProxy/Owa/HttpProxy_2021030304-1.LOG', 'logs/HttpProxy/Ecp/HttpProxy_2021030304-1.LOG', 'logs/W3SVC1/u_ex210303.log'];
    assert.deepEqual(summary(detectHosts(paths)), [[null, '', 3]]);
    assert.deepEqual(summary(detectHosts([])), [[null, '', 0]]);
  });
});
