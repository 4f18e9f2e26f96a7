/**
 * Test helpers: SYNTHETIC Exchange logs that keep growing, written with the demo generator's own
 * line templates (src/demo: IIS W3C with Exchange's default field set, HttpProxy with its 74
 * columns, CRLF line ends), so the watcher reads exactly the formats a real server writes.
 * Every file starts with the demo's synthetic notice as a `#` comment line.
 *
 * Attack lines: an IIS `POST /ecp/<x>.js` (ProxyLogon SSRF request,
 * Exchange.ProxyLogon.IisSsrfStaticResource) and an HttpProxy row with a `ServerInfo~` AnchorMailbox
 * (CVE-2021-26855, Exchange.ProxyLogon.SsrfHttpProxy), from documentation addresses
 * (192.0.2.0/24) so that no indicator matches them.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DemoContext } from '../../../src/demo/context.js';
import { buildContext } from '../../../src/demo/context.js';
import { benignExtras, httpProxyPreamble, httpProxyRow } from '../../../src/demo/httpproxy.js';
import { cafeSuffix, frontEndRow, iisPreamble, iisRow } from '../../../src/demo/iis.js';
import { Rng } from '../../../src/demo/random.js';
import { EOL } from '../../../src/demo/text.js';
import { benignRequest } from '../../../src/demo/traffic.js';
import type { Request } from '../../../src/demo/traffic.js';

export const HOST = 'EXCH01';
/** Where a triage-style mirror keeps each log (the watcher places them like a scan does). */
export const INSTALL = 'C/Program Files/Microsoft/Exchange Server/V15';
export const IIS_DIR = 'C/inetpub/logs/LogFiles/W3SVC1';
export const HTTPPROXY_ECP_DIR = `${INSTALL}/Logging/HttpProxy/Ecp`;
export const ASPNET_CLIENT = 'C/inetpub/wwwroot/aspnet_client/system_web';

export class SyntheticLogs {
  readonly ctx: DemoContext;
  readonly rng: Rng;
  /** Event time of the next line (advances a few hundred ms per line). */
  t = Date.parse('2021-03-03T04:00:00.000Z');

  constructor(seed = 'watch-tests') {
    this.ctx = buildContext(seed, HOST, 'compromised');
    this.rng = new Rng(seed);
  }

  #tick(): number {
    this.t += this.rng.range(50, 900);
    return this.t;
  }

  iisHeader(): string {
    return iisPreamble(this.t).map((l) => l + EOL).join('');
  }

  iisBenign(): string {
    const t = this.#tick();
    return frontEndRow(this.rng, this.ctx, benignRequest(this.rng, this.ctx, 'Owa'), t) + EOL;
  }

  /** `n` goes into the query string, so each attack line is distinct. */
  iisAttack(n: number): string {
    const t = this.#tick();
    const stem = this.rng.pick(['/ecp/y.js', '/ecp/x.js', '/ecp/ab.js', '/ecp/default.flt', '/ecp/main.css']);
    return (
      iisRow({
        time: t,
        serverIp: this.ctx.serverIp,
        method: 'POST',
        stem,
        query: `n=${n}${cafeSuffix(this.rng)}`,
        port: 443,
        user: '',
        clientIp: `192.0.2.${1 + (n % 250)}`,
        userAgent: 'python-requests/2.25.1',
        referer: '',
        status: 200,
        substatus: 0,
        win32: 0,
        timeTaken: this.rng.range(15, 900),
      }) + EOL
    );
  }

  httpProxyHeader(): string {
    return httpProxyPreamble(this.ctx, this.t).map((l) => l + EOL).join('');
  }

  httpProxyBenign(): string {
    const t = this.#tick();
    const r = benignRequest(this.rng, this.ctx, 'Ecp');
    return httpProxyRow(this.ctx, r, benignExtras(this.rng, this.ctx, r, t), this.rng) + EOL;
  }

  httpProxyAttack(n: number): string {
    const t = this.#tick();
    const base = benignRequest(this.rng, this.ctx, 'Ecp');
    const anchor = `ServerInfo~a]@${this.ctx.fqdn}:444/ecp/DDI/DDIService.svc/GetObject?schema=OABVirtualDirectory&n=${n}#`;
    const r: Request = {
      ...base,
      method: 'POST',
      stem: '/ecp/y.js',
      backEndStem: '/ecp/y.js',
      query: '',
      action: '',
      authType: '',
      user: '',
      anchor,
      userAgent: 'python-requests/2.25.1',
      clientIp: `192.0.2.${1 + (n % 250)}`,
      status: 200,
      databaseGuid: '',
      userGuid: '',
      proxied: true,
    };
    const x = { ...benignExtras(this.rng, this.ctx, r, t), clientRequestId: '', backEndCookie: '', routingType: 'ServerInfo', routingHint: 'AnchorMailboxHeader-ServerInfo', backEndStatus: '200', errorCode: '' };
    return httpProxyRow(this.ctx, r, x, this.rng) + EOL;
  }
}

export function write(root: string, path: string, text: string): void {
  const abs = join(root, ...path.split('/'));
  mkdirSync(dirname(abs), { recursive: true });
  writeFileSync(abs, text);
}

export function append(root: string, path: string, text: string): void {
  appendFileSync(join(root, ...path.split('/')), text);
}

/** Minimal files that make a folder a triage mirror with an install (so its logs are placed by path). */
export function makeMirror(root: string): void {
  write(root, `${INSTALL}/Bin/ExSetup.exe.txt`, 'synthetic placeholder\r\n');
  write(root, `${INSTALL}/ClientAccess/Owa/placeholder.txt`, 'synthetic placeholder\r\n');
}
