/**
 * @module Tests of the indicator set's column probe through a real scan: synthetic IIS W3C and
 * HttpProxy CSV logs (written here, following the documented layouts) hold lines that match
 * each kind of web indicator in each spelling the parsers meet (IIS `+` agents, quoted CSV agents
 * with commas and doubled quotes, `-` values, addresses with ports, IPv6, CIDR ranges, host names
 * in the host column and in anchors, e-mail anchors, URL paths), among lines that match nothing.
 * The probe must find every one of them, exactly what a scan that parses every line finds, while
 * parsing fewer lines.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { assembleDetectors } from '../../engine/content.js';
import { runScan, type ScanResult } from '../../engine/scan.js';
import { Collector } from '../import/collector.js';
import { MemorySession } from '../memory.js';
import type { IndicatorType } from '../model.js';
import { IndicatorDetector } from './detector.js';
import { IntelMatcherBuilder, type IntelMatcher, type Prefilter } from './matcher.js';

const INDICATORS: readonly [IndicatorType, string][] = [
  ['ipv4', '203.0.113.7'],
  ['ipv4', '198.51.100.0/24'],
  ['ipv6', '2001:db8::1'],
  ['useragent', 'Evil Agent/1.0 (compatible, probe)'],
  ['useragent', 'Quoted "Agent"/2.0'],
  ['useragent', 'Agënt/3.0 (Ünicode)'],
  ['domain', 'evil.example'],
  ['domain', 'my_host.example'],
  ['email', 'ceo@victim.example'],
  ['url-path', '/owa/auth/probe.aspx'],
  ['url', 'http://c2.example.net/ecp/drop.js'],
];

const W3C_FIELDS = 'date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs-host sc-status sc-substatus sc-win32-status time-taken';
const iisLine = (stem: string, ip: string, ua: string, host: string): string => `2021-03-03 02:11:02 10.0.0.5 GET ${stem} - 443 - ${ip} ${ua} ${host} 200 0 0 15`;

const IIS = [
  '# Synthetic test log written for exhunt (src/intel/match/probe.test.ts); not captured from a real server.',
  '#Software: Microsoft Internet Information Services 10.0',
  '#Version: 1.0',
  '#Date: 2021-03-03 00:00:00',
  `#Fields: ${W3C_FIELDS}`,
  iisLine('/owa/', '10.1.2.3', 'Mozilla/5.0+(Windows+NT+10.0)', 'mail.contoso.com'),
  iisLine('/owa/', '203.0.113.7', 'Mozilla/5.0', 'mail.contoso.com'), // address
  iisLine('/owa/', '198.51.100.77', 'Mozilla/5.0', '-'), // in a range
  iisLine('/owa/', '2001:db8:0:0:0:0:0:1', 'Mozilla/5.0', 'mail.contoso.com'), // IPv6, long spelling
  iisLine('/owa/', '10.1.2.4', 'Evil+Agent/1.0+(compatible,+probe)', 'mail.contoso.com'), // agent, IIS spelling
  iisLine('/owa/', '10.1.2.5', 'Mozilla/5.0', 'www.EVIL.example:443'), // domain in the host, with a port
  iisLine('/OWA/auth/probe.aspx', '10.1.2.6', 'Mozilla/5.0', 'mail.contoso.com'), // URL path, any case
  iisLine('/owa/', '10.1.2.7', 'Mozilla/5.0', 'mail.contoso.com'),
  iisLine('/owa/', '10.1.2.8', 'AGËNT/3.0+(ünicode)', 'mail.contoso.com'), // non-ASCII agent, other case
  iisLine('/owa/', '10.1.2.9', 'Mozilla/5.0', 'www.My_Host.example.'), // underscore, trailing dot
  iisLine('/owa/', '10.1.2.9', 'Mozilla/5.0', 'host.example'), // the listed domain's last label only: no match
  // A later header block with other columns: no cs-host, X-Forwarded-For added.
  '#Fields: date time cs-uri-stem c-ip X-Forwarded-For cs(User-Agent)',
  '2021-03-03 03:00:00 /owa/ 10.1.2.8 203.0.113.7 Mozilla/5.0', // forwarded address
  '2021-03-03 03:00:01 /owa/ 10.1.2.9 - Mozilla/5.0',
  '2021-03-03 03:00:02 /owa/ 10.1.2.9 - Mozilla/5.0   ', // trailing blanks
];

const CSV_FIELDS = 'DateTime,RequestId,Protocol,UrlHost,UrlStem,AnchorMailbox,UserAgent,ClientIpAddress,ServerHostName,HttpStatus,Method,BackEndCookie,UrlQuery';
const proxyLine = (host: string, stem: string, anchor: string, ua: string, ip: string, cookie: string): string =>
  `2021-03-03T02:11:02.000Z,0a1b2c3d-0000-4000-8000-000000000001,Owa,${host},${stem},${anchor},${ua},${ip},EXCH01,200,GET,${cookie},`;

const PROXY = [
  '#Software: Microsoft Exchange Server',
  '#Version: 15.01.2176.002',
  '#Log-type: HttpProxy Logs',
  '#Date: 2021-03-03T00:00:00.000Z',
  `#Fields: ${CSV_FIELDS}`,
  proxyLine('mail.contoso.com', '/owa/', 'SMTP:user@contoso.com', 'Mozilla/5.0', '10.1.2.3', ''),
  proxyLine('mail.contoso.com', '/owa/', 'SMTP:user@contoso.com', 'Mozilla/5.0', '203.0.113.7:51234', ''), // address with a port
  proxyLine('mail.contoso.com', '/owa/', 'SMTP:user@contoso.com', '"Evil Agent/1.0 (compatible, probe)"', '10.1.2.4', ''), // quoted agent with a comma
  proxyLine('mail.contoso.com', '/owa/', 'SMTP:user@contoso.com', '"Quoted ""Agent""/2.0"', '10.1.2.5', ''), // doubled quotes
  proxyLine('mail.contoso.com', '/owa/', 'SMTP:CEO@victim.example', 'Mozilla/5.0', '10.1.2.6', ''), // e-mail anchor
  proxyLine('mail.contoso.com', '/owa/', 'ServerInfo~a]@srv.evil.example:444/x', 'Mozilla/5.0', '10.1.2.7', ''), // domain in an anchor
  proxyLine('mail.contoso.com', '/owa/', 'SMTP:user@contoso.com', 'Mozilla/5.0', '10.1.2.8', 'Server~mx.evil.example~1941962752'), // domain in the cookie
  proxyLine('c2.example.net', '/ecp/drop.js', '', 'Mozilla/5.0', '10.1.2.9', ''), // URL
  proxyLine('mail.contoso.com', '/ecp/drop.js', '', 'Mozilla/5.0', '10.1.2.10', ''), // its path on another host: no match
  proxyLine('[2001:db8::1]', '/owa/', '', 'Mozilla/5.0', '10.1.2.11', ''), // IPv6 host
  proxyLine('mail.contoso.com', '/owa/', '"SMTP:user@contoso.com,x"', '"Mozilla/5.0 (X11, Linux)"', '10.1.2.12', ''), // quoted, no match
  proxyLine('mail.contoso.com', '/owa/', 'SMTP:user@contoso.com', '" EVIL AGENT/1.0 (COMPATIBLE, PROBE)\t"', '10.1.2.13', ''), // other case, blanks around
  proxyLine('[evil.example]', '/owa/', '', 'Mozilla/5.0', '10.1.2.14', ''), // a bracketed name
  proxyLine('mail.contoso.com', '/owa/', '', 'Mozilla/5.0', '10.1.2.15', 'Server~x.evil.example_y~1941962752'), // a name the underscore ends
  proxyLine('mail.contoso.com', '/owa/', 'SMTP:a@my_host.example', 'Mozilla/5.0', '10.1.2.16', ''), // no host name starts after the underscore
];

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'exhunt-probe-'));
  writeFileSync(join(dir, 'u_ex210303.log'), `${IIS.join('\r\n')}\r\n`);
  writeFileSync(join(dir, 'HttpProxy_2021030302-1.LOG'), `${PROXY.join('\r\n')}\r\n`);
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function matcher(prefilter: Prefilter, items = INDICATORS): Promise<IntelMatcher> {
  const session = new MemorySession('probe test');
  const c = new Collector(session);
  for (const [type, value] of items) assert.ok(await c.indicator(type, value, { file: 't' }, { ref: value }), `${type} ${value}`);
  await c.flush();
  const b = new IntelMatcherBuilder({ now: new Date('2021-03-10T00:00:00Z'), prefilter });
  for (const i of session.indicators()) b.add(i);
  return b.build();
}

async function scan(m: IntelMatcher): Promise<ScanResult> {
  const detectors = assembleDetectors({
    rules: { detectors: [], escalations: new Map(), errors: [] },
    intel: { detectors: [...m.kinds].map((k) => new IndicatorDetector(m, k)), hashes: m.hashes, indicators: m.stats.active, errors: [] },
  });
  return runScan({ inputs: [dir], detectors, sinks: () => [] });
}

const found = (r: ScanResult): string[] => r.findings.map((f) => `${f.source.path}:${f.source.line} ${f.evidence?.Indicator ?? ''}`).sort();

test('the column probe finds every web indicator a full read finds, and parses fewer lines', async () => {
  const probe = await matcher('probe');
  assert.deepEqual(probe.literals('iis'), [], 'no literals: the probe alone decides');
  assert.ok(probe.columnProbe('iis') && probe.columnProbe('httpproxy'));
  const off = await matcher('off');
  assert.equal(off.columnProbe('iis'), undefined);

  const all = await scan(off);
  const probed = await scan(probe);
  assert.deepEqual(found(probed), found(all));
  assert.deepEqual(found(all), [
    'HttpProxy_2021030302-1.LOG:10 ceo@victim.example',
    'HttpProxy_2021030302-1.LOG:11 evil.example',
    'HttpProxy_2021030302-1.LOG:12 evil.example',
    'HttpProxy_2021030302-1.LOG:13 http://c2.example.net/ecp/drop.js',
    'HttpProxy_2021030302-1.LOG:15 2001:db8::1',
    'HttpProxy_2021030302-1.LOG:17 Evil Agent/1.0 (compatible, probe)',
    'HttpProxy_2021030302-1.LOG:18 evil.example',
    'HttpProxy_2021030302-1.LOG:19 evil.example',
    'HttpProxy_2021030302-1.LOG:7 203.0.113.7',
    'HttpProxy_2021030302-1.LOG:8 Evil Agent/1.0 (compatible, probe)',
    'HttpProxy_2021030302-1.LOG:9 Quoted "Agent"/2.0',
    'u_ex210303.log:10 Evil Agent/1.0 (compatible, probe)',
    'u_ex210303.log:11 evil.example',
    'u_ex210303.log:12 /owa/auth/probe.aspx',
    'u_ex210303.log:14 Agënt/3.0 (Ünicode)',
    'u_ex210303.log:15 my_host.example',
    'u_ex210303.log:18 203.0.113.7',
    'u_ex210303.log:7 203.0.113.7',
    'u_ex210303.log:8 198.51.100.0/24',
    'u_ex210303.log:9 2001:db8::1',
  ]);
  assert.ok(probed.summary.records < all.summary.records, `the probe parsed ${probed.summary.records} records, a full read ${all.summary.records}`);
  // `auto` picks the probe when a CIDR range (or an IPv6 address, which has many spellings) rules literals out...
  assert.deepEqual(found(await scan(await matcher('auto'))), found(all));
  // ...and literals for exact values, which find the same.
  const exact = INDICATORS.filter(([t, v]) => !v.includes('/24') && t !== 'ipv6');
  const literal = await matcher('auto', exact);
  assert.equal(literal.columnProbe('iis'), undefined);
  assert.ok((literal.literals('iis') ?? []).length > 0);
  const literalFound = found(await scan(literal));
  assert.deepEqual(literalFound, found(await scan(await matcher('off', exact))));
  assert.equal(literalFound.length, found(all).length - 3, 'all but the range and the IPv6 address');
});
