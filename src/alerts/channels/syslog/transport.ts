/**
 * @module Syslog transports: UDP (RFC 5426, one message per datagram), TCP with octet counting
 * (RFC 6587) and TLS (RFC 5425). TCP and TLS keep one connection open between sends and open a
 * new one after any error or after the server closed it.
 *
 * What "sent" means: UDP, the datagram was handed to the kernel (a receiver that is down is
 * only noticed through ICMP, on a later send); TCP and TLS, the bytes were written to the
 * socket. Syslog has no acknowledgements, so a server that dies while bytes are in flight can
 * lose them; the dispatcher's retry covers everything that failed visibly.
 */
import { createSocket } from 'node:dgram';
import type { Socket as UdpSocket } from 'node:dgram';
import { connect as netConnect } from 'node:net';
import type { Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { ConnectionOptions } from 'node:tls';
import { isIPv6 } from 'node:net';
import { DeliveryError, messageOf } from '../../errors.js';
import { octetFrame } from './rfc5424.js';

export interface SyslogTransport {
  send(messages: readonly string[], signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

function aborted(signal: AbortSignal): DeliveryError {
  return new DeliveryError(`timed out (${messageOf(signal.reason)})`, { retryable: true });
}

export function udpTransport(host: string, port: number): SyslogTransport {
  let socket: UdpSocket | null = null;
  let failure: Error | null = null;

  async function open(signal: AbortSignal): Promise<UdpSocket> {
    if (socket) return socket;
    const s = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
    s.on('error', (e) => {
      failure = e;
    });
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => reject(aborted(signal));
      signal.addEventListener('abort', onAbort, { once: true });
      s.connect(port, host, () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
    }).catch((e: unknown) => {
      s.close();
      throw e;
    });
    socket = s;
    return s;
  }

  return {
    async send(messages, signal) {
      try {
        const s = await open(signal);
        for (const m of messages) {
          if (failure) throw failure;
          await new Promise<void>((resolve, reject) => s.send(Buffer.from(m, 'utf8'), (err) => (err ? reject(err) : resolve())));
        }
        if (failure) throw failure;
      } catch (e) {
        const s = socket;
        socket = null;
        failure = null;
        s?.close();
        if (e instanceof DeliveryError) throw e;
        throw new DeliveryError(`syslog UDP send to ${host}:${port} failed: ${messageOf(e)}`, { retryable: true, cause: e });
      }
    },
    close() {
      const s = socket;
      socket = null;
      if (!s) return Promise.resolve();
      return new Promise((resolve) => s.close(() => resolve()));
    },
  };
}

/** TCP (tls undefined) or TLS stream transport with octet-counting frames. */
export function streamTransport(host: string, port: number, tls: ConnectionOptions | undefined): SyslogTransport {
  let socket: Socket | null = null;
  let dead = false;
  const proto = tls ? 'TLS' : 'TCP';

  function drop(): void {
    const s = socket;
    socket = null;
    s?.destroy();
  }

  async function open(signal: AbortSignal): Promise<Socket> {
    if (socket && !dead && !socket.destroyed && socket.writable) return socket;
    drop();
    dead = false;
    const s = tls ? tlsConnect({ host, port, ...tls }) : netConnect({ host, port });
    await new Promise<void>((resolve, reject) => {
      const done = (err?: unknown): void => {
        s.off('error', done).off(tls ? 'secureConnect' : 'connect', ok);
        signal.removeEventListener('abort', onAbort);
        if (err === undefined) resolve();
        else reject(err instanceof Error ? err : new Error(messageOf(err)));
      };
      const ok = (): void => done();
      const onAbort = (): void => done(aborted(signal));
      s.once('error', done).once(tls ? 'secureConnect' : 'connect', ok);
      signal.addEventListener('abort', onAbort, { once: true });
    }).catch((e: unknown) => {
      s.destroy();
      throw e;
    });
    s.setNoDelay(true);
    s.setKeepAlive(true, 30_000);
    // The server never talks; its FIN or an error means the connection is gone.
    s.on('data', () => undefined);
    s.on('end', () => {
      dead = true;
      s.destroy();
    });
    s.on('error', () => {
      dead = true;
    });
    s.on('close', () => {
      dead = true;
    });
    socket = s;
    return s;
  }

  return {
    async send(messages, signal) {
      try {
        const s = await open(signal);
        const frames = Buffer.concat(messages.map(octetFrame));
        await new Promise<void>((resolve, reject) => {
          const onAbort = (): void => reject(aborted(signal));
          signal.addEventListener('abort', onAbort, { once: true });
          s.write(frames, (err) => {
            signal.removeEventListener('abort', onAbort);
            if (err) reject(err);
            else resolve();
          });
        });
        if (dead) throw new Error('connection closed by the server');
      } catch (e) {
        drop();
        if (e instanceof DeliveryError) throw e;
        throw new DeliveryError(`syslog ${proto} send to ${host}:${port} failed: ${messageOf(e)}`, { retryable: true, cause: e });
      }
    },
    close() {
      const s = socket;
      socket = null;
      if (!s || s.destroyed) return Promise.resolve();
      return new Promise((resolve) => {
        s.once('close', () => resolve());
        s.end();
        setTimeout(() => s.destroy(), 2000).unref();
      });
    },
  };
}
