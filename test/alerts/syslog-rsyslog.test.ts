// Syslog channels against a real rsyslogd on 127.0.0.1 (UDP, TCP with octet counting, TLS with a
// CA made by openssl in the test, mutual TLS): the exact RFC 5424 + CEF text it received,
// escaping of hostile values, JSON payloads, framing, order, and a receiver that is down.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { channelFromUri, Dispatcher, DeliveryError, streamTransport } from '../../src/alerts/index.js';
import { alertOf, CTX, hostileFinding, memoryOutbox, numberedAlerts } from './helpers/fixtures.js';
import type { TestPki } from './helpers/openssl.js';
import { makePki } from './helpers/openssl.js';
import type { Rsyslog } from './helpers/rsyslog.js';
import { startRsyslog } from './helpers/rsyslog.js';
import { gate } from './helpers/tools.js';

const tools = gate(['rsyslogd', 'openssl'], 'rsyslog, rsyslog-gnutls, openssl');

void describe('syslog channels with rsyslog', { skip: tools.skip }, () => {
  let dir = '';
  let pki: TestPki;
  let rs: Rsyslog;
  let seen = 0;
  /** The messages that arrived since the last call. */
  const fresh = async (n: number): Promise<string[]> => {
    const lines = await rs.waitFor(seen + n);
    const out = lines.slice(seen, seen + n);
    seen += n;
    return out;
  };

  before(async () => {
    if (tools.failure) throw new Error(tools.failure);
    dir = mkdtempSync(join(tmpdir(), 'exhunt-rsyslog-'));
    pki = makePki(dir);
    rs = await startRsyslog(dir, pki);
  });
  after(async () => {
    await rs?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const hostile = alertOf(hostileFinding());
  const expectedCef = String.raw`CEF:0|exhunt|exhunt|0.1.0|Exchange.ProxyLogon.Ssrf|SSRF \| via \\ cookie = x|8|rt=1614744306789 dvchost=EXCH01 src=86.105.18.116 filePath=Logs/a|b\=c.log cn1Label=line cn1=57 cat=initial-access outcome=attempted cs1Label=CVE cs1=CVE-2021-26855 cs2Label=ATT&CK cs2=T1190 cs3Label=evidence cs3={"UserAgent":"ua|x\=y\\\\z"} externalId=${hostile.key} msg=first\nsecond\\x1b[2J`;

  void test('UDP: the exact RFC 5424 + CEF text, hostile values escaped', async () => {
    const ch = channelFromUri(`syslog+udp://127.0.0.1:${rs.udpPort}?format=cef`, CTX);
    await ch.send([hostile], AbortSignal.timeout(5000));
    await ch.close();
    const [raw] = await fresh(1);
    assert.equal(raw, `<11>1 2021-03-11T09:00:00.000Z hunt01 exhunt 4242 finding - ${expectedCef}`);
    // rsyslog's own RFC 5424 parser agrees on every header field.
    assert.equal(rs.parsed().at(-1), `1|11|2021-03-11T09:00:00.000Z|hunt01|exhunt|4242|finding|-|${expectedCef}`);
  });

  void test('TCP with octet counting: JSON payload, and a raw line feed stays inside its frame', async () => {
    const ch = channelFromUri(`syslog+tcp://127.0.0.1:${rs.tcpPort}?format=json&facility=local4`, CTX);
    await ch.send([hostile], AbortSignal.timeout(5000));
    await ch.close();
    const [raw = ''] = await fresh(1);
    const prefix = '<163>1 2021-03-11T09:00:00.000Z hunt01 exhunt 4242 finding - ';
    assert.ok(raw.startsWith(prefix), raw);
    assert.doesNotMatch(raw, /#0\d\d/, 'no control character was sent raw');
    const json = JSON.parse(raw.slice(prefix.length)) as Record<string, unknown>;
    assert.equal(json.alertId, hostile.key);
    assert.equal(json.title, 'SSRF | via \\ cookie = x');
    assert.equal(json.description, 'first\nsecond\x1b[2J');
    assert.deepEqual(json.evidence, { UserAgent: 'ua|x=y\\z' });
    assert.ok(raw.includes(String.raw`second\u001b[2J`));

    const t = streamTransport('127.0.0.1', rs.tcpPort, undefined);
    await t.send(['<14>1 - - - - - - line1\nline2', '<14>1 - - - - - - next'], AbortSignal.timeout(5000));
    await t.close();
    assert.deepEqual(await fresh(2), ['<14>1 - - - - - - line1#012line2', '<14>1 - - - - - - next']);
  });

  void test('TLS (RFC 5425) with the test CA: exact text; an untrusted server is refused', async () => {
    const ch = channelFromUri(`syslog+tls://127.0.0.1:${rs.tlsPort}?ca=${encodeURIComponent(pki.caFile)}`, CTX);
    await ch.send([hostile], AbortSignal.timeout(5000));
    await ch.close();
    assert.deepEqual(await fresh(1), [`<11>1 2021-03-11T09:00:00.000Z hunt01 exhunt 4242 finding - ${expectedCef}`]);

    const untrusted = channelFromUri(`syslog+tls://127.0.0.1:${rs.tlsPort}?ca=${encodeURIComponent(pki.clientCertFile)}`, CTX);
    await assert.rejects(untrusted.send([hostile], AbortSignal.timeout(5000)), (e: unknown) => e instanceof DeliveryError && e.retryable && /certificate/i.test(e.message));
    await untrusted.close();
  });

  void test('mutual TLS: a client certificate from cert= and key= is accepted', async () => {
    const q = (p: string): string => encodeURIComponent(p);
    const ch = channelFromUri(`syslog+tls://127.0.0.1:${rs.mtlsPort}?ca=${q(pki.caFile)}&cert=${q(pki.clientCertFile)}&key=${q(pki.clientKeyFile)}`, CTX);
    await ch.send([hostile], AbortSignal.timeout(5000));
    await ch.close();
    assert.equal((await fresh(1))[0], `<11>1 2021-03-11T09:00:00.000Z hunt01 exhunt 4242 finding - ${expectedCef}`);
  });

  void test('receiver down: alerts queue, then arrive after it returns, in order, exactly once', async () => {
    const outbox = memoryOutbox();
    const ch = channelFromUri(`syslog+tcp://127.0.0.1:${rs.tcpPort}?name=siem&retryInitial=100ms&retryMax=200ms&batch=3`, CTX);
    const alerts = numberedAlerts(8);
    await rs.stop();
    outbox.enqueue(outbox.db, ch, alerts);
    const d = new Dispatcher({ outbox, channels: [ch] });
    const down = await d.flush({ timeoutMs: 600 });
    assert.equal(down[0]?.pending, 8);
    assert.match(down[0]?.lastError ?? '', /ECONNREFUSED/);
    await rs.start();
    const up = await d.flush({ timeoutMs: 5000 });
    await d.stop();
    assert.equal(up[0]?.pending, 0);
    const lines = await fresh(8);
    const keys = lines.map((l) => /externalId=([0-9a-f]+)/.exec(l)?.[1]);
    assert.deepEqual(keys, alerts.map((a) => a.key));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(rs.raw().length, seen, 'nothing arrived twice');
    assert.equal(outbox.status()[0]?.delivered, 8);
  });

  void test('a connection the server closed (rsyslog restarted) is replaced, and nothing is lost', async (t) => {
    const outbox = memoryOutbox();
    const ch = channelFromUri(`syslog+tls://127.0.0.1:${rs.tlsPort}?name=long-lived&ca=${encodeURIComponent(pki.caFile)}&retryInitial=50ms`, CTX);
    const d = new Dispatcher({ outbox, channels: [ch] });
    t.after(() => d.stop());
    const alerts = numberedAlerts(6, 100);
    outbox.enqueue(outbox.db, ch, alerts.slice(0, 2));
    assert.equal((await d.flush({ timeoutMs: 5000 }))[0]?.pending, 0);
    await rs.stop();
    await rs.start();
    outbox.enqueue(outbox.db, ch, alerts.slice(2));
    assert.equal((await d.flush({ timeoutMs: 5000 }))[0]?.pending, 0);
    const keys = (await fresh(6)).map((l) => /externalId=([0-9a-f]+)/.exec(l)?.[1]);
    assert.deepEqual(keys, alerts.map((a) => a.key));
  });
});
