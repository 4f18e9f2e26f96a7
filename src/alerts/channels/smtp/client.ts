/**
 * @module A minimal SMTP client (RFC 5321) for the e-mail channel: EHLO, STARTTLS (RFC 3207,
 * the plain socket upgraded with `tls.connect({ socket })`), AUTH PLAIN or LOGIN (RFC 4954),
 * MAIL / RCPT / DATA with dot-stuffing, QUIT. One connection per message; no pipelining.
 *
 * Replies: 4xx and connection problems are retryable; a 5xx answer to MAIL, RCPT or the end of
 * DATA is a rejection of this message (not retryable); any other 5xx (AUTH, STARTTLS) is kept
 * retryable because it is fixed in the configuration, and the alerts must still be there then.
 */
import { connect as netConnect } from 'node:net';
import type { Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { ConnectionOptions, TLSSocket } from 'node:tls';
import { DeliveryError, messageOf } from '../../errors.js';

export interface SmtpReply {
  readonly code: number;
  readonly lines: readonly string[];
}

export interface SmtpSendOptions {
  readonly host: string;
  readonly port: number;
  readonly security: 'starttls' | 'implicit' | 'none';
  readonly tls: ConnectionOptions;
  readonly helo: string;
  readonly auth?: { readonly user: string; readonly password: string } | undefined;
  readonly from: string;
  readonly to: readonly string[];
  /** The message (headers, blank line, body); line ends are normalised to CRLF. */
  readonly data: string;
  readonly signal: AbortSignal;
}

/** CRLF line ends, a leading `.` doubled on every line, and the final `CRLF.CRLF`. */
export function dotStuff(data: string): string {
  const crlf = data.replace(/\r\n|\r|\n/g, '\r\n');
  const stuffed = crlf.replace(/(^|\r\n)\./g, '$1..');
  return `${stuffed}${stuffed.endsWith('\r\n') ? '' : '\r\n'}.\r\n`;
}

class SmtpSession {
  #socket: Socket;
  #buffer = '';
  #lines: string[] = [];
  #waiting: ((r: SmtpReply | Error) => void) | null = null;
  #replies: SmtpReply[] = [];
  #failure: Error | null = null;
  readonly #onData = (chunk: Buffer): void => this.#read(chunk);
  readonly #onError = (e: Error): void => this.#fail(e);
  readonly #onClose = (): void => this.#fail(new Error('connection closed by the server'));

  constructor(socket: Socket) {
    this.#socket = socket;
    this.#attach(socket);
  }

  get secure(): boolean {
    return (this.#socket as TLSSocket).encrypted === true;
  }

  #attach(s: Socket): void {
    s.on('data', this.#onData).on('error', this.#onError).on('close', this.#onClose);
  }

  #detach(s: Socket): void {
    s.off('data', this.#onData).off('error', this.#onError).off('close', this.#onClose);
  }

  #fail(e: Error): void {
    this.#failure ??= e;
    this.#deliver(e);
  }

  #deliver(r: SmtpReply | Error): void {
    const w = this.#waiting;
    if (w) {
      this.#waiting = null;
      w(r);
    } else if (!(r instanceof Error)) this.#replies.push(r);
  }

  #read(chunk: Buffer): void {
    this.#buffer += chunk.toString('latin1');
    if (this.#buffer.length > 1_000_000) {
      this.#fail(new Error('reply too long'));
      return;
    }
    for (let i = this.#buffer.indexOf('\n'); i >= 0; i = this.#buffer.indexOf('\n')) {
      const line = this.#buffer.slice(0, i).replace(/\r$/, '');
      this.#buffer = this.#buffer.slice(i + 1);
      const m = /^(\d{3})([ -])?(.*)$/.exec(line);
      if (!m) {
        this.#fail(new Error(`not an SMTP reply: ${JSON.stringify(line.slice(0, 100))}`));
        return;
      }
      this.#lines.push(m[3] ?? '');
      if (m[2] !== '-') {
        const reply = { code: Number(m[1]), lines: this.#lines };
        this.#lines = [];
        this.#deliver(reply);
      }
    }
  }

  /** The next reply (after sending `line`, when given). */
  async reply(line: string | null, signal: AbortSignal): Promise<SmtpReply> {
    if (this.#failure) throw this.#failure;
    if (line !== null) this.#socket.write(`${line}\r\n`, 'latin1');
    const queued = this.#replies.shift();
    if (queued) return queued;
    return new Promise<SmtpReply>((resolve, reject) => {
      const onAbort = (): void => {
        this.#waiting = null;
        reject(new Error(`timed out (${messageOf(signal.reason)})`));
      };
      if (signal.aborted) {
        onAbort();
        return;
      }
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiting = (r) => {
        signal.removeEventListener('abort', onAbort);
        if (r instanceof Error) reject(r);
        else resolve(r);
      };
    });
  }

  writeRaw(data: string): void {
    this.#socket.write(data, 'utf8');
  }

  /** Replaces the plain socket with TLS over it (after `220` to STARTTLS). */
  async upgrade(tls: ConnectionOptions, host: string, signal: AbortSignal): Promise<void> {
    const plain = this.#socket;
    this.#detach(plain);
    this.#buffer = '';
    const secure = tlsConnect({ ...tls, socket: plain, host });
    await handshake(secure, 'secureConnect', signal);
    this.#socket = secure;
    this.#attach(secure);
  }

  close(): void {
    this.#detach(this.#socket);
    this.#socket.on('error', () => undefined);
    this.#socket.destroy();
  }
}

function handshake(s: Socket, event: 'connect' | 'secureConnect', signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: unknown): void => {
      s.off('error', done).off(event, ok);
      signal.removeEventListener('abort', onAbort);
      if (err === undefined) resolve();
      else {
        s.destroy();
        reject(err instanceof Error ? err : new Error(messageOf(err)));
      }
    };
    const ok = (): void => done();
    const onAbort = (): void => done(new Error(`timed out (${messageOf(signal.reason)})`));
    s.once('error', done).once(event, ok);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

class Rejected extends Error {}

function expect(r: SmtpReply, ok: readonly number[], step: string, permanentOn5xx: boolean): void {
  if (ok.includes(r.code)) return;
  const text = `${step}: ${r.code} ${r.lines.join(' ').slice(0, 300)}`;
  throw r.code >= 500 && permanentOn5xx ? new Rejected(text) : new Error(text);
}

function b64(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64');
}

/** Capabilities of an EHLO reply, upper-cased keyword → rest. */
function capabilities(r: SmtpReply): Map<string, string> {
  const caps = new Map<string, string>();
  for (const line of r.lines.slice(1)) {
    const [kw = '', ...rest] = line.trim().split(/\s+/);
    caps.set(kw.toUpperCase(), rest.join(' ').toUpperCase());
  }
  return caps;
}

async function ehlo(s: SmtpSession, helo: string, signal: AbortSignal): Promise<Map<string, string>> {
  const r = await s.reply(`EHLO ${helo}`, signal);
  if (r.code === 250) return capabilities(r);
  expect(await s.reply(`HELO ${helo}`, signal), [250], 'HELO', false);
  return new Map();
}

async function authenticate(s: SmtpSession, caps: Map<string, string>, user: string, password: string, signal: AbortSignal): Promise<void> {
  const mechs = (caps.get('AUTH') ?? '').split(/\s+/);
  if (mechs.includes('PLAIN')) {
    expect(await s.reply(`AUTH PLAIN ${b64(`\0${user}\0${password}`)}`, signal), [235], 'AUTH PLAIN', false);
  } else if (mechs.includes('LOGIN')) {
    expect(await s.reply('AUTH LOGIN', signal), [334], 'AUTH LOGIN', false);
    expect(await s.reply(b64(user), signal), [334], 'AUTH LOGIN user', false);
    expect(await s.reply(b64(password), signal), [235], 'AUTH LOGIN password', false);
  } else {
    throw new Error(`the server offers no AUTH mechanism this client knows (PLAIN, LOGIN)${caps.has('AUTH') ? `: ${caps.get('AUTH')}` : ''}`);
  }
}

async function transaction(o: SmtpSendOptions): Promise<void> {
  const raw =
    o.security === 'implicit' ? tlsConnect({ ...o.tls, host: o.host, port: o.port }) : netConnect({ host: o.host, port: o.port });
  await handshake(raw, o.security === 'implicit' ? 'secureConnect' : 'connect', o.signal);
  const s = new SmtpSession(raw);
  try {
    expect(await s.reply(null, o.signal), [220], 'greeting', false);
    let caps = await ehlo(s, o.helo, o.signal);
    if (o.security === 'starttls') {
      if (!caps.has('STARTTLS')) throw new Error('the server does not offer STARTTLS (set tls: none to send without it)');
      expect(await s.reply('STARTTLS', o.signal), [220], 'STARTTLS', false);
      await s.upgrade(o.tls, o.host, o.signal);
      caps = await ehlo(s, o.helo, o.signal);
    }
    if (o.auth) await authenticate(s, caps, o.auth.user, o.auth.password, o.signal);
    expect(await s.reply(`MAIL FROM:<${o.from}>`, o.signal), [250], 'MAIL FROM', true);
    for (const to of o.to) expect(await s.reply(`RCPT TO:<${to}>`, o.signal), [250, 251], `RCPT TO ${to}`, true);
    expect(await s.reply('DATA', o.signal), [354], 'DATA', true);
    s.writeRaw(dotStuff(o.data));
    expect(await s.reply(null, o.signal), [250], 'end of DATA', true);
    // The message is accepted; a failed QUIT changes nothing.
    await s.reply('QUIT', o.signal).catch(() => undefined);
  } finally {
    s.close();
  }
}

/** Sends one message; rejects with a DeliveryError. */
export async function sendMail(o: SmtpSendOptions): Promise<void> {
  try {
    await transaction(o);
  } catch (e) {
    throw new DeliveryError(`SMTP to ${o.host}:${o.port}: ${messageOf(e)}`, { retryable: !(e instanceof Rejected), cause: e });
  }
}
