/**
 * @module Evaluation tests: for every family, every CVE and every CU line with a fix, the last
 * vulnerable and the first fixed build (from the fix table, and checked against the shared facts'
 * cve-fixes.json); CU-only answers, unknown builds, support status, posture remedies, live checks.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { compareBuilds, formatShort, mustParseFull, parseBuild } from './build.js';
import type { CuLine } from './catalog.js';
import { builtinContent, cveStatus, evalBuild, factsPath, familyStatus, requireFacts } from './testutil.js';
import type { PostureItem } from './types.js';

const content = builtinContent();
const catalog = content.catalog;

/** The highest build the table lists on `line` below `limit`, else `limit` with revision - 1. */
function lastBelow(line: CuLine, limit: string): string {
  const lim = mustParseFull(limit);
  const below = line.entries.filter((e) => compareBuilds(e.parsed, lim) < 0).at(-1);
  if (below) return below.build;
  return formatShort({ ...lim, revision: (lim.revision ?? 1) - 1 });
}

void describe('boundary builds of every family, CVE and CU line', () => {
  for (const fam of content.families) {
    void test(`${fam.id}: last vulnerable and first fixed build on each line`, () => {
      let checked = 0;
      for (const cve of fam.cves) {
        for (const fix of cve.fixed ?? fam.fixed) {
          if (!cve.products.includes(fix.product)) continue;
          const line = catalog.line(mustParseFull(fix.build));
          assert.ok(line, `${fix.build} has a line`);
          const lowest = [fix.build, ...(fix.alternate ?? [])].map(mustParseFull).sort(compareBuilds)[0];
          const vulnerable = lastBelow(line, formatShort(lowest ?? mustParseFull(fix.build)));
          assert.equal(cveStatus(evalBuild(fix.build), cve.id), 'fixed', `${cve.id} first fixed ${fix.build} (${fix.product} ${fix.line})`);
          assert.equal(cveStatus(evalBuild(vulnerable), cve.id), 'open', `${cve.id} last vulnerable ${vulnerable} (${fix.product} ${fix.line})`);
          for (const alt of fix.alternate ?? []) assert.equal(cveStatus(evalBuild(alt), cve.id), 'likely-fixed', `${cve.id} ${alt} is another source's build`);
          checked++;
        }
        for (const inc of cve.includedFrom ?? fam.includedFrom) {
          const b = mustParseFull(inc.build);
          assert.equal(cveStatus(evalBuild(inc.build), cve.id), 'fixed', `${cve.id} included from ${inc.product} ${inc.line} ${inc.build}`);
          const prev = catalog.linesInGroup(catalog.line(b)?.group ?? '').filter((l) => compareBuilds(l.base, b) < 0 && l.product === inc.product).at(-1);
          if (prev && !(cve.fixed ?? fam.fixed).some((f) => f.product === prev.product && f.line === prev.name)) {
            assert.equal(cveStatus(evalBuild(formatShort(prev.base)), cve.id), 'open', `${cve.id} ${prev.product} ${prev.name} before the CU that includes the fix`);
          }
          checked++;
        }
      }
      if (fam.mitigationOnly.length === 0) assert.ok(checked > 0, 'family has fixes');
    });
  }

  void test('per-CVE fixed levels: ProxyShell (Apr21SU for 34473/34523, May21SU for 31207) and Feb-2023 (Mar23SU for 21707)', () => {
    const apr = evalBuild('15.1.2176.12');
    assert.equal(cveStatus(apr, 'CVE-2021-34473'), 'fixed');
    assert.equal(cveStatus(apr, 'CVE-2021-34523'), 'fixed');
    assert.equal(cveStatus(apr, 'CVE-2021-31207'), 'open');
    assert.equal(familyStatus(apr, 'proxyshell'), 'open');
    assert.deepEqual(apr.families.find((f) => f.id === 'proxyshell')?.open, ['CVE-2021-31207']);
    assert.equal(familyStatus(evalBuild('15.1.2176.14'), 'proxyshell'), 'fixed');
    const feb = evalBuild('15.1.2507.21');
    assert.equal(cveStatus(feb, 'CVE-2023-21529'), 'fixed');
    assert.equal(cveStatus(feb, 'CVE-2023-21707'), 'open');
    assert.deepEqual(feb.families.find((f) => f.id === 'feb-2023')?.kbs, ['KB5024296']);
    assert.equal(familyStatus(evalBuild('15.1.2507.23'), 'feb-2023'), 'fixed');
  });
});

void describe('facts cross-check (shared exchange-facts/cve-fixes.json)', () => {
  void test('every fixed build in cve-fixes.json is fixed, and one revision below it is not', (t) => {
    if (!requireFacts(t, 'cve-fixes.json')) return;
    type Fix = { product: string; line: string; build: string; alternateBuilds?: string[] };
    const facts = JSON.parse(readFileSync(factsPath('cve-fixes.json'), 'utf8')) as {
      families: { id: string; cves: string[]; fixedBuilds?: Fix[]; fixedBuildsPerCve?: Record<string, Fix[]>; laterCUsIncludingFix?: Fix[] }[];
    };
    let n = 0;
    for (const fam of facts.families) {
      for (const cve of fam.cves) {
        const fixes = fam.fixedBuildsPerCve?.[cve] ?? fam.fixedBuilds ?? [];
        for (const f of fixes) {
          const r = evalBuild(f.build);
          const status = cveStatus(r, cve);
          if (status === 'not-affected') continue;
          assert.equal(status, 'fixed', `${fam.id} ${cve} ${f.build}`);
          const b = mustParseFull(f.alternateBuilds?.[0] ?? f.build);
          const line = catalog.line(b);
          assert.ok(line, f.build);
          const below = b.revision === 0 ? lastBelow(line, formatShort(b)) : formatShort({ ...b, revision: (b.revision ?? 1) - 1 });
          assert.equal(cveStatus(evalBuild(below), cve), 'open', `${fam.id} ${cve} ${below}`);
          n++;
        }
        for (const f of fam.laterCUsIncludingFix ?? []) {
          assert.equal(cveStatus(evalBuild(f.build), cve), 'fixed', `${fam.id} ${cve} ${f.build}`);
          n++;
        }
      }
    }
    assert.ok(n > 100, `${n} checks`);
  });

  void test('mar21su_fixed_builds.csv: HealthChecker builds are fixed or reported likely fixed with the conflict', (t) => {
    if (!requireFacts(t, 'mar21su_fixed_builds.csv')) return;
    const rows = readFileSync(factsPath('mar21su_fixed_builds.csv'), 'utf8').trim().split(/\r?\n/).slice(1);
    for (const row of rows) {
      const [, cu, cuBuild, mar] = row.split(',');
      assert.ok(mar && cuBuild);
      const r = evalBuild(mar);
      assert.ok(['fixed', 'likely-fixed'].includes(familyStatus(r, 'proxylogon')), `${cu} ${mar}`);
      if (familyStatus(r, 'proxylogon') === 'likely-fixed') assert.ok(r.conflicts.some((c) => c.id.startsWith('hc-2016-')), `${mar} reports its conflict`);
      assert.equal(familyStatus(evalBuild(cuBuild, 'exact'), 'proxylogon'), 'open', `${cu} RTM ${cuBuild}`);
    }
  });
});

void describe('answers that must not be guessed', () => {
  void test('AdminDisplayVersion (CU only): SU-dependent families are unknown, never fixed; no-fix lines stay open', () => {
    const r = evalBuild('15.1.2176.2', 'cu-only');
    assert.equal(r.confidence, 'cu-only');
    assert.equal(r.su, null);
    assert.match(r.suNote, /SU cannot be told/);
    assert.equal(familyStatus(r, 'proxylogon'), 'unknown');
    assert.equal(familyStatus(r, 'proxyshell'), 'unknown');
    assert.equal(familyStatus(r, 'proxynotshell'), 'open', 'CU19 has no ProxyNotShell SU at all');
    assert.equal(familyStatus(r, 'cve-2020-0688'), 'fixed', 'CU19 RTM already includes the Feb 2020 fix');
    assert.ok(r.kbs.length > 0);
  });

  void test('a build newer than the table, or not an Exchange build line, is unknown for every family', () => {
    for (const b of ['15.1.2507.999999', '15.2.9999.1', '15.1.1.1']) {
      const r = evalBuild(b);
      assert.equal(r.confidence, 'unknown', b);
      assert.ok(r.families.every((f) => f.status === 'unknown'), b);
      assert.equal(r.openFamilies.length, 0);
    }
    assert.match(evalBuild('15.2.9999.1').notes.join(' '), /newer than every build/);
    const none = evalBuild(null);
    assert.ok(none.families.every((f) => f.status === 'unknown'));
  });

  void test('a revision between two listed builds is evaluated numerically and named as unlisted', () => {
    const r = evalBuild('15.1.2176.11');
    assert.equal(r.su, null);
    assert.match(r.suNote, /after Mar21SU 15\.1\.2176\.9, before Apr21SU 15\.1\.2176\.12/);
    assert.equal(familyStatus(r, 'proxylogon'), 'fixed');
    assert.equal(familyStatus(r, 'april-2021'), 'open');
  });

  void test('lines older than every fixed line are open with an upgrade, not a KB that cannot be installed', () => {
    const r = evalBuild('15.1.845.34'); // 2016 CU5
    const pl = r.families.find((f) => f.id === 'proxylogon');
    assert.equal(pl?.status, 'open');
    assert.match(pl?.action ?? '', /upgrade to Exchange 2016/);
    assert.match(r.families.find((f) => f.id === 'proxylogon')?.cves[0]?.reason ?? '', /no security update fixes/);
    const gap = evalBuild('15.0.1076.9'); // 2013 CU8: between SP1 (CU4) and CU21, no Mar21SU
    assert.equal(familyStatus(gap, 'proxylogon'), 'open');
  });

  void test('Exchange 2010: ProxyLogon is CVE-2021-26857 only (fixed by RU32); later families were not assessed (unknown)', () => {
    const ru31 = evalBuild('14.3.509.0');
    assert.equal(cveStatus(ru31, 'CVE-2021-26857'), 'open');
    assert.equal(cveStatus(ru31, 'CVE-2021-26855'), 'not-affected');
    const ru32 = evalBuild('14.3.513.0');
    assert.equal(familyStatus(ru32, 'proxylogon'), 'fixed');
    assert.equal(familyStatus(ru32, 'proxyshell'), 'unknown');
    assert.equal(familyStatus(evalBuild('14.3.468.0'), 'cve-2020-0688'), 'open');
    assert.equal(familyStatus(evalBuild('14.3.496.0'), 'cve-2020-0688'), 'fixed');
    assert.ok(ru32.conflicts.some((c) => c.id === 'exchange-2010-proxylogon'));
  });

  void test('Subscription Edition continues 2019: every family fixed, supported', () => {
    const r = evalBuild('15.2.2562.17');
    assert.equal(r.product, 'Exchange Server Subscription Edition');
    assert.ok(r.families.every((f) => f.status === 'fixed'), JSON.stringify(r.families.map((f) => [f.id, f.status])));
    assert.equal(r.support.status, 'supported');
  });

  void test('CVE-2021-42321 does not affect 2013 (Microsoft), CVE-2024-21410 was not assessed for 2013 (unknown)', () => {
    const r = evalBuild('15.0.1497.48');
    assert.equal(familyStatus(r, 'cve-2021-42321'), 'not-affected');
    assert.equal(familyStatus(r, 'cve-2024-21410'), 'unknown');
    assert.ok(r.conflicts.some((c) => c.id === 'cve-2024-21410-exchange-2013'));
  });
});

void describe('CVE-2024-21410 and Extended Protection posture', () => {
  const ep = (state: PostureItem['state']): PostureItem => ({ id: 'extended-protection', title: 'Extended Protection', state, verdict: 'info', detail: 'test', evidence: [] });
  void test('2016 CU23 after Aug22SU: open without posture, mitigated with EP on, open with EP off', () => {
    assert.equal(familyStatus(evalBuild('15.1.2507.66'), 'cve-2024-21410'), 'open');
    assert.equal(familyStatus(evalBuild('15.1.2507.66', 'exact', [ep('present')]), 'cve-2024-21410'), 'mitigated');
    assert.equal(familyStatus(evalBuild('15.1.2507.66', 'exact', [ep('absent')]), 'cve-2024-21410'), 'open');
    assert.deepEqual(evalBuild('15.1.2507.66').kbs, ['Extended Protection']);
  });
  void test('2016 CU23 before Aug22SU needs the SU first', () => {
    const r = evalBuild('15.1.2507.9');
    assert.match(r.families.find((f) => f.id === 'cve-2024-21410')?.action ?? '', /August 2022 SU/);
  });
  void test('2019 CU14 is fixed by default but open when the collected configuration has EP off', () => {
    assert.equal(familyStatus(evalBuild('15.2.1544.4'), 'cve-2024-21410'), 'fixed');
    assert.equal(familyStatus(evalBuild('15.2.1544.4', 'exact', [ep('absent')]), 'cve-2024-21410'), 'open');
  });
  void test('a positive live CVE-2021-26855 check makes ProxyLogon open whatever the build says', () => {
    const live: PostureItem = { id: 'cve-2021-26855-check', title: 'check', state: 'present', verdict: 'bad', detail: 'X-CalculatedBETarget: localhost', evidence: [] };
    const r = evalBuild('15.1.2176.9', 'exact', [live]);
    assert.equal(cveStatus(r, 'CVE-2021-26855'), 'open');
    assert.ok(r.openFamilies.includes('proxylogon'));
  });
});

void describe('support status', () => {
  const cases: [string, string, string][] = [
    ['15.1.2507.35', '2025-01-01', 'supported'],
    ['15.1.2375.37', '2025-01-01', 'cu-out-of-support'],
    ['15.1.2507.61', '2026-01-01', 'esu'],
    ['15.1.2375.37', '2026-01-01', 'end-of-life'],
    ['15.1.2507.66', '2026-05-01', 'end-of-life'],
    ['15.2.1748.10', '2025-03-01', 'supported'],
    ['15.2.1258.38', '2025-03-01', 'supported'],
    ['15.2.1118.40', '2025-03-01', 'cu-out-of-support'],
    ['15.0.1497.48', '2023-05-01', 'end-of-life'],
    ['15.0.1497.48', '2023-03-01', 'supported'],
    ['15.2.2562.46', '2026-11-27', 'supported'],
  ];
  for (const [build, asOf, expected] of cases) {
    void test(`${build} on ${asOf}: ${expected}`, () => {
      assert.equal(evalBuild(build, 'exact', [], asOf).support.status, expected);
    });
  }
});

void describe('server-level answer', () => {
  void test('2016 CU19 RTM: every family but CVE-2020-0688 open; one cumulative install covers them', () => {
    const r = evalBuild('15.1.2176.2');
    assert.equal(r.product, 'Exchange Server 2016');
    assert.equal(r.cu, 'CU19');
    assert.equal(r.su, 'CU');
    assert.deepEqual(r.kbs, ['Exchange 2016 CU23', 'KB5024296', 'Extended Protection']);
    assert.ok(r.open.includes('CVE-2021-26855'));
    assert.ok(!r.openFamilies.includes('cve-2020-0688'));
  });
  void test('the one-off March 2021 SU on an old CU is flagged like HealthChecker does', () => {
    const r = evalBuild('15.1.2044.13'); // 2016 CU17 Mar21SU
    assert.equal(familyStatus(r, 'proxylogon'), 'fixed');
    assert.match(r.notes.join(' '), /earlier security updates of this CU line are not included/);
    assert.ok(!evalBuild('15.1.2176.9').notes.some((n) => /earlier security updates/.test(n)));
  });
  void test('builds whose sources disagree carry the conflict', () => {
    assert.ok(evalBuild('15.1.1466.9').conflicts.some((c) => c.id === 'aug18su-2016-cu9'));
    assert.ok(evalBuild('15.1.1713.5').conflicts.some((c) => c.id === 'feb19su-cu-names'));
  });
  void test('parseBuild feeds the same answer for short and long forms', () => {
    assert.deepEqual(parseBuild('15.01.2176.009'), parseBuild('15.1.2176.9'));
    assert.deepEqual(evalBuild('15.01.2176.009').openFamilies, evalBuild('15.1.2176.9').openFamilies);
  });
});
