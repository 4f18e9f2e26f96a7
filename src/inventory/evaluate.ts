/**
 * @module Evaluation: from what is known about one server (an Observation) to which exploited
 * families are open or fixed, what to install, and how sure exhunt is (a ServerReport).
 *
 * Per CVE, following cve-fixes.json's "howToEvaluate" and HealthChecker's
 * Test-ExchangeBuildGreaterOrEqualThanSecurityPatch:
 * 1. product not in the CVE's list: `not-affected` when Microsoft said so, else `unknown`;
 * 2. a fix on the server's own CU line: fixed when the build is at least the fix build (`likely-
 *    fixed` from a lower build another source gives); otherwise open, install that KB;
 * 3. at or above a CU that includes the fix (any later line of the same version): fixed;
 * 4. a line remedied by configuration only (Extended Protection): `mitigated` when the posture
 *    shows it on, else open;
 * 5. any other line has no fix: open, upgrade the CU.
 * A build known only to its CU (AdminDisplayVersion) is a lower bound: step 2 then says
 * `unknown` ("the SU cannot be told") rather than guessing. A build not in the table is unknown
 * throughout, never safe.
 */
import { compareBuilds, formatLong, formatShort, groupKey, mustParseFull, type Build } from './build.js';
import type { CuLine } from './catalog.js';
import type { ExchangeContent } from './content/load.js';
import type { Conflict, CveEntry, Family, FixEntry, IncludedEntry, MitigationLine, Product } from './content/schema.js';
import { supportStatus } from './support.js';
import {
  INVENTORY_SCHEMA_VERSION,
  STATUSES,
  type ConflictNote,
  type CveResult,
  type FamilyResult,
  type Observation,
  type PostureItem,
  type ServerReport,
  type Status,
} from './types.js';

export interface EvaluateOptions {
  /** Date support status is judged on, YYYY-MM-DD (default: today, UTC). */
  readonly asOf?: string;
}

interface Need {
  readonly build: Build;
  /** KB ids, `Exchange 2016 CU23` for a CU upgrade, or `Extended Protection` for configuration. */
  readonly kbs: readonly string[];
  readonly action: string;
}

interface CveEval extends CveResult {
  readonly need: Need | null;
  readonly conflict?: string;
}

interface Ctx {
  readonly build: Build;
  readonly line: CuLine;
  readonly product: Product;
  /** False when only the CU is known: the build is a lower bound. */
  readonly exact: boolean;
  readonly method: string;
  readonly posture: readonly PostureItem[];
}

export function worstStatus(statuses: readonly Status[]): Status {
  let worst: Status = 'not-affected';
  for (const s of statuses) if (STATUSES.indexOf(s) < STATUSES.indexOf(worst)) worst = s;
  return worst;
}

function fixLabel(f: FixEntry): string {
  return `${f.update ?? 'the update'} ${f.kb ? `(${f.kb}, ${f.build})` : `(${f.build})`}`;
}

function postureItem(posture: readonly PostureItem[], id: string): PostureItem | undefined {
  return posture.find((p) => p.id === id);
}

function upgradeAdvice(product: Product, fixes: readonly FixEntry[], included: readonly IncludedEntry[], mitigations: readonly MitigationLine[], line: CuLine): Need | null {
  type Cand = { build: Build; text: string; kbs: string[] };
  const cands: Cand[] = [
    ...fixes.filter((f) => f.product === product.id).map((f) => ({ build: mustParseFull(f.build), kbs: [`Exchange ${f.product} ${f.line}`, ...(f.kb ? [f.kb] : [])], text: `upgrade to Exchange ${f.product} ${f.line} and install ${fixLabel(f)} or later` })),
    ...included.filter((i) => i.product === product.id).map((i) => ({ build: mustParseFull(i.build), kbs: [`Exchange ${i.product} ${i.line}`], text: `upgrade to Exchange ${i.product} ${i.line} (${i.build}) or later` })),
    ...mitigations
      .filter((m) => m.product === product.id)
      .map((m) => ({
        build: mustParseFull(m.minimumBuild),
        kbs: [`Exchange ${m.product} ${m.line}`, 'KB5015322', 'Extended Protection'],
        text: `upgrade to Exchange ${m.product} ${m.line} with the August 2022 SU or later (${m.minimumBuild}+), then ${m.action.charAt(0).toLowerCase()}${m.action.slice(1)}`,
      })),
  ].filter((c) => compareBuilds(c.build, line.base) > 0);
  if (cands.length === 0) {
    const any = [...included, ...fixes].map((x) => ({ x, b: mustParseFull(x.build) })).filter((c) => groupKey(c.b) === line.group);
    const newest = any.sort((a, b) => compareBuilds(b.b, a.b))[0];
    if (!newest) return null;
    return { build: newest.b, kbs: [`Exchange ${newest.x.product} ${newest.x.line}`], action: `upgrade to Exchange ${newest.x.product} ${newest.x.line} or later` };
  }
  const best = cands.sort((a, b) => compareBuilds(b.build, a.build))[0];
  return best ? { build: best.build, kbs: best.kbs, action: best.text } : null;
}

function evalCve(c: CveEntry, fam: Family, ctx: Ctx): CveEval {
  const p = ctx.product.id;
  const base = { id: c.id };
  if (!c.products.includes(p)) {
    const notAffected = c.notAffected ?? fam.notAffected;
    if (notAffected.includes(p)) {
      return { ...base, status: 'not-affected', reason: `Microsoft lists ${c.id} for Exchange ${c.products.join(', ')} only`, fixedIn: null, kb: null, need: null };
    }
    return {
      ...base,
      status: 'unknown',
      reason: `Microsoft did not assess Exchange ${p} for ${c.id} (listed: ${c.products.join(', ')}); treat as vulnerable`,
      fixedIn: null,
      kb: null,
      need: null,
    };
  }
  const b = ctx.build;
  const fixes = (c.fixed ?? fam.fixed).filter((f) => groupKey(mustParseFull(f.build)) === ctx.line.group);
  const included = (c.includedFrom ?? fam.includedFrom).filter((i) => groupKey(mustParseFull(i.build)) === ctx.line.group);
  const lineName = `Exchange ${ctx.line.product} ${ctx.line.name}`;

  const same = fixes.find((f) => f.product === ctx.line.product && f.line === ctx.line.name);
  if (same) {
    const fb = mustParseFull(same.build);
    const need: Need = { build: fb, kbs: same.kb ? [same.kb] : [], action: `install ${fixLabel(same)}` };
    if (compareBuilds(b, fb) >= 0) return { ...base, status: 'fixed', reason: `${formatShort(b)} ≥ ${same.build} (${same.update ?? 'fix'} for ${lineName})`, fixedIn: same.build, kb: same.kb, need: null };
    if (!ctx.exact) {
      return {
        ...base,
        status: 'unknown',
        reason: `${lineName} is fixed by ${fixLabel(same)}; the SU cannot be told from ${ctx.method}`,
        fixedIn: same.build,
        kb: same.kb,
        need,
      };
    }
    const alternates = (same.alternate ?? []).map(mustParseFull).sort(compareBuilds);
    const lowest = alternates[0];
    if (lowest && compareBuilds(b, lowest) >= 0) {
      return {
        ...base,
        status: 'likely-fixed',
        reason: `${formatShort(b)} is ${same.update ?? 'the fix'} by another source's numbering (${formatShort(lowest)}) but below Microsoft's ${same.build}; confirm ${same.kb ?? 'the update'} is installed`,
        fixedIn: same.build,
        kb: same.kb,
        need,
        ...(same.conflict ? { conflict: same.conflict } : {}),
      };
    }
    return { ...base, status: 'open', reason: `${formatShort(b)} < ${same.build} (${same.update ?? 'fix'} for ${lineName})`, fixedIn: same.build, kb: same.kb, need };
  }

  const inc = included.find((i) => compareBuilds(b, mustParseFull(i.build)) >= 0);
  if (inc) {
    if (fam.remedy === 'extended-protection' && postureItem(ctx.posture, 'extended-protection')?.state === 'absent') {
      return {
        ...base,
        status: 'open',
        reason: `Exchange ${inc.product} ${inc.line} and later turn Extended Protection on by default, but the collected configuration has it off`,
        fixedIn: inc.build,
        kb: null,
        need: { build: b, kbs: ['Extended Protection'], action: 'turn Extended Protection back on (ExchangeExtendedProtectionManagement.ps1)' },
      };
    }
    return { ...base, status: 'fixed', reason: `included from Exchange ${inc.product} ${inc.line} (${inc.build}) on`, fixedIn: inc.build, kb: null, need: null };
  }

  const mit = fam.mitigationOnly.find((m) => m.product === ctx.line.product && m.line === ctx.line.name);
  if (mit) {
    const item = fam.remedy ? postureItem(ctx.posture, fam.remedy) : undefined;
    const below = compareBuilds(b, mustParseFull(mit.minimumBuild)) < 0;
    const action = below ? `install the August 2022 SU or later (${mit.minimumBuild}+), then ${mit.action.charAt(0).toLowerCase()}${mit.action.slice(1)}` : mit.action;
    if (item?.state === 'present') {
      return { ...base, status: 'mitigated', reason: `no build fixes ${lineName}; ${item.title} is on (${item.detail})`, fixedIn: null, kb: null, need: null };
    }
    const seen = item === undefined ? 'not collected' : item.state === 'absent' ? 'off in the collected configuration' : `${item.state} in the collected configuration`;
    return {
      ...base,
      status: 'open',
      reason: `no build fixes ${lineName}: vulnerable unless Extended Protection is on (${seen})`,
      fixedIn: null,
      kb: null,
      need: { build: mustParseFull(mit.minimumBuild), kbs: below ? ['KB5015322', 'Extended Protection'] : ['Extended Protection'], action },
    };
  }

  const advice = upgradeAdvice(ctx.product, fixes, included, fam.mitigationOnly, ctx.line);
  return {
    ...base,
    status: 'open',
    reason: `no security update fixes ${c.id} on ${lineName}`,
    fixedIn: null,
    kb: advice?.kbs.find((k) => k.startsWith('KB')) ?? null,
    need: advice,
  };
}

function evalFamily(fam: Family, ctx: Ctx | null, whyUnknown: string): { result: FamilyResult; conflicts: string[]; top: Need | null } {
  if (ctx === null) {
    const cves = fam.cves.map((c) => ({ id: c.id, status: 'unknown' as const, reason: whyUnknown, fixedIn: null, kb: null }));
    return {
      result: { id: fam.id, name: fam.name, short: fam.short, exploited: fam.exploited, status: 'unknown', cves, open: [], action: 'find the exact build (ExSetup.exe version) and evaluate again', kbs: [], mitigations: [] },
      conflicts: [],
      top: null,
    };
  }
  const evals = fam.cves.map((c) => evalCve(c, fam, ctx));
  const status = worstStatus(evals.map((e) => e.status));
  const pending = evals.filter((e) => (e.status === 'open' || e.status === 'unknown' || e.status === 'likely-fixed') && e.need !== null);
  const top = pending.map((e) => e.need as Need).sort((a, b) => compareBuilds(b.build, a.build))[0];
  let action = '';
  if (status === 'open' || status === 'unknown' || status === 'likely-fixed') {
    action = top ? top.action : status === 'unknown' ? 'confirm the build and whether Microsoft lists this product' : '';
    if (status === 'unknown' && top) action = `${action} if it is not installed`;
  }
  const mitigations = fam.mitigations.filter((m) => postureItem(ctx.posture, m)?.state === 'present').map((m) => postureItem(ctx.posture, m)?.title ?? m);
  const cves: CveResult[] = evals.map(({ id, status: s, reason, fixedIn, kb }) => ({ id, status: s, reason, fixedIn, kb }));
  return {
    result: {
      id: fam.id,
      name: fam.name,
      short: fam.short,
      exploited: fam.exploited,
      status,
      cves,
      open: evals.filter((e) => e.status === 'open').map((e) => e.id),
      action,
      kbs: top ? top.kbs : [],
      mitigations: status === 'open' ? mitigations : [],
    },
    conflicts: evals.map((e) => e.conflict).filter((c): c is string => c !== undefined),
    top: top ?? null,
  };
}

/**
 * What to install for the whole server: updates are cumulative (a later SU or CU contains the
 * earlier fixes), so the highest build needed covers every lower one; configuration remedies
 * (Extended Protection) are added beside it.
 */
function serverKbs(needs: readonly Need[]): string[] {
  const updates = needs.filter((n) => n.kbs.some((k) => k !== 'Extended Protection'));
  const top = [...updates].sort((a, b) => compareBuilds(b.build, a.build))[0];
  const out = new Set<string>(top ? top.kbs.filter((k) => k !== 'Extended Protection') : []);
  for (const n of needs) if (n.kbs.includes('Extended Protection')) out.add('Extended Protection');
  return [...out];
}

function relevantConflicts(content: ExchangeContent, ctx: Ctx | null, families: readonly FamilyResult[], ids: readonly string[]): ConflictNote[] {
  const out: Conflict[] = [];
  for (const c of content.conflicts) {
    let hit = ids.includes(c.id);
    if (ctx) {
      const short = formatShort(ctx.build);
      const lineName = `${ctx.line.product} ${ctx.line.name}`;
      if (ctx.exact && c.builds.includes(short)) hit = true;
      if (c.lines.includes(lineName)) hit = true;
      if (c.families.length > 0 && (c.products.length === 0 || c.products.includes(ctx.product.id))) {
        if (families.some((f) => c.families.includes(f.id) && f.status !== 'fixed' && f.status !== 'not-affected')) hit = true;
        if (c.products.length > 0 && families.some((f) => c.families.includes(f.id))) hit = true;
      }
    }
    if (hit) out.push(c);
  }
  return out.map((c) => ({ id: c.id, about: c.about, values: c.values, resolution: c.resolution }));
}

function updateName(ctx: Ctx, content: ExchangeContent): { su: string | null; note: string; released: string | null } {
  if (!ctx.exact) {
    return { su: null, note: `CU only: the SU cannot be told from ${ctx.method} (read ExSetup.exe's version for it)`, released: null };
  }
  const e = content.catalog.entry(ctx.build);
  if (e) {
    const su = e.update ?? (e.type === 'SU' || e.type === 'HU' || e.type === 'RU' ? (e.kb ?? e.type) : e.type);
    return { su, note: e.name, released: e.released };
  }
  const below = ctx.line.entries.filter((x) => compareBuilds(x.parsed, ctx.build) < 0).at(-1);
  const above = ctx.line.entries.find((x) => compareBuilds(x.parsed, ctx.build) > 0);
  const between = [below ? `after ${below.update ?? below.type} ${below.build}` : null, above ? `before ${above.update ?? above.type} ${above.build}` : null].filter(Boolean).join(', ');
  return { su: null, note: `revision not in the build table${between ? ` (${between})` : ''}`, released: null };
}

/**
 * A live check that proved a CVE open (the probe's CVE-2021-26855 request answered with
 * `X-CalculatedBETarget: localhost`) overrides what the build says.
 */
function applyLiveChecks(families: FamilyResult[], posture: readonly PostureItem[]): FamilyResult[] {
  return families.map((f) => {
    const hits = f.cves.filter((c) => posture.some((p) => p.id === `${c.id.toLowerCase()}-check` && p.state === 'present'));
    if (hits.length === 0) return f;
    const cves = f.cves.map((c) => {
      const p = posture.find((x) => x.id === `${c.id.toLowerCase()}-check` && x.state === 'present');
      return p ? { ...c, status: 'open' as const, reason: `live check: ${p.detail}` } : c;
    });
    return {
      ...f,
      cves,
      status: worstStatus(cves.map((c) => c.status)),
      open: cves.filter((c) => c.status === 'open').map((c) => c.id),
      action: f.action || 'install the current security update for this CU (the server answered the CVE-2021-26855 check as vulnerable)',
    };
  });
}

/** Evaluates one server. Never throws on odd input: an unusable build yields an all-unknown report. */
export function evaluate(obs: Observation, content: ExchangeContent, options: EvaluateOptions = {}): ServerReport {
  const asOf = options.asOf ?? new Date().toISOString().slice(0, 10);
  const catalog = content.catalog;
  const b = obs.build;
  const line = b ? catalog.line(b) : null;
  const product = b ? catalog.productOf(b) : null;
  const posture = obs.posture?.items ?? [];
  const notes = [...obs.notes];

  let ctx: Ctx | null = null;
  let whyUnknown = 'no build found';
  if (b && line && product) {
    const exact = obs.confidence !== 'cu-only' && b.revision !== null;
    ctx = { build: b, line, product, exact, method: methodLabel(obs.method), posture };
  } else if (b) {
    const newest = catalog.newest(groupKey(b));
    whyUnknown =
      newest && compareBuilds(b, newest.parsed) > 0
        ? `${formatShort(b)} is newer than every build in exhunt's table (newest ${newest.build}); refresh the table (exhunt inventory refresh-builds)`
        : `${formatShort(b)} is not a known Exchange build`;
    notes.push(whyUnknown);
  }

  const famResults: FamilyResult[] = [];
  const conflictIds: string[] = [];
  const needs: Need[] = [];
  for (const fam of content.families) {
    const { result, conflicts, top } = evalFamily(fam, ctx, whyUnknown);
    famResults.push(result);
    conflictIds.push(...conflicts);
    if (top && (result.status === 'open' || result.status === 'unknown' || result.status === 'likely-fixed')) needs.push(top);
  }

  const checked = applyLiveChecks(famResults, posture);
  famResults.splice(0, famResults.length, ...checked);

  let su: string | null = null;
  let suNote = obs.build ? '' : 'no build';
  let released: string | null = null;
  if (ctx) ({ su, note: suNote, released } = updateName(ctx, content));
  else if (b) suNote = 'build not in the table';

  if (ctx) {
    for (const fam of content.families) {
      const one = fam.oneOff;
      if (!one || !one.lines.includes(`${ctx.line.product} ${ctx.line.name}`)) continue;
      const e = ctx.exact ? catalog.entry(ctx.build) : null;
      const lineFix = fam.fixed.find((f) => f.product === ctx.line.product && f.line === ctx.line.name);
      if (lineFix && compareBuilds(ctx.build, mustParseFull(lineFix.alternate?.[0] ?? lineFix.build)) >= 0 && (e === null || e.update === lineFix.update)) notes.push(one.note);
    }
  }

  const support = supportStatus(catalog, product, line, asOf);
  const confidence = ctx ? obs.confidence : 'unknown';
  const openFamilies = famResults.filter((f) => f.status === 'open');
  const kbs = serverKbs(needs);

  return {
    schemaVersion: INVENTORY_SCHEMA_VERSION,
    host: obs.host,
    input: obs.input,
    build: b ? formatShort(b) : null,
    buildLong: b ? formatLong(b) : null,
    product: product?.name ?? null,
    cu: line?.name ?? null,
    su,
    suNote,
    released,
    confidence,
    method: obs.method,
    support,
    open: [...new Set(openFamilies.flatMap((f) => f.open))],
    openFamilies: openFamilies.map((f) => f.id),
    unknownFamilies: famResults.filter((f) => f.status === 'unknown').map((f) => f.id),
    kbs,
    families: famResults,
    conflicts: relevantConflicts(content, ctx, famResults, conflictIds),
    evidence: obs.evidence,
    history: obs.history,
    posture,
    notes,
  };
}

const METHOD_LABELS: Readonly<Record<string, string>> = {
  'admin-display-version': 'AdminDisplayVersion (Get-ExchangeServer shows the CU only)',
  'probe-owa-path': 'the OWA resource path (three parts: CU only)',
  'build-argument': 'a three-part build',
  'servers-csv': 'a three-part build',
};

function methodLabel(method: string): string {
  return METHOD_LABELS[method] ?? method;
}
