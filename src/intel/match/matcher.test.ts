import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MapRecord } from '../../core/record.js';
import type { RecordKind } from '../../core/origin.js';
import type { IndicatorAttrs, IndicatorType, ProvenanceInput } from '../model.js';
import { Collector } from '../import/collector.js';
import { MemorySession } from '../memory.js';
import { AhoCorasick } from './aho-corasick.js';
import { BinaryTrie } from './cidr-trie.js';
import { IndicatorDetector } from './detector.js';
import type { IntelMatcher, Prefilter } from './matcher.js';
import { IntelMatcherBuilder } from './matcher.js';

type Item = [IndicatorType, string, Partial<ProvenanceInput>?, IndicatorAttrs?];

async function compile(items: readonly Item[], source = 'test', now = new Date('2021-03-10T00:00:00Z'), prefilter: Prefilter = 'auto'): Promise<IntelMatcher> {
  const session = new MemorySession(source);
  const c = new Collector(session);
  for (const [type, value, prov, attrs] of items) {
    const ok = await c.indicator(type, value, { file: 't' }, { ref: `${type}:${value}`, ...(prov ?? {}) }, attrs ?? null);
    assert.ok(ok, `${type} ${value}: ${c.skips.at(-1)?.message ?? ''}`);
  }
  await c.flush();
  const b = new IntelMatcherBuilder({ now, prefilter });
  for (const i of session.indicators()) b.add(i);
  return b.build();
}

function rec(kind: RecordKind, fields: Record<string, string>, time: string | null = '2021-03-03T04:05:06.000Z'): MapRecord {
  return new MapRecord(kind, { path: 'x.log', line: 7, kind }, time, fields);
}

const types = (m: IntelMatcher, r: MapRecord): string[] => m.matchRecord(r).map((x) => `${x.entry.type}:${x.entry.value}`).sort();

test('CIDR v4 and v6: single addresses and ranges, longest and shortest prefixes, mapped addresses', async () => {
  const m = await compile([
    ['ipv4', '203.0.113.7'],
    ['ipv4', '198.51.100.0/24'],
    ['ipv4', '10.0.0.0/8'],
    ['ipv6', '2001:DB8:0:0::1'],
    ['ipv6', '2001:db8:dead:beef::/64'],
  ]);
  const ip = (v: string): string[] => types(m, rec('iis', { 'c-ip': v }));
  assert.deepEqual(ip('203.0.113.7'), ['ipv4:203.0.113.7']);
  assert.deepEqual(ip('203.0.113.8'), []);
  assert.deepEqual(ip('198.51.100.254'), ['ipv4:198.51.100.0/24']);
  assert.deepEqual(ip('198.51.101.1'), []);
  assert.deepEqual(ip('10.200.3.4'), ['ipv4:10.0.0.0/8']);
  assert.deepEqual(ip('::ffff:203.0.113.7'), ['ipv4:203.0.113.7'], 'IPv4-mapped IPv6');
  assert.deepEqual(ip('2001:db8::1'), ['ipv6:2001:db8::1']);
  assert.deepEqual(ip('2001:0db8:0000:0000:0000:0000:0000:0001'), ['ipv6:2001:db8::1'], 'uncompressed spelling');
  assert.deepEqual(ip('2001:db8:dead:beef:1:2:3:4'), ['ipv6:2001:db8:dead:beef::/64']);
  assert.deepEqual(ip('2001:db8:dead:bef0::1'), []);
  assert.deepEqual(types(m, rec('httpproxy', { ClientIpAddress: '203.0.113.7:51234' })), ['ipv4:203.0.113.7'], 'address with a port');
  assert.deepEqual(types(m, rec('httpproxy', { ClientIpAddress: '[2001:db8::1]:443' })), ['ipv6:2001:db8::1']);
});

test('binary trie returns every covering range', () => {
  const t = new BinaryTrie<string>(32);
  t.insert(Uint8Array.from([10, 0, 0, 0]), 8, 'a');
  t.insert(Uint8Array.from([10, 1, 0, 0]), 16, 'b');
  t.insert(Uint8Array.from([0, 0, 0, 0]), 0, 'all');
  assert.deepEqual(t.lookup(Uint8Array.from([10, 1, 2, 3])), ['all', 'a', 'b']);
  assert.deepEqual(t.lookup(Uint8Array.from([11, 1, 2, 3])), ['all']);
});

test('Aho-Corasick finds overlapping patterns in one pass', () => {
  const ac = new AhoCorasick<string>();
  for (const p of ['he', 'she', 'his', 'hers', '/owa/auth/']) ac.add(p, p);
  const found: string[] = [];
  ac.search('ushers get /owa/auth/x', (v) => {
    found.push(v);
  });
  assert.deepEqual(found.sort(), ['/owa/auth/', 'he', 'hers', 'she']);
});

test('paths match case-insensitively, on any drive, and through %variables% and a non-default install', async () => {
  const m = await compile([
    ['filepath', 'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\FrontEnd\\HttpProxy\\owa\\auth\\OutlookZH.aspx'],
    ['filepath', '%ProgramData%\\it.zip'],
  ]);
  const file = (fields: Record<string, string>): string[] => types(m, rec('file', { Name: 'x', ...fields }));
  assert.equal(file({ Path: 'D:\\PROGRAM FILES\\Microsoft\\Exchange Server\\V15\\FrontEnd\\HttpProxy\\OWA\\auth\\outlookzh.aspx' }).length, 1);
  assert.equal(file({ Path: 'c:/program files/microsoft/exchange server/v15/frontend/httpproxy/owa/auth/OutlookZH.aspx' }).length, 1);
  assert.equal(file({ Path: 'E:\\Exchange\\FrontEnd\\HttpProxy\\owa\\auth\\OutlookZH.aspx', CanonicalPath: '%ExchangeInstallPath%\\FrontEnd\\HttpProxy\\owa\\auth\\OutlookZH.aspx' }).length, 1);
  assert.equal(file({ Path: 'C:\\ProgramData\\it.zip' }).length, 1);
  assert.equal(file({ Path: 'C:\\ProgramData\\other.zip' }).length, 0);
  assert.equal(file({ Path: 'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\FrontEnd\\HttpProxy\\owa\\auth\\..\\auth\\OutlookZH.aspx' }).length, 1, '.. resolved');
});

test('user agents match in the IIS + spelling and the plain spelling, either way round', async () => {
  const m = await compile([
    ['useragent', 'Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)'],
    ['useragent', 'ExchangeServicesClient/0.0.0.0'],
    ['useragent', 'Mozilla/5.0+(compatible;+Bingbot/2.0;++http://www.bing.com/bingbot.htm)'],
  ]);
  assert.equal(types(m, rec('iis', { 'cs(User-Agent)': 'Mozilla/5.0+(compatible;+Baiduspider/2.0;++http://www.baidu.com/search/spider.html)' })).length, 1);
  assert.equal(types(m, rec('httpproxy', { UserAgent: 'Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)' })).length, 1);
  assert.equal(types(m, rec('httpproxy', { UserAgent: 'Mozilla/5.0 (compatible; Bingbot/2.0; +http://www.bing.com/bingbot.htm)' })).length, 1);
  assert.equal(types(m, rec('httpproxy', { UserAgent: 'exchangeservicesclient/0.0.0.0' })).length, 1, 'case-insensitive');
  assert.equal(types(m, rec('httpproxy', { UserAgent: 'ExchangeServicesClient/15.0' })).length, 0);
});

test('expired and revoked indicators do not match; an expiry after the event still does', async () => {
  const m = await compile([
    ['ipv4', '192.0.2.1', { validUntil: '2021-03-01T00:00:00.000Z' }],
    ['ipv4', '192.0.2.2', { revoked: true }],
    ['ipv4', '192.0.2.3', { validUntil: '2021-06-01T00:00:00.000Z' }],
  ]);
  const at = (ip: string, time: string | null): number => m.matchRecord(rec('iis', { 'c-ip': ip }, time)).length;
  assert.equal(at('192.0.2.1', '2021-03-03T00:00:00Z'), 0, 'expired before the event');
  assert.equal(at('192.0.2.1', '2021-02-03T00:00:00Z'), 1, 'the event is older than the expiry');
  assert.equal(at('192.0.2.2', '2021-03-03T00:00:00Z'), 0, 'revoked');
  assert.equal(at('192.0.2.3', '2021-03-03T00:00:00Z'), 1);
  assert.equal(at('192.0.2.3', '2022-01-01T00:00:00Z'), 0);
  assert.equal(at('192.0.2.1', null), 0, 'no record time: compile time (2021-03-10) is after the expiry');
  assert.equal(m.stats.inactive, 1);
});

test('domains match their subdomains, URL hosts and anchors; URLs and URL paths match', async () => {
  const m = await compile([
    ['domain', 'evil.example'],
    ['email', 'attacker@evil.example'],
    ['url', 'hxxp://x4z9arb[.]cn/4712'],
    ['url-path', '/owa/auth/OutlookZH.aspx'],
  ]);
  assert.deepEqual(types(m, rec('httpproxy', { UrlHost: 'mail.evil.example' })), ['domain:evil.example']);
  assert.deepEqual(types(m, rec('httpproxy', { UrlHost: 'notevil.example' })), []);
  assert.deepEqual(types(m, rec('httpproxy', { AnchorMailbox: 'ServerInfo~a]@c2.evil.example:444/autodiscover/autodiscover.xml?#' })), ['domain:evil.example']);
  assert.deepEqual(types(m, rec('httpproxy', { AnchorMailbox: 'SMTP:Attacker@Evil.example' })), ['domain:evil.example', 'email:attacker@evil.example']);
  assert.deepEqual(types(m, rec('iis', { 'cs-host': 'X4Z9ARB.cn', 'cs-uri-stem': '/4712' })), ['url:x4z9arb.cn/4712']);
  assert.deepEqual(types(m, rec('iis', { 'cs-uri-stem': '/OWA/auth/outlookzh.aspx', 'cs-uri-query': 'x=1' })), ['url-path:/owa/auth/outlookzh.aspx']);
});

test('hashes of every type; regexes prefiltered by literals; LOKI false-positive regexes', async () => {
  const m = await compile([
    ['sha256', '2B6F1EBB2208E93ADE4A6424555D6A8341FD6D9F60C25E44AFE11008F5C1AAD1'],
    ['md5', '4ef04cba6bec2c3a164b9b755efbeb1c'],
    ['sha1', '49644cbbb9d234bd4f7a47ed596c8bbfefd39065'],
    ['filepath-regex', '\\\\inetpub\\\\wwwroot\\\\aspnet_client\\\\[^\\\\"]{1,20}\\.aspx', {}, { score: 90 }],
    ['filepath-regex', '(?i)\\\\procdump(64)?\\.exe', {}, { score: 50, fpRegex: '(?i)(SysInternals\\\\)', flags: 'i' }],
    ['filename-regex', '^Final Report.+\\.exe$'],
  ]);
  assert.deepEqual(m.hashes, new Set(['md5', 'sha1', 'sha256']));
  const f = (fields: Record<string, string>): string[] => types(m, rec('file', fields)).map((x) => x.split(':')[0]!);
  assert.deepEqual(f({ SHA256: '2b6f1ebb2208e93ade4a6424555d6a8341fd6d9f60c25e44afe11008f5c1aad1' }), ['sha256']);
  assert.deepEqual(f({ MD5: '4EF04CBA6BEC2C3A164B9B755EFBEB1C', SHA1: '49644cbbb9d234bd4f7a47ed596c8bbfefd39065' }), ['md5', 'sha1']);
  assert.deepEqual(f({ Path: 'C:\\inetpub\\wwwroot\\aspnet_client\\discover.aspx', Name: 'discover.aspx' }), ['filepath-regex']);
  assert.deepEqual(f({ Path: 'C:\\inetpub\\wwwroot\\aspnet_client\\system_web\\x.js' }), []);
  assert.deepEqual(f({ Path: 'C:\\Temp\\ProcDump64.exe' }), ['filepath-regex']);
  assert.deepEqual(f({ Path: 'C:\\Tools\\SysInternals\\procdump64.exe' }), [], 'false-positive regex');
  assert.deepEqual(f({ Name: 'Final Report 2021.exe', Path: 'C:\\x\\Final Report 2021.exe' }), ['filename-regex']);
  assert.equal(m.stats.unfilteredRegexes, 0, 'every regex has a prefilter literal');
});

test('log substrings and regexes are scoped to their log kind; event regexes to their channel', async () => {
  const m = await compile([
    ['log-substring', 'POST /owa/auth/Current/', {}, { scope: ['iis'] }],
    ['log-regex', 'POST \\/ecp\\/\\b\\w{1}\\b.js', {}, { scope: ['iis'] }],
    ['log-substring', "S:CMD=Set-OabVirtualDirectory.ExternalUrl='", {}, { scope: ['ecp'] }],
    ['event-regex', '.*ServerInfo~.*/.*', {}, { channel: 'Windows Powershell', field: 'Data' }],
  ]);
  const iis = (stem: string): string[] => types(m, rec('iis', { date: '2021-03-03', time: '04:05:06', 'cs-method': 'POST', 'cs-uri-stem': stem, 'c-ip': '' })).map((x) => x.split(':')[0]!);
  assert.deepEqual(iis('/owa/auth/Current/themes/resources/logon.css'), ['log-substring']);
  assert.deepEqual(iis('/ecp/y.js'), ['log-regex']);
  assert.deepEqual(iis('/ecp/default.aspx'), []);
  assert.deepEqual(types(m, rec('httpproxy', { Method: 'POST', UrlStem: '/owa/auth/Current/x' })), [], 'scoped to IIS only');
  assert.equal(types(m, rec('ecp', { EventData: "S:CMD=Set-OabVirtualDirectory.ExternalUrl='http://f/#<script>'" })).length, 1);
  assert.equal(types(m, rec('event', { Channel: 'Windows PowerShell', EventID: '800', Data: 'x ServerInfo~a]@h:444/ y' })).length, 1);
  assert.equal(types(m, rec('event', { Channel: 'Application', EventID: '800', Data: 'x ServerInfo~a]@h:444/ y' })).length, 0);
  assert.deepEqual([...m.kinds].sort(), ['ecp', 'event', 'iis', 'oab', 'httpproxy'].filter((k) => k !== 'oab' && k !== 'httpproxy').sort());
});

test('the detector names the indicator, its type and all its sources with TLP and confidence', async () => {
  const a = new MemorySession('MSTIC');
  const b = new MemorySession('Partner');
  for (const [s, tlp, conf] of [
    [a, 'clear', null],
    [b, 'amber', 95],
  ] as const) {
    const c = new Collector(s);
    await c.indicator('sha256', '2b6f1ebb2208e93ade4a6424555d6a8341fd6d9f60c25e44afe11008f5c1aad1', { file: 't' }, { ref: '', tlp, confidence: conf, description: 'web shell' });
    await c.indicator('ipv4', '203.0.113.7', { file: 't' }, { ref: '', tlp, confidence: conf });
    await c.flush();
  }
  const builder = new IntelMatcherBuilder();
  for (const s of [a, b]) for (const i of s.indicators()) builder.add(i);
  const m = builder.build();
  const d = new IndicatorDetector(m, 'file');
  const hit = d.match(rec('file', { Path: 'C:\\inetpub\\wwwroot\\aspnet_client\\x.aspx', SHA256: '2b6f1ebb2208e93ade4a6424555d6a8341fd6d9f60c25e44afe11008f5c1aad1' }), { exchangeInstall: null });
  assert.ok(hit);
  assert.equal(hit.ruleId, 'intel.sha256');
  assert.equal(hit.outcome, 'compromised');
  assert.equal(hit.severity, 'critical');
  assert.equal(hit.evidence.IndicatorType, 'sha256');
  assert.equal(hit.evidence.IntelSources, 'MSTIC (TLP:CLEAR, confidence n/a); Partner (TLP:AMBER, confidence 95)');
  assert.deepEqual(
    hit.references.map((r) => r.name),
    ['MSTIC (TLP:CLEAR, confidence n/a)', 'Partner (TLP:AMBER, confidence 95)'],
  );
  assert.deepEqual(hit.source, { path: 'x.log', line: 7, kind: 'file' });
  const web = new IndicatorDetector(m, 'iis').match(rec('iis', { 'c-ip': '203.0.113.7', 'cs-uri-stem': '/owa/' }), { exchangeInstall: null });
  assert.equal(web?.outcome, 'attempted');
  assert.equal(web?.severity, 'critical', 'high raised one step by a 95 confidence');
  assert.equal(web?.clientIp, '203.0.113.7');
  assert.equal(new IndicatorDetector(m, 'iis').match(rec('iis', { 'c-ip': '203.0.113.8' }), { exchangeInstall: null }), null);
});

test('prefilter literals: exact values give literals; a CIDR range gives a column probe instead, and `off` neither', async () => {
  const m = await compile([
    ['ipv4', '203.0.113.7'],
    ['useragent', 'Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)'],
  ]);
  assert.deepEqual(m.literals('iis'), ['203.0.113.7', 'http://www.baidu.com/search/spider.html)']);
  assert.equal(m.columnProbe('iis'), undefined);
  const withRange = await compile([['ipv4', '198.51.100.0/24']]);
  assert.deepEqual(withRange.literals('iis'), []);
  assert.deepEqual(withRange.columnProbe('iis')?.columns, ['c-ip', 'X-Forwarded-For', 'cs-host']);
  assert.deepEqual(withRange.columnProbe('httpproxy')?.columns, ['ClientIpAddress', 'UrlHost']);
  const off = await compile([['ipv4', '203.0.113.7']], 'test', undefined, 'off');
  assert.ok(off.kinds.has('iis'));
  assert.equal(off.literals('iis'), null);
  assert.equal(off.columnProbe('iis'), undefined);
});

