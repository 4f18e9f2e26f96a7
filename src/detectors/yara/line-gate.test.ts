// The log-line gate (line-gate.ts) and batches (line-batch.ts, line-cutter.ts): which strings a
// gate keeps, when there is no gate, and that batched scans give exactly the hits of scanning
// each line on its own (rule, line, strings and offsets) on rules written to catch a batch out:
// anchors, `at 0`, counts, `filesize`, `fullword`, `not $fp` with the false positive on the next
// line, private and wide strings, matches that would run across lines, invalid UTF-8, CRLF, long
// lines, a gate that keeps too many matches, and a rule that needs no string (no gate).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import type { Hit } from '../../core/finding.js';
import { compileYara } from './compile.js';
import type { RawMatch } from './engine.js';
import { scanLineBatch } from './line-batch.js';
import { base64Cores, gateUnits, unanchor } from './line-gate.js';
import { requiredStrings } from './literals.js';
import { scanLogLines } from './log-lines.js';
import { parseRuleText } from './rule-text.js';
import { YaraScanner } from './scan.js';
import { rawLines, requireBinding } from './testutil.js';

function req(condition: string): string[] | null {
  const src = `rule r { strings: $a = "alpha-one" $b = /beta-two [0-9]+/ $c = "gamma" $fp = "noise" condition: ${condition} }`;
  const r = parseRuleText(src).rules[0];
  assert.ok(r);
  return requiredStrings(r)?.map((s) => s.id) ?? null;
}

test('required strings: what every match needs, or null when a match may need none', () => {
  assert.deepEqual(req('$a and not $fp'), ['$a']);
  assert.deepEqual(req('any of ($a, $b)'), ['$a', '$b']);
  assert.deepEqual(req('all of ($a, $c)'), ['$a'], 'the longest literal of an and');
  assert.deepEqual(req('$c or #a > 2'), ['$c', '$a']);
  assert.deepEqual(req('(#a + #c) > (#fp + 1)'), ['$a', '$c']);
  assert.deepEqual(req('$b in (0..100) and filesize < 1KB'), ['$b']);
  for (const c of ['not $a', 'filesize < 10', '$a or true', 'Other', '$a == false', '#a > 1 - 5', '#a >= 0', 'none of them', '#a * 2 > 1']) {
    assert.equal(req(c), null, c);
  }
});

test('the gate keeps the required strings once each, drops private, cuts regular expressions to literals (fast) or unanchors them (precise)', () => {
  const text = `
private rule Helper { strings: $h = "helper-string" condition: $h }
rule Wanted : LOG {
  meta: description = "x"
  strings:
    $a = "plain-literal" private wide ascii
    $r = /^GET \\/path\\/[a-z]{1,9}\\.aspx$/ nocase fullword
    $fp = "noise"
  condition: ($a or $r) and not $fp and Helper
}
rule Bytes { strings: $h = { 41 42 43 44 [2-4] 45 } $x = "xored" xor(1-255) condition: $h or $x }
`;
  const fast = gateUnits([{ namespace: 'ns', text }, { namespace: 'other', text: 'rule Same { strings: $a = "plain-literal" wide ascii condition: $a }' }], 'fast');
  assert.ok(fast);
  assert.equal(fast.length, 1);
  const f = fast[0]?.text ?? '';
  assert.doesNotMatch(f, /Helper|helper-string|noise|private|fullword/);
  const defs = [...f.matchAll(/^ {4}\$g\d+ = (.*)$/gm)].map((m) => m[1]);
  assert.deepEqual(defs, ['"plain-literal" wide ascii', '"get /path/" nocase', '{ 41 42 43 44 [2-4] 45 }', '"xored" xor(1-255)'], 'each definition once');
  assert.match(f, /^rule gate_0 \{\n {2}strings:\n[\s\S]* {2}condition:\n {4}any of them\n\}\n$/);
  const precise = gateUnits([{ namespace: 'ns', text }], 'precise')?.[0]?.text ?? '';
  assert.match(precise, /\$g1 = \/\(\\n\)\?GET \\\/path\\\/\[a-z\]\{1,9\}\\\.aspx\(\\n\)\?\/ nocase\n/, 'no fullword on a regular expression');
  // One rule that may match without a string turns the gate off.
  assert.equal(gateUnits([{ namespace: 'ns', text: `${text}\nrule Tiny { condition: filesize < 3 }` }]), null);
  assert.equal(gateUnits([{ namespace: 'ns', text: 'include "other.yar"\nrule A { strings: $a = "abc" condition: $a }' }]), null);
  assert.equal(gateUnits([{ namespace: 'ns', text: 'rule A { strings: $a = "abc" condition: $a ' }]), null, 'unterminated');
});

test('a gate string that contains another one that matches wherever it does is left out', () => {
  const text = `
rule A { strings: $a = "\${jndi:ldap:/" $b = "\${jndi:" condition: any of them }
rule B { strings: $a = "autodiscover/autodiscover.json" nocase $b = " /AutoDiscover/autodiscover.json x" condition: any of them }
rule C { strings: $a = "keep-wide" wide $b = "keep-wide-too" ascii $c = "Case" $d = "the case" nocase condition: any of them }
rule D { strings: $a = "word" fullword $b = "a word here" $c = { 77 6f 72 64 } condition: any of them }
`;
  const defs = [...(gateUnits([{ namespace: 'ns', text }])?.[0]?.text ?? '').matchAll(/^ {4}\$g\d+ = (.*)$/gm)].map((m) => m[1]);
  assert.deepEqual(defs, ['"${jndi:"', '"autodiscover/autodiscover.json" nocase', '"keep-wide" wide', '"keep-wide-too" ascii', '"Case"', '"the case" nocase', '"word" fullword', '"a word here"', '{ 77 6f 72 64 }']);
});

test('unanchor: ^ and $ outside classes and escapes become optional line feeds', () => {
  assert.equal(unanchor('^GET|x$'), '(\\n)?GET|x(\\n)?');
  assert.equal(unanchor('[^$]\\^\\$[]^]a'), '[^$]\\^\\$[]^]a');
  assert.equal(unanchor('(^|,)a'), '((\\n)?|,)a');
});

const ALPHABET = 'zyxwvutsrqponmlkjihgfedcbaZYXWVUTSRQPONMLKJIHGFEDCBA9876543210#!';
const STANDARD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function customBase64(text: string): string {
  return [...Buffer.from(text).toString('base64').replace(/=+$/, '')].map((c) => ALPHABET[STANDARD.indexOf(c)] ?? '').join('');
}

test('base64 cores: the characters a base64 text of the string always holds, at each alignment', () => {
  const cores = base64Cores(Buffer.from('base64-secret'));
  assert.ok(cores);
  for (const pre of ['', 'x', 'xy', 'xyz', 'wxyz']) {
    for (const post of ['', 'a', 'ab']) {
      const text = Buffer.from(`${pre}base64-secret${post}`).toString('base64');
      assert.ok(cores.some((c) => text.includes(c)), `${pre}|${post}: ${text} holds one of ${cores.join(' ')}`);
    }
  }
  assert.equal(base64Cores(Buffer.from('abc'), 'too short'), null);
});

/** Rules written to catch a batched scan out (see the module comment). */
const TRICKY = `
rule Anchored : LOG { strings: $a = /^GET \\/anchor\\/[a-z]+/ condition: $a }
rule AnchoredEnd : LOG { strings: $a = /tail-[0-9]+$/ condition: $a }
rule AtZero : LOG { strings: $a = "ZERO-" condition: $a at 0 }
rule Twice : LOG { strings: $a = "twice" condition: #a == 2 }
rule Word : LOG { strings: $a = "wordy" fullword condition: $a }
rule Small : LOG { strings: $a = "small" condition: $a and filesize < 24 }
rule NotFp : LOG { strings: $a = "hit-fp" $fp = "noisy" condition: $a and not $fp }
rule Priv : LOG { strings: $a = "privstring" private condition: $a }
rule Wide : LOG { strings: $a = "wideword" wide condition: $a }
rule Span : LOG { strings: $a = /span[^ ]{0,40}here/ condition: $a }
rule Proxy : LOG { strings: $a = /Email=autodiscover\\/autodiscover\\.json[^\\n]{1,400}200 0 0/ nocase condition: $a }
rule Xored : LOG { strings: $a = "xor-secret" xor(1-255) condition: $a }
rule B64 : LOG { strings: $a = "base64-secret" base64 condition: $a }
rule B64Wide : LOG { strings: $a = "wide64-secret" base64wide condition: $a }
rule B64Alphabet : LOG { strings: $a = "alpha64-secret" base64("${ALPHABET}") condition: $a }
rule Hexy : LOG { strings: $a = { 48 45 58 [1-3] 42 59 54 45 } condition: $a }
rule Offset : LOG { strings: $a = "late" condition: $a in (10..30) }
rule GreedyWord : LOG { strings: $a = /greedy[^ ]{0,3}/ fullword condition: $a }
`;

function trickyLines(): Buffer {
  const xor = Buffer.from(Buffer.from('xor-secret').map((b) => b ^ 0x21));
  const parts: (string | Buffer)[] = [
    '#Fields: date time cs-method cs-uri-stem',
    'GET /anchor/abc 200',
    'x GET /anchor/abc 200',
    'POST /x tail-12',
    'POST /x tail-12 and more',
    'ZERO-at-start',
    ' ZERO-not-at-start',
    'twice twice',
    'twice',
    'twice twice twice',
    'a wordy line',
    'unwordy',
    'wordy',
    'small',
    'small but far too long for the rule',
    'hit-fp',
    'noisy',
    'hit-fp noisy',
    'privstring',
    Buffer.from('w\0i\0d\0e\0w\0o\0r\0d\0', 'latin1'),
    'span-over',
    'and-here',
    'span-then-here',
    '2021-03-03 04:00:00 GET /autodiscover/autodiscover.json @evil.com/mapi/nspi/?&Email=autodiscover/autodiscover.json%3F@evil.com 443 - 203.0.113.66 python - 200 0 0 15',
    'Email=autodiscover/autodiscover.json but no status',
    '200 0 0',
    xor,
    Buffer.concat([Buffer.from('bad utf8 \xff\xfe '), xor]),
    Buffer.from('YmFzZTY0LXNlY3JldA', 'latin1'),
    Buffer.from(Buffer.from('xx wide64-secret').toString('base64'), 'utf16le'),
    customBase64('alpha64-secret and more'),
    Buffer.from('HEX!BYTE HEX!!BYTE', 'latin1'),
    '0123456789late',
    'late',
    'greedy',
    'xyzw',
    '',
    `${'z'.repeat(300)} hit-fp`,
    'last line hit-fp\r',
  ];
  return Buffer.concat(parts.map((p, i) => Buffer.concat([typeof p === 'string' ? Buffer.from(p, 'latin1') : p, Buffer.from(i % 3 === 0 ? '\r\n' : '\n')])));
}

/** The old way: every line on its own (split at LF, CR dropped, decoded), no prefilter, no gate. */
function perLine(s: YaraScanner, bytes: Buffer, path: string, max = 1024 * 1024): Hit[] {
  const out: Hit[] = [];
  for (const { line, start, end } of rawLines(bytes)) {
    if (end - start <= max) out.push(...s.scanLine(bytes.toString('utf8', start, end), { path, line, kind: 'iis' }));
  }
  return out;
}

function chunks(bytes: Buffer, size: number): () => Promise<Readable> {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) parts.push(bytes.subarray(i, i + size));
  return () => Promise.resolve(Readable.from(parts));
}

function ruleDir(t: { after(fn: () => void): void }, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'exhunt-yara-gate-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'tricky.yar'), text);
  return dir;
}

test('batched log lines give exactly the hits of scanning each line alone (tricky rules)', async (t) => {
  if (!requireBinding(t)) return;
  const compiled = compileYara({ logRules: [ruleDir(t, TRICKY)], cache: false });
  t.after(() => compiled.close());
  assert.equal(compiled.report.failed, 0, JSON.stringify(compiled.report.failures));
  assert.equal(compiled.report.lineGate, true);
  assert.equal(compiled.logGate?.length, 2, 'a fast and a precise gate');
  const batched = new YaraScanner(compiled);
  const reference = new YaraScanner({ ...compiled, logGate: null, lineLiterals: null });
  const bytes = trickyLines();
  const expected = perLine(reference, bytes, 'u.log', 200);
  const names = [...new Set(expected.map((h) => h.ruleId.replace(/^yara:tricky\./, '')))].sort();
  assert.deepEqual(names, ['Anchored', 'AnchoredEnd', 'AtZero', 'B64', 'B64Alphabet', 'B64Wide', 'Hexy', 'NotFp', 'Offset', 'Priv', 'Proxy', 'Small', 'Span', 'Twice', 'Wide', 'Word', 'Xored', 'GreedyWord'].sort());
  let before = 0;
  let seen = 0;
  for (const [chunk, batchBytes] of [
    [1 << 20, undefined],
    [7, 64],
    [100, 1],
  ] as const) {
    const got = await scanLogLines(batched, chunks(bytes, chunk), { path: 'u.log', kind: 'iis', maxLineBytes: 200, batchBytes });
    assert.deepEqual(got, expected, `chunks of ${chunk}, batches of ${batchBytes ?? 'default'} bytes`);
    const scanned = batched.stats.lineCandidates - before;
    const lines = batched.stats.lines - seen;
    before = batched.stats.lineCandidates;
    seen = batched.stats.lines;
    // These lines are near misses by design; on real logs the gate leaves a few lines in 10,000.
    assert.ok(scanned < lines * 0.8, `the gate rules lines out (${scanned} of ${lines} scanned)`);
  }
  // UTF-16 files are decoded and re-encoded, as before.
  const text = bytes.toString('latin1').replace(/[^\x20-\x7e\r\n]/g, '?');
  const utf16 = Buffer.from(`\ufeff${text}`, 'utf16le');
  const ref16 = perLine(reference, Buffer.from(text, 'latin1'), 'u.log', 200);
  assert.deepEqual(await scanLogLines(batched, chunks(utf16, 9), { path: 'u.log', kind: 'iis', maxLineBytes: 400, batchBytes: 50 }), ref16);
});

test('a rule that needs no string turns the gate off, and every line is scanned as before', async (t) => {
  if (!requireBinding(t)) return;
  const compiled = compileYara({ logRules: [ruleDir(t, `${TRICKY}\nrule Short : LOG { condition: filesize < 6 }`)], cache: false });
  t.after(() => compiled.close());
  assert.equal(compiled.report.lineGate, false);
  assert.equal(compiled.logGate, null);
  const s = new YaraScanner(compiled);
  const bytes = trickyLines();
  const expected = perLine(new YaraScanner(compiled), bytes, 'u.log', 200);
  assert.ok(expected.filter((h) => h.ruleId === 'yara:tricky.Short').length >= 2, 'short lines, the empty one too');
  assert.deepEqual(await scanLogLines(s, chunks(bytes, 13), { path: 'u.log', kind: 'iis', maxLineBytes: 200, batchBytes: 100 }), expected);
});

test('a gate that keeps too many matches, fails or sees too many bytes splits the batch and loses nothing', (t) => {
  if (!requireBinding(t)) return;
  const compiled = compileYara({ logRules: [ruleDir(t, TRICKY)], cache: false });
  t.after(() => compiled.close());
  const lines = Array.from({ length: 200 }, (_, i) => (i % 37 === 5 ? 'hit-fp twice twice' : `twice noisy ${i}`));
  const buf = Buffer.from(lines.map((l) => `${l}\n`).join(''));
  const starts: number[] = [];
  const ends: number[] = [];
  let at = 0;
  for (const l of lines) {
    starts.push(at);
    ends.push(at + l.length);
    at += l.length + 1;
  }
  const batch = { buf, starts, ends, lines: lines.map((_, i) => i + 1) };
  const exact = compiled.logs;
  assert.ok(exact && compiled.logGate);
  const summary = (r: { matches: readonly { index: number; matches: readonly RawMatch[] }[] }): string[] =>
    r.matches.flatMap((m) => m.matches.map((x) => `${m.index} ${x.rule}`));
  const errors: number[] = [];
  const options = { externals: {}, gateCap: 10_000, onError: (i: number) => errors.push(i) };
  const all = scanLineBatch(batch, exact, null, options);
  assert.equal(all.scanned, 200);
  const want = summary(all);
  assert.ok(want.length >= 6);
  const tight = scanLineBatch(batch, exact, compiled.logGate, { ...options, gateCap: 3, maxGateBytes: 500 });
  assert.deepEqual(summary(tight), want, 'cap of 3 matches per pattern, 500-byte gate scans');
  const gate = compiled.logGate[0];
  assert.ok(gate);
  const failing = {
    ...gate,
    scan: (): RawMatch[] => {
      throw new Error('gate down');
    },
  };
  const down = scanLineBatch(batch, exact, [failing], options);
  assert.deepEqual(summary(down), want, 'a gate that fails rules nothing out');
  assert.equal(down.scanned, 200);
  assert.deepEqual(errors, []);
});
