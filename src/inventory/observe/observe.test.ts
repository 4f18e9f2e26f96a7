/**
 * @module Tests of every inventory input form: build strings, Get-ExchangeServer and ExSetup.exe
 * FileVersionInfo output as text (Format-List, Format-Table, UTF-16), CSV and JSON, servers lists,
 * ExSetup.exe itself, a single Exchange log, and triage folders and zips.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { InputError } from '../../core/errors.js';
import { buildZip } from '../../../test/fixtures/inputs/zip-writer.js';
import { buildPe } from '../../../test/fixtures/inventory/pe-builder.js';
import { formatShort } from '../build.js';
import { tempDir, writeFiles } from '../testutil.js';
import type { Observation } from '../types.js';
import { observeArgument } from './index.js';
import { parseLogHead } from './log-builds.js';
import { readPeVersion } from './pe-version.js';

function summary(o: Observation): string {
  return `${o.host} ${o.build ? formatShort(o.build) : '-'} ${o.confidence} ${o.method}`;
}

const FL_SERVERS = '\r\n\r\nName                : EXCH01\r\nAdminDisplayVersion : Version 15.1 (Build 2176.2)\r\n\r\nName                : EXCH02\r\nAdminDisplayVersion : Version 15.2 (Build 1544.4)\r\n\r\n\r\n';

const FL_FILEVERSION = `
OriginalFilename  : ExSetup.exe
FileDescription   : Microsoft Exchange Server Setup
ProductName       : Microsoft® Exchange
Comments          :
CompanyName       : Microsoft Corporation
FileName          : C:\\Program Files\\Microsoft\\Exchange Server\\V15\\bin\\ExSetup.exe
FileVersion       : 15.01.2176.009
ProductVersion    : 15.01.2176.009
IsDebug           : False
FileMajorPart     : 15
FileMinorPart     : 1
FileBuildPart     : 2176
FilePrivatePart   : 9
PSComputerName    : EXCH01.corp.example

OriginalFilename  : ExSetup.exe
FileName          : C:\\Program Files\\Microsoft\\Exchange Server\\V15\\bin\\ExSetup.exe
FileVersion       : 15.02.1544.004
ProductVersion    : 15.02.1544.004
PSComputerName    : EXCH02.corp.example
`;

const FT_FILEVERSION = `
ProductVersion   FileVersion      FileName
--------------   -----------      --------
15.01.2507.066   15.01.2507.066   C:\\Program Files\\Microsoft\\Exchange Server\\V15\\bin\\ExSetup.exe

`;

void describe('build arguments', () => {
  void test('short, long, three-part and named builds', async () => {
    const s = await observeArgument('15.1.2176.9');
    assert.deepEqual(s.observations.map(summary), ['15.1.2176.9 15.1.2176.9 exact build-argument']);
    const l = await observeArgument('15.01.2176.009', { host: 'EXCH09' });
    assert.deepEqual(l.observations.map(summary), ['EXCH09 15.1.2176.9 exact build-argument']);
    const cu = await observeArgument('15.1.2176');
    assert.equal(cu.observations[0]?.confidence, 'cu-only');
    const named = await observeArgument('EXCH03=15.02.1544.004');
    assert.deepEqual(named.observations.map(summary), ['EXCH03 15.2.1544.4 exact build-argument']);
  });
  void test('anything else is an input error', async () => {
    await assert.rejects(observeArgument('10.0.17763.1'), InputError);
    await assert.rejects(observeArgument('/nonexistent/exhunt/x.csv'), InputError);
  });
});

void describe('PowerShell output and server lists', () => {
  void test('Get-ExchangeServer | Format-List Name,AdminDisplayVersion saved by PowerShell 5 (UTF-16LE with BOM): CU only', async (t) => {
    const dir = tempDir(t, 'fl');
    const file = join(dir, 'servers.txt');
    writeFileSync(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(FL_SERVERS, 'utf16le')]));
    const r = await observeArgument(file);
    assert.deepEqual(r.observations.map(summary), ['EXCH01 15.1.2176.2 cu-only admin-display-version', 'EXCH02 15.2.1544.4 cu-only admin-display-version']);
    assert.match(r.observations[0]?.notes.join(' ') ?? '', /SU cannot be told/);
    assert.equal(r.observations[0]?.evidence[0]?.line, 3);
  });

  void test('Get-ExchangeServer | Export-Csv (with the #TYPE line) and ConvertTo-Json (AdminDisplayVersion as an object)', async (t) => {
    const dir = tempDir(t, 'gx');
    writeFiles(dir, {
      'servers.csv': '#TYPE Microsoft.Exchange.Data.Directory.Management.ExchangeServer\r\n"Name","AdminDisplayVersion","ExchangeVersion"\r\n"EXCH01","Version 15.1 (Build 2507.6)","0.1 (8.0.535.0)"\r\n',
      'servers.json': JSON.stringify([{ Name: 'EXCH01', AdminDisplayVersion: { Major: 15, Minor: 1, Build: 2507, Revision: 6, MajorRevision: 0, MinorRevision: 6 }, ExchangeVersion: '0.1 (8.0.535.0)' }], null, 2),
    });
    for (const f of ['servers.csv', 'servers.json']) {
      const r = await observeArgument(join(dir, f));
      assert.deepEqual(r.observations.map(summary), ['EXCH01 15.1.2507.6 cu-only admin-display-version'], f);
    }
  });

  void test('ExSetup.exe FileVersionInfo as Format-List (Invoke-Command, two servers), Format-Table, CSV and JSON: exact', async (t) => {
    const dir = tempDir(t, 'fv');
    writeFiles(dir, {
      'fl.txt': FL_FILEVERSION,
      'ft.txt': FT_FILEVERSION,
      'fv.csv': '#TYPE System.Diagnostics.FileVersionInfo\r\n"Comments","CompanyName","FileBuildPart","FileDescription","FileMajorPart","FileMinorPart","FileName","FilePrivatePart","FileVersion","ProductVersion","PSComputerName"\r\n"","Microsoft Corporation","2375","Microsoft Exchange Server Setup","15","1","C:\\Program Files\\Microsoft\\Exchange Server\\V15\\bin\\ExSetup.exe","37","15.01.2375.037","15.01.2375.037","EXCH05"\r\n',
      'fv.json': JSON.stringify({ FileVersion: '15.02.1748.043', ProductVersion: '15.02.1748.043', FileName: 'D:\\Exchange\\Bin\\ExSetup.exe', FileMajorPart: 15 }),
    });
    assert.deepEqual((await observeArgument(join(dir, 'fl.txt'))).observations.map(summary), [
      'EXCH01.corp.example 15.1.2176.9 exact exsetup-fileversioninfo',
      'EXCH02.corp.example 15.2.1544.4 exact exsetup-fileversioninfo',
    ]);
    assert.deepEqual((await observeArgument(join(dir, 'ft.txt'), { host: 'EXCH07' })).observations.map(summary), ['EXCH07 15.1.2507.66 exact exsetup-fileversioninfo']);
    assert.deepEqual((await observeArgument(join(dir, 'fv.csv'))).observations.map(summary), ['EXCH05 15.1.2375.37 exact exsetup-fileversioninfo']);
    assert.deepEqual((await observeArgument(join(dir, 'fv.json'))).observations.map(summary), ['fv.json 15.2.1748.43 exact exsetup-fileversioninfo']);
  });

  void test('a CSV of servers (name,build), a headerless list, and a file without any build', async (t) => {
    const dir = tempDir(t, 'list');
    writeFiles(dir, {
      'servers.csv': 'name,build\nEXCH01,15.1.2176.9\nEXCH02,15.01.2507.066\n"=cmd|\' /C calc\'!A0",15.2.1544.4\nEXCH04,15.2.1544\n',
      'list.txt': 'EXCH01 15.1.2176.9\nEXCH02\t15.2.2562.17\n',
      'empty.csv': 'name,owner\nEXCH01,alice\n',
    });
    assert.deepEqual((await observeArgument(join(dir, 'servers.csv'))).observations.map(summary), [
      'EXCH01 15.1.2176.9 exact servers-list',
      'EXCH02 15.1.2507.66 exact servers-list',
      "=cmd|' /C calc'!A0 15.2.1544.4 exact servers-list",
      'EXCH04 15.2.1544 cu-only servers-list-cu',
    ]);
    assert.deepEqual((await observeArgument(join(dir, 'list.txt'))).observations.map(summary), ['EXCH01 15.1.2176.9 exact servers-list', 'EXCH02 15.2.2562.17 exact servers-list']);
    const empty = await observeArgument(join(dir, 'empty.csv'));
    assert.equal(empty.observations.length, 0);
    assert.equal(empty.diagnostics[0]?.code, 'no-build');
  });
});

const HTTPPROXY = (build: string, date: string): string => {
  const [maj, min, bld, rev] = build.split('.');
  return [
    'DateTime,RequestId,MajorVersion,MinorVersion,BuildVersion,RevisionVersion,ClientRequestId,Protocol,UrlHost,UrlStem,ServerHostName,HttpStatus',
    '#Software: Microsoft Exchange Server',
    `#Version: ${build.split('.').map((p, i) => (i === 1 ? p.padStart(2, '0') : i === 2 ? p.padStart(4, '0') : i === 3 ? p.padStart(3, '0') : p)).join('.')}`,
    '#Log-type: HttpProxy Logs',
    `#Date: ${date}T00:00:01.000Z`,
    '#Fields: DateTime,RequestId,MajorVersion,MinorVersion,BuildVersion,RevisionVersion,ClientRequestId,Protocol,UrlHost,UrlStem,ServerHostName,HttpStatus',
    `${date}T00:00:01.123Z,6c1d,${maj},${min},${bld},${rev},,Owa,mail.example.com,/owa/,EXCH01,200`,
    `${date}T00:10:07.456Z,7d2e,${maj},${min},${bld},${rev},,Owa,mail.example.com,/owa/service.svc,EXCH01,200`,
    '',
  ].join('\r\n');
};

void describe('files', () => {
  void test('ExSetup.exe itself: the version resource gives the exact build; a PE without one is an input error', async (t) => {
    const dir = tempDir(t, 'pe');
    writeFiles(dir, { 'ExSetup.exe': buildPe('15.1.2176.9'), 'other.exe': Buffer.concat([Buffer.from('MZ'), Buffer.alloc(200)]) });
    const r = await observeArgument(join(dir, 'ExSetup.exe'), { host: 'EXCH01' });
    assert.deepEqual(r.observations.map(summary), ['EXCH01 15.1.2176.9 exact exsetup-version-resource']);
    await assert.rejects(observeArgument(join(dir, 'other.exe')), InputError);
  });

  void test('PE reader: truncated, garbage and fuzzed files never throw', () => {
    const pe = buildPe('15.2.1544.4');
    assert.equal(readPeVersion(pe)?.fileVersion, '15.2.1544.4');
    for (let cut = 0; cut < pe.length; cut += 7) readPeVersion(pe.subarray(0, cut));
    let seed = 42;
    for (let i = 0; i < 300; i++) {
      const copy = Buffer.from(pe);
      for (let k = 0; k < 8; k++) {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        copy[seed % copy.length] = seed & 0xff;
      }
      readPeVersion(copy);
    }
  });

  void test('a single HttpProxy log: build from #Version and the build columns, dated by its entries', async (t) => {
    const dir = tempDir(t, 'log');
    writeFiles(dir, { 'HttpProxy_2021030112-1.LOG': HTTPPROXY('15.1.2176.2', '2021-03-01') });
    const r = await observeArgument(join(dir, 'HttpProxy_2021030112-1.LOG'));
    const o = r.observations[0];
    assert.equal(o?.host, 'EXCH01');
    assert.equal(o?.confidence, 'inferred-from-logs');
    assert.equal(o?.history[0]?.firstSeen, '2021-03-01T00:00:01.123Z');
    assert.equal(o?.history[0]?.lastSeen, '2021-03-01T00:10:07.456Z');
    assert.deepEqual(o?.history[0]?.how, ['HttpProxy Logs #Version', 'HttpProxy Logs build columns']);
  });

  void test('the ECP log\'s constant #Version 15.0.0.0 is ignored; its S:BLD is used', () => {
    const head = parseLogHead(
      Buffer.from(
        '#Software: Microsoft Exchange Server\r\n#Version: 15.0.0.0\r\n#Log-type: ECP Server Log\r\n#Date: 2022-10-01T00:00:00.000Z\r\n#Fields: TimeStamp,ServerName,EventId,EventData\r\n2022-10-01T08:00:00.000Z,EXCH01,Cmdlet,S:TIME=1;S:CMD=Get-Mailbox;S:BLD=15.1.2375.7;S:RS=0\r\n',
      ),
    );
    assert.deepEqual(head?.builds.map((b) => `${b.build} ${b.how}`), ['15.1.2375.7 S:BLD']);
  });
});

const APPHOST = `<?xml version="1.0" encoding="UTF-8"?>
<configuration>
  <system.webServer>
    <globalModules>
      <add name="TokenCacheModule" image="%windir%\\System32\\inetsrv\\cachtokn.dll" />
    </globalModules>
  </system.webServer>
  <location path="Default Web Site/ecp">
    <system.webServer><security><authentication>
      <windowsAuthentication enabled="true"><extendedProtection tokenChecking="Require" /></windowsAuthentication>
    </authentication></security></system.webServer>
  </location>
</configuration>
`;

void describe('triage collections', () => {
  function triage(dir: string, withExe: boolean): void {
    const install = 'EXCH01/C/Program Files/Microsoft/Exchange Server/V15';
    writeFiles(dir, {
      [`${install}/Logging/HttpProxy/Owa/HttpProxy_2021010100-1.LOG`]: HTTPPROXY('15.1.2176.2', '2021-01-01'),
      [`${install}/Logging/HttpProxy/Owa/HttpProxy_2021031010-1.LOG`]: HTTPPROXY('15.1.2176.9', '2021-03-10'),
      [`${install}/FrontEnd/HttpProxy/owa/auth/logon.aspx`]: '<%@ Page %>',
      [`${install}/ClientAccess/readme.txt`]: 'x',
      [`${install}/Bin/Microsoft.Exchange.Common.dll`]: 'MZ',
      ...(withExe ? { [`${install}/Bin/ExSetup.exe`]: buildPe('15.1.2176.12') } : {}),
      'EXCH01/C/Windows/System32/inetsrv/config/applicationHost.config': APPHOST,
      'EXCH01/C/inetpub/wwwroot/web.config':
        '<configuration><system.webServer><rewrite><rules>' +
        '<rule name="X-AnonResource-Backend Abort - inbound" stopProcessing="false"><match url=".*" /><conditions><add input="{HTTP_COOKIE}" pattern="(.*)X-AnonResource-Backend(.*)" /></conditions><action type="AbortRequest" /></rule>' +
        '<rule name="X-BEResource Abort - inbound" stopProcessing="true"><match url=".*" /><conditions><add input="{HTTP_COOKIE}" pattern="(.*)X-BEResource=(.+)/(.+)~(.+)" /></conditions><action type="AbortRequest" /></rule>' +
        '</rules></rewrite></system.webServer></configuration>',
      'EXCH01/exchange-server.txt': 'Name                : EXCH01\r\nAdminDisplayVersion : Version 15.1 (Build 2176.2)\r\nMitigationsEnabled  : True\r\n',
      'EXCH01/services.csv': '"Name","Status","StartType"\r\n"MSExchangeMitigation","Stopped","Disabled"\r\n',
    });
  }

  void test('a folder: ExSetup.exe gives the exact build, logs give the history, configuration and exports give posture', async (t) => {
    const dir = tempDir(t, 'triage');
    triage(dir, true);
    const r = await observeArgument(dir);
    assert.equal(r.observations.length, 1);
    const o = r.observations[0];
    assert.ok(o);
    assert.equal(summary(o), 'EXCH01 15.1.2176.12 exact exsetup-version-resource');
    assert.match(o.evidence[0]?.source ?? '', /Bin\/ExSetup\.exe$/);
    assert.deepEqual(
      o.history.map((h) => `${h.build} ${h.firstSeen ?? ''}`),
      ['15.1.2176.2 2021-01-01T00:00:01.123Z', '15.1.2176.9 2021-03-10T00:00:01.123Z'],
    );
    assert.match(o.notes.join(' '), /logs' newest build is 15\.1\.2176\.9/);
    const posture = new Map(o.posture?.items.map((p) => [p.id, p]));
    assert.equal(posture.get('eomt-cve-2021-26855')?.state, 'present');
    assert.match(posture.get('eomt-cve-2021-26855')?.evidence[0]?.source ?? '', /inetpub\/wwwroot\/web\.config$/);
    assert.equal(posture.get('extended-protection')?.state, 'partial');
    assert.equal(posture.get('emergency-mitigation-service')?.state, 'absent');
    assert.equal(posture.get('token-cache-module')?.state, 'present');
  });

  void test('without ExSetup.exe: the newest build in the logs, inferred; and the same from a zip of the folder', async (t) => {
    const dir = tempDir(t, 'triage2');
    triage(dir, false);
    const r = await observeArgument(dir);
    assert.deepEqual(r.observations.map(summary), ['EXCH01 15.1.2176.9 inferred-from-logs exchange-logs']);
    const zipPath = join(tempDir(t, 'zip'), 'EXCH01.zip');
    const { readdirSync, readFileSync, statSync } = await import('node:fs');
    const entries = (readdirSync(dir, { recursive: true, encoding: 'utf8' }))
      .filter((p) => statSync(join(dir, p)).isFile())
      .map((p) => ({ name: p.split('\\').join('/'), data: readFileSync(join(dir, p)) }));
    writeFileSync(zipPath, buildZip(entries));
    const z = await observeArgument(zipPath);
    assert.deepEqual(z.observations.map(summary), ['EXCH01 15.1.2176.9 inferred-from-logs exchange-logs']);
  });

  void test('a folder without any build is reported, not called safe', async (t) => {
    const dir = tempDir(t, 'nothing');
    writeFiles(dir, { 'notes.md': '# nothing here' });
    const r = await observeArgument(dir);
    assert.equal(r.observations.length, 0);
    assert.equal(r.diagnostics[0]?.code, 'no-build');
  });
});
