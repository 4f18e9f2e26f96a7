/**
 * Test helper: a real rsyslogd on 127.0.0.1 with four inputs (UDP, TCP, TLS with anonymous
 * clients, TLS requiring a client certificate signed by the test CA), writing every message it
 * receives to `raw.log` (`%rawmsg%`, the message as received, framing removed) and the fields its
 * RFC 5424 parser found to `parsed.log`. It can be stopped and started again on the same ports.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestPki } from './openssl.js';
import { eventually, freeTcpPort, freeUdpPort, waitForPort } from './net.js';
import { findTool } from './tools.js';

export interface Rsyslog {
  readonly udpPort: number;
  readonly tcpPort: number;
  readonly tlsPort: number;
  readonly mtlsPort: number;
  /** Messages as received, one per line (control characters escaped by rsyslog as `#ooo`). */
  raw(): string[];
  /** `version|pri|timestamp|hostname|app|procid|msgid|sd|msg` per message. */
  parsed(): string[];
  /**
   * Waits until raw.log and parsed.log both hold at least `n` lines (two actions of one ruleset
   * write them one after the other, so one may lag the other). Returns raw.log's lines.
   */
  waitFor(n: number, timeoutMs?: number): Promise<string[]>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function startRsyslog(dir: string, pki: TestPki): Promise<Rsyslog> {
  const [udpPort, tcpPort, tlsPort, mtlsPort] = [await freeUdpPort(), await freeTcpPort(), await freeTcpPort(), await freeTcpPort()];
  const conf = join(dir, 'rsyslog.conf');
  const rawFile = join(dir, 'raw.log');
  const parsedFile = join(dir, 'parsed.log');
  writeFileSync(
    conf,
    `global(workDirectory="${dir}" maxMessageSize="64k"
  defaultNetstreamDriverCAFile="${pki.caFile}" defaultNetstreamDriverCertFile="${pki.certFile}" defaultNetstreamDriverKeyFile="${pki.keyFile}")
module(load="imudp")
module(load="imtcp" maxSessions="200")
template(name="raw" type="string" string="%rawmsg%\\n")
template(name="parsed" type="string" string="%protocol-version%|%pri%|%timereported:::date-rfc3339%|%hostname%|%app-name%|%procid%|%msgid%|%structured-data%|%msg%\\n")
ruleset(name="r") {
  action(type="omfile" file="${rawFile}" template="raw" flushInterval="0" asyncWriting="off")
  action(type="omfile" file="${parsedFile}" template="parsed" flushInterval="0" asyncWriting="off")
}
input(type="imudp" address="127.0.0.1" port="${udpPort}" ruleset="r")
input(type="imtcp" address="127.0.0.1" port="${tcpPort}" ruleset="r" name="tcp")
input(type="imtcp" address="127.0.0.1" port="${tlsPort}" ruleset="r" name="tls" streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="anon")
input(type="imtcp" address="127.0.0.1" port="${mtlsPort}" ruleset="r" name="mtls" streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="x509/certvalid")
`,
  );
  const rsyslogd = findTool('rsyslogd') ?? 'rsyslogd';
  let child: ChildProcess | null = null;
  let stderr = '';
  const lines = (file: string): string[] => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l !== '') : []);

  const r: Rsyslog = {
    udpPort,
    tcpPort,
    tlsPort,
    mtlsPort,
    raw: () => lines(rawFile),
    parsed: () => lines(parsedFile),
    waitFor: (n, timeoutMs = 5000) =>
      eventually(() => (lines(rawFile).length >= n && lines(parsedFile).length >= n ? lines(rawFile) : undefined), timeoutMs, `${n} messages at rsyslog`),
    async start() {
      const c = spawn(rsyslogd, ['-n', '-f', conf, '-i', join(dir, 'rsyslogd.pid')], { stdio: ['ignore', 'ignore', 'pipe'] });
      c.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      child = c;
      try {
        await Promise.all([waitForPort(tcpPort), waitForPort(tlsPort), waitForPort(mtlsPort)]);
      } catch (e) {
        throw new Error(`rsyslogd did not start: ${(e as Error).message}; stderr: ${stderr}`, { cause: e });
      }
    },
    async stop() {
      const c = child;
      child = null;
      if (!c || c.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        c.once('exit', () => resolve());
        c.kill('SIGTERM');
      });
    },
  };
  await r.start();
  return r;
}
