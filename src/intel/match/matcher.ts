/**
 * @module The compiled indicator set: built once per scan, then asked about every record.
 *
 * Structures, chosen so that the cost per record does not grow with the number of indicators:
 * - hash maps for hashes, single addresses, e-mail addresses, URLs, URL paths, user agents,
 *   file names and file paths (keys normalised the same way as the indicators, see normalize/);
 * - a binary trie per address family for CIDR ranges (at most 32 or 128 steps);
 * - suffix lookup for domains: `a.b.evil.com` checks `a.b.evil.com`, `b.evil.com`, `evil.com`
 *   (one map probe per label);
 * - an Aho–Corasick automaton per log kind for log substrings, and for the literals every match
 *   of a regex indicator must contain, so a regex only runs on the few values that can match;
 *   regexes without such a literal run on every value of their field (their number is reported).
 *
 * Revoked provenance is dropped when compiling; expiry (`valid_until`) is checked per hit against
 * the record's time (or the compile time when the record has none): an indicator that expired
 * before the event does not match it, one that expired later still does.
 */
import type { ColumnProbe } from '../../core/detector.js';
import type { LogRecord } from '../../core/record.js';
import type { RecordKind } from '../../core/origin.js';
import type { HashType, Indicator, IndicatorAttrs, IndicatorType, LogScope, Provenance, Tlp } from '../model.js';
import { HASH_TYPES } from '../model.js';
import { addressesInField, parseCidr, parseIp } from '../normalize/ip.js';
import { normalizeWindowsPath } from '../normalize/path.js';
import { requiredLiterals, toJsRegex } from '../normalize/regex.js';
import { userAgentKey, urlKeyHost } from '../normalize/text.js';
import { BinaryTrie, v4Key, v6Key } from './cidr-trie.js';
import { CompactGroup, HexIndex, SourceSets, StringGroup, U32Index } from './compact.js';
import { RegexIndex, SubstringIndex } from './text-index.js';

/** One source's say on an indicator, interned (identical ones are shared between indicators). */
export interface SourceRef {
  readonly source: string;
  readonly tlp: Tlp | null;
  readonly confidence: number | null;
  /** Milliseconds since the epoch, or null for no expiry. */
  readonly validUntil: number | null;
  readonly firstSeen: string | null;
  readonly lastSeen: string | null;
  readonly tags: readonly string[];
  readonly description: string | null;
  readonly ref: string;
}

export interface Entry {
  readonly type: IndicatorType;
  readonly value: string;
  readonly display: string;
  readonly attrs: IndicatorAttrs | null;
  sources: SourceRef[];
  regex?: RegExp;
  fp?: RegExp;
}

export interface Match {
  readonly entry: Entry;
  /** Record field the value came from. */
  readonly field: string;
  /** The record's value (as logged). */
  readonly value: string;
  /** The sources still valid at the record's time. */
  readonly sources: readonly SourceRef[];
}

export interface CompileOptions {
  /** Time for records without a time of their own. Default: now. */
  readonly now?: Date;
  /** Provenance below this confidence is ignored (unknown confidence is kept). */
  readonly minConfidence?: number;
  /**
   * How the log parsers are told which lines may match. `auto` (default): literals while
   * there are at most {@link MAX_PREFILTER_LITERALS} per kind and no CIDR range, else (IIS and
   * HttpProxy) a column probe (see {@link IntelMatcher.columnProbe}); `probe`: the column probe
   * whatever the set's size; `off`: every line is read.
   */
  readonly prefilter?: Prefilter;
}

export interface CompileStats {
  /** Indicators that can match. */
  readonly active: number;
  /** Indicators whose every provenance is revoked or below the confidence floor. */
  readonly inactive: number;
  /** Kept indicators the matcher does not evaluate (YARA rules, STIX patterns). */
  readonly kept: number;
  readonly byType: Readonly<Record<string, number>>;
  /** Regex indicators without a prefilter literal (run on every value of their field). */
  readonly unfilteredRegexes: number;
}

const LOG_KINDS: readonly LogScope[] = ['iis', 'httpproxy', 'ecp', 'oab'];

export type Prefilter = 'auto' | 'probe' | 'off';

/** Columns read by the web matcher (and its column probe), by kind: where to find each role's value. */
interface WebColumns {
  readonly ip: readonly string[];
  readonly ua: string;
  readonly stem: string;
  readonly query: string;
  readonly host: string;
  readonly anchors: readonly string[];
}
const WEB_COLUMNS: Readonly<Record<'iis' | 'httpproxy', WebColumns>> = {
  iis: { ip: ['c-ip', 'X-Forwarded-For'], ua: 'cs(User-Agent)', stem: 'cs-uri-stem', query: 'cs-uri-query', host: 'cs-host', anchors: [] },
  httpproxy: { ip: ['ClientIpAddress'], ua: 'UserAgent', stem: 'UrlStem', query: 'UrlQuery', host: 'UrlHost', anchors: ['AnchorMailbox', 'BackEndCookie'] },
};
type Role = 'ip' | 'ua' | 'stem' | 'host' | 'anchor';
/** Roles whose awkward values are decoded and matched as the record reads them (anchors never are). */
type MemoRole = Exclude<Role, 'anchor'>;

/** Collects indicators (merging duplicates by type and value), then builds the matcher. */
export class IntelMatcherBuilder {
  readonly #now: number;
  readonly #minConfidence: number | null;
  readonly #prefilter: Prefilter;
  readonly #entries = new Map<IndicatorType, Map<string, Entry>>();
  readonly #interned = new Map<string, SourceRef>();
  #inactive = 0;

  constructor(options: CompileOptions = {}) {
    this.#now = (options.now ?? new Date()).getTime();
    this.#minConfidence = options.minConfidence ?? null;
    this.#prefilter = options.prefilter ?? 'auto';
  }

  add(ind: Pick<Indicator, 'type' | 'value' | 'display' | 'attrs' | 'provenance'>): void {
    const refs: SourceRef[] = [];
    for (const p of ind.provenance) {
      if (p.revoked) continue;
      if (this.#minConfidence !== null && p.confidence !== null && p.confidence < this.#minConfidence) continue;
      refs.push(this.#intern(p));
    }
    let byValue = this.#entries.get(ind.type);
    if (!byValue) this.#entries.set(ind.type, (byValue = new Map<string, Entry>()));
    const existing = byValue.get(ind.value);
    if (refs.length === 0) {
      if (!existing) this.#inactive++;
      return;
    }
    if (existing) {
      for (const r of refs) if (!existing.sources.includes(r)) existing.sources.push(r);
      return;
    }
    // The display spelling is often the value itself: keep one string then.
    const display = ind.display === ind.value ? ind.value : ind.display;
    byValue.set(ind.value, { type: ind.type, value: ind.value, display, attrs: ind.attrs, sources: refs });
  }

  #intern(p: Provenance): SourceRef {
    const until = p.validUntil ? Date.parse(p.validUntil) : NaN;
    const ref: SourceRef = {
      source: p.source,
      tlp: p.tlp,
      confidence: p.confidence,
      validUntil: Number.isNaN(until) ? null : until,
      firstSeen: p.firstSeen,
      lastSeen: p.lastSeen,
      tags: p.tags,
      description: p.description,
      ref: p.ref,
    };
    const key = `${ref.source}\u0001${ref.tlp ?? ''}\u0001${ref.confidence ?? ''}\u0001${ref.validUntil ?? ''}\u0001${ref.firstSeen ?? ''}\u0001${ref.lastSeen ?? ''}\u0001${ref.tags.join('\u0002')}\u0001${ref.description ?? ''}\u0001${ref.ref}`;
    const known = this.#interned.get(key);
    if (known) return known;
    this.#interned.set(key, ref);
    return ref;
  }

  build(): IntelMatcher {
    return new IntelMatcher([...this.#entries.values()].flatMap((m) => [...m.values()]), this.#now, this.#inactive, this.#prefilter);
  }
}

export class IntelMatcher {
  readonly now: number;
  readonly stats: CompileStats;
  /** Kept YARA rules, for the YARA engine (text, sources). */
  readonly yaraRules: readonly Entry[];
  /** Hash types some indicator needs (tell the file reader to compute these). */
  readonly hashes: ReadonlySet<HashType>;
  /** Record kinds something can match. */
  readonly kinds: ReadonlySet<RecordKind>;

  readonly #hash: Record<HashType, CompactGroup<HexIndex>> = {
    md5: new CompactGroup('md5', new HexIndex(32), (x, i) => x.value(i)),
    sha1: new CompactGroup('sha1', new HexIndex(40), (x, i) => x.value(i)),
    sha256: new CompactGroup('sha256', new HexIndex(64), (x, i) => x.value(i)),
    sha512: new CompactGroup('sha512', new HexIndex(128), (x, i) => x.value(i)),
  };
  readonly #ip4 = new CompactGroup('ipv4', new U32Index(), (x, i) => {
    const k = x.key(i);
    return `${k >>> 24}.${(k >>> 16) & 255}.${(k >>> 8) & 255}.${k & 255}`;
  });
  readonly #ip6 = new Map<string, Entry>();
  readonly #trie4 = new BinaryTrie<Entry>(32);
  readonly #trie6 = new BinaryTrie<Entry>(128);
  #ranges4 = 0;
  #ranges6 = 0;
  readonly #sources = new SourceSets();
  readonly #domain = new StringGroup('domain', this.#sources);
  readonly #email = new StringGroup('email', this.#sources);
  readonly #url = new StringGroup('url', this.#sources);
  readonly #urlPath = new StringGroup('url-path', this.#sources);
  readonly #ua = new StringGroup('useragent', this.#sources);
  readonly #fileName = new StringGroup('filename', this.#sources);
  readonly #filePath = new StringGroup('filepath', this.#sources);
  readonly #pathRegex = new RegexIndex();
  readonly #nameRegex = new RegexIndex();
  readonly #logSub = new Map<LogScope, SubstringIndex>();
  readonly #logRegex = new Map<LogScope, RegexIndex>();
  readonly #events: Entry[] = [];
  /** Bounded memo tables for values that repeat from record to record (hosts, agents, anchors). */
  readonly #domainHits = new Map<string, Entry[]>();
  readonly #hostHits = new Map<string, [Entry, string][]>();
  readonly #uaHits = new Map<string, Entry | null>();
  readonly #anchorHosts = new Map<string, string[]>();
  readonly #literals: Map<RecordKind, string[] | null>;
  readonly #probes = new Map<RecordKind, ColumnProbe>();
  /** Lower-case paths of the URL and URL-path indicators (the column probe's test for a stem). */
  readonly #urlPaths = new Set<string>();
  /** Bounded memo tables of the column probe, per role, by the value's bytes (latin1). */
  readonly #probeMemo: Record<MemoRole, Map<string, boolean>> = { ip: new Map(), ua: new Map(), stem: new Map(), host: new Map() };
  readonly #v4 = new Uint8Array(4);
  /** {@link asciiAgentHash} of every user agent key, and which lengths such keys have. */
  readonly #uaHashes = new U32Index();
  /** The hashes while compiling: many indicators share one (a domain's last two labels). */
  readonly #pending = { ua: new Set<number>(), tails: new Set<number>(), labels: new Set<number>() };
  readonly #uaLengths = new Uint8Array(MAX_AGENT_LENGTH + 1);
  /** Hashes of the last two labels of every domain and e-mail domain ({@link labelPair}), and of one-label domains. */
  readonly #domainTails = new U32Index();
  readonly #domainLabels = new U32Index();

  constructor(entries: readonly Entry[], now: number, inactive: number, prefilter: Prefilter = 'auto') {
    this.now = now;
    const byType: Record<string, number> = {};
    const yara: Entry[] = [];
    let kept = 0;
    let active = 0;
    // Literals of the web fields (addresses, agents, hosts, URLs), which a column probe can stand
    // in for, apart from those of the log substrings and regexes, which it cannot.
    const webLits = new Map<RecordKind, Set<string> | null>();
    const lits = new Map<RecordKind, Set<string> | null>();
    const addLit = (kinds: readonly RecordKind[], lit: string | null, byField = true): void => {
      const map = byField ? webLits : lits;
      for (const k of kinds) {
        let cur = map.get(k);
        if (cur === null) continue;
        if (cur === undefined) map.set(k, (cur = new Set<string>()));
        // Too many literals make the prefilter slower than none (docs/intel.md "Limits").
        if (lit === null || lit.length < 3 || cur.size >= MAX_PREFILTER_LITERALS) map.set(k, null);
        else cur.add(lit.toLowerCase());
      }
    };
    const web: RecordKind[] = ['iis', 'httpproxy'];
    const setOf = (sources: SourceRef[]): number => this.#sources.idOf(sources);
    for (const e of entries) {
      byType[e.type] = (byType[e.type] ?? 0) + 1;
      switch (e.type) {
        case 'md5':
        case 'sha1':
        case 'sha256':
        case 'sha512': {
          const g = this.#hash[e.type];
          g.add(g.index.add(e.value), e, setOf(e.sources));
          break;
        }
        case 'ipv4':
        case 'ipv6': {
          const c = parseCidr(e.value);
          if (!c) continue;
          const full = c.bytes.length * 8;
          if (c.prefix === full) {
            if (c.version === 4) this.#ip4.add(this.#ip4.index.add(v4Key(c.bytes)), e, setOf(e.sources));
            else this.#ip6.set(v6Key(c.bytes), e);
            addLit(web, c.version === 4 ? e.value : null);
          } else {
            (c.version === 4 ? this.#trie4 : this.#trie6).insert(c.bytes, c.prefix, e);
            if (c.version === 4) this.#ranges4++;
            else this.#ranges6++;
            addLit(web, null);
          }
          break;
        }
        case 'domain':
          this.#domain.set(e.value, e);
          this.#addDomainTail(e.value);
          addLit(web, e.value);
          break;
        case 'email':
          this.#email.set(e.value, e);
          this.#addDomainTail(e.value.slice(e.value.lastIndexOf('@') + 1));
          addLit(['httpproxy'], e.value);
          break;
        case 'url':
          this.#url.set(e.value, e);
          this.#urlPaths.add((e.value.slice(e.value.indexOf('/')).split('?')[0] ?? '').toLowerCase());
          addLit(web, longest([urlKeyHost(e.value), e.value.slice(e.value.indexOf('/'))]));
          break;
        case 'url-path':
          this.#urlPath.set(e.value, e);
          this.#urlPaths.add((e.value.split('?')[0] ?? e.value).toLowerCase());
          addLit(web, e.value.split('?')[0] ?? e.value);
          break;
        case 'useragent':
          this.#ua.set(e.value, e);
          this.#addAgent(e.value);
          addLit(web, longest(e.value.split(/[+ ]/)));
          break;
        case 'filename':
          this.#fileName.set(e.value, e);
          break;
        case 'filepath':
          this.#filePath.set(e.value, e);
          break;
        case 'filepath-regex':
        case 'filename-regex':
        case 'log-regex':
        case 'event-regex': {
          const r = toJsRegex(e.value, e.attrs?.flags ?? '');
          if (!r.ok) continue;
          e.regex = r.regex;
          if (e.attrs?.fpRegex) {
            const fp = toJsRegex(e.attrs.fpRegex);
            if (fp.ok) e.fp = fp.regex;
          }
          if (e.type === 'filepath-regex') this.#pathRegex.add(e, r.source);
          else if (e.type === 'filename-regex') this.#nameRegex.add(e, r.source);
          else if (e.type === 'event-regex') this.#events.push(e);
          else {
            const scopes = e.attrs?.scope?.length ? e.attrs.scope : LOG_KINDS;
            for (const s of scopes) {
              let idx = this.#logRegex.get(s);
              if (!idx) this.#logRegex.set(s, (idx = new RegexIndex()));
              idx.add(e, r.source);
            }
            const req = requiredLiterals(r.source);
            for (const s of scopes) for (const l of req ?? [null]) addLit([s], l, false);
          }
          break;
        }
        case 'log-substring': {
          const scopes = e.attrs?.scope?.length ? e.attrs.scope : LOG_KINDS;
          for (const s of scopes) {
            let idx = this.#logSub.get(s);
            if (!idx) this.#logSub.set(s, (idx = new SubstringIndex()));
            idx.add(e);
            addLit([s], e.value, false);
          }
          break;
        }
        case 'yara':
          yara.push(e);
          kept++;
          continue;
        case 'stix-pattern':
          kept++;
          continue;
      }
      active++;
    }
    for (const h of HASH_TYPES) this.#hash[h].index.build();
    this.#ip4.index.build();
    // Distinct keys only: the index keeps duplicates, and a long run of one key slows every probe near it.
    const hashSets = [
      [this.#uaHashes, this.#pending.ua],
      [this.#domainTails, this.#pending.tails],
      [this.#domainLabels, this.#pending.labels],
    ] as const;
    for (const [index, keys] of hashSets) {
      for (const k of keys) index.add(k);
      index.build();
      keys.clear();
    }
    for (const idx of this.#logSub.values()) idx.ac.build();
    for (const idx of this.#logRegex.values()) idx.ac.build();
    this.#pathRegex.ac.build();
    this.#nameRegex.ac.build();
    this.yaraRules = yara;
    this.hashes = new Set(HASH_TYPES.filter((h) => this.#hash[h].index.size > 0));
    const kinds = new Set<RecordKind>();
    const webCount = this.#ip4.index.size + this.#ip6.size + this.#ranges4 + this.#ranges6 + this.#domain.size + this.#url.size + this.#urlPath.size + this.#ua.size;
    if (webCount > 0) {
      kinds.add('iis');
      kinds.add('httpproxy');
    }
    if (this.#email.size > 0) kinds.add('httpproxy');
    if (this.hashes.size > 0 || this.#fileName.size + this.#filePath.size + this.#pathRegex.size + this.#nameRegex.size > 0) kinds.add('file');
    for (const s of [...this.#logSub.keys(), ...this.#logRegex.keys()]) kinds.add(s);
    if (this.#events.length > 0) kinds.add('event');
    this.kinds = kinds;
    this.#literals = new Map();
    for (const k of kinds) {
      const log = lits.get(k);
      const web = webLits.get(k);
      if (prefilter === 'off' || k === 'file' || k === 'event' || log === null) {
        this.#literals.set(k, null);
        continue;
      }
      const both = [...(log ?? []), ...(web ?? [])];
      if (prefilter === 'auto' && web !== null && both.length <= MAX_PREFILTER_LITERALS) {
        this.#literals.set(k, [...new Set(both)].sort());
      } else if ((k === 'iis' || k === 'httpproxy') && (log?.size ?? 0) <= MAX_PREFILTER_LITERALS) {
        // Too many values (or CIDR ranges) for literals: the parser asks the probe about the
        // web columns of each line instead, and the log substrings stay literals.
        this.#literals.set(k, [...(log ?? [])].sort());
        this.#probes.set(k, this.#columnProbe(k));
      } else this.#literals.set(k, null);
    }
    this.stats = {
      active,
      inactive,
      kept,
      byType,
      unfilteredRegexes: this.#pathRegex.always.length + this.#nameRegex.always.length + [...this.#logRegex.values()].reduce((n, i) => n + i.always.length, 0),
    };
  }

  #addAgent(key: string): void {
    const bytes = Buffer.from(key, 'utf8');
    this.#pending.ua.add(asciiAgentHash(bytes, 0, bytes.length, null) >>> 0);
    this.#uaLengths[Math.min(MAX_AGENT_LENGTH, bytes.length)] = 1;
  }

  #addDomainTail(domain: string): void {
    const labels = domain.toLowerCase().split('.');
    const hashes = labels.map((l) => {
      const bytes = Buffer.from(l, 'utf8');
      return lowerHash(bytes, 0, bytes.length);
    });
    if (hashes.length >= 2) this.#pending.tails.add(labelPair(hashes[hashes.length - 2]!, hashes[hashes.length - 1]!));
    else this.#pending.labels.add(hashes[0]!);
  }

  /** Prefilter literals for one record kind (null: every line must be read). */
  literals(kind: RecordKind): readonly string[] | null {
    return this.#literals.get(kind) ?? null;
  }

  /**
   * The column probe that stands beside the literals of an IIS or HttpProxy log (undefined when
   * the literals say everything): it reads the values the web matcher reads (client address,
   * user agent, URL stem, host, anchors) straight from the line's bytes and says whether any of
   * them could match, so a line none of whose values is listed is never parsed, whatever the
   * number of indicators. Exact in one direction only, like the literals: a value it passes may
   * still match nothing (an expired indicator, say).
   */
  columnProbe(kind: RecordKind): ColumnProbe | undefined {
    return this.#probes.get(kind);
  }

  #columnProbe(kind: 'iis' | 'httpproxy'): ColumnProbe {
    const c = WEB_COLUMNS[kind];
    const ips = this.#ip4.index.size + this.#ip6.size + this.#ranges4 + this.#ranges6 > 0;
    const wanted: [string, Role][] = [];
    if (ips) for (const f of c.ip) wanted.push([f, 'ip']);
    if (this.#ua.size > 0) wanted.push([c.ua, 'ua']);
    if (this.#urlPaths.size > 0) wanted.push([c.stem, 'stem']);
    if (ips || this.#domain.size > 0) wanted.push([c.host, 'host']);
    if (this.#email.size > 0 || this.#domain.size > 0) for (const f of c.anchors) wanted.push([f, 'anchor']);
    const roles = wanted.map(([, r]) => r);
    return {
      columns: wanted.map(([f]) => f),
      test: (k, buf, start, end) => start < end && this.#probeValue(roles[k] as Role, buf, start, end),
    };
  }

  /** Whether a web value (bytes of a UTF-8 line) could match, for the column probe. */
  #probeValue(role: Role, buf: Buffer, start: number, end: number): boolean {
    if (role === 'ip') {
      const n = ipv4At(buf, start, end);
      if (n >= 0) {
        // The common case, a plain dotted quad: no string, no allocation.
        if (this.#ip4.index.get(n) >= 0) return true;
        if (this.#ranges4 === 0) return false;
        const b = this.#v4;
        b[0] = n >>> 24;
        b[1] = (n >>> 16) & 255;
        b[2] = (n >>> 8) & 255;
        b[3] = n & 255;
        return this.#trie4.lookup(b).length > 0;
      }
    }
    if (role === 'ua') {
      // An ASCII agent is hashed as its key (trimmed, `+` for space, lower case) straight from
      // the bytes, when some listed agent has its length; anything else takes the road below.
      const h = asciiAgentHash(buf, start, end, this.#uaLengths);
      if (h === NO_SUCH_LENGTH) return false;
      if (h !== -1) return this.#uaHashes.get(h) >= 0;
    } else if (role === 'anchor') return this.#anchorMayMatch(buf, start, end);
    else if (role === 'host' && !mayBeAddress(buf, start, end) && isAscii(buf, start, end)) {
      // A host name (not an address): only its domain can match, and that by its last labels.
      return this.#domain.size > 0 && this.#hostNameMayMatch(buf, start, end);
    }
    // Anything else is read as the record will read it, once per distinct value.
    const memo = this.#probeMemo[role];
    const key = buf.toString('latin1', start, end);
    let hit = memo.get(key);
    if (hit === undefined) {
      hit = this.#valueMatches(role, buf.toString('utf8', start, end));
      remember(memo, key, hit);
    }
    return hit;
  }

  /**
   * Whether an anchor value (AnchorMailbox, BackEndCookie: often unique per line, so not worth
   * remembering) could name a listed domain or e-mail address. The matcher finds host names and
   * e-mail domains as runs of `[A-Za-z0-9.-]`; a listed domain matches such a name only if two
   * consecutive labels of the run are its last two labels (or one label its only one), so the
   * run's label pairs are hashed and looked up, no string made.
   */
  #anchorMayMatch(buf: Buffer, start: number, end: number): boolean {
    if (this.#domainLabels.size > 0) return this.#anyLabelMayMatch(buf, start, end);
    // Only the labels on either side of a dot can make a pair: find the dots, hash their labels.
    const tails = this.#domainTails;
    for (let d = start; d < end; d++) {
      if (buf[d] !== 46) continue;
      let a = d;
      while (a > start && LABEL_CHAR[buf[a - 1] as number] !== 0) a--;
      let b = d + 1;
      while (b < end && LABEL_CHAR[buf[b] as number] !== 0) b++;
      if (tails.get(labelPair(lowerHash(buf, a, d), lowerHash(buf, d + 1, b))) >= 0) return true;
    }
    return false;
  }

  /**
   * Whether an ASCII host name (a host header, perhaps with a port) could be a listed domain or
   * below one. The matcher compares the name's dot-separated suffixes with the domains, so a
   * listed domain matches only if its last two labels are the name's last two (or its only label
   * the name's last): one lookup.
   */
  #hostNameMayMatch(buf: Buffer, start: number, end: number): boolean {
    let e = end;
    let i = e;
    while (i > start && (buf[i - 1] as number) >= 48 && (buf[i - 1] as number) <= 57) i--;
    if (i < e && i > start && buf[i - 1] === 58) e = i - 1; // a port, as `:\d+$`
    if (e > start && buf[e - 1] === 46) e--; // one trailing dot
    let d = e;
    while (d > start && buf[d - 1] !== 46) d--;
    const last = lowerHash(buf, d, e);
    if (this.#domainLabels.get(last) >= 0) return true;
    if (d === start) return false; // one label
    let b = d - 1;
    while (b > start && buf[b - 1] !== 46) b--;
    return this.#domainTails.get(labelPair(lowerHash(buf, b, d - 1), last)) >= 0;
  }

  /** {@link #anchorMayMatch} when one-label domains are listed too: every label is looked up. */
  #anyLabelMayMatch(buf: Buffer, start: number, end: number): boolean {
    const tails = this.#domainTails;
    const singles = this.#domainLabels;
    let prev = -1; // hash of the previous label of the run, -1 at a run's start
    let a = start;
    for (let i = start; i <= end; i++) {
      const c = i < end ? (buf[i] as number) : 0;
      if (LABEL_CHAR[c] !== 0) continue;
      // The end of a label: at a dot the run goes on, anywhere else it ends.
      if (i > a || c === 46) {
        const label = lowerHash(buf, a, i);
        if (prev !== -1 && tails.get(labelPair(prev, label)) >= 0) return true;
        if (singles.get(label) >= 0) return true;
        prev = c === 46 ? label : -1;
      } else prev = -1;
      a = i + 1;
    }
    return false;
  }

  #valueMatches(role: MemoRole, v: string): boolean {
    let hit = false;
    const found = (): void => {
      hit = true;
    };
    switch (role) {
      case 'ip':
        this.#matchIps(v, '', found);
        break;
      case 'ua':
        hit = this.#ua.get(userAgentKey(v)) !== undefined;
        break;
      case 'stem':
        hit = this.#urlPaths.has(v.toLowerCase().replace(/\/{2,}/g, '/'));
        break;
      case 'host':
        hit = this.#hostMatches(v).length > 0;
        break;
    }
    return hit;
  }

  /** Every indicator the record matches, with the sources valid at the record's time. */
  matchRecord(record: LogRecord): Match[] {
    const out: Match[] = [];
    let at: number | null = null;
    const found = (entry: Entry, field: string, value: string): void => {
      if (at === null) {
        const t = record.time ? Date.parse(record.time) : NaN;
        at = Number.isNaN(t) ? this.now : t;
      }
      const when = at;
      const sources = entry.sources.filter((s) => s.validUntil === null || s.validUntil >= when);
      if (sources.length > 0 && !out.some((m) => m.entry.type === entry.type && m.entry.value === entry.value)) out.push({ entry, field, value, sources });
    };
    switch (record.kind) {
      case 'file':
        this.#matchFile(record, found);
        break;
      case 'iis':
        this.#matchWeb(record, found, WEB_COLUMNS.iis);
        this.#matchLogLine(record, 'iis', found);
        break;
      case 'httpproxy':
        this.#matchWeb(record, found, WEB_COLUMNS.httpproxy);
        this.#matchLogLine(record, 'httpproxy', found);
        break;
      case 'ecp':
      case 'oab':
        this.#matchLogLine(record, record.kind, found);
        break;
      case 'event':
        this.#matchEvent(record, found);
        break;
    }
    return out;
  }

  #matchFile(r: LogRecord, found: (e: Entry, f: string, v: string) => void): void {
    for (const h of this.hashes) {
      const field = h.toUpperCase();
      const v = r.get(field);
      if (v) {
        const g = this.#hash[h];
        const i = g.index.get(v);
        if (i >= 0) found(g.entry(i, this.#sources.sets), field, v);
      }
    }
    const name = r.get('Name');
    if (name) {
      if (this.#fileName.size > 0) {
        const e = this.#fileName.get(name.toLowerCase());
        if (e) found(e, 'Name', name);
      }
      if (this.#nameRegex.size > 0) this.#nameRegex.run(name, name.toLowerCase(), (e) => found(e, 'Name', name));
    }
    const path = r.get('Path');
    if (this.#filePath.size > 0) {
      for (const field of ['Path', 'CanonicalPath']) {
        const v = r.get(field);
        if (!v) continue;
        const key = normalizeWindowsPath(v);
        const e = key.ok ? this.#filePath.get(key.value) : undefined;
        if (e) found(e, field, v);
      }
    }
    if (path && this.#pathRegex.size > 0) this.#pathRegex.run(path, path.toLowerCase(), (e) => found(e, 'Path', path));
  }

  #matchWeb(r: LogRecord, found: (e: Entry, f: string, v: string) => void, columns: WebColumns): void {
    const { ip: ipFields, ua: uaField, stem: stemField, query: queryField, host: hostField, anchors: anchorFields } = columns;
    for (const f of ipFields) {
      const v = r.get(f);
      if (v) this.#matchIps(v, f, found);
    }
    if (this.#ua.size > 0) {
      const ua = r.get(uaField);
      if (ua) {
        let e = this.#uaHits.get(ua);
        if (e === undefined) {
          e = this.#ua.get(userAgentKey(ua)) ?? null;
          remember(this.#uaHits, ua, e);
        }
        if (e) found(e, uaField, ua);
      }
    }
    const stem = r.get(stemField);
    if (stem && (this.#urlPath.size > 0 || this.#url.size > 0)) {
      const query = r.get(queryField) ?? '';
      const path = stem.toLowerCase().replace(/\/{2,}/g, '/');
      const withQuery = query ? `${path}?${query.replace(/^\?/, '').toLowerCase()}` : path;
      if (this.#urlPath.size > 0) {
        const e = this.#urlPath.get(path) ?? (query ? this.#urlPath.get(withQuery) : undefined);
        if (e) found(e, stemField, stem);
      }
      const host = (r.get(hostField) ?? '').toLowerCase();
      if (host && this.#url.size > 0) {
        const h = host.replace(/:(80|443)$/, '');
        const e = this.#url.get(`${h}${path}`) ?? (query ? this.#url.get(`${h}${withQuery}`) : undefined);
        if (e) found(e, `${hostField}+${stemField}`, `${host}${stem}`);
      }
    }
    if (this.#domain.size > 0 || this.#ip4.index.size + this.#ip6.size + this.#ranges4 + this.#ranges6 > 0) {
      const host = r.get(hostField);
      if (host) for (const [e, v] of this.#hostMatches(host)) found(e, hostField, v);
    }
    for (const f of anchorFields) {
      if (this.#email.size === 0 && this.#domain.size === 0) break;
      const v = r.get(f);
      if (v) this.#matchAnchor(v, f, found);
    }
  }

  /** What a host header value (a name or an address, perhaps with a port) matches, with the value matched. */
  #hostMatches(host: string): readonly [Entry, string][] {
    // A server answers to a handful of host names all day: remember what each one gave.
    let hits = this.#hostHits.get(host);
    if (hits === undefined) {
      const list: [Entry, string][] = [];
      const bare = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
      if (parseIp(bare)) this.#matchIps(bare, '', (e, _f, v) => list.push([e, v]));
      else this.#matchDomain(bare, '', host, (e, _f, v) => list.push([e, v]));
      hits = list;
      remember(this.#hostHits, host, hits);
    }
    return hits;
  }

  /** E-mail addresses and host names in an anchor value (AnchorMailbox, BackEndCookie). */
  #matchAnchor(v: string, f: string, found: (e: Entry, f: string, v: string) => void): void {
    if (this.#email.size > 0 && v.includes('@')) {
      for (const m of v.matchAll(EMAIL_IN_TEXT)) {
        const e = this.#email.get(m[0].toLowerCase());
        if (e) found(e, f, v);
      }
    }
    if (this.#domain.size > 0) {
      // Anchors repeat (the same mailboxes and servers all day): remember what each one gave.
      let hosts = this.#anchorHosts.get(v);
      if (hosts === undefined) {
        hosts = [...v.matchAll(HOST_IN_TEXT)].map((m) => m[1]!);
        remember(this.#anchorHosts, v, hosts);
      }
      for (const h of hosts) this.#matchDomain(h, f, v, found);
    }
  }

  #matchIps(field: string, name: string, found: (e: Entry, f: string, v: string) => void): void {
    if (this.#ip4.index.size + this.#ip6.size + this.#ranges4 + this.#ranges6 === 0) return;
    const n = ipv4Number(field);
    if (n >= 0 && this.#ranges4 === 0) {
      // The common case (one plain IPv4 address, single-address indicators): no allocation.
      const i = this.#ip4.index.get(n);
      if (i >= 0) found(this.#ip4.entry(i, this.#sources.sets), name, field);
      return;
    }
    for (const ip of addressesInField(field)) {
      if (ip.version === 4) {
        const i = this.#ip4.index.get(v4Key(ip.bytes));
        if (i >= 0) found(this.#ip4.entry(i, this.#sources.sets), name, field);
        if (this.#ranges4 > 0) for (const e of this.#trie4.lookup(ip.bytes)) found(e, name, field);
      } else {
        const e = this.#ip6.get(v6Key(ip.bytes));
        if (e) found(e, name, field);
        if (this.#ranges6 > 0) for (const e of this.#trie6.lookup(ip.bytes)) found(e, name, field);
      }
    }
  }

  #matchDomain(host: string, field: string, raw: string, found: (e: Entry, f: string, v: string) => void): void {
    let hits = this.#domainHits.get(host);
    if (hits === undefined) {
      hits = [];
      let h = host.toLowerCase().replace(/\.$/, '');
      for (;;) {
        const e = this.#domain.get(h);
        if (e) hits.push(e);
        const dot = h.indexOf('.');
        if (dot < 0) break;
        h = h.slice(dot + 1);
      }
      remember(this.#domainHits, host, hits);
    }
    for (const e of hits) found(e, field, raw);
  }

  #matchLogLine(r: LogRecord, kind: LogScope, found: (e: Entry, f: string, v: string) => void): void {
    const sub = this.#logSub.get(kind);
    const rx = this.#logRegex.get(kind);
    if (!sub && !rx) return;
    const values = Object.values(r.fields());
    const line = kind === 'iis' ? values.map((v) => (v === '' ? '-' : v)).join(' ') : values.join(',');
    const lower = line.toLowerCase();
    sub?.run(line, lower, (e) => found(e, 'line', line));
    rx?.run(line, lower, (e) => found(e, 'line', line));
  }

  #matchEvent(r: LogRecord, found: (e: Entry, f: string, v: string) => void): void {
    if (this.#events.length === 0) return;
    const channel = (r.get('Channel') ?? '').toLowerCase();
    const id = r.get('EventID');
    for (const e of this.#events) {
      if (e.attrs?.channel && e.attrs.channel.toLowerCase() !== channel) continue;
      if (e.attrs?.eventId !== undefined && String(e.attrs.eventId) !== id) continue;
      const field = e.attrs?.field ?? 'Data';
      const v = r.get(field);
      if (v !== undefined && e.regex!.test(v)) found(e, field, v);
    }
  }
}

const MEMO_LIMIT = 8192;

/** Remembers a result; the table is emptied when full (attacker-chosen values cannot grow it). */
function remember<V>(m: Map<string, V>, k: string, v: V): void {
  if (m.size >= MEMO_LIMIT) m.clear();
  m.set(k, v);
}

/** Room for the longest dotted quad, `255.255.255.255`. */
const QUAD = new Uint8Array(15);

/** A plain dotted quad as an unsigned number, or -1 (no allocation; leading zeros refused). */
function ipv4Number(t: string): number {
  if (t.length > QUAD.length) return -1;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c > 57) return -1;
    QUAD[i] = c;
  }
  return ipv4At(QUAD, 0, t.length);
}

const LABEL_SEED = 0x811c9dc5;
const LABEL_PRIME = 0x01000193;

/** 1 for the bytes of a host name label as the matcher finds them in text (`[A-Za-z0-9-]`). */
const LABEL_CHAR = Uint8Array.from({ length: 256 }, (_, c) => (/[A-Za-z0-9-]/.test(String.fromCharCode(c)) ? 1 : 0));

/**
 * FNV-1a of `buf[start, end)` with ASCII letters lower-cased: of a domain's labels (lower case
 * already), of a host header's, and of the label runs of an anchor, so that all three agree.
 */
function lowerHash(buf: Uint8Array, start: number, end: number): number {
  let h = LABEL_SEED;
  for (let i = start; i < end; i++) {
    const c = buf[i] as number;
    h = Math.imul(h ^ (c >= 65 && c <= 90 ? c + 32 : c), LABEL_PRIME);
  }
  return h >>> 0;
}

/** One number for two consecutive labels (order matters). */
function labelPair(a: number, b: number): number {
  return (Math.imul(a, 0x9e3779b1) + b) >>> 0;
}

/** Agent key lengths are told apart up to this many bytes (longer ones share the last slot). */
const MAX_AGENT_LENGTH = 1024;
/** {@link asciiAgentHash}: no listed agent key has the trimmed agent's length. */
const NO_SUCH_LENGTH = -2;

/**
 * FNV-1a of `userAgentKey` of an ASCII agent (`buf[start, end)`), computed from the bytes; -1
 * when the agent holds a non-ASCII byte (its key then needs Unicode lower-casing and trimming);
 * {@link NO_SUCH_LENGTH} when `lengths` (by key length) has none of the trimmed agent's length.
 */
function asciiAgentHash(buf: Uint8Array, start: number, end: number, lengths: Uint8Array | null): number {
  while (start < end && isAsciiSpace(buf[start] as number)) start++;
  while (end > start && isAsciiSpace(buf[end - 1] as number)) end--;
  // A non-ASCII agent's key may be shorter or longer than its bytes: only ASCII is ruled out here.
  if (lengths !== null && lengths[Math.min(MAX_AGENT_LENGTH, end - start)] === 0 && isAscii(buf, start, end)) return NO_SUCH_LENGTH;
  let h = LABEL_SEED;
  for (let i = start; i < end; i++) {
    let c = buf[i] as number;
    if (c >= 0x80) return -1;
    if (c === 32) c = 43;
    else if (c >= 65 && c <= 90) c += 32;
    h = Math.imul(h ^ c, LABEL_PRIME);
  }
  return h >>> 0;
}

/**
 * False when `buf[start, end)` cannot be an IP address with or without a port or brackets: it
 * holds an ASCII letter past `f` and no bracket (addresses are digits, hex digits, dots, colons
 * and brackets, with perhaps blanks around them, which `parseIp` trims).
 */
function mayBeAddress(buf: Uint8Array, start: number, end: number): boolean {
  let letter = false;
  for (let i = start; i < end; i++) {
    const c = buf[i] as number;
    if (c === 91 || c === 93) return true;
    const l = c | 32;
    if (l >= 103 && l <= 122) letter = true;
  }
  return !letter;
}

function isAscii(buf: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if ((buf[i] as number) >= 0x80) return false;
  return true;
}

function isAsciiSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** A plain dotted quad in bytes `buf[start, end)` as an unsigned number, or -1 (leading zeros refused). */
function ipv4At(buf: Uint8Array, start: number, end: number): number {
  let value = 0;
  let part = 0;
  let digits = 0;
  let acc = 0;
  for (let i = start; i <= end; i++) {
    const c = i < end ? (buf[i] as number) : 46;
    if (c === 46) {
      if (digits === 0 || part > 3 || (digits > 1 && buf[i - digits] === 48)) return -1;
      value = value * 256 + acc;
      part++;
      acc = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      acc = acc * 10 + c - 48;
      if (++digits > 3 || acc > 255) return -1;
    } else return -1;
  }
  return part === 4 ? value : -1;
}

/** Above this many literals for one kind the prefilter is off (every line is read). */
export const MAX_PREFILTER_LITERALS = 2000;

const EMAIL_IN_TEXT = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g;
const HOST_IN_TEXT = /(?:^|[@~/\s:=;,])([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z][A-Za-z0-9-]*)/g;

function longest(parts: readonly string[]): string {
  return parts.reduce((a, b) => (b.length > a.length ? b : a), '');
}
