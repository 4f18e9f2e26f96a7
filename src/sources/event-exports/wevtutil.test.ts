/**
 * @module Tests of the wevtutil runner with a fake `wevtutil` first on PATH (a shell script
 * printing this repository's SYNTHETIC event fixtures, test/events/fake-wevtutil.ts): the channel
 * is read through the wevtutil XML parser, the arguments reach the program unchanged (no shell),
 * and a channel that cannot be read is a warning naming it, never a failure. POSIX only.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Diagnostic } from '../../core/diagnostic.js';
import type { LogRecord } from '../../core/record.js';
import { FAKE_CHANNELS, installFakeWevtutil, type FakeWevtutil } from '../../../test/events/fake-wevtutil.js';
import { LIVE_EVENT_CHANNELS, openWevtutilChannel, wevtutilArguments, type WevtutilOptions } from './wevtutil.js';
import { parseWevtutilXml } from './wevtutil-xml.js';

const posix = process.platform !== 'win32';

async function readChannel(channel: string, options: WevtutilOptions): Promise<{ records: LogRecord[]; diagnostics: Diagnostic[]; entries: number }> {
  const records: LogRecord[] = [];
  const diagnostics: Diagnostic[] = [];
  const stats = await parseWevtutilXml(
    { path: `Event log/${channel}`, open: () => Promise.resolve(openWevtutilChannel(channel, { ...options, onDiagnostic: (d) => diagnostics.push(d) })) },
    { literals: null, onRecord: (r) => records.push(r), onDiagnostic: (d) => diagnostics.push(d) },
  );
  return { records, diagnostics, entries: stats.entries };
}

void describe('wevtutilArguments', () => {
  void it('asks for every event of one channel as XML under an <Events> root', () => {
    assert.deepEqual(wevtutilArguments('Microsoft-Windows-Sysmon/Operational'), ['qe', 'Microsoft-Windows-Sysmon/Operational', '/f:xml', '/e:Events']);
    assert.ok(LIVE_EVENT_CHANNELS.includes('MSExchange Management'));
    assert.ok(LIVE_EVENT_CHANNELS.includes('Microsoft-Windows-PowerShell/Operational'));
  });
});

void describe('openWevtutilChannel (fake wevtutil on PATH)', { skip: posix ? false : 'the fake wevtutil is a POSIX shell script' }, () => {
  let fake: FakeWevtutil;
  before(() => {
    fake = installFakeWevtutil();
  });
  after(() => fake.remove());

  void it('reads a channel through the wevtutil XML parser: every event of the fixture, in order', async () => {
    const got = await readChannel('MSExchange Management', { env: fake.env });
    assert.deepEqual(got.diagnostics, []);
    assert.equal(got.entries, 20);
    assert.equal(got.records.length, 20);
    assert.equal(got.records[0]?.get('EventRecordID'), '5101');
    assert.equal(got.records[0]?.get('Channel'), 'MSExchange Management');
    assert.equal(got.records[0]?.origin.path, 'Event log/MSExchange Management');
    assert.ok(got.records.every((r) => r.kind === 'event' && r.time?.startsWith('2021-')));
  });

  void it('passes the channel as one argument, spaces, slashes and shell characters untouched', async () => {
    const odd = `x"; touch pwned; echo "$(id)' & y`;
    for (const channel of ['MSExchange Management', 'Microsoft-Windows-Sysmon/Operational', odd]) await readChannel(channel, { env: fake.env });
    const calls = fake.runs().map((r) => r.args);
    for (const channel of ['MSExchange Management', 'Microsoft-Windows-Sysmon/Operational', odd]) {
      assert.ok(
        calls.some((c) => JSON.stringify(c) === JSON.stringify(['qe', channel, '/f:xml', '/e:Events'])),
        `${channel}: ${JSON.stringify(calls)}`,
      );
    }
  });

  void it('a channel that does not exist is a warning naming it, and reads as empty', async () => {
    const got = await readChannel('Microsoft-Windows-Nothing/Operational', { env: fake.env });
    assert.equal(got.entries, 0);
    assert.deepEqual(
      got.diagnostics.map((d) => [d.level, d.code, d.path]),
      [['warning', 'event-log-unavailable', 'Event log/Microsoft-Windows-Nothing/Operational']],
    );
    assert.match(got.diagnostics[0]?.message ?? '', /^event log "Microsoft-Windows-Nothing\/Operational" not read: wevtutil: exit code 159 \(Failed to read events\. The specified channel could not be found\. Check channel configuration\.\)$/);
  });

  void it('access denied says so (Windows error 5)', async () => {
    const got = await readChannel('Security', { env: fake.env, path: 'C/Windows/System32/winevt/Logs/Security.xml' });
    assert.equal(got.entries, 0);
    assert.equal(got.diagnostics.length, 1);
    assert.equal(got.diagnostics[0]?.path, 'C/Windows/System32/winevt/Logs/Security.xml');
    assert.match(got.diagnostics[0]?.message ?? '', /"Security" not read: wevtutil: access denied \(run exhunt as an administrator to read it\) \(Failed to read events\. Access is denied\.\)/);
  });

  void it('a program that cannot be started is a warning too', async () => {
    const got = await readChannel('Application', { command: `${fake.dir}/no-such-wevtutil`, env: fake.env });
    assert.equal(got.entries, 0);
    assert.deepEqual(got.diagnostics.map((d) => d.code), ['event-log-unavailable']);
    assert.match(got.diagnostics[0]?.message ?? '', /"Application" not read: .*no-such-wevtutil could not be started \(ENOENT\)/);
  });

  void it('stopping early stops wevtutil', async () => {
    const stream = openWevtutilChannel('Endless', { env: fake.env });
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      assert.ok(chunk.length > 0);
      break; // destroys the stream
    }
    const pid = fake.runs().find((r) => r.args[1] === 'Endless')?.pid;
    assert.ok(pid !== undefined && pid > 0);
    const deadline = Date.now() + 5000;
    let alive = true;
    while (alive && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      try {
        process.kill(pid, 0);
      } catch {
        alive = false;
      }
    }
    assert.equal(alive, false, 'the endless wevtutil was killed');
  });

  void it('the fake serves every fixture it names (the live-host tests rely on them)', () => {
    assert.deepEqual(Object.keys(FAKE_CHANNELS).sort(), ['Application', 'MSExchange Management', 'Microsoft-Windows-Sysmon/Operational']);
  });
});
