// What a rule is for: binary headers, binary-only and text-only rules, log and web shell rules,
// externals; and the text/binary classification of file contents the routing relies on.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { binaryOnly, classifyContent, externalsOf, isBinaryHeader, isLogRule, isWebshellRule, requiredHeaders, wantsBinary, writtenForText } from './rule-class.js';
import type { RuleText } from './rule-text.js';
import { parseRuleText } from './rule-text.js';

function rule(src: string): RuleText {
  const r = parseRuleText(src).rules[0];
  assert.ok(r, src);
  return r;
}

test('required headers: uint reads, `$x at 0`, pe.is_pe and parenthesised alternatives', () => {
  const hex = (r: RuleText): string[] | null => requiredHeaders(r)?.map((b) => b.toString('hex')) ?? null;
  assert.deepEqual(hex(rule('rule a { strings: $a = "x" condition: uint16(0) == 0x5A4D and $a }')), ['4d5a']);
  assert.deepEqual(hex(rule('rule a { condition: 0x464c457f == uint32(0) }')), ['7f454c46']);
  assert.deepEqual(hex(rule('rule a { condition: uint32be(0) == 0x7f454c46 }')), ['7f454c46']);
  assert.deepEqual(hex(rule('rule a { strings: $mz = "MZ" $b = "b" condition: $mz at 0 and $b }')), ['4d5a']);
  assert.deepEqual(hex(rule('rule a { strings: $h = { 50 4B 03 04 ?? } condition: $h at 0 }')), ['504b0304']);
  assert.deepEqual(hex(rule('rule a { condition: pe.is_pe and filesize < 1MB }')), ['4d5a']);
  assert.deepEqual(hex(rule('rule a { condition: filesize < 1MB and ( uint16(0) == 0x5a4d or uint32(0) == 0x464c457f ) }')), ['4d5a', '7f454c46']);
  assert.equal(hex(rule('rule a { strings: $a = "x" condition: uint16(0) == 0x5A4D or $a }')), null);
  assert.equal(hex(rule('rule a { strings: $a = "x" condition: $a }')), null);
});

test('binary-only rules need a header no text file starts with', () => {
  assert.equal(binaryOnly(rule('rule a { condition: uint16(0) == 0x5A4D }')), true);
  assert.equal(binaryOnly(rule('rule a { condition: uint16(0) == 0x253c }')), false, '"<%" is a text header');
  assert.equal(binaryOnly(rule('rule a { condition: uint32(0) == 0x00000100 }')), true, 'a NUL byte');
  assert.equal(isBinaryHeader(Buffer.from('MZ')), true);
  assert.equal(isBinaryHeader(Buffer.from('<?php')), false);
});

test('content classification agrees with the headers binary-only rules require', () => {
  assert.equal(classifyContent(Buffer.from('<%@ Page Language="C#" %>')), 'text');
  assert.equal(classifyContent(Buffer.from('MZ looks like text but is a PE header')), 'binary');
  assert.equal(classifyContent(Buffer.from('\x7fELF')), 'binary');
  assert.equal(classifyContent(Buffer.from([0x61, 0x00, 0x62])), 'binary');
  assert.equal(classifyContent(Buffer.from('\ufeffhello', 'utf16le')), 'text', 'UTF-16 with BOM');
  assert.equal(classifyContent(Buffer.alloc(0)), 'text');
  for (const h of ['MZ', '\x7fE', '\xca\xfe\xba\xbe']) assert.equal(classifyContent(Buffer.from(`${h}abc`, 'latin1')), 'binary', h);
});

test('rules for binaries and rules for text', () => {
  assert.equal(wantsBinary(rule('import "pe" rule a { condition: pe.number_of_sections == 1 }')), true);
  assert.equal(wantsBinary(rule('rule a { strings: $h = { 00 01 } condition: $h }')), true);
  assert.equal(wantsBinary(rule('rule a { strings: $w = "abc" wide condition: $w }')), true);
  assert.equal(wantsBinary(rule('rule a { condition: filetype == "EXE" }')), true);
  assert.equal(wantsBinary(rule('rule a { strings: $a = "abc" condition: $a }')), false);
  assert.equal(writtenForText(rule('rule WEBSHELL_x { strings: $a = "abc" condition: $a }')), true);
  assert.equal(writtenForText(rule('rule x : SCRIPT { strings: $a = "abc" condition: $a }')), true);
  assert.equal(writtenForText(rule('rule HKTL_PS1_x { strings: $a = "abc" condition: $a }')), true);
  assert.equal(writtenForText(rule('rule a { strings: $a = "abc" condition: uint16(0) == 0x3f3c and $a }')), true, 'requires "<?"');
  assert.equal(writtenForText(rule('rule Mimikatz_Strings { strings: $a = "sekurlsa" condition: $a }')), false, 'tool strings run on binaries');
  assert.equal(writtenForText(rule('rule WEBSHELL_bin { strings: $h = { 4D 5A } condition: $h }')), false, 'a binary feature wins');
});

test('log rules: LOG tag, LOG_ in the name, or described as looking at log files', () => {
  assert.equal(isLogRule(rule('rule X : LOG { condition: true }')), true);
  assert.equal(isLogRule(rule('rule EXPL_LOG_Thing { condition: true }')), true);
  assert.equal(isLogRule(rule('rule LOG_Thing { condition: true }')), true);
  assert.equal(isLogRule(rule('rule X { meta: description = "Detects ProxyShell exploitation attempts in log files" condition: true }')), true);
  assert.equal(isLogRule(rule('rule BLOGGER_Malware { meta: description = "Keylogger that writes a log" condition: true }')), false);
  assert.equal(isWebshellRule(rule('rule X : Webshell { condition: true }')), true);
  assert.equal(isWebshellRule(rule('rule X { meta: description = "A web shell" condition: true }')), true);
  assert.equal(isWebshellRule(rule('rule X { condition: true }')), false);
});

test('externals read by a condition (module fields of the same name are not externals)', () => {
  assert.deepEqual([...externalsOf(rule('rule a { condition: filename matches /x/ and extension == ".aspx" and filepath contains "\\\\x" }'))].sort(), [
    'extension',
    'filename',
    'filepath',
  ]);
  assert.deepEqual([...externalsOf(rule('import "hash" rule a { condition: hash.md5(0, filesize) == "x" }'))], []);
});
