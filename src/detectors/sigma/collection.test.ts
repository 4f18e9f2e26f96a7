// Loading collections: files and folders, multi-document files (Sigma 2 correlations and
// Sigma 1 `action: global/repeat/reset`), filters, and how broken or unsupported documents
// are reported (file, line, column, reason) without stopping the load.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { describeLicense } from './collection.js';
import { loadSigmaRules, loadSigmaText } from './load.js';
import { HOST, procRule, winEvent } from './testing/fixtures.js';

const RULE = (id: string, title: string, value: string): string => `title: ${title}
id: ${id}
logsource:
    product: windows
    service: security
detection:
    selection:
        CommandLine|contains: '${value}'
    condition: selection
level: medium
`;

describe('Sigma 1 collections', () => {
  test('action: global is merged into every later document; repeat copies the previous rule; reset forgets', () => {
    const text = `action: global
title: Shared title
logsource:
    product: windows
    service: security
level: high
---
id: 00000000-0000-4000-8000-000000000001
detection:
    selection:
        CommandLine|contains: 'alpha'
    condition: selection
---
action: repeat
id: 00000000-0000-4000-8000-000000000002
detection:
    selection:
        CommandLine|contains: 'beta'
---
action: reset
---
title: Alone
id: 00000000-0000-4000-8000-000000000003
logsource:
    product: windows
    service: security
detection:
    selection:
        CommandLine|contains: 'gamma'
    condition: selection
`;
    const r = loadSigmaText(text, 'c.yml');
    assert.deepEqual(r.failed, []);
    assert.deepEqual(
      r.detectors.map((d) => [d.id, d.rule.title, d.rule.level]),
      [
        ['00000000-0000-4000-8000-000000000001', 'Shared title', 'high'],
        ['00000000-0000-4000-8000-000000000002', 'Shared title', 'high'],
        ['00000000-0000-4000-8000-000000000003', 'Alone', undefined],
      ],
    );
    const sec = (cmd: string): ReturnType<typeof winEvent> => winEvent({ Channel: 'Security', EventID: '1', CommandLine: cmd });
    assert.ok(r.detectors[1]!.test(sec('x beta')));
    assert.ok(!r.detectors[1]!.test(sec('x alpha')), 'repeat replaced the selection');
  });
  test('unknown actions and a repeat without a previous rule are errors', () => {
    const r = loadSigmaText('action: nosuch\n---\naction: repeat\ntitle: x\n', 'c.yml');
    assert.equal(r.failed.length, 2);
    assert.match(r.failed[0]!.reason, /unknown action "nosuch"/);
    assert.match(r.failed[1]!.reason, /without a previous rule/);
  });
});

describe('filters (Sigma filters specification)', () => {
  test('a filter removes matches of the rules it names, when its log source fits', () => {
    const text = `${procRule("selection:\n    Image|endswith: '\\rar.exe'\ncondition: selection", 'category: process_creation\nproduct: windows')}---
title: Filter Administrator account
description: The valid administrator account start with adm_
logsource:
    category: process_creation
    product: windows
filter:
    rules:
        - 11111111-2222-4333-8444-555555555555
        - df0841c0-9846-4e9f-ad8a-7df91571771b
    selection:
        User|startswith: 'adm_'
    condition: selection
`;
    const r = loadSigmaText(text, 'f.yml');
    assert.deepEqual(r.failed, []);
    assert.equal(r.loaded, 2);
    assert.equal(r.warnings.length, 1, 'the second rule it names is not loaded');
    const d = r.detectors[0]!;
    assert.ok(d.test(winEvent({ Image: 'C:\\rar.exe', User: 'alice' })));
    assert.ok(!d.test(winEvent({ Image: 'C:\\rar.exe', User: 'adm_bob' })));
  });
  test('a filter whose log source does not fit is not applied', () => {
    const text = `${procRule("selection:\n    Image|endswith: '\\rar.exe'\ncondition: selection", 'category: process_creation\nproduct: windows')}---
title: Other log source
logsource:
    category: file_event
    product: windows
filter:
    rules: [11111111-2222-4333-8444-555555555555]
    selection:
        User|startswith: 'adm_'
    condition: selection
`;
    const r = loadSigmaText(text, 'f.yml');
    assert.match(r.warnings[0]?.reason ?? '', /does not fit/);
    assert.ok(r.detectors[0]!.test(winEvent({ Image: 'C:\\rar.exe', User: 'adm_bob' })));
  });
});

describe('problems are reported, located, and do not stop the load', () => {
  test('YAML syntax errors, with line and column', () => {
    const r = loadSigmaText('title: x\ndetection: a: b\n', 'y.yml');
    assert.equal(r.failed.length, 1);
    assert.equal(r.failed[0]!.code, 'yaml');
    assert.equal(r.failed[0]!.line, 2);
  });
  test('duplicate keys are errors', () => {
    const r = loadSigmaText(procRule("selection:\n    a: '1'\n    a: '2'\ncondition: selection"), 'y.yml');
    assert.match(r.failed[0]?.reason ?? '', /unique|duplicate/i);
  });
  test('missing parts, wrong types and unknown levels', () => {
    const cases: [string, RegExp][] = [
      ['logsource:\n    product: windows\ndetection:\n    s:\n        a: b\n    condition: s\n', /missing `title`/],
      ['title: x\ndetection:\n    s:\n        a: b\n    condition: s\n', /missing `logsource`/],
      ['title: x\nlogsource:\n    product: windows\ndetection:\n    s:\n        a: b\n', /no condition/],
      ['title: x\nlogsource:\n    product: windows\ndetection:\n    condition: s\n', /no search identifiers/],
      ['title: x\nlevel: severe\nlogsource:\n    product: windows\ndetection:\n    s:\n        a: b\n    condition: s\n', /unknown level "severe"/],
      ['title: x\ntags: 5\nlogsource:\n    product: windows\ndetection:\n    s:\n        a: b\n    condition: s\n', /`tags` must be a list/],
      ['title: x\n', /not a Sigma rule, filter or correlation/],
      ['- a\n- b\n', /must be a map/],
      ['title: x\ndate: 2021-13-40\nlogsource:\n    product: windows\ndetection:\n    s:\n        a: b\n    condition: s\n', /ISO 8601/],
      ['title: x\nlogsource:\n    product: windows\ndetection:\n    s: []\n    condition: s\n', /empty list/],
    ];
    for (const [text, re] of cases) {
      const r = loadSigmaText(text, 'y.yml');
      assert.equal(r.failed.length, 1, text);
      assert.match(r.failed[0]!.reason, re, text);
      assert.ok(r.failed[0]!.line !== undefined, `${text}: has a line`);
    }
  });
  test('what Sigma 2 dropped is refused as such', () => {
    const legacy = (extra: string, cond = 'selection'): string => `title: x\n${extra}logsource:\n    product: windows\ndetection:\n    selection:\n        a: b\n    condition: ${cond}\n`;
    const r1 = loadSigmaText(legacy('status: unsupported\n'), 'u.yml');
    assert.equal(r1.failed[0]!.code, 'unsupported');
    const r2 = loadSigmaText(legacy('date: 2019/10/24\n'), 'u.yml');
    assert.equal(r2.failed[0]!.code, 'legacy');
    assert.match(r2.failed[0]!.reason, /Sigma 1 form YYYY\/MM\/DD/);
    const r3 = loadSigmaText(legacy('', 'selection | count() by x > 5'), 'u.yml');
    assert.equal(r3.failed[0]!.code, 'legacy');
    const r4 = loadSigmaText(legacy('').replace('    condition:', '    timeframe: 5m\n    condition:'), 'u.yml');
    assert.match(r4.failed[0]!.reason, /timeframe/);
  });
  test('a broken file does not stop the others; duplicate ids keep the first', () => {
    const dir = mkdtempSync(join(tmpdir(), 'exhunt-sigma-'));
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'a.yml'), RULE('00000000-0000-4000-8000-00000000000a', 'A', 'alpha'));
    writeFileSync(join(dir, 'sub', 'b.yaml'), 'title: [broken\n');
    writeFileSync(join(dir, 'sub', 'c.yml'), RULE('00000000-0000-4000-8000-00000000000a', 'C', 'gamma'));
    writeFileSync(join(dir, 'notes.txt'), 'not a rule');
    const r = loadSigmaRules([dir]);
    assert.equal(r.files, 3);
    assert.equal(r.loaded, 1);
    assert.deepEqual(
      r.failed.map((f) => [f.file.slice(dir.length + 1), f.code]),
      [
        ['sub/b.yaml', 'yaml'],
        ['sub/c.yml', 'reference'],
      ],
    );
    const hit = r.detectors[0]!.match(winEvent({ Channel: 'Security', EventID: '1', CommandLine: 'alpha' }), HOST);
    assert.equal(hit?.evidence['sigma.file'], `${dir.split('/').pop()!}/a.yml`);
    assert.equal(hit?.evidence['sigma.license'], 'unknown');
    const missing = loadSigmaRules([join(dir, 'nosuch')]);
    assert.equal(missing.failed[0]?.code, 'io');
  });
  test('the license of a collection comes from a LICENSE file above the rules', () => {
    const dir = mkdtempSync(join(tmpdir(), 'exhunt-sigma-lic-'));
    mkdirSync(join(dir, 'rules', 'windows'), { recursive: true });
    writeFileSync(join(dir, 'LICENSE'), '# Licenses\n\n- The rules ... are released under the [Detection Rule License (DRL) 1.1](https://github.com/SigmaHQ/Detection-Rule-License)\n');
    writeFileSync(join(dir, 'rules', 'windows', 'a.yml'), RULE('00000000-0000-4000-8000-00000000000b', 'A', 'alpha'));
    const r = loadSigmaRules([join(dir, 'rules')]);
    const hit = r.detectors[0]!.match(winEvent({ Channel: 'Security', EventID: '1', CommandLine: 'alpha' }), HOST);
    assert.match(hit?.evidence['sigma.license'] ?? '', /^DRL-1\.1 /);
    assert.equal(hit?.evidence['sigma.file'], 'rules/windows/a.yml');
    assert.equal(describeLicense('MIT License\n\nCopyright'), 'MIT License');
  });
});
