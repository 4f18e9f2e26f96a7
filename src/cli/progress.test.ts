/**
 * @module Tests of `src/cli/progress.ts`. They live here only because this change may touch
 * `src/sinks/` and `src/cli/progress.ts` alone; move them to `src/cli/progress.test.ts`.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { createProgress } from './progress.js';

/** A stream that claims to be an 80-column terminal and records what is written to it. */
function fakeTty(columns = 80): Writable & { text: () => string; writes: number } {
  const chunks: string[] = [];
  const s = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString('utf8'));
      cb();
    },
  });
  return Object.assign(s, { isTTY: true, columns, text: () => chunks.join(''), get writes() { return chunks.length; } });
}

void describe('createProgress', () => {
  void test('disabled: writes nothing at all', () => {
    const tty = fakeTty();
    const p = createProgress({ stream: tty, enabled: false });
    p.start(1_000_000, 2);
    p.advance(500_000, 'C/inetpub/logs/LogFiles/W3SVC1/u_ex210303.log');
    p.stop();
    p.stop();
    assert.equal(tty.writes, 0);
  });

  void test('enabled: shows files and bytes done of the total, MB/s and the current file', () => {
    const tty = fakeTty(160);
    const p = createProgress({ stream: tty, enabled: true });
    p.start(3_000_000, 3);
    p.advance(1_000_000, 'Logging/HttpProxy/Owa/HttpProxy_2021030304-1.LOG');
    p.advance(1_000_000, 'Logging/ECP/Server/ECPServer20210303-1.LOG');
    p.stop();
    const out = tty.text();
    assert.match(out, /2\/3 files 2\.0\/3\.0 MB [\d.]+ MB\/s {2}Logging\/ECP\/Server\/ECPServer20210303-1\.LOG/);
    assert.match(out, /66%/);
  });

  void test('escapes the file label and keeps its end when it is too long', () => {
    const tty = fakeTty();
    const p = createProgress({ stream: tty, enabled: true });
    p.start(10, 1);
    p.advance(1, `${'deep/'.repeat(40)}evil\x1b]0;owned\x07.aspx`);
    p.stop();
    const out = tty.text();
    assert.ok(out.includes('\\x1b]0;owned\\x07.aspx'));
    assert.doesNotMatch(out, /\x1b\]0;owned/);
    assert.ok(out.includes('…'));
  });

  void test('stop before start and twice is harmless; advance before start is ignored', () => {
    const tty = fakeTty();
    const p = createProgress({ stream: tty, enabled: true });
    p.stop();
    p.advance(5, 'x');
    assert.equal(tty.writes, 0);
    p.start(10, 1);
    p.stop();
    p.stop();
  });
});
