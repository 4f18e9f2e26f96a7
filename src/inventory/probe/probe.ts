/**
 * @module `exhunt probe`: fingerprinting Exchange servers over HTTPS without credentials, as
 * Microsoft's and the community's nmap scripts do, and nothing more intrusive:
 * 1. `GET /owa/auth/logon.aspx`: the `X-OWA-Version` header (the full build on 2013 and later)
 *    and the build folder of the page's resources (`/owa/auth/15.1.2176/themes/...`: three parts,
 *    the CU only); `GET /owa/` when the logon page says nothing;
 * 2. `GET /EWS/Exchange.asmx`: its `X-OWA-Version` header (answered before authentication);
 * 3. when no four-part build was seen: the exporttool ClickOnce manifest,
 *    `/ecp/Current/exporttool/microsoft.exchange.ediscovery.exporttool.application`, then
 *    `/ecp/<build>/exporttool/...` for each build of the CU line (newest first): its
 *    `<assemblyIdentity version=...>` is the exact build, SU included;
 * 4. with `checkCve202126855`: the one request of Microsoft's http-vuln-cve2021-26855.nse,
 *    `GET /owa/auth/x.js` with the cookie from exchange-facts/nmap_nse_facts.json, reporting
 *    vulnerable when `X-CalculatedBETarget` contains `localhost`. It is a harmless request that
 *    makes the server compute a back-end target; it sends no exploit.
 */
import { formatShort, parseBuild, type Build } from '../build.js';
import type { BuildCatalog } from '../catalog.js';
import type { Evidence, Observation, PostureItem } from '../types.js';
import { agentFor, get, ProbeError, type HttpOptions, type HttpResponse } from './http.js';
import type { Target } from './targets.js';

export const NMAP_26855 = {
  path: '/owa/auth/x.js',
  cookie: 'X-AnonResource=true; X-AnonResource-Backend=localhost/ecp/default.flt?~3; X-BEResource=localhost/owa/auth/logon.aspx?~3;',
} as const;

const EXPORTTOOL = 'exporttool/microsoft.exchange.ediscovery.exporttool.application';
const MAX_EXPORTTOOL_CANDIDATES = 40;

export interface ProbeOptions extends HttpOptions {
  readonly checkCve202126855: boolean;
  /** Proxy per target (from HTTPS_PROXY / NO_PROXY or --proxy). */
  readonly proxyFor: (target: Target) => URL | null;
}

export interface ProbeOutcome {
  readonly target: Target;
  readonly observation: Observation;
  /** Requests made, for the JSON (method, path, status or error). */
  readonly requests: readonly { path: string; status: number | null; error: string | null; attempts: number }[];
  /** Set when the server could not be reached at all. */
  readonly error: string | null;
}

const PATH_BUILD = /\/(?:owa|ecp)\/(?:auth\/)?(\d{1,2}\.\d{1,2}\.\d{1,5}(?:\.\d{1,5})?)\//gi;

function headerBuild(r: HttpResponse): Build | null {
  const v = r.headers['x-owa-version'];
  return v ? parseBuild(v) : null;
}

function bodyBuild(r: HttpResponse): { build: Build; text: string } | null {
  for (const m of r.body.matchAll(PATH_BUILD)) {
    const b = parseBuild(m[1] ?? '');
    if (b) return { build: b, text: m[0] };
  }
  return null;
}

function manifestBuild(r: HttpResponse): Build | null {
  if (r.status !== 200) return null;
  const m = /<assemblyIdentity\b[^>]*\bversion="(\d+\.\d+\.\d+\.\d+)"/i.exec(r.body);
  return m ? parseBuild(m[1] ?? '') : null;
}

export async function probeTarget(target: Target, catalog: BuildCatalog, options: ProbeOptions): Promise<ProbeOutcome> {
  const opts: HttpOptions = { ...options, proxy: options.proxyFor(target) };
  const agent = agentFor(target, opts);
  const requests: { path: string; status: number | null; error: string | null; attempts: number }[] = [];
  const evidence: Evidence[] = [];
  const notes: string[] = [];
  const posture: PostureItem[] = [];
  const url = (path: string): string => `https://${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}${path}`;
  let reached = false;
  let lastError: string | null = null;
  const fetch = async (path: string, headers: Record<string, string> = {}): Promise<HttpResponse | null> => {
    try {
      const r = await get(target, path, agent, opts, headers);
      reached = true;
      requests.push({ path, status: r.status, error: null, attempts: r.attempts });
      return r;
    } catch (e) {
      const msg = e instanceof ProbeError ? `${e.code}: ${e.message}` : String(e);
      lastError = msg;
      requests.push({ path, status: null, error: msg, attempts: opts.retries + 1 });
      return null;
    }
  };

  let exact: { build: Build; method: string; ev: Evidence } | null = null;
  let cu: { build: Build; ev: Evidence } | null = null;
  const consider = (r: HttpResponse | null, path: string): void => {
    if (!r) return;
    const h = headerBuild(r);
    if (h && h.revision !== null && !exact) exact = { build: h, method: 'probe-x-owa-version', ev: { source: url(path), detail: `X-OWA-Version: ${r.headers['x-owa-version'] ?? ''}` } };
    const body = bodyBuild(r);
    if (body && !cu) cu = { build: body.build, ev: { source: url(path), detail: `resource path ${body.text}` } };
  };

  try {
    const logon = await fetch('/owa/auth/logon.aspx?url=https%3a%2f%2flocalhost%2fowa%2f&reason=0');
    consider(logon, '/owa/auth/logon.aspx');
    if (!exact && !cu && reached) consider(await fetch('/owa/'), '/owa/');
    if (reached || lastError === null || !/ECONNREFUSED|ENOTFOUND|CERT|SELF_SIGNED|EPROTO|WRONG_VERSION/.test(lastError)) {
      consider(await fetch('/EWS/Exchange.asmx'), '/EWS/Exchange.asmx');
    }
    if (!exact && reached) {
      const candidates: string[] = ['Current'];
      const line = cu ? catalog.line((cu as { build: Build }).build) : null;
      if (cu) candidates.push(formatShort((cu as { build: Build }).build));
      if (line) for (const e of [...line.entries].reverse()) candidates.push(e.build);
      for (const c of [...new Set(candidates)].slice(0, MAX_EXPORTTOOL_CANDIDATES)) {
        const path = `/ecp/${c}/${EXPORTTOOL}`;
        const r = await fetch(path);
        const b = r ? manifestBuild(r) : null;
        if (b) {
          exact = { build: b, method: 'probe-exporttool', ev: { source: url(path), detail: `exporttool manifest assemblyIdentity version ${formatShort(b)}` } };
          break;
        }
        if (!r) break;
      }
    }
    if (options.checkCve202126855 && reached) {
      const r = await fetch(NMAP_26855.path, { Cookie: NMAP_26855.cookie });
      if (r) {
        const be = r.headers['x-calculatedbetarget'];
        const vulnerable = be !== undefined && /localhost/i.test(be);
        posture.push({
          id: 'cve-2021-26855-check',
          title: 'CVE-2021-26855 check (Microsoft nmap script request)',
          state: vulnerable ? 'present' : 'absent',
          verdict: vulnerable ? 'bad' : 'info',
          detail: vulnerable
            ? `X-CalculatedBETarget: ${be} (the server computed a back end from the attacker's cookie: vulnerable)`
            : `HTTP ${r.status}, no X-CalculatedBETarget with localhost (the script's test is negative; not a proof of safety)`,
          evidence: [{ source: url(NMAP_26855.path), detail: `Cookie: ${NMAP_26855.cookie} → HTTP ${r.status}${be !== undefined ? `, X-CalculatedBETarget: ${be}` : ''}` }],
        });
      }
    }
  } finally {
    agent.destroy();
  }

  const e = exact;
  const c = cu as { build: Build; ev: Evidence } | null;
  if (e) evidence.push(e.ev);
  if (c) evidence.push(c.ev);
  if (e && c && (e.build.major !== c.build.major || e.build.minor !== c.build.minor || e.build.build !== c.build.build)) {
    notes.push(`the resource path says CU build ${formatShort(c.build)} but ${e.method === 'probe-exporttool' ? 'the exporttool manifest' : 'X-OWA-Version'} says ${formatShort(e.build)}`);
  }
  if (!e && c) notes.push('only the CU could be read (three-part build from the OWA resource path; no X-OWA-Version and no exporttool manifest): the SU cannot be told');
  if (!reached) notes.push(`not reachable: ${lastError ?? 'no answer'}`);
  else if (!e && !c) notes.push(`answered (${requests.map((r) => `${r.path.split('?')[0] ?? ''} ${r.status ?? r.error ?? ''}`).join(', ')}) but showed no Exchange build`);

  const observation: Observation = {
    host: target.label,
    input: target.label,
    build: e?.build ?? c?.build ?? null,
    confidence: e ? 'exact' : c ? 'cu-only' : 'unknown',
    method: e ? e.method : c ? 'probe-owa-path' : reached ? 'probe-no-build' : 'probe-unreachable',
    evidence,
    history: [],
    posture: posture.length > 0 ? { items: posture } : null,
    notes,
  };
  return { target, observation, requests, error: reached ? null : lastError };
}

/** Probes every target with at most `concurrency` in flight; results in target order. */
export async function probeAll(
  targets: readonly Target[],
  catalog: BuildCatalog,
  options: ProbeOptions,
  concurrency: number,
  onDone?: (done: number, total: number) => void,
): Promise<ProbeOutcome[]> {
  const results = new Array<ProbeOutcome>(targets.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      const t = targets[i];
      if (t === undefined) return;
      results[i] = await probeTarget(t, catalog, options);
      onDone?.(++done, targets.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, targets.length)) }, () => worker()));
  return results;
}
