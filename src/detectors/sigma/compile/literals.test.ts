// The prefilter of Sigma detectors: which literals are derived, that they are never derived
// where a raw line would not contain them verbatim, and a soundness property: whenever a rule
// matches a W3C record, the record's raw line contains one of the rule's literals.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { compileOne, iisRecord, procRule, rng } from '../testing/fixtures.js';

const web = (detection: string): readonly string[] | null => compileOne(procRule(detection, 'category: webserver')).literals;

describe('derivation', () => {
  test('fields stored verbatim give their longest literal run', () => {
    assert.deepEqual(web("selection:\n    cs-uri-stem|contains: '/ecp/DDI/DDIService.svc'\ncondition: selection"), ['/ecp/ddi/ddiservice.svc']);
    assert.deepEqual(web("selection:\n    cs-method: 'POST'\n    cs-uri-stem|endswith:\n        - '.aspx'\n        - '.ashx'\ncondition: selection")?.slice().sort(), ['.ashx', '.aspx']);
  });
  test('AND keeps the best operand, OR unites, NOT gives nothing', () => {
    assert.deepEqual(web("a:\n    cs-method: 'POST'\nb:\n    cs-uri-stem|contains: '/powershell'\ncondition: a and b"), ['/powershell']);
    assert.deepEqual(web("a:\n    cs-uri-stem|contains: '/owa/'\nb:\n    cs-uri-stem|contains: '/ecp/'\ncondition: a or b")?.slice().sort(), ['/ecp/', '/owa/']);
    assert.equal(web("a:\n    cs-uri-stem|contains: '/owa/'\nb:\n    sc-status: 200\ncondition: a or b"), null, 'a number gives no literal');
    assert.equal(web("a:\n    cs-uri-stem|contains: '/owa/'\ncondition: not a"), null);
  });
  test('built values are cut where the raw line differs', () => {
    // cs-uri-query is stem + '?' + query: the '?' is not in the line.
    assert.deepEqual(web("selection:\n    cs-uri-query|contains: 'x.aspx?cmd=whoami'\ncondition: selection"), ['cmd=whoami']);
    // User agents are written with '+' for spaces.
    assert.deepEqual(web("selection:\n    cs-user-agent|contains: 'Mozilla/5.0 (Windows NT'\ncondition: selection"), ['mozilla/5.0']);
    // ...but a '+' in a rule's value is only ever matched as written: the spelling with spaces has none.
    assert.deepEqual(web("keywords:\n    - '=net+user'\n    - ' onerror='\ncondition: keywords")?.slice().sort(), ['=net+user', 'onerror=']);
  });
  test('a pipeline that joins values seamlessly or deletes characters gives no literal', () => {
    const dir = mkdtempSync(join(tmpdir(), 'exhunt-lit-'));
    const file = join(dir, 'seamless.yaml');
    writeFileSync(
      file,
      "name: seamless\nlogsources:\n  - id: webserver.iis\n    sigma: { category: webserver }\n    kind: iis\n    fields:\n      both: { join: [cs-uri-stem, cs-uri-query] }\n      agent: { field: cs(User-Agent), alternatives: [{ replace: '+', with: '' }] }\n",
    );
    const lits = (detection: string): readonly string[] | null => compileOne(procRule(detection, 'category: webserver'), { pipelines: [file] }).literals;
    assert.equal(lits("selection:\n    both|contains: 'x.aspxcmd'\ncondition: selection"), null);
    assert.equal(lits("selection:\n    agent|contains: 'Mozilla/5.0'\ncondition: selection"), null);
    assert.equal(lits("keywords:\n    - 'Mozilla/5.0'\ncondition: keywords"), null);
  });
  test('regular expressions give their required literal; wildcards split', () => {
    assert.deepEqual(web("selection:\n    cs-uri-stem|re: '/owa/auth/[a-z]+\\.aspx'\ncondition: selection"), ['/owa/auth/']);
    assert.deepEqual(web("selection:\n    cs-uri-stem: '/aspnet_client/*/discover.aspx'\ncondition: selection"), ['/aspnet_client/']);
    assert.equal(web("selection:\n    cs-uri-stem|re: '[a-z]{5}'\ncondition: selection"), null);
  });
  test('event records have no raw line: no prefilter', () => {
    assert.equal(compileOne(procRule("selection:\n    CommandLine|contains: 'mimikatz'\ncondition: selection")).literals, null);
  });
});

describe('soundness', () => {
  test('a matching record always holds a literal in its raw line (property, 3000 cases)', () => {
    const rand = rng(99);
    const words = ['owa', 'ecp', 'auth', 'x.aspx', 'cmd', 'Mozilla', '5.0', 'python', 'whoami', '"q"', 'ab', '=', '/', '%40'];
    const phrase = (sep: string): string => Array.from({ length: 1 + rand(4) }, () => words[rand(words.length)]!).join(rand(2) ? '' : sep);
    let checked = 0;
    for (let k = 0; k < 3000; k++) {
      const stem = `/${phrase('/')}`;
      const query = rand(3) ? phrase('&') : '';
      const ua = phrase('+');
      const rec = iisRecord({ 'cs-method': rand(2) ? 'POST' : 'GET', 'cs-uri-stem': stem, 'cs-uri-query': query, 'cs(User-Agent)': ua });
      // A rule value taken from what the rule sees: the built URI, the user agent in either
      // spelling, or a column.
      const choices: [string, string][] = [
        ['cs-uri-query', query ? `${stem}?${query}` : stem],
        ['cs-uri-stem', stem],
        ['cs-user-agent', rand(2) ? ua : ua.replace(/\+/g, ' ')],
        ['cs-method', rec.get('cs-method')!],
      ];
      // Keywords: any of those values.
      choices.push(['keywords', choices[rand(choices.length)]![1]]);
      const [field, seen] = choices[rand(choices.length)]!;
      const a = rand(seen.length + 1);
      const b = a + rand(seen.length - a + 1);
      // A keyword always searches for something.
      const piece = field === 'keywords' && a === b ? seen : seen.slice(a, b);
      const mod = a === 0 && b === seen.length ? '' : a === 0 ? '|startswith' : b === seen.length ? '|endswith' : '|contains';
      const value = piece.replace(/\\/g, '\\\\').replace(/[*?]/g, (c) => `\\${c}`).replace(/'/g, "''");
      const detection = field === 'keywords' ? `keywords:\n    - '${value}'\ncondition: keywords` : `selection:\n    ${field}${mod}: '${value}'\ncondition: selection`;
      const d = compileOne(procRule(detection, 'category: webserver'));
      assert.ok(d.test(rec), `${field}${mod}: '${value}' should match its own record`);
      checked++;
      const raw = Object.values(rec.fields())
        .map((v) => v || '-')
        .join(' ')
        .toLowerCase();
      if (d.literals !== null) assert.ok(d.literals.some((l) => raw.includes(l)), `${field}${mod}: '${value}' matched ${raw} but literals ${JSON.stringify(d.literals)} are not in it`);
    }
    assert.equal(checked, 3000);
  });
});
