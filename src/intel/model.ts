/**
 * @module The data model of threat intelligence in exhunt: indicator types, TLP, provenance.
 *
 * One indicator is a `(type, value)` pair whose value is the normalised match key (see
 * `normalize/`). Many sources may list it; each source keeps its own provenance (first/last
 * seen, confidence, TLP, tags, validity, revocation), and a source may list the same indicator
 * under several references (a STIX indicator id, a MISP attribute uuid, a line of a list).
 * Nothing here does I/O: the store and the importers share these types.
 */

/**
 * Indicator types. The string is stable: it is stored, exported and part of rule ids
 * (`intel.<type>`).
 */
export const INDICATOR_TYPES = [
  'md5',
  'sha1',
  'sha256',
  'sha512',
  'ipv4',
  'ipv6',
  'domain',
  'url',
  'url-path',
  'useragent',
  'email',
  'filename',
  'filepath',
  'filename-regex',
  'filepath-regex',
  'log-substring',
  'log-regex',
  'event-regex',
  'yara',
  'stix-pattern',
] as const;
export type IndicatorType = (typeof INDICATOR_TYPES)[number];

export function isIndicatorType(s: string): s is IndicatorType {
  return (INDICATOR_TYPES as readonly string[]).includes(s);
}

export const HASH_TYPES = ['md5', 'sha1', 'sha256', 'sha512'] as const;
export type HashType = (typeof HASH_TYPES)[number];

/**
 * Types that exhunt keeps, lists and exports but does not evaluate itself: YARA rules (handed to
 * the YARA engine through `IntelSet.yaraRules`) and STIX patterns that cannot be reduced to
 * atomic indicators (kept so that nothing a source said is silently dropped).
 */
export const KEPT_ONLY_TYPES: ReadonlySet<IndicatorType> = new Set(['yara', 'stix-pattern']);

/** Traffic Light Protocol 2.0 levels, least restrictive first (TLP 1.0 WHITE is read as CLEAR). */
export const TLP_LEVELS = ['clear', 'green', 'amber', 'amber+strict', 'red'] as const;
export type Tlp = (typeof TLP_LEVELS)[number];

/** Record kinds a log-scoped indicator (`log-substring`, `log-regex`) applies to. */
export const LOG_SCOPES = ['iis', 'httpproxy', 'ecp', 'oab'] as const;
export type LogScope = (typeof LOG_SCOPES)[number];

/** Extra, type-specific facts of an indicator; part of its identity only through `value`. */
export interface IndicatorAttrs {
  /** LOKI score (0-100) of a filename regex. */
  readonly score?: number;
  /** LOKI false-positive regex: a path that matches it is not a hit. */
  readonly fpRegex?: string;
  /** Regex flags (`i`) for the `*-regex` types. */
  readonly flags?: string;
  /** Log kinds a `log-substring`/`log-regex` applies to. */
  readonly scope?: readonly LogScope[];
  /** For `event-regex`: the event channel (case-insensitive) and optional event id. */
  readonly channel?: string;
  readonly eventId?: number;
  /** For `event-regex`: the event field the regex reads (default `Data`, all EventData values). */
  readonly field?: string;
  /** Why an indicator is kept but not evaluated (`stix-pattern`, `yara`). */
  readonly reason?: string;
  /** STIX pattern version or YARA target, informational. */
  readonly note?: string;
}

/** What one source says about one indicator under one reference. */
export interface ProvenanceInput {
  /** External reference within the source: STIX id, MISP uuid, `file:line`; '' for plain lists. */
  readonly ref: string;
  /** Version of the referenced object (STIX `modified`, MISP timestamp), ISO 8601, if any. */
  readonly version?: string | null;
  readonly firstSeen?: string | null;
  readonly lastSeen?: string | null;
  /** 0-100, or null when the source does not say. */
  readonly confidence?: number | null;
  readonly tlp?: Tlp | null;
  readonly tags?: readonly string[];
  readonly validFrom?: string | null;
  readonly validUntil?: string | null;
  readonly revoked?: boolean;
  readonly description?: string | null;
}

/** One normalised indicator as importers produce it, with its provenance for one source. */
export interface IndicatorInput {
  readonly type: IndicatorType;
  /** Normalised match key (unique with `type`). */
  readonly value: string;
  /** The value as the source spelled it (first spelling wins), for display and export. */
  readonly display: string;
  readonly attrs?: IndicatorAttrs | null;
  readonly provenance: ProvenanceInput;
}

/** A stored provenance row, as read back. */
export interface Provenance {
  readonly source: string;
  readonly ref: string;
  readonly version: string | null;
  readonly firstSeen: string | null;
  readonly lastSeen: string | null;
  readonly confidence: number | null;
  readonly tlp: Tlp | null;
  readonly tags: readonly string[];
  readonly validFrom: string | null;
  readonly validUntil: string | null;
  readonly revoked: boolean;
  readonly description: string | null;
  readonly importedAt: string;
}

/** A stored indicator with every source that lists it. */
export interface Indicator {
  readonly id: number;
  readonly type: IndicatorType;
  readonly value: string;
  readonly display: string;
  readonly attrs: IndicatorAttrs | null;
  readonly provenance: readonly Provenance[];
}

/** A named source (a feed, a vendor report, a list) in the store. */
export interface SourceInfo {
  readonly name: string;
  readonly kind: SourceKind;
  readonly url: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly indicators: number;
}

export const SOURCE_KINDS = ['file', 'url', 'taxii', 'misp', 'feed', 'bundled', 'exhunt'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

/** Where an imported item was found: file plus line, or file plus JSON path. */
export interface ItemLocation {
  readonly file: string;
  readonly line?: number;
  /** JSON path such as `$.objects[3].pattern`, or a YAML document index. */
  readonly path?: string;
}

export function formatLocation(at: ItemLocation): string {
  if (at.line !== undefined) return `${at.file}:${at.line}${at.path ? ` ${at.path}` : ''}`;
  return at.path ? `${at.file} ${at.path}` : at.file;
}

/** Whether a provenance still makes its indicator match at `timeMs` (ISO times compared as dates). */
export function provenanceActive(p: Pick<Provenance, 'revoked' | 'validUntil'>, timeMs: number): boolean {
  if (p.revoked) return false;
  if (p.validUntil === null) return true;
  const until = Date.parse(p.validUntil);
  return Number.isNaN(until) || until >= timeMs;
}
