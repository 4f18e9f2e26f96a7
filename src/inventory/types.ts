/**
 * @module The inventory's data model: what an input says about a server (Observation), what
 * the posture checks found (PostureReport), and what exhunt concludes (ServerReport). The JSON
 * Lines output is a direct serialisation of ServerReport (see docs/inventory.md).
 */
import type { Build } from './build.js';

export const INVENTORY_SCHEMA_VERSION = 1;

/**
 * How sure the build is:
 * - `exact`: the full build with its SU revision (ExSetup.exe's version, FileVersionInfo, a
 *   four-part build string, the exporttool manifest or X-OWA-Version of a probe);
 * - `cu-only`: only the CU is known (AdminDisplayVersion, a three-part build from an OWA path);
 * - `inferred-from-logs`: from the `#Version:` headers and build columns of Exchange logs;
 * - `unknown`: no build, or one not in the build table.
 */
export const CONFIDENCES = ['exact', 'cu-only', 'inferred-from-logs', 'unknown'] as const;
export type Confidence = (typeof CONFIDENCES)[number];

/** Worst first: the order families and CVEs are summed up in. */
export const STATUSES = ['open', 'unknown', 'mitigated', 'likely-fixed', 'fixed', 'not-affected'] as const;
export type Status = (typeof STATUSES)[number];

export interface Evidence {
  /** File (relative to the input), URL or `argument`. */
  readonly source: string;
  readonly line?: number;
  /** What was read there, e.g. `FileVersion 15.01.2176.009`. */
  readonly detail: string;
}

/** A build seen in logs, with when it was first and last seen (ISO 8601 UTC). */
export interface BuildSighting {
  readonly build: string;
  readonly firstSeen: string | null;
  readonly lastSeen: string | null;
  readonly files: number;
  /** Where it was read: `HttpProxy #Version`, `HttpProxy build columns`, `ECP S:BLD`... */
  readonly how: readonly string[];
}

export interface Observation {
  readonly host: string;
  /** The command-line argument it came from. */
  readonly input: string;
  readonly build: Build | null;
  readonly confidence: Confidence;
  /** How the build was read, e.g. `exsetup-version-resource`, `admin-display-version`, `probe-exporttool`. */
  readonly method: string;
  readonly evidence: readonly Evidence[];
  readonly history: readonly BuildSighting[];
  readonly posture: PostureReport | null;
  readonly notes: readonly string[];
}

export type PostureState = 'present' | 'absent' | 'partial' | 'unknown';

export interface PostureItem {
  /** Stable id, e.g. `eomt-cve-2021-26855`, `extended-protection`, `emergency-mitigation-service`. */
  readonly id: string;
  readonly title: string;
  readonly state: PostureState;
  /** `good` when the state is what a defender wants, `bad`, or `info`. */
  readonly verdict: 'good' | 'bad' | 'info';
  readonly detail: string;
  /** File (relative to the input) and the setting it came from. */
  readonly evidence: readonly Evidence[];
}

export interface PostureReport {
  readonly items: readonly PostureItem[];
}

export interface CveResult {
  readonly id: string;
  readonly status: Status;
  readonly reason: string;
  /** The build that fixes it on this server's line, when there is one. */
  readonly fixedIn: string | null;
  readonly kb: string | null;
}

export interface FamilyResult {
  readonly id: string;
  readonly name: string;
  /** Label for tables (`ProxyLogon`, `Jul-2021`). */
  readonly short: string;
  readonly exploited: boolean;
  readonly status: Status;
  readonly cves: readonly CveResult[];
  /** CVEs still open (status `open`). */
  readonly open: readonly string[];
  /** What to install or do, in one sentence; '' when nothing is needed. */
  readonly action: string;
  readonly kbs: readonly string[];
  /** Temporary mitigations found in place (they do not fix the family). */
  readonly mitigations: readonly string[];
}

export interface ConflictNote {
  readonly id: string;
  readonly about: string;
  readonly values: readonly { readonly source: string; readonly says: string }[];
  readonly resolution: string;
}

export const SUPPORT_STATUSES = ['supported', 'cu-out-of-support', 'esu', 'end-of-life', 'unknown'] as const;
export type SupportStatus = (typeof SUPPORT_STATUSES)[number];

export interface SupportInfo {
  readonly status: SupportStatus;
  readonly endOfSupport: string | null;
  readonly esuUntil: string | null;
  readonly note: string;
}

export interface ServerReport {
  readonly schemaVersion: typeof INVENTORY_SCHEMA_VERSION;
  readonly host: string;
  readonly input: string;
  readonly build: string | null;
  readonly buildLong: string | null;
  readonly product: string | null;
  readonly cu: string | null;
  /** Update name (Mar21SU, Apr24HU, RU32), `CU` for the CU release itself, or null when it cannot be told. */
  readonly su: string | null;
  readonly suNote: string;
  readonly released: string | null;
  readonly confidence: Confidence;
  readonly method: string;
  readonly support: SupportInfo;
  /** CVE ids still open, over every family. */
  readonly open: readonly string[];
  readonly openFamilies: readonly string[];
  readonly unknownFamilies: readonly string[];
  /** What to install (KB ids, or a CU to upgrade to), over every open family. */
  readonly kbs: readonly string[];
  readonly families: readonly FamilyResult[];
  readonly conflicts: readonly ConflictNote[];
  readonly evidence: readonly Evidence[];
  readonly history: readonly BuildSighting[];
  readonly posture: readonly PostureItem[];
  readonly notes: readonly string[];
}
