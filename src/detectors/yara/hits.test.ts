// From a raw match to a Hit: severity by Loki/THOR score, outcome, CVEs from names and meta,
// capped string evidence, references.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RawMatch } from './engine.js';
import { outcomeOf, severityOfScore, toHit } from './hits.js';

const place = { path: 'W3SVC1/u_ex210303.log', line: 12, kind: 'iis' as const, time: '2021-03-03T04:05:06.000Z', clientIp: '203.0.113.9' };

test('scores map to severities (THOR: 80 alert, 60 warning, 40 notice); no score is high', () => {
  assert.deepEqual([100, 80, 79, 60, 59, 40, 39, 20, 19, 0].map(severityOfScore), ['critical', 'critical', 'high', 'high', 'medium', 'medium', 'low', 'low', 'info', 'info']);
  const m: RawMatch = { namespace: 'n', rule: 'r', tags: [], meta: {}, strings: [] };
  assert.equal(toHit(m, undefined, place).severity, 'high');
  assert.equal(toHit({ ...m, meta: { score: '65' } }, undefined, place).severity, 'high');
});

test('outcomes: web shells on files are compromise; log lines are attempts', () => {
  assert.equal(outcomeOf(true, false, 40), 'compromised');
  assert.equal(outcomeOf(false, false, 85), 'compromised');
  assert.equal(outcomeOf(false, false, 70), 'attempted');
  assert.equal(outcomeOf(false, false, 50), 'context');
  assert.equal(outcomeOf(true, true, 75), 'attempted');
  assert.equal(outcomeOf(false, true, 30), 'context');
});

test('a log line hit: CVEs from the rule name and meta, strings capped, references split', () => {
  const m: RawMatch = {
    namespace: 'apt_hafnium_log_sigs',
    rule: 'EXPL_LOG_CVE_2021_26858_Thing',
    tags: ['LOG'],
    meta: { description: 'Detects CVE-2021-27065 use', author: 'A. Author', reference: 'https://a.example/x https://b.example/y', cve: 'CVE-2021-26855' },
    strings: Array.from({ length: 12 }, (_, i) => ({ id: `$s${i}`, offset: i * 16, length: 3, data: i === 0 ? `a\u0001${'x'.repeat(100)}` : 'abc' })),
  };
  const h = toHit(m, undefined, place);
  assert.equal(h.ruleId, 'yara:apt_hafnium_log_sigs.EXPL_LOG_CVE_2021_26858_Thing');
  assert.equal(h.title, 'Detects CVE-2021-27065 use');
  assert.deepEqual(h.cves, ['CVE-2021-26855', 'CVE-2021-26858', 'CVE-2021-27065']);
  assert.deepEqual(h.attack, ['T1190']);
  assert.equal(h.stage, 'exploitation');
  assert.equal(h.clientIp, '203.0.113.9');
  assert.deepEqual(h.source, { path: place.path, line: 12, kind: 'iis' });
  const strings = h.evidence.strings ?? '';
  assert.ok(strings.startsWith(`$s0@0x0: a\\x01${'x'.repeat(75)}…`), strings);
  assert.ok(strings.endsWith('| … 4 more'));
  assert.deepEqual(h.references.map((r) => r.url ?? r.name), ['YARA apt_hafnium_log_sigs.EXPL_LOG_CVE_2021_26858_Thing by A. Author', 'https://a.example/x', 'https://b.example/y']);
  assert.match(h.description, /matched this log line \(author: A\. Author\)/);
});
