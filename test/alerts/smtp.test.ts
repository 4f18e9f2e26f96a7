// E-mail channel: postfix's smtp-sink receives plain SMTP (envelope, headers, dot-stuffing,
// digest mode through the outbox); a small node SMTP server does STARTTLS + AUTH PLAIN/LOGIN,
// because smtp-sink has no STARTTLS.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { channelFromUri, DeliveryError, Dispatcher, dotStuff, headerText, quotedPrintable } from '../../src/alerts/index.js';
import { ssrfFinding } from '../../src/sinks/testing.js';
import { alertOf, CTX, hostileFinding, memoryOutbox, numberedAlerts } from './helpers/fixtures.js';
import { decodeHeader, decodeQuotedPrintable, parseMail } from './helpers/mail.js';
import { freeTcpPort, waitForPort, eventually } from './helpers/net.js';
import { makePki } from './helpers/openssl.js';
import type { TestSmtpServer } from './helpers/smtp-server.js';
import { startSmtpServer } from './helpers/smtp-server.js';
import { findTool, gate, isRoot } from './helpers/tools.js';

void describe('mail encoding', () => {
  void test('dot-stuffing doubles a leading dot on every line and ends with CRLF.CRLF', () => {
    assert.equal(dotStuff('.a\n..b\nc.\n.'), '..a\r\n...b\r\nc.\r\n..\r\n.\r\n');
  });

  void test('quoted-printable keeps lines short, encodes =, trailing space and UTF-8, and decodes back', () => {
    const text = `${'x'.repeat(100)}=ü \n.${'.'.repeat(80)}`;
    const qp = quotedPrintable(text);
    for (const l of qp.split('\r\n')) assert.ok(l.length <= 76, l);
    assert.match(qp, /=3D=C3=BC=20/);
    assert.equal(decodeQuotedPrintable(qp), text.replace(/\n/g, '\r\n'));
  });

  void test('header values cannot inject headers and non-ASCII becomes encoded words', () => {
    assert.equal(headerText('a\r\nBcc: evil@x'), 'a\\x0d\\x0aBcc: evil@x');
    const enc = headerText('Wёb shell ü');
    assert.match(enc, /^=\?UTF-8\?B\?/);
    assert.equal(decodeHeader(enc), 'Wёb shell ü');
  });
});

const sinkTools = gate(['smtp-sink'], 'postfix');

void describe('e-mail channel with smtp-sink', { skip: sinkTools.skip }, () => {
  let dir = '';
  let port = 0;
  let child: ChildProcess | null = null;
  const mails = (): string[] =>
    readdirSync(dir)
      .filter((f) => f.startsWith('mail.'))
      .map((f) => readFileSync(join(dir, f), 'utf8'));

  before(async () => {
    if (sinkTools.failure) throw new Error(sinkTools.failure);
    dir = mkdtempSync(join(tmpdir(), 'exhunt-smtp-sink-'));
    chmodSync(dir, 0o777);
    port = await freeTcpPort();
    const args = [...(isRoot() ? ['-u', 'nobody'] : []), '-d', `${dir}/mail.`, `127.0.0.1:${port}`, '10'];
    child = spawn(findTool('smtp-sink') ?? 'smtp-sink', args, { stdio: 'ignore' });
    await waitForPort(port);
  });
  after(() => {
    child?.kill('SIGTERM');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  void test('one mail per alert: envelope, headers, body; a dot line survives stuffing', async () => {
    const finding = ssrfFinding({ evidence: { Dots: '.'.repeat(200), UserAgent: 'ua\r\nBcc: evil@example.org\x1b[2J' } });
    const ch = channelFromUri(`smtp://127.0.0.1:${port}?from=exhunt@example.org&to=soc@example.org,oncall@example.org`, CTX);
    await ch.send([alertOf(finding)], AbortSignal.timeout(5000));
    const [text = ''] = await eventually(() => (mails().length >= 1 ? mails() : undefined));
    const mail = parseMail(text);
    assert.equal(mail.headers.get('x-mail-args'), '<exhunt@example.org>');
    assert.match(text, /X-Rcpt-Args: <soc@example.org>\nX-Rcpt-Args: <oncall@example.org>/);
    assert.equal(mail.headers.get('x-helo-args'), 'hunt01');
    assert.equal(mail.headers.get('subject'), '[exhunt] HIGH EXCH01: ProxyLogon SSRF: ServerInfo~ AnchorMailbox');
    assert.equal(mail.headers.get('message-id'), `<${alertOf(finding).key}@example.org>`);
    assert.equal(mail.headers.get('content-transfer-encoding'), 'quoted-printable');
    assert.equal(mail.headers.has('bcc'), false);
    assert.match(mail.rawBody, /^\.\.\.\.+=?$/m, 'a transferred line starts with a dot');
    assert.ok(mail.body.includes(`Dots: ${'.'.repeat(200)}`));
    assert.ok(mail.body.includes('UserAgent: ua\\x0d\\x0aBcc: evil@example.org\\x1b[2J'));
    assert.ok(mail.body.includes('Rule:     Exchange.ProxyLogon.Ssrf'));
    await ch.close();
  });

  void test('digest mode: alerts queued within the interval go out as one mail on flush', async (t) => {
    const before = mails().length;
    const outbox = memoryOutbox();
    const ch = channelFromUri(`smtp://127.0.0.1:${port}?from=exhunt@example.org&to=soc@example.org&digest=300&name=mail`, CTX);
    const now = new Date().toISOString();
    outbox.enqueue(outbox.db, ch, [...numberedAlerts(3), alertOf(hostileFinding())].map((a) => ({ ...a, createdAt: now })));
    const d = new Dispatcher({ outbox, channels: [ch] });
    t.after(() => d.stop());
    d.start();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(mails().length, before, 'the digest waits for its interval');
    const report = await d.flush({ timeoutMs: 5000 });
    await d.stop();
    assert.equal(report[0]?.pending, 0);
    const all = await eventually(() => (mails().length > before ? mails() : undefined));
    assert.equal(all.length, before + 1);
    const digest = parseMail(all.find((m) => m.includes('X-Exhunt-Alerts: 4')) ?? '');
    assert.equal(digest.headers.get('subject'), '[exhunt] 4 alerts (4 high) from EXCH01');
    assert.equal(digest.body.match(/^Alert id: /gm)?.length, 4);
  });

  void test('STARTTLS required but not offered: a retryable error, nothing sent', async () => {
    const ch = channelFromUri(`smtp://127.0.0.1:${port}?from=a@example.org&to=b@example.org&starttls=1`, CTX);
    await assert.rejects(ch.send(numberedAlerts(1), AbortSignal.timeout(5000)), (e: unknown) => e instanceof DeliveryError && e.retryable && /STARTTLS/.test(e.message));
  });
});

const tlsTools = gate(['openssl'], 'openssl');

void describe('e-mail channel with STARTTLS and AUTH', { skip: tlsTools.skip }, () => {
  let dir = '';
  let caFile = '';
  let plainLogin: TestSmtpServer;
  let loginOnly: TestSmtpServer;

  before(async () => {
    if (tlsTools.failure) throw new Error(tlsTools.failure);
    dir = mkdtempSync(join(tmpdir(), 'exhunt-smtp-tls-'));
    const pki = makePki(dir);
    caFile = pki.caFile;
    const tls = { key: readFileSync(pki.keyFile, 'utf8'), cert: readFileSync(pki.certFile, 'utf8') };
    plainLogin = await startSmtpServer({ ...tls, user: 'alerts', password: 'p@ss:w=rd', mechanisms: ['PLAIN', 'LOGIN'] });
    loginOnly = await startSmtpServer({ ...tls, user: 'alerts', password: 'p@ss:w=rd', mechanisms: ['LOGIN'] });
  });
  after(async () => {
    await plainLogin?.close();
    await loginOnly?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const uri = (port: number, password: string): string =>
    `smtp://alerts:${encodeURIComponent(password)}@127.0.0.1:${port}?from=exhunt@example.org&to=soc@example.org&starttls=1&ca=${encodeURIComponent(caFile)}`;

  void test('STARTTLS then AUTH PLAIN, message received over TLS', async () => {
    const ch = channelFromUri(uri(plainLogin.port, 'p@ss:w=rd'), CTX);
    await ch.send([alertOf(hostileFinding())], AbortSignal.timeout(5000));
    const mail = plainLogin.mails.at(-1);
    assert.ok(mail);
    assert.equal(mail.tls, true);
    assert.equal(mail.user, 'alerts');
    assert.deepEqual(mail.to, ['soc@example.org']);
    assert.deepEqual(plainLogin.log.slice(0, 4), ['EHLO hunt01', 'STARTTLS', 'EHLO hunt01', 'AUTH PLAIN ***']);
    assert.ok(parseMail(mail.data).body.includes('SSRF | via \\ cookie = x'));
  });

  void test('AUTH LOGIN when PLAIN is not offered', async () => {
    const ch = channelFromUri(uri(loginOnly.port, 'p@ss:w=rd'), CTX);
    await ch.send(numberedAlerts(1), AbortSignal.timeout(5000));
    assert.equal(loginOnly.mails.length, 1);
    assert.ok(loginOnly.log.includes('AUTH LOGIN ***'));
  });

  void test('a wrong password is a retryable error (the alert stays queued until the config is fixed)', async () => {
    const ch = channelFromUri(uri(plainLogin.port, 'wrong'), CTX);
    await assert.rejects(ch.send(numberedAlerts(1), AbortSignal.timeout(5000)), (e: unknown) => e instanceof DeliveryError && e.retryable && /535/.test(e.message));
  });

  void test('AUTH without TLS is refused when the channel is built', () => {
    assert.throws(() => channelFromUri(`smtp://u:p@127.0.0.1:25?from=a@example.org&to=b@example.org`, CTX), /in clear/);
  });
});
