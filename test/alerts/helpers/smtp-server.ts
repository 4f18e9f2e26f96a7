/**
 * Test helper: a small SMTP server on 127.0.0.1 for what postfix's smtp-sink cannot do
 * (smtp-sink has no STARTTLS): STARTTLS with a test certificate, AUTH PLAIN and/or LOGIN checked
 * against one user, and the received messages kept with their envelope. AUTH is only offered
 * after STARTTLS, as real submission servers do.
 */
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { TLSSocket, createSecureContext } from 'node:tls';

export interface ReceivedMail {
  readonly from: string;
  readonly to: string[];
  /** The message as sent, dot-stuffing removed, CRLF line ends. */
  readonly data: string;
  readonly tls: boolean;
  readonly user: string | null;
}

export interface TestSmtpServer {
  readonly port: number;
  readonly mails: ReceivedMail[];
  /** Commands received, in order (AUTH arguments replaced by `***`). */
  readonly log: string[];
  close(): Promise<void>;
}

export async function startSmtpServer(options: { key: string; cert: string; user: string; password: string; mechanisms: readonly string[] }): Promise<TestSmtpServer> {
  const mails: ReceivedMail[] = [];
  const log: string[] = [];
  const context = createSecureContext({ key: options.key, cert: options.cert });
  const sockets = new Set<Socket>();

  function session(plain: Socket): void {
    let socket: Socket = plain;
    let tls = false;
    let user: string | null = null;
    let from = '';
    let to: string[] = [];
    let buffer = '';
    let mode: 'cmd' | 'data' | 'login-user' | 'login-pass' = 'cmd';
    let loginUser = '';
    const say = (line: string): void => {
      socket.write(`${line}\r\n`);
    };
    const ehlo = (): void => {
      const caps = ['250-exhunt-test', tls ? null : '250-STARTTLS', tls ? `250-AUTH ${options.mechanisms.join(' ')}` : null, '250 8BITMIME'].filter((x) => x !== null);
      socket.write(`${caps.join('\r\n')}\r\n`);
    };
    const checkAuth = (u: string, p: string): void => {
      if (u === options.user && p === options.password) {
        user = u;
        say('235 2.7.0 Authentication successful');
      } else say('535 5.7.8 Authentication credentials invalid');
    };
    const onLine = (line: string): void => {
      if (mode === 'login-user') {
        loginUser = Buffer.from(line, 'base64').toString('utf8');
        mode = 'login-pass';
        say('334 UGFzc3dvcmQ6');
        return;
      }
      if (mode === 'login-pass') {
        mode = 'cmd';
        checkAuth(loginUser, Buffer.from(line, 'base64').toString('utf8'));
        return;
      }
      const [verb = '', ...rest] = line.split(' ');
      const cmd = verb.toUpperCase();
      log.push(cmd === 'AUTH' ? `AUTH ${rest[0] ?? ''} ***` : line);
      switch (cmd) {
        case 'EHLO':
          ehlo();
          break;
        case 'STARTTLS':
          say('220 2.0.0 Ready to start TLS');
          socket.removeListener('data', onData);
          socket = new TLSSocket(plain, { isServer: true, secureContext: context });
          sockets.add(socket);
          socket.on('data', onData);
          socket.on('error', () => undefined);
          tls = true;
          buffer = '';
          break;
        case 'AUTH':
          if (!tls) say('530 5.7.0 Must issue a STARTTLS command first');
          else if (rest[0]?.toUpperCase() === 'PLAIN' && options.mechanisms.includes('PLAIN')) {
            const [, u = '', p = ''] = Buffer.from(rest[1] ?? '', 'base64').toString('utf8').split('\0');
            checkAuth(u, p);
          } else if (rest[0]?.toUpperCase() === 'LOGIN' && options.mechanisms.includes('LOGIN')) {
            mode = 'login-user';
            say('334 VXNlcm5hbWU6');
          } else say('504 5.5.4 Unrecognized authentication type');
          break;
        case 'MAIL':
          if (!user) {
            say('530 5.7.0 Authentication required');
            break;
          }
          from = /<(.*)>/.exec(line)?.[1] ?? '';
          to = [];
          say('250 2.1.0 Ok');
          break;
        case 'RCPT':
          to.push(/<(.*)>/.exec(line)?.[1] ?? '');
          say('250 2.1.5 Ok');
          break;
        case 'DATA':
          mode = 'data';
          say('354 End data with <CR><LF>.<CR><LF>');
          break;
        case 'QUIT':
          say('221 2.0.0 Bye');
          socket.end();
          break;
        default:
          say('502 5.5.2 Error: command not recognized');
      }
    };
    const onData = (chunk: Buffer): void => {
      buffer += chunk.toString('utf8');
      for (;;) {
        if (mode === 'data') {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end < 0) return;
          const data = buffer.slice(0, end + 2).replace(/(^|\r\n)\.\./g, '$1.');
          buffer = buffer.slice(end + 5);
          mails.push({ from, to, data, tls, user });
          mode = 'cmd';
          say('250 2.0.0 Ok: queued');
          continue;
        }
        const i = buffer.indexOf('\r\n');
        if (i < 0) return;
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        onLine(line);
      }
    };
    sockets.add(plain);
    plain.on('data', onData);
    plain.on('error', () => undefined);
    plain.on('close', () => sockets.delete(plain));
    say('220 exhunt-test ESMTP');
  }

  const server: Server = createServer(session);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const addr = server.address();
  return {
    port: typeof addr === 'object' && addr ? addr.port : 0,
    mails,
    log,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
