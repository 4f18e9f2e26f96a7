// The fallback engine: the `yara` command (forced as EXHUNT_YARA_ENGINE=yara would), giving the
// same answers as the binding on the fixtures: externals, routing, broken files with their line,
// log lines through the batch prefilter; and its output and error parsers on captured text.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { compileYara } from './compile.js';
import { parseCompileErrors, parseScanOutput } from './engine-command.js';
import { openEngine } from './engines.js';
import { engineInfo } from './loader.js';
import { YaraScanner } from './scan.js';
import { CHIRP, SIGNATURE_BASE_EXCHANGE, fixture, requireBinding, requireShared, requireYaraCommand, ruleIds } from './testutil.js';

test('yara output: headers with tags, meta (quotes, commas, brackets) and string lines', () => {
  const out = [
    'default:a [T1,T2] [d="a\\"b, c=[x]",n =-5,flag=true] /tmp/x y/bin',
    '0x0:4:$a: a\\x00b\\x00',
    '0x5:2:$b: 00 01',
    'ns2:Other [] [] /tmp/x y/bin',
    '',
  ].join('\n');
  const r = parseScanOutput(out);
  assert.equal(r.length, 2);
  assert.deepEqual(r[0], {
    path: '/tmp/x y/bin',
    match: {
      namespace: 'default',
      rule: 'a',
      tags: ['T1', 'T2'],
      meta: { d: 'a"b, c=[x]', n: -5, flag: true },
      strings: [
        { id: '$a', offset: 0, length: 4, data: 'a\\x00b\\x00' },
        { id: '$b', offset: 5, length: 2, data: '00 01' },
      ],
    },
  });
  assert.deepEqual(r[1]?.match.tags, []);
});

test('yara compile errors: both message forms, with their line', () => {
  assert.deepEqual(parseCompileErrors('error: rule "a" in /tmp/e1.yar(6): syntax error\n'), [{ line: 6, column: null, code: 'error', reason: 'rule "a": syntax error' }]);
  assert.deepEqual(parseCompileErrors('/tmp/e2.yar(2): error: duplicated identifier "a"\n'), [{ line: 2, column: null, code: 'error', reason: 'duplicated identifier "a"' }]);
  assert.equal(parseCompileErrors('something odd')[0]?.line, null);
});

test('EXHUNT_YARA_ENGINE=yara picks the command, and engineInfo says so', (t) => {
  if (!requireYaraCommand(t)) return;
  assert.equal(engineInfo('yara').kind, 'yara');
  assert.match(engineInfo('yara').version, /^4\./);
  assert.equal(openEngine('yara').info.kind, 'yara');
});

test('the command engine: externals, routing, hits and a broken file with its line', (t) => {
  if (!requireYaraCommand(t)) return;
  const c = compileYara({ rules: [fixture('rules'), fixture('broken'), fixture('chirp.yaml')], engine: openEngine('yara') });
  const s = new YaraScanner(c);
  t.after(() => s.close());
  assert.equal(c.report.engine.kind, 'yara');
  assert.deepEqual(
    c.report.failures.map((f) => [f.file.replace(/.*fixtures\/yara\//, ''), f.line]),
    [
      ['broken/broken.yar', 8],
      ['chirp.yaml', 51],
    ],
  );
  const file = (text: string | Buffer, windowsPath: string): string[] => {
    const bytes = typeof text === 'string' ? Buffer.from(text) : text;
    return ruleIds(s.scanFile({ path: 'x', bytes, size: bytes.length, windowsPath }));
  };
  const shell = 'C:\\inetpub\\wwwroot\\aspnet_client\\shell.aspx';
  assert.deepEqual(file('exhunt-filename-marker', shell), ['yara:fixture_basic.Fixture_Filename_Only']);
  assert.deepEqual(file('exhunt-filename-marker', 'C:\\x\\other.aspx'), []);
  assert.deepEqual(file('<%@ Page %> exhunt-filepath-marker', 'C:\\inetpub\\wwwroot\\aspnet_client\\x.ASPX'), ['yara:fixture_basic.Fixture_Filepath_Extension']);
  assert.deepEqual(file(Buffer.from('MZ\x90\x00 exhunt-binary-marker exhunt-script-marker', 'latin1'), shell), ['yara:fixture_basic.Fixture_Binary_Only']);
  assert.deepEqual(file('exhunt-good-marker exhunt-chirp-file-marker', shell), ['yara:chirp_3.chirp_fixture_file', 'yara:good.Broken_Dir_Good']);
  const [hit] = s.scanFile({ path: 'x', bytes: Buffer.from('..exhunt-synthetic-webshell-marker'), size: 34 });
  assert.equal(hit?.evidence.author, 'exhunt tests');
  assert.equal(hit?.evidence.strings, '$a@0x2: exhunt-synthetic-webshell-marker');
  assert.equal(hit?.severity, 'critical');
});

test('the command engine on log lines gives what the binding gives (gate over the batch, then exact per line)', (t) => {
  if (!requireYaraCommand(t) || !requireBinding(t) || !requireShared(t, SIGNATURE_BASE_EXCHANGE, CHIRP)) return;
  const rules = [SIGNATURE_BASE_EXCHANGE, CHIRP, fixture('rules'), fixture('chirp.yaml')];
  const lines = [...readFileSync(fixture('logs', 'synthetic-iis.log'), 'utf8').split(/\r?\n/), ...readFileSync(fixture('logs', 'synthetic-ecp-server.log'), 'utf8').split(/\r?\n/)];
  const run = (engine: 'yara' | 'yara-x'): string[] => {
    const s = new YaraScanner(compileYara({ rules, engine: openEngine(engine) }));
    try {
      assert.equal(s.gatesLines, true, `${engine}: lines are gated`);
      // An `all of` rule whose strings sit on different lines of a batch must not match.
      const split = s.scanLines(['POST /exhunt/attack.aspx 200', 'x 404 y'], { path: 'split.log', firstLine: 1, kind: 'iis' });
      assert.deepEqual(ruleIds(split), ['yara:fixture_basic.Fixture_Log_Line'], engine);
      return s.scanLines(lines, { path: 'l.log', firstLine: 1, kind: 'iis' }).map((h) => `${h.source.line} ${h.ruleId}`);
    } finally {
      s.close();
    }
  };
  const viaCommand = run('yara');
  assert.ok(viaCommand.length >= 8, viaCommand.join('\n'));
  assert.deepEqual(viaCommand, run('yara-x'));
});
