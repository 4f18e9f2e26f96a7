/**
 * @module The simulated organisation behind the demo server: host names, addresses, Exchange
 * build and a population of mailbox users with the identifiers Exchange logs (SMTP, SID, mailbox
 * and database GUIDs). Built once from the seed; every log template reads from it.
 *
 * All addresses of the benign population are internal (10.10.0.0/16) or from the documentation
 * ranges of RFC 5737 (198.51.100.0/24, 203.0.113.0/24), so they never collide with indicators.
 */
import { Rng } from './random.js';
import type { DemoProfile } from './types.js';

export interface ExchangeBuild {
  /** `15.01.2176.002` (HttpProxy columns and `#Version`). */
  readonly long: string;
  /** `15.1.2176.2` (ECP `S:BLD`). */
  readonly short: string;
  /** `15.1.2176` (OWA resource folder). */
  readonly owaFolder: string;
  readonly major: number;
  readonly minor: number;
  readonly build: number;
  readonly revision: number;
}

/** Exchange 2016 CU19 (vulnerable in March 2021) and CU21 (June 2021), from exchange-builds.json. */
const CU19: ExchangeBuild = { long: '15.01.2176.002', short: '15.1.2176.2', owaFolder: '15.1.2176', major: 15, minor: 1, build: 2176, revision: 2 };
const CU21: ExchangeBuild = { long: '15.01.2308.008', short: '15.1.2308.8', owaFolder: '15.1.2308', major: 15, minor: 1, build: 2308, revision: 8 };

export interface DemoUser {
  readonly sam: string;
  readonly upn: string;
  readonly sid: string;
  readonly mailboxGuid: string;
  readonly adGuid: string;
  readonly database: string;
  /** Workstation address. */
  readonly desktopIp: string;
  /** Address the phone or home connection appears from (documentation range). */
  readonly remoteIp: string;
  readonly hasPhone: boolean;
}

export interface DemoContext {
  readonly host: string;
  readonly fqdn: string;
  readonly domain: string;
  readonly netbios: string;
  /** External name users connect to. */
  readonly mailHost: string;
  readonly serverIp: string;
  readonly loadBalancerIp: string;
  readonly build: ExchangeBuild;
  /** Windows install folder, trailing backslash. */
  readonly installWin: string;
  /** Same folder below the output root, `/` separators. */
  readonly installRel: string;
  readonly domainSid: string;
  readonly users: readonly DemoUser[];
  readonly admins: readonly string[];
  readonly databases: readonly string[];
  readonly oabGuid: string;
  /** A server id number as Exchange writes in BackEndCookie values. */
  readonly cookieServerId: string;
}

const FIRST = [
  'adam', 'alice', 'amir', 'anna', 'ben', 'carla', 'chen', 'david', 'diana', 'emma', 'erik', 'fatima', 'frank', 'grace',
  'hana', 'ivan', 'jack', 'julia', 'karim', 'laura', 'leo', 'lina', 'marco', 'maria', 'mehmet', 'nina', 'omar', 'paula',
  'peter', 'rosa', 'sam', 'sara', 'tom', 'uma', 'victor', 'wei', 'yara', 'zoe',
];
const LAST = [
  'adams', 'bauer', 'costa', 'dubois', 'evans', 'fischer', 'garcia', 'hansen', 'ito', 'jensen', 'khan', 'larsen', 'meyer',
  'nowak', 'olsen', 'patel', 'quinn', 'rossi', 'schmidt', 'tanaka', 'unger', 'vogel', 'weber', 'yilmaz', 'zhang',
];

export const DOMAIN = 'contoso.local';

export function buildContext(seed: string, host: string, profile: DemoProfile): DemoContext {
  const rng = Rng.derive(seed, 'population');
  const hostUpper = host.toUpperCase();
  const fqdn = `${host.toLowerCase()}.${DOMAIN}`;
  const domainSid = `S-1-5-21-${rng.range(1_000_000_000, 4_000_000_000)}-${rng.range(1_000_000_000, 4_000_000_000)}-${rng.range(100_000_000, 4_000_000_000)}`;
  const databases = Array.from({ length: 4 }, () => rng.guid());
  const seen = new Set<string>();
  const users: DemoUser[] = [];
  for (let i = 0; users.length < 320 && i < 5000; i++) {
    const sam = `${rng.pick(FIRST)}.${rng.pick(LAST)}`;
    if (seen.has(sam)) continue;
    seen.add(sam);
    const n = users.length;
    users.push({
      sam,
      upn: `${sam}@${DOMAIN}`,
      sid: `${domainSid}-${1105 + n * 3}`,
      mailboxGuid: rng.guid(),
      adGuid: rng.guid(),
      database: databases[n % databases.length]!,
      desktopIp: `10.10.${20 + (n % 8)}.${10 + rng.int(240)}`,
      remoteIp: rng.chance(0.5) ? `198.51.100.${1 + rng.int(254)}` : `203.0.113.${1 + rng.int(254)}`,
      hasPhone: rng.chance(0.6),
    });
  }
  return {
    host: hostUpper,
    fqdn,
    domain: DOMAIN,
    netbios: 'CONTOSO',
    mailHost: 'mail.contoso.com',
    serverIp: '10.10.0.25',
    loadBalancerIp: '10.10.0.5',
    build: profile === 'no-history' ? CU21 : CU19,
    installWin: 'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\',
    installRel: 'C/Program Files/Microsoft/Exchange Server/V15',
    domainSid,
    users,
    admins: ['exadmin', 'helpdesk.ops'],
    databases,
    oabGuid: rng.guid(),
    cookieServerId: String(rng.range(1_000_000_000, 2_100_000_000)),
  };
}
