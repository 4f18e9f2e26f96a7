/**
 * @module Tests of posture checks from IIS configuration and PowerShell exports, and of the tiny
 * XML reader they use.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTable } from '../observe/tables.js';
import { exportPosture } from './exports.js';
import { iisPosture } from './iis.js';
import { parseXml } from './xml.js';

const rule = (name: string, input: string, pattern: string, url = '.*', action = 'AbortRequest'): string =>
  `<rule name="${name}" patternSyntax="Regular Expressions" stopProcessing="true"><match url="${url}" /><conditions logicalGrouping="MatchAll" trackAllCaptures="false"><add input="${input}" pattern="${pattern}" /></conditions><action type="${action}" /></rule>`;
const webConfig = (...rules: string[]): string => `<?xml version="1.0"?>\n<configuration>\n <system.webServer>\n  <rewrite>\n   <rules>\n${rules.join('\n')}\n   </rules>\n  </rewrite>\n </system.webServer>\n</configuration>\n`;
const item = (items: ReturnType<typeof iisPosture>, id: string): ReturnType<typeof iisPosture>[number] | undefined => items.find((i) => i.id === id);

test('ProxyNotShell rewrite rule: the final mitigation is present, the first (bypassable) version partial, none absent', () => {
  const final = iisPosture([{ path: 'C/inetpub/wwwroot/web.config', text: webConfig(rule('PowerShell - inbound', '{UrlDecode:{REQUEST_URI}}', '(?=.*autodiscover)(?=.*powershell)')) }]);
  assert.equal(item(final, 'proxynotshell-url-rewrite')?.state, 'present');
  assert.equal(item(final, 'proxynotshell-url-rewrite')?.evidence[0]?.line, 6);
  const first = iisPosture([{ path: 'web.config', text: webConfig(rule('PowerShell - inbound', '{REQUEST_URI}', '.*autodiscover\\.json.*\\@.*Powershell.*')) }]);
  assert.equal(item(first, 'proxynotshell-url-rewrite')?.state, 'partial');
  const none = iisPosture([{ path: 'web.config', text: webConfig(rule('Other', '{REQUEST_URI}', '^/foo')) }]);
  assert.equal(item(none, 'proxynotshell-url-rewrite')?.state, 'absent');
  const logOnly = iisPosture([{ path: 'web.config', text: webConfig(rule('Audit', '{UrlDecode:{REQUEST_URI}}', '(?=.*autodiscover)(?=.*powershell)', '.*', 'None')) }]);
  assert.equal(item(logOnly, 'proxynotshell-url-rewrite')?.state, 'absent', 'a rule that does not block is no mitigation');
});

test('EOMT rules are recognised by their cookie patterns (one of two is partial); a "*" URL match is flagged', () => {
  const one = iisPosture([{ path: 'web.config', text: webConfig(rule('renamed', '{HTTP_COOKIE}', '(.*)X-BEResource=(.+)/(.+)~(.+)')) }]);
  assert.equal(item(one, 'eomt-cve-2021-26855')?.state, 'partial');
  const bad = iisPosture([{ path: 'web.config', text: webConfig(rule('broken', '{HTTP_HOST}', 'x', '*')) }]);
  assert.equal(item(bad, 'url-rewrite-misconfigured')?.verdict, 'bad');
});

test('Extended Protection per virtual directory; unexpected native modules; a damaged file is reported', () => {
  const loc = (path: string, token: string | null): string =>
    `<location path="${path}"><system.webServer><security><authentication><windowsAuthentication enabled="true">${token ? `<extendedProtection tokenChecking="${token}" />` : ''}</windowsAuthentication></authentication></security></system.webServer></location>`;
  const cfg = (locs: string[], modules = ''): string => `<configuration><system.webServer><globalModules>${modules}</globalModules></system.webServer>${locs.join('')}</configuration>`;
  const all = ['ecp', 'ews', 'owa', 'rpc', 'mapi'].map((v) => loc(`Default Web Site/${v}`, 'Require'));
  const on = iisPosture([{ path: 'applicationHost.config', text: cfg(all) }]);
  assert.equal(item(on, 'extended-protection')?.state, 'present');
  const off = iisPosture([{ path: 'applicationHost.config', text: cfg(['ecp', 'owa'].map((v) => loc(`Default Web Site/${v}`, null))) }]);
  assert.equal(item(off, 'extended-protection')?.state, 'absent');
  const mods = iisPosture([{ path: 'applicationHost.config', text: cfg(all, '<add name="ProtocolSupportModule" image="%windir%\\System32\\inetsrv\\protsup.dll" /><add name="IIS_Helper" image="C:\\ProgramData\\iishelper.dll" />') }]);
  assert.equal(item(mods, 'iis-modules')?.evidence.length, 1);
  assert.match(item(mods, 'iis-modules')?.evidence[0]?.detail ?? '', /iishelper\.dll/);
  const broken = iisPosture([{ path: 'applicationHost.config', text: '<configuration><system.webServer>' }]);
  assert.equal(item(broken, 'iis-config-unreadable')?.state, 'unknown');
});

test('XML reader: attributes with entities, comments, CDATA, line numbers; malformed input never throws', () => {
  const doc = parseXml('<?xml version="1.0"?>\n<!-- c -->\n<a x="1 &amp; 2">\n  <![CDATA[ <b> ]]>\n  <b y=\'&#x41;\'/>\n</a>\n');
  assert.equal(doc.error, null);
  const a = doc.root.children[0];
  assert.equal(a?.attrs.get('x'), '1 & 2');
  assert.equal(a?.children[0]?.attrs.get('y'), 'A');
  assert.equal(a?.children[0]?.line, 5);
  for (const bad of ['<a', '<a b=>', '</x>', '<a><b></a>', '<!--', '<a x="1"', '\u0000<<>>']) assert.ok(parseXml(bad).error !== null || parseXml(bad).root.children.length >= 0);
});

test('Emergency Mitigation service from Get-Service, Get-ExchangeServer and Get-OrganizationConfig exports; overrides that disable AMSI', () => {
  const svc = parseTable('Status   Name                 DisplayName\n------   ----                 -----------\nRunning  MSExchangeMitigation Microsoft Exchange Emergency Mitigation Service\n');
  const srv = parseTable('Name               : EXCH01\nAdminDisplayVersion : Version 15.2 (Build 1544.4)\nMitigationsEnabled : True\nMitigationsApplied : {PING1, M1.1}\n');
  const ok = exportPosture([{ path: 'svc.txt', rows: svc.rows }, { path: 'srv.txt', rows: srv.rows }], 'EXCH01');
  const eems = ok.find((i) => i.id === 'emergency-mitigation-service');
  assert.equal(eems?.verdict, 'good');
  assert.match(eems?.detail ?? '', /M1\.1/);
  const org = parseTable('MitigationsEnabled : False\n');
  assert.equal(exportPosture([{ path: 'org.txt', rows: org.rows }], 'EXCH01').find((i) => i.id === 'emergency-mitigation-service')?.state, 'absent');
  const ov = parseTable('Name          : DisableAMSI\nComponentName : Cafe\nSectionName   : HttpRequestFiltering\nParameters    : {Enabled=False}\n');
  assert.equal(exportPosture([{ path: 'ov.txt', rows: ov.rows }], null).find((i) => i.id === 'amsi')?.verdict, 'bad');
});
