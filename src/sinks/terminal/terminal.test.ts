/**
 * @module Tests of the terminal report: verdicts, stage order, caps, coverage warnings, and that
 * attacker-controlled text can neither inject terminal control sequences nor hide characters.
 */
import assert from 'node:assert/strict';
import { PassThrough, Writable } from 'node:stream';
import { describe, test } from 'node:test';
import type { Finding } from '../../core/finding.js';
import { runSinkConformance } from '../conformance.js';
import { SinkError } from '../lifecycle.js';
import { coverage, ecpVdirFinding, hostReport, RUN, ssrfFinding, summaryFor, webShellFinding } from '../testing.js';
import { formatReport, terminalSink } from './index.js';

runSinkConformance('terminal', () => terminalSink({ stream: new PassThrough(), color: false }));

function manySsrf(n: number): Finding[] {
  return Array.from({ length: n }, (_, i) =>
    ssrfFinding({ time: `2021-03-03T05:${String(i % 60).padStart(2, '0')}:00.000Z`, source: { line: 100 + i } }),
  );
}

void describe('formatReport', () => {
  void test('prints a verdict line with its reason for each host', () => {
    const fs = [ssrfFinding(), webShellFinding({ host: 'EXCH02' })];
    const summary = summaryFor(fs, {
      hosts: [hostReport(fs), hostReport(fs, { host: 'EXCH02', verdict: 'attempted', reason: 'SSRF requests, no follow-up seen' })],
    });
    const out = formatReport(summary, fs, { color: false });
    assert.match(out, /^VERDICT: COMPROMISED - web shell found$/m);
    assert.match(out, /^VERDICT: ATTEMPTED - SSRF requests, no follow-up seen$/m);
    assert.ok(out.indexOf('Host EXCH01') < out.indexOf('Host EXCH02'));
    assert.match(out, /^OVERALL VERDICT: COMPROMISED \(2 hosts\)$/m);
  });

  void test('groups findings by stage in kill-chain order, whatever order they arrive in', () => {
    const fs = [webShellFinding(), ecpVdirFinding(), ssrfFinding()];
    const out = formatReport(summaryFor(fs), fs, { color: false });
    const at = (s: string): number => out.indexOf(s);
    assert.ok(at('Initial access (1)') > 0);
    assert.ok(at('Initial access (1)') < at('Exploitation (1)'));
    assert.ok(at('Exploitation (1)') < at('Persistence (1)'));
    // Each finding under its own stage heading.
    assert.ok(at('ProxyLogon SSRF') > at('Initial access') && at('ProxyLogon SSRF') < at('Exploitation'));
  });

  void test('each finding shows UTC time, severity, title, client IP, path:line and evidence', () => {
    const out = formatReport(summaryFor([ssrfFinding()]), [ssrfFinding()], { color: false });
    const line = out.split('\n').find((l) => l.includes('ProxyLogon SSRF'));
    assert.ok(line);
    assert.match(line, /2021-03-03 04:05:06Z\s+HIGH\s+ProxyLogon SSRF: ServerInfo~ AnchorMailbox\s+from 86\.105\.18\.116\s+C\/Program Files\/.*HttpProxy_2021030304-1\.LOG:57$/);
    const next = out.split('\n')[out.split('\n').indexOf(line) + 1];
    assert.match(next ?? '', /^ {8}.*AnchorMailbox=ServerInfo~a\]@exch01\.contoso\.com:444\/mapi\/emsmdb\/\?#/);
  });

  void test('shows the first 20 findings of a noisy rule and counts the rest', () => {
    const fs = [...manySsrf(25), webShellFinding()];
    const out = formatReport(summaryFor(fs), fs, { color: false });
    assert.equal(out.split('\n').filter((l) => l.includes('ProxyLogon SSRF: ServerInfo~ AnchorMailbox  from')).length, 20);
    assert.match(out, /… and 5 more "ProxyLogon SSRF: ServerInfo~ AnchorMailbox" \(Exchange\.ProxyLogon\.Ssrf\) \(see --jsonl\)/);
    assert.match(out, /ASPX file in aspnet_client/, 'other rules are not crowded out');
    assert.match(out, /Initial access \(25\)/, 'the stage heading counts every finding');
  });

  void test('verbose shows every finding, and maxPerRule changes the cap', () => {
    const fs = manySsrf(25);
    const verbose = formatReport(summaryFor(fs), fs, { color: false, verbose: true });
    assert.equal(verbose.split('\n').filter((l) => l.includes('AnchorMailbox  from')).length, 25);
    assert.doesNotMatch(verbose, /more .* \(see --jsonl\)/);
    const three = formatReport(summaryFor(fs), fs, { color: false, maxPerRule: 3 });
    assert.match(three, /… and 22 more/);
  });

  void test('escapes ESC, CR, bidi overrides and C1 controls from evidence, titles and paths', () => {
    const evil = webShellFinding({
      title: 'web shell\x1b]0;pwned\x07',
      source: { path: 'C/inetpub/wwwroot/aspnet_client/x\u202egpj.aspx' },
      evidence: { UserAgent: '\x1b[2J\x1b[1;1HVERDICT: CLEAN\r', Name: 'a\u2066b\u009bc\u007f' },
    });
    const out = formatReport(summaryFor([evil]), [evil], { color: false });
    assert.doesNotMatch(out, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/, 'no raw control or bidi character');
    assert.ok(out.includes('UserAgent=\\x1b[2J\\x1b[1;1HVERDICT: CLEAN\\x0d'));
    assert.ok(out.includes('x\\u{202e}gpj.aspx'));
    assert.ok(out.includes('web shell\\x1b]0;pwned\\x07'));
    assert.ok(out.includes('Name=a\\u{2066}b\\x9bc\\x7f'));
    assert.doesNotMatch(out, /^VERDICT: CLEAN/m, 'a forged verdict cannot start a line');
  });

  void test('escapes host names and diagnostics too', () => {
    const fs = [ssrfFinding({ host: 'EXCH\x1b[8m01' })];
    const summary = summaryFor(fs, {
      hosts: [hostReport(fs, { host: 'EXCH\x1b[8m01' })],
      diagnostics: [{ level: 'warning', code: 'bad-row', message: 'bad \x1b[31mrow', path: 'a\rb.log', line: 3 }],
    });
    const out = formatReport(summary, fs, { color: false });
    assert.doesNotMatch(out, /\x1b|\r/);
    assert.ok(out.includes('Host EXCH\\x1b[8m01'));
    assert.ok(out.includes('a\\x0db.log:3'));
  });

  void test('no colour codes when color is false; coloured verdict when true', () => {
    const fs = [webShellFinding()];
    const plain = formatReport(summaryFor(fs), fs, { color: false });
    assert.doesNotMatch(plain, /\x1b/);
    const coloured = formatReport(summaryFor(fs), fs, { color: true });
    assert.ok(coloured.includes('\x1b[31mCOMPROMISED'), 'compromised is red');
    const clean = summaryFor([], { hosts: [hostReport([], { verdict: 'clean', reason: 'nothing found' })] });
    assert.ok(formatReport(clean, [], { color: true }).includes('\x1b[32mCLEAN'), 'clean is green');
    const inconclusive = summaryFor([], { hosts: [hostReport([], { verdict: 'inconclusive', reason: 'x' })] });
    assert.ok(formatReport(inconclusive, [], { color: true }).includes('\x1b[35mINCONCLUSIVE'), 'inconclusive is magenta');
  });

  void test('0 findings with logs that start after the window: inconclusive, and says why', () => {
    const host = hostReport([], {
      verdict: 'inconclusive',
      reason: 'logs start 2021-03-20, after the window',
      coverage: [
        coverage('HttpProxy/Owa', { oldest: '2021-03-20T00:00:00.000Z', days: 20.5, coversWindow: false }),
        coverage('OAB Generator', { oldest: null, newest: null, days: null, coversWindow: false, files: 0 }),
      ],
    });
    const out = formatReport(summaryFor([], { hosts: [host] }), [], { color: false });
    assert.match(out, /^VERDICT: INCONCLUSIVE - logs start 2021-03-20, after the window$/m);
    assert.match(out, /^ {2}findings: 0$/m);
    assert.match(out, /SOURCE\s+FILES\s+OLDEST\s+NEWEST\s+DAYS\s+REACHES WINDOW/);
    assert.match(out, /HttpProxy\/Owa\s+30\s+2021-03-20 00:00Z\s+2021-03-10 23:59Z\s+20\.5\s+NO ⚠/);
    assert.match(out, /⚠ HttpProxy\/Owa starts 2021-03-20 00:00Z, after the window start 2021-01-01 00:00Z: "clean" cannot be concluded from it\./);
    assert.match(out, /⚠ OAB Generator has no dated entries: "clean" cannot be concluded from it\./);
    assert.match(out, /^OVERALL VERDICT: INCONCLUSIVE \(1 host\)$/m);
  });

  void test('a host with no log sources at all gets a warning instead of a table', () => {
    const out = formatReport(summaryFor([], { hosts: [hostReport([], { verdict: 'inconclusive', coverage: [] })] }), [], { color: false });
    assert.match(out, /No log sources were found for this host: "clean" cannot be concluded/);
    assert.doesNotMatch(out, /REACHES WINDOW/);
  });

  void test('input problems: the count and the first few with path:line', () => {
    const diagnostics = Array.from({ length: 8 }, (_, i) => ({
      level: i === 0 ? ('error' as const) : ('warning' as const),
      code: 'bad-row',
      message: `row ${i} has 3 columns, header has 74`,
      path: 'C/Logging/HttpProxy/Owa/HttpProxy_2021030301-1.LOG',
      line: 10 + i,
    }));
    const out = formatReport(summaryFor([], { hosts: [], diagnostics }), [], { color: false });
    assert.match(out, /^Input problems: 8 \(1 error, 7 warnings\)$/m);
    assert.match(out, /error\s+bad-row\s+C\/Logging\/HttpProxy\/Owa\/HttpProxy_2021030301-1\.LOG:10\s+row 0 has/);
    assert.ok(out.includes('.LOG:14'));
    assert.ok(!out.includes('.LOG:15'), 'only the first five');
    assert.match(out, /… and 3 more \(see --summary-json\)/);
  });

  void test('findings for a host missing from the summary are still printed', () => {
    const f = ssrfFinding({ host: 'GHOST' });
    const out = formatReport(summaryFor([f], { hosts: [] }), [f], { color: false });
    assert.match(out, /Host GHOST/);
    assert.match(out, /VERDICT: UNKNOWN/);
    assert.match(out, /ProxyLogon SSRF/);
  });
});

void describe('terminalSink', () => {
  void test('prints the report at close, nothing before', async () => {
    const stream = new PassThrough();
    let text = '';
    stream.on('data', (c: Buffer) => (text += c.toString('utf8')));
    const sink = terminalSink({ stream, color: false });
    const fs = [ssrfFinding(), webShellFinding()];
    await sink.begin?.(RUN);
    for (const f of fs) await sink.write(f);
    assert.equal(text, '');
    await sink.close?.(summaryFor(fs), fs);
    assert.equal(text, formatReport(summaryFor(fs), fs, { color: false }));
  });

  void test('a closed pipe is not an error, any other write error is', async () => {
    const failing = (code: string): Writable =>
      new Writable({ write: (_c, _e, cb) => cb(Object.assign(new Error(code), { code })) });
    await terminalSink({ stream: failing('EPIPE'), color: false }).close?.(summaryFor([]), []);
    await assert.rejects(async () => terminalSink({ stream: failing('EIO'), color: false }).close?.(summaryFor([]), []), SinkError);
  });
});
