/**
 * @module Unit tests of the syslog formats: CEF escaping exactly per the CEF specification,
 * RFC 5424 header fields, octet framing, and shortening of long messages.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ssrfFinding, webShellFinding } from '../../../sinks/testing.js';
import type { Alert } from '../../alert.js';
import { alertKey } from '../../alert.js';
import { cefHeader, cefValue, cutUtf8, formatCef, formatRfc5424, octetFrame, syslogMessage } from './index.js';
import { parseCef } from './cef-parse.testutil.js';

const at = '2021-03-11T09:00:00.000Z';
const alertOf = (finding = ssrfFinding()): Alert => ({ key: alertKey(finding), createdAt: at, finding });

void describe('CEF escaping', () => {
  void test('header fields escape backslash and pipe only, and make line breaks and ESC visible', () => {
    assert.equal(cefHeader('a|b\\c=d'), 'a\\|b\\\\c=d');
    assert.equal(cefHeader('x\ny\x1bz'), 'x\\\\x0ay\\\\x1bz');
  });

  void test('extension values escape backslash, equals sign and line breaks; pipes stay', () => {
    assert.equal(cefValue('a|b=c\\d'), 'a|b\\=c\\\\d');
    assert.equal(cefValue('1\n2\r\n3\r4'), '1\\n2\\n3\\r4');
  });

  void test('ESC, TAB, DEL, C1 and bidi characters become visible text, itself escaped', () => {
    assert.equal(cefValue('a\x1b[2Jb\tc\x7fd\u009be\u202ef'), 'a\\\\x1b[2Jb\\\\x09c\\\\x7fd\\\\x9be\\\\u{202e}f');
  });

  void test('the whole record with hostile values parses back to the intended values', () => {
    const finding = ssrfFinding({
      title: 'pipe | back\\slash = eq\nnewline',
      description: 'line1\nline2 key=value | x \\ y \x1b[31m',
      clientIp: '2001:db8::1',
      evidence: { UserAgent: 'a|b=c\\d\ne\x1b' },
    });
    const cef = formatCef(alertOf(finding), { version: '0.1.0' });
    assert.doesNotMatch(cef, /[\u0000-\u001f\u007f-\u009f]/);
    const parsed = parseCef(cef);
    assert.deepEqual(parsed.header, ['CEF:0', 'exhunt', 'exhunt', '0.1.0', 'Exchange.ProxyLogon.Ssrf', 'pipe | back\\slash = eq\\x0anewline', '8']);
    assert.equal(parsed.ext.get('msg'), 'line1\nline2 key=value | x \\ y \\x1b[31m');
    assert.equal(parsed.ext.get('src'), '2001:db8::1');
    assert.deepEqual(JSON.parse(parsed.ext.get('cs3') ?? ''), { UserAgent: 'a|b=c\\d\ne\x1b' });
    assert.equal(parsed.ext.get('externalId'), alertKey(finding));
  });

  void test('maps fields and severities as docs/alerts.md says', () => {
    const cef = formatCef(alertOf(webShellFinding()), { version: '1.2.3' });
    const { header, ext } = parseCef(cef);
    assert.equal(header[6], '10');
    assert.equal(ext.get('rt'), String(Date.parse('2021-03-03T05:12:44.000Z')));
    assert.equal(ext.get('dvchost'), 'EXCH01');
    assert.equal(ext.get('filePath'), 'C/inetpub/wwwroot/aspnet_client/system_web/errorEE.aspx');
    assert.equal(ext.has('cn1'), false);
    assert.equal(ext.get('cat'), 'persistence');
    assert.equal(ext.get('outcome'), 'compromised');
    assert.equal(ext.get('cs2Label'), 'ATT&CK');
    assert.equal(ext.get('cs2'), 'T1505.003');
    assert.equal(ext.has('cs1'), false);
  });
});

void describe('RFC 5424', () => {
  void test('PRI, version, fields and nil structured data', () => {
    const m = formatRfc5424({ facility: 'local4', severity: 'critical', timestamp: at, hostname: 'hunt box', appName: 'exhunt', procId: '42', msgId: 'finding', msg: 'CEF:0|x' });
    assert.equal(m, '<162>1 2021-03-11T09:00:00.000Z hunt_box exhunt 42 finding - CEF:0|x');
    assert.equal(formatRfc5424({ facility: 'user', severity: 'info', timestamp: at, hostname: '', appName: 'a', procId: '1', msgId: 'm', msg: '' }).slice(0, 34), '<14>1 2021-03-11T09:00:00.000Z - a');
  });

  void test('octet counting counts bytes, not characters', () => {
    assert.equal(octetFrame('ü x').toString('utf8'), '4 ü x');
  });

  void test('cutting never splits a character or leaves an escaping backslash', () => {
    assert.equal(cutUtf8('aüb', 2), 'a');
    assert.equal(cutUtf8('ab\\\\cd', 3), 'ab');
    assert.equal(cutUtf8('ab\\\\cd', 4), 'ab\\\\');
  });

  void test('long messages shrink evidence first and stay valid', () => {
    const finding = ssrfFinding({ evidence: { Big: 'x'.repeat(20_000), Small: 'y' } });
    const fmt = { format: 'cef', facility: 'user', hostname: 'h', appName: 'exhunt', procId: '1', exhuntVersion: '0.1.0', maxMessageBytes: 2048 } as const;
    const m = syslogMessage(alertOf(finding), fmt);
    assert.ok(Buffer.byteLength(m) <= 2048);
    const cef = parseCef(m.slice(m.indexOf('CEF:')));
    assert.match(cef.ext.get('cs3') ?? '', /"Small":"y"/);
    const json = syslogMessage(alertOf(finding), { ...fmt, format: 'json' });
    const parsed = JSON.parse(json.slice(json.indexOf('{'))) as { alertId: string; evidence: Record<string, string> };
    assert.equal(parsed.alertId, alertKey(finding));
    assert.equal(parsed.evidence.Small, 'y');
  });
});
