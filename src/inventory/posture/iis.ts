/**
 * @module Posture read from IIS configuration (applicationHost.config and web.config files of a
 * triage collection), each item with the file, line and setting it came from:
 * - the URL Rewrite rules Microsoft's EOMT / ExchangeMitigations.ps1 install against
 *   CVE-2021-26855 (two AbortRequest rules on the X-AnonResource-Backend and X-BEResource cookies,
 *   exchange-facts/eomt_facts.json), matched by the cookie patterns, not only by name;
 * - the ProxyNotShell mitigation (a rule blocking `autodiscover` + `powershell` request URIs,
 *   pushed by the Emergency Mitigation service or EOMTv2), judged by running the rule's own
 *   pattern against the attack's request URI, plain and URL-encoded;
 * - rewrite rules whose URL match is only `*` (HealthChecker: every request answers HTTP 500);
 * - Extended Protection (`windowsAuthentication/extendedProtection@tokenChecking`) per virtual
 *   directory, the remedy for CVE-2024-21410 on 2016 CU23 and 2019 CU13;
 * - native modules in `globalModules` outside IIS's and Exchange's folders (HealthChecker flags
 *   unsigned or non-Microsoft modules; IIS module backdoors load this way), TokenCacheModule, HSTS.
 */
import type { Evidence, PostureItem } from '../types.js';
import { attr, child, descendants, locationOf, parseXml, type XmlElement } from './xml.js';

export interface ConfigFile {
  /** Path relative to the input, `/` separators. */
  readonly path: string;
  readonly text: string;
}

interface Rule {
  readonly file: string;
  readonly el: XmlElement;
  readonly name: string;
  readonly url: string;
  readonly ignoreCase: boolean;
  readonly conditions: readonly { input: string; pattern: string; negate: boolean; ignoreCase: boolean }[];
  readonly action: string;
  readonly location: string | null;
}

/** The ProxyNotShell request URI (Microsoft's guidance, Sep 2022), plain and as sent encoded. */
const PNS_PLAIN = '/autodiscover/autodiscover.json?@evil.com/owa/&Email=autodiscover/autodiscover.json?@evil.com&Protocol=XYZ&FooProtocol=Powershell';
const PNS_ENCODED = '/autodiscover/autodiscover.json?%40evil.com/owa/&Email=autodiscover/autodiscover.json%3f%40evil.com&Protocol=XYZ&FooProtocol=%50owershell';

function rulesOf(file: ConfigFile, root: XmlElement): Rule[] {
  const out: Rule[] = [];
  for (const el of descendants(root, 'rule')) {
    const parent = el.parent?.name.toLowerCase();
    if (parent !== 'rules' && parent !== 'globalrules') continue;
    const match = child(el, 'match');
    const conds = child(el, 'conditions');
    const action = child(el, 'action');
    out.push({
      file: file.path,
      el,
      name: attr(el, 'name') ?? '',
      url: match ? (attr(match, 'url') ?? '') : '',
      ignoreCase: (match ? attr(match, 'ignoreCase') : undefined)?.toLowerCase() !== 'false',
      conditions: (conds ? descendants(conds, 'add') : []).map((c) => ({
        input: attr(c, 'input') ?? '',
        pattern: attr(c, 'pattern') ?? '',
        negate: (attr(c, 'negate') ?? '').toLowerCase() === 'true',
        ignoreCase: (attr(c, 'ignoreCase') ?? '').toLowerCase() !== 'false',
      })),
      action: action ? (attr(action, 'type') ?? '') : '',
      location: locationOf(el),
    });
  }
  return out;
}

function blocks(rule: Rule): boolean {
  return /^(AbortRequest|CustomResponse)$/i.test(rule.action);
}

function safeRegex(pattern: string, ignoreCase: boolean): RegExp | null {
  try {
    return new RegExp(pattern, ignoreCase ? 'i' : '');
  } catch {
    return null;
  }
}

function ruleEvidence(r: Rule): Evidence {
  const conds = r.conditions.map((c) => `${c.input} ${c.negate ? '!~' : '~'} ${c.pattern}`).join('; ');
  return { source: r.file, line: r.el.line, detail: `rewrite rule "${r.name}"${r.location ? ` (location ${r.location})` : ''}: url ${r.url}${conds ? `, conditions ${conds}` : ''}, action ${r.action}` };
}

function eomt(rules: readonly Rule[]): PostureItem {
  const cookieRule = (needle: RegExp): Rule | undefined =>
    rules.find((r) => blocks(r) && r.conditions.some((c) => /HTTP_COOKIE/i.test(c.input) && !c.negate && needle.test(c.pattern)));
  const backend = cookieRule(/X-AnonResource-Backend/i);
  const beresource = cookieRule(/X-BEResource/i);
  const found = [backend, beresource].filter((r): r is Rule => r !== undefined);
  const state = found.length === 2 ? 'present' : found.length === 1 ? 'partial' : 'absent';
  return {
    id: 'eomt-cve-2021-26855',
    title: 'EOMT URL Rewrite mitigation for CVE-2021-26855',
    state,
    verdict: state === 'present' ? 'good' : 'info',
    detail:
      state === 'present'
        ? 'both AbortRequest rules on the X-AnonResource-Backend and X-BEResource cookies are configured (a mitigation, not a fix; a CU upgrade removes them)'
        : state === 'partial'
          ? `only the ${backend ? 'X-AnonResource-Backend' : 'X-BEResource'} rule is configured`
          : 'no rule blocking the X-AnonResource-Backend / X-BEResource cookies',
    evidence: found.map(ruleEvidence),
  };
}

function proxyNotShell(rules: readonly Rule[]): PostureItem {
  let best: { rule: Rule; encoded: boolean } | null = null;
  for (const r of rules) {
    if (!blocks(r)) continue;
    const tests: { encoded: boolean; ok: boolean }[] = [];
    for (const [encoded, sample] of [
      [false, PNS_PLAIN],
      [true, PNS_ENCODED],
    ] as const) {
      const matchUrl = safeRegex(r.url, r.ignoreCase);
      // The match url sees the path without the query; conditions see the full URI.
      const urlOk = matchUrl ? matchUrl.test('autodiscover/autodiscover.json') : false;
      const uriConds = r.conditions.filter((c) => /REQUEST_URI|URL|QUERY_STRING/i.test(c.input));
      if (uriConds.length === 0) continue;
      const condOk = uriConds.every((c) => {
        const re = safeRegex(c.pattern, c.ignoreCase);
        if (!re) return false;
        const value = /UrlDecode/i.test(c.input) ? decodeURIComponent(sample.replace(/%(?![0-9a-f]{2})/gi, '%25')) : sample;
        return re.test(value) !== c.negate;
      });
      tests.push({ encoded, ok: urlOk && condOk });
    }
    const plain = tests.find((t) => !t.encoded)?.ok === true;
    const enc = tests.find((t) => t.encoded)?.ok === true;
    if (plain && (best === null || (enc && !best.encoded))) best = { rule: r, encoded: enc };
  }
  const state = best === null ? 'absent' : best.encoded ? 'present' : 'partial';
  return {
    id: 'proxynotshell-url-rewrite',
    title: 'ProxyNotShell URL Rewrite mitigation (CVE-2022-41040)',
    state,
    verdict: state === 'present' ? 'good' : state === 'partial' ? 'bad' : 'info',
    detail:
      state === 'present'
        ? 'a rule blocks the autodiscover/PowerShell request URI, also URL-encoded (a mitigation, not a fix; OWASSRF goes around it)'
        : state === 'partial'
          ? 'a rule blocks the plain autodiscover/PowerShell request URI but not its URL-encoded form (the first, bypassable version of the mitigation)'
          : 'no rule blocking autodiscover/PowerShell request URIs',
    evidence: best ? [ruleEvidence(best.rule)] : [],
  };
}

function misconfiguredRules(rules: readonly Rule[]): PostureItem | null {
  const bad = rules.filter((r) => r.url.trim() === '*');
  if (bad.length === 0) return null;
  return {
    id: 'url-rewrite-misconfigured',
    title: 'Misconfigured URL Rewrite rule',
    state: 'present',
    verdict: 'bad',
    detail: `${bad.length} rule(s) whose URL match is only "*" (not a valid regular expression): IIS answers every request with HTTP 500 (HealthChecker check)`,
    evidence: bad.map(ruleEvidence),
  };
}

const EP_KEY_VDIRS = ['ecp', 'ews', 'owa', 'rpc', 'mapi'];

function extendedProtection(files: readonly { file: ConfigFile; root: XmlElement }[]): PostureItem | null {
  const settings: { vdir: string; site: string; value: string; ev: Evidence }[] = [];
  let anyAuth = false;
  for (const { file, root } of files) {
    for (const auth of descendants(root, 'windowsAuthentication')) {
      anyAuth = true;
      const loc = locationOf(auth) ?? '';
      const [site = '', vdir = ''] = loc.split('/');
      const ep = child(auth, 'extendedProtection');
      const value = ep ? (attr(ep, 'tokenChecking') ?? 'None') : 'None';
      settings.push({ vdir: vdir.toLowerCase(), site, value, ev: { source: file.path, line: (ep ?? auth).line, detail: `${loc || '(root)'}: extendedProtection tokenChecking=${value}` } });
    }
  }
  if (!anyAuth) return null;
  const on = (v: string): boolean => /^(Allow|Require)$/i.test(v);
  const key = settings.filter((s) => EP_KEY_VDIRS.includes(s.vdir) && /default web site/i.test(s.site));
  const considered = key.length > 0 ? key : settings;
  const enabled = considered.filter((s) => on(s.value));
  const missing = EP_KEY_VDIRS.filter((v) => !key.some((s) => s.vdir === v));
  const state = enabled.length === 0 ? 'absent' : enabled.length === considered.length && missing.length === 0 ? 'present' : 'partial';
  const off = considered.filter((s) => !on(s.value)).map((s) => `${s.site}/${s.vdir}`);
  return {
    id: 'extended-protection',
    title: 'Extended Protection',
    state,
    verdict: state === 'present' ? 'good' : 'bad',
    detail:
      state === 'present'
        ? `tokenChecking Allow/Require on ${enabled.map((s) => `${s.site}/${s.vdir}`).join(', ')}`
        : state === 'absent'
          ? 'tokenChecking None on every virtual directory: not enabled (CVE-2024-21410 and the 2022 Extended Protection CVEs stay open)'
          : `not on everywhere: off on ${[...off, ...missing.map((m) => `Default Web Site/${m} (not configured)`)].join(', ')}`,
    evidence: settings.slice(0, 40).map((s) => s.ev),
  };
}

function modules(files: readonly { file: ConfigFile; root: XmlElement }[]): PostureItem[] {
  const items: PostureItem[] = [];
  const unexpected: Evidence[] = [];
  const tokenCache: Evidence[] = [];
  const hsts: Evidence[] = [];
  for (const { file, root } of files) {
    for (const gm of descendants(root, 'globalModules')) {
      for (const add of descendants(gm, 'add')) {
        const name = attr(add, 'name') ?? '';
        const image = attr(add, 'image') ?? '';
        const ev = { source: file.path, line: add.line, detail: `globalModules ${name}: ${image}` };
        if (/^TokenCacheModule$/i.test(name)) tokenCache.push(ev);
        const norm = image.replace(/\//g, '\\').toLowerCase();
        const known =
          /^%windir%\\system32\\inetsrv\\/.test(norm) ||
          /^c:\\windows\\system32\\inetsrv\\/.test(norm) ||
          /^%windir%\\microsoft\.net\\framework(64)?\\/.test(norm) ||
          /\\exchange server\\v1[45]\\/.test(norm) ||
          /^%exchangeinstalldir%/.test(norm) ||
          /^%programfiles%\\iis\\/.test(norm);
        if (!known) unexpected.push(ev);
      }
    }
    for (const h of descendants(root, 'hsts')) if ((attr(h, 'enabled') ?? '').toLowerCase() === 'true') hsts.push({ source: file.path, line: h.line, detail: `hsts enabled="true" (${locationOf(h) ?? 'server'})` });
    for (const add of descendants(root, 'add')) {
      if (add.parent?.name.toLowerCase() === 'customheaders' && /^strict-transport-security$/i.test(attr(add, 'name') ?? '')) {
        hsts.push({ source: file.path, line: add.line, detail: `custom header Strict-Transport-Security: ${attr(add, 'value') ?? ''}` });
      }
    }
  }
  if (unexpected.length > 0) {
    items.push({
      id: 'iis-modules',
      title: 'IIS native modules outside IIS and Exchange folders',
      state: 'present',
      verdict: 'bad',
      detail: `${unexpected.length} global module(s) load from an unexpected folder: check their signatures (HealthChecker: IIS module anomalies; IIS backdoors install this way)`,
      evidence: unexpected,
    });
  }
  if (tokenCache.length > 0) {
    items.push({
      id: 'token-cache-module',
      title: 'TokenCacheModule loaded',
      state: 'present',
      verdict: 'info',
      detail: 'CVE-2023-21709 / CVE-2023-36434 depend on the version of cachtokn.dll (fixed by the Windows updates of October 2023), which the configuration does not show',
      evidence: tokenCache,
    });
  }
  if (hsts.length > 0) items.push({ id: 'hsts', title: 'HSTS enabled', state: 'present', verdict: 'info', detail: 'HTTP Strict Transport Security is configured', evidence: hsts });
  return items;
}

/** Reads every IIS configuration file given; files that do not parse become an `iis-config-unreadable` item. */
export function iisPosture(files: readonly ConfigFile[]): PostureItem[] {
  if (files.length === 0) return [];
  const parsed: { file: ConfigFile; root: XmlElement }[] = [];
  const broken: Evidence[] = [];
  for (const f of files) {
    const doc = parseXml(f.text);
    parsed.push({ file: f, root: doc.root });
    if (doc.error) broken.push({ source: f.path, detail: `not well-formed: ${doc.error} (read up to there)` });
  }
  const rules = parsed.flatMap((p) => rulesOf(p.file, p.root));
  const items: PostureItem[] = [eomt(rules), proxyNotShell(rules)];
  const mis = misconfiguredRules(rules);
  if (mis) items.push(mis);
  const ep = extendedProtection(parsed.filter((p) => /applicationhost\.config$/i.test(p.file.path)));
  if (ep) items.push(ep);
  items.push(...modules(parsed));
  if (broken.length > 0) items.push({ id: 'iis-config-unreadable', title: 'IIS configuration not well-formed', state: 'unknown', verdict: 'bad', detail: 'a configuration file is damaged or truncated', evidence: broken });
  return items;
}
