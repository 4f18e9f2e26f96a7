/**
 * @module Tests of the shared escaping: terminal control and bidi characters, JSON that stays
 * parseable, CSV quoting and formula injection, and paths that cannot leave their folder.
 */
import assert from 'node:assert/strict';
import { posix } from 'node:path';
import { describe, test } from 'node:test';
import { csvCell, csvRow, escapeJsonText, escapeTerminal, safeFileName, safeRelativePath, truncate } from './index.js';

void describe('escapeTerminal', () => {
  void test('makes ESC, CR, LF, TAB, NUL and DEL visible as \\xNN', () => {
    assert.equal(escapeTerminal('a\x1b[31mb\rc\nd\te\x00f\x7f'), 'a\\x1b[31mb\\x0dc\\x0ad\\x09e\\x00f\\x7f');
  });

  void test('makes C1 controls visible (U+009B is a one-byte CSI)', () => {
    assert.equal(escapeTerminal('x\u009b2Jy\u0085'), 'x\\x9b2Jy\\x85');
  });

  void test('makes bidi overrides, isolates and zero-width characters visible as \\u{..}', () => {
    assert.equal(escapeTerminal('evil\u202Egpj.aspx'), 'evil\\u{202e}gpj.aspx');
    for (const c of ['\u202a', '\u202b', '\u202c', '\u202d', '\u2066', '\u2067', '\u2068', '\u2069', '\u200b', '\u200f', '\u2028', '\ufeff']) {
      assert.equal(escapeTerminal(c), `\\u{${c.charCodeAt(0).toString(16)}}`);
    }
  });

  void test('leaves ordinary text alone, including backslashes and non-Latin letters', () => {
    const s = 'C:\\inetpub\\wwwroot\\aspnet_client\\шелл.aspx ü 日本 😀';
    assert.equal(escapeTerminal(s), s);
  });
});

void describe('escapeJsonText', () => {
  void test('escapes DEL, C1 and bidi characters inside JSON and still parses to the same value', () => {
    const value = { ua: 'a\u007fb\u009bc\u202ed\u2028e\x1b' };
    const json = escapeJsonText(JSON.stringify(value));
    assert.doesNotMatch(json, /[\u0000-\u001f\u007f-\u009f\u2028\u202e]/);
    assert.ok(json.includes('\\u202e'));
    assert.deepEqual(JSON.parse(json), value);
  });
});

void describe('truncate', () => {
  void test('keeps short strings and cuts long ones, saying how much was dropped', () => {
    assert.equal(truncate('short', 10), 'short');
    assert.equal(truncate('abcdefghij', 10), 'abcdefghij');
    assert.equal(truncate('abcdefghijkl', 4), 'abcd…(+8 chars)');
  });

  void test('never splits a surrogate pair', () => {
    const out = truncate('ab😀cd', 3);
    assert.equal(out, 'ab…(+4 chars)');
    assert.doesNotMatch(out, /[\ud800-\udbff](?![\udc00-\udfff])/);
  });
});

void describe('csvCell', () => {
  void test('neutralises formula injection with a leading quote', () => {
    assert.equal(csvCell("=cmd|' /C calc'!A0"), "'=cmd|' /C calc'!A0");
    assert.equal(csvCell('+1+1'), "'+1+1");
    assert.equal(csvCell('-2+3'), "'-2+3");
    assert.equal(csvCell('@SUM(A1)'), "'@SUM(A1)");
    assert.equal(csvCell('\t=1'), "'\t=1");
    assert.equal(csvCell('\r=1'), "\"'\r=1\"");
  });

  void test('quotes commas, quotes and line breaks (RFC 4180), doubling inner quotes', () => {
    assert.equal(csvCell('a,b'), '"a,b"');
    assert.equal(csvCell('say "hi"'), '"say ""hi"""');
    assert.equal(csvCell('line1\nline2'), '"line1\nline2"');
    assert.equal(csvCell('line1\r\nline2'), '"line1\r\nline2"');
    assert.equal(csvCell('plain'), 'plain');
    assert.equal(csvCell(''), '');
  });

  void test('formula neutralising happens before quoting', () => {
    assert.equal(csvCell('=HYPERLINK("http://x","y")', { quote: 'always' }), '"\'=HYPERLINK(""http://x"",""y"")"');
  });

  void test('always-quote mode quotes every value, as Export-Csv does', () => {
    assert.equal(csvRow(['a', '', '1,2'], { quote: 'always' }), '"a","","1,2"\r\n');
    assert.equal(csvRow(['a', '', '1,2']), 'a,,"1,2"\r\n');
  });
});

void describe('safeFileName', () => {
  void test('replaces characters Windows forbids and path separators', () => {
    assert.equal(safeFileName('EXCH01'), 'EXCH01');
    assert.equal(safeFileName('a/b\\c:d*e?f"g<h>i|j'), 'a_b_c_d_e_f_g_h_i_j');
    assert.equal(safeFileName('x\x1by\u202ez'), 'x_y_z');
  });

  void test('never returns empty, . or .., or a device name', () => {
    assert.equal(safeFileName(''), '_');
    assert.equal(safeFileName('.'), '_');
    assert.equal(safeFileName('..'), '__');
    assert.equal(safeFileName('CON'), '_CON');
    assert.equal(safeFileName('nul.txt'), '_nul.txt');
    assert.equal(safeFileName('host. '), 'host__');
  });

  void test('caps the length', () => {
    assert.equal(safeFileName('a'.repeat(500)).length, 120);
  });
});

void describe('safeRelativePath', () => {
  void test('keeps / structure and drops .., empty and root segments', () => {
    assert.equal(safeRelativePath('C/inetpub/wwwroot/x.aspx'), 'C/inetpub/wwwroot/x.aspx');
    assert.equal(safeRelativePath('../../etc/passwd'), 'etc/passwd');
    assert.equal(safeRelativePath('/etc/passwd'), 'etc/passwd');
    assert.equal(safeRelativePath('a/./b//../c'), 'a/b/c');
    assert.equal(safeRelativePath('..'), '_');
  });

  void test('treats backslash as a separator and neutralises drive colons', () => {
    assert.equal(safeRelativePath('C:\\Windows\\Temp\\lsass.dmp'), 'C_/Windows/Temp/lsass.dmp');
    assert.equal(safeRelativePath('..\\..\\..\\boot.ini'), 'boot.ini');
    assert.equal(safeRelativePath('\\\\server\\share\\x'), 'server/share/x');
  });

  void test('the result joined to a folder always stays inside it', () => {
    const hostile = ['../../etc/passwd', '..\\..\\x', '/abs', 'C:/x', 'a/../../..', '....//....//x', '.. /x', '%2e%2e/x'];
    for (const p of hostile) {
      const joined = posix.normalize(posix.join('/out/host', safeRelativePath(p)));
      assert.ok(joined.startsWith('/out/host/'), `${p} → ${joined}`);
    }
  });
});

void describe('escapeJsonText with pretty-printed JSON', () => {
  void test('keeps the newlines and indentation between tokens', () => {
    const value = { a: ['x\u202ey', 1], b: { c: 'd\ne' } };
    const json = escapeJsonText(JSON.stringify(value, null, 2));
    assert.deepEqual(JSON.parse(json), value);
    assert.ok(json.includes('\n  "a"'));
  });
});
