import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inferIndicator, normalizeValue, refang, requiredLiterals, toJsRegex, typeFromName } from './index.js';
import type { IndicatorType } from '../model.js';

const key = (type: IndicatorType, raw: string): string => {
  const r = normalizeValue(type, raw);
  return r.ok ? `${r.type} ${r.value}` : `ERROR ${r.reason}`;
};

test('hashes: lower case, typed by length, the type must agree', () => {
  assert.equal(key('sha256', ' 2B6F1EBB2208E93ADE4A6424555D6A8341FD6D9F60C25E44AFE11008F5C1AAD1 '), 'sha256 2b6f1ebb2208e93ade4a6424555d6a8341fd6d9f60c25e44afe11008f5c1aad1');
  assert.match(key('sha256', '4ef04cba6bec2c3a164b9b755efbeb1c'), /length of md5, not sha256/);
  assert.match(key('md5', 'zz'), /not a hex hash/);
});

test('IP addresses: canonical v4 and v6 (RFC 5952), ranges with host bits cleared, mapped v4, refused forms', () => {
  assert.equal(key('ipv4', '203.0.113.7'), 'ipv4 203.0.113.7');
  assert.equal(key('ipv4', '203.0.113.7/32'), 'ipv4 203.0.113.7');
  assert.equal(key('ipv4', '192.168.0.1/24'), 'ipv4 192.168.0.0/24');
  assert.equal(key('ipv4', '2001:DB8:0:0:1:0:0:1'), 'ipv6 2001:db8::1:0:0:1', 'version from the value; first longest zero run');
  assert.equal(key('ipv6', '2001:0db8:0000:0000:0000:0000:0000:0001'), 'ipv6 2001:db8::1');
  assert.equal(key('ipv6', '2001:db8:0:1:1:1:1:1'), 'ipv6 2001:db8:0:1:1:1:1:1', 'a single zero group is not ::');
  assert.equal(key('ipv6', '::'), 'ipv6 ::');
  assert.equal(key('ipv6', '::ffff:192.0.2.128'), 'ipv4 192.0.2.128');
  assert.equal(key('ipv6', '2001:0db8:dead:beef:0000:0000:0000:0000/64'), 'ipv6 2001:db8:dead:beef::/64');
  assert.equal(key('ipv4', '5.254.43[.]18'), 'ipv4 5.254.43.18', 'defanged');
  assert.match(key('ipv4', '010.1.1.1'), /ERROR/);
  assert.match(key('ipv4', '256.1.1.1'), /ERROR/);
  assert.match(key('ipv4', '1.2.3.4/33'), /ERROR/);
  assert.match(key('ipv6', '1::2::3'), /ERROR/);
  const w = normalizeValue('ipv4', '10.0.0.0');
  assert.ok(w.ok && /not a public address/.test(w.warning ?? ''));
});

test('domains: lower case, IDNA, trailing dot, underscores; URLs; e-mail', () => {
  assert.equal(key('domain', 'WWW.Example.COM.'), 'domain www.example.com');
  assert.equal(key('domain', 'bücher.example'), 'domain xn--bcher-kva.example');
  assert.equal(key('domain', 'back.rooter[.]tk'), 'domain back.rooter.tk');
  assert.equal(key('domain', '_dmarc.example.org'), 'domain _dmarc.example.org');
  assert.match(key('domain', 'domain autuo.xicp.net'), /not a domain name/);
  assert.match(key('domain', 'localhost'), /no top-level domain/);
  assert.equal(key('url', 'hxxps://Evil.Example:443/A%7Eb/x.aspx?q=%41#frag'), 'url evil.example/a~b/x.aspx?q=a');
  assert.equal(key('url', 'evil.example/path'), 'url evil.example/path');
  assert.equal(key('url', 'http://[2001:db8::1]:8080/x'), 'url [2001:db8::1]:8080/x');
  assert.equal(key('email', 'SMTP:Attacker@Evil.Example'), 'email attacker@evil.example');
  assert.equal(key('url-path', '/OWA//auth/x.aspx?a=B'), 'url-path /owa/auth/x.aspx?a=b');
});

test('Windows paths: case, drive, separators, %variables%, admin shares, dot segments; names', () => {
  const p = 'filepath \\program files\\microsoft\\exchange server\\v15\\frontend\\httpproxy\\owa\\auth\\x.aspx';
  assert.equal(key('filepath', 'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\FrontEnd\\HttpProxy\\owa\\auth\\X.aspx'), p);
  assert.equal(key('filepath', 'd:/program files/microsoft/exchange server/v15/frontend/httpproxy/owa/auth/x.aspx'), p);
  assert.equal(key('filepath', '%ProgramFiles%\\Microsoft\\Exchange Server\\V15\\FrontEnd\\HttpProxy\\owa\\auth\\x.aspx'), p);
  assert.equal(key('filepath', '%ExchangeInstallPath%FrontEnd\\HttpProxy\\owa\\auth\\x.aspx'), p);
  assert.equal(key('filepath', '\\\\EXCH01\\C$\\Program Files\\Microsoft\\Exchange Server\\V15\\FrontEnd\\HttpProxy\\owa\\auth\\current\\..\\x.aspx'), p);
  assert.equal(key('filepath', '\\\\?\\C:\\Windows\\Temp\\lsass.dmp'), 'filepath \\windows\\temp\\lsass.dmp');
  assert.equal(key('filepath', '%windir%\\temp\\x.zip'), 'filepath \\windows\\temp\\x.zip');
  assert.equal(key('filepath', '%TEMP%\\x.zip'), 'filepath \\%temp%\\x.zip', 'unknown variables stay as they are');
  assert.equal(key('filename', 'C:\\inetpub\\wwwroot\\aspnet_client\\Shell.aspx'), 'filepath \\inetpub\\wwwroot\\aspnet_client\\shell.aspx', 'a path given as a name');
  assert.equal(key('filename', 'Shell.ASPX'), 'filename shell.aspx');
});

test('user agents: the IIS + spelling is the key, so both spellings meet', () => {
  assert.equal(key('useragent', 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)'), 'useragent mozilla/5.0+(compatible;+googlebot/2.1;++http://www.google.com/bot.html)');
  assert.equal(key('useragent', 'Mozilla/5.0+(compatible;+Googlebot/2.1;++http://www.google.com/bot.html)'), 'useragent mozilla/5.0+(compatible;+googlebot/2.1;++http://www.google.com/bot.html)');
});

test('refang and type inference for untyped lists', () => {
  assert.equal(refang('hxxps://evil(.)example[.]com[/]x and a[at]b{.}c'), 'https://evil.example.com[/]x and a@b.c');
  const infer = (s: string): string => {
    const r = inferIndicator(s);
    return r === null ? 'none' : r.ok ? `${r.type} ${r.value}` : `ERROR ${r.reason}`;
  };
  assert.equal(infer('34.90.207[.]23'), 'ipv4 34.90.207.23');
  assert.equal(infer('yolkish[.]com'), 'domain yolkish.com');
  assert.equal(infer('readme.txt'), 'filename readme.txt');
  assert.equal(infer('update.zip'), 'domain update.zip', '.zip is also a top-level domain');
  assert.equal(infer('uenwonken@memail.com'), 'email uenwonken@memail.com');
  assert.equal(infer('hxxp://x4z9arb[.]cn/4712'), 'url x4z9arb.cn/4712');
  assert.equal(infer('C:\\ProgramData\\it.zip'), 'filepath \\programdata\\it.zip');
  assert.equal(infer('/owa/auth/x.aspx'), 'url-path /owa/auth/x.aspx');
  assert.equal(infer('2001:db8::/32'), 'ipv6 2001:db8::/32');
  assert.equal(infer('e044d9f2d0f1260c3f4a543a1e67f33fcac265be114a1b135fd575b860d2b8c6'), 'sha256 e044d9f2d0f1260c3f4a543a1e67f33fcac265be114a1b135fd575b860d2b8c6');
  assert.match(infer('999.1.1.1'), /ERROR .*not a valid IPv4/);
  assert.equal(infer('Win32/Korplug.RT'), 'none');
  assert.equal(typeFromName('IndicatorType'), null);
  assert.equal(typeFromName('ipaddress'), 'ipv4');
  assert.equal(typeFromName('FileHash-SHA256'), 'sha256');
});

test('regexes: Python flags and groups translated, catastrophic ones refused, prefilter literals', () => {
  const r = toJsRegex('(?i)\\\\procdump(?P<bits>64)?\\.exe\\Z');
  assert.ok(r.ok);
  assert.equal(r.flags, 'i');
  assert.equal(r.source, '\\\\procdump(?<bits>64)?\\.exe$');
  assert.ok(r.regex.test('C:\\Tools\\ProcDump64.exe'));
  const bad = toJsRegex('^(a+)+$');
  assert.ok(!bad.ok && /catastrophic/.test(bad.reason));
  const bad2 = toJsRegex('(x|y)*(?#comment');
  assert.ok(!bad2.ok);
  assert.deepEqual(requiredLiterals('\\\\inetpub\\\\wwwroot\\\\aspnet_client\\\\[^\\\\"]{1,20}\\.aspx'), ['\\inetpub\\wwwroot\\aspnet_client\\']);
  assert.deepEqual(requiredLiterals('\\\\(shell|cmd)\\.aspx$'), ['.aspx']);
  assert.deepEqual(requiredLiterals('foo|barbaz'), ['foo', 'barbaz']);
  assert.equal(requiredLiterals('ab?c'), null, 'no run of 3');
  assert.deepEqual(requiredLiterals('abcd?e'), ['abc']);
  assert.equal(requiredLiterals('[a-z]+\\d{3}'), null);
  assert.deepEqual(requiredLiterals('POST \\/ecp\\/\\b\\w{1}\\b.js'), ['post /ecp/']);
});
