/**
 * Test helper: an HTTP(S) server on 127.0.0.1 that records every request (path, headers, body)
 * and answers with a status chosen per request, playing a webhook receiver or Splunk HEC.
 * It can be shut down (connection refused) and listen again on the same port.
 */
import { createServer as createHttp } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';

export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  /** When the request was answered (Date.now()). */
  at: number;
}

export interface HttpReceiver {
  readonly port: number;
  readonly url: string;
  readonly requests: ReceivedRequest[];
  /** Status for the next requests (default 200); a function decides per request. */
  answer: number | ((req: ReceivedRequest, index: number) => number);
  /** Milliseconds to wait before answering. */
  delayMs: number;
  /** Requests received and not yet answered. */
  readonly inFlight: number;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startHttpReceiver(options: { tls?: { key: string; cert: string }; port?: number } = {}): Promise<HttpReceiver> {
  let server: Server | null = null;
  let inFlight = 0;
  let port = options.port ?? 0;
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    inFlight++;
    req.on('end', () => {
      const rec: ReceivedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: 0 };
      const status = typeof r.answer === 'function' ? r.answer(rec, r.requests.length) : r.answer;
      const reply = (): void => {
        inFlight--;
        rec.at = Date.now();
        if (status >= 200 && status < 300) r.requests.push(rec);
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(status >= 200 && status < 300 ? '{"text":"Success","code":0}' : `{"text":"test failure ${status}","code":9}`);
      };
      if (r.delayMs > 0) setTimeout(reply, r.delayMs);
      else reply();
    });
  };
  const r: HttpReceiver = {
    get port() {
      return port;
    },
    get url() {
      return `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
    },
    get inFlight() {
      return inFlight;
    },
    requests: [],
    answer: 200,
    delayMs: 0,
    async start() {
      const s = options.tls ? createHttps({ key: options.tls.key, cert: options.tls.cert }, handler) : createHttp(handler);
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(port, '127.0.0.1', () => resolve());
      });
      const addr = s.address();
      port = typeof addr === 'object' && addr ? addr.port : port;
      server = s;
    },
    async stop() {
      const s = server;
      server = null;
      if (!s) return;
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
  await r.start();
  return r;
}
