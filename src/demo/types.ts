/**
 * @module Demo types: the options `generateDemo` takes and the manifest it returns (and writes to
 * `<out>/DEMO-MANIFEST.json`). The manifest is the answer key of the fixture: every planted item
 * with the exact file and line, the rule key exhunt is expected to raise for it, and the decoys
 * that look suspicious but must not be flagged.
 */
import type { RecordKind } from '../core/origin.js';
import type { Severity } from '../core/severity.js';

/**
 * - `compromised`: every planted item (exploitation, web shells, dumps, staging archive);
 * - `attempted`: only the exploitation attempts (the items marked [A] in the manifest), with
 *   failing HTTP statuses in IIS;
 * - `clean`: benign traffic over the attack window, decoys only;
 * - `no-history`: benign traffic whose logs start 2021-06-01, after the attack window.
 */
export const DEMO_PROFILES = ['compromised', 'attempted', 'clean', 'no-history'] as const;
export type DemoProfile = (typeof DEMO_PROFILES)[number];

export function isDemoProfile(s: string): s is DemoProfile {
  return (DEMO_PROFILES as readonly string[]).includes(s);
}

export interface DemoOptions {
  /** Output folder; created when missing. */
  readonly out: string;
  readonly profile?: DemoProfile;
  /**
   * Approximate total bytes of the generated logs (benign noise plus headers; planted lines and
   * web files are a few kilobytes on top). Default 20 MB.
   */
  readonly sizeBytes?: number;
  /** Same seed, same options: byte-identical output. Default 2021. */
  readonly seed?: number | string;
  /** NetBIOS name of the Exchange server. Default `EXCH01` (domain `contoso.local`). */
  readonly host?: string;
  /** Write into a non-empty folder (a previous demo's `C/` tree is replaced). Default false. */
  readonly force?: boolean;
  /** Largest log file before rolling to the next one (`-2.LOG`, hourly IIS). Default 100 MB. */
  readonly maxFileBytes?: number;
  /**
   * Worker threads writing streams in parallel. Default (0): one per CPU up to 4 when the output
   * is 64 MB or more, otherwise none. Output is identical whatever the number.
   */
  readonly threads?: number;
}

/** Something planted that exhunt is expected to report. */
export interface PlantedItem {
  /** Stable id, e.g. `httpproxy-ecp-ssrf-proxylogon`. */
  readonly id: string;
  readonly description: string;
  /** Path relative to the output folder, `/` separators. */
  readonly path: string;
  /** 1-based line for log entries; null for whole files. */
  readonly line: number | null;
  readonly kind: RecordKind;
  /** Short key of the detection expected to fire, e.g. `ssrf-anchor`, `file-chopper`. */
  readonly expectRule: string;
  readonly expectedSeverityAtLeast: Severity;
  /** Time of the entry (ISO 8601 UTC), or the file's modification time. */
  readonly time: string;
  readonly cves: readonly string[];
  /** A literal that the line (or file) contains, to check the manifest against the fixture. */
  readonly match: string;
  /** True when the `attempted` profile gets this item too. */
  readonly inAttempted: boolean;
}

/** A line that resembles an indicator but is benign: exhunt must not report it. */
export interface DecoyItem {
  readonly id: string;
  readonly description: string;
  readonly path: string;
  readonly line: number;
  readonly kind: RecordKind;
  readonly match: string;
}

export interface StreamTotals {
  readonly files: number;
  readonly bytes: number;
  readonly lines: number;
  /** First and last entry time written (ISO 8601 UTC). */
  readonly oldest: string | null;
  readonly newest: string | null;
}

export interface DemoTotals {
  /** Every file written (logs, web files, planted files), not counting DEMO-MANIFEST.json. */
  readonly files: number;
  readonly bytes: number;
  readonly logFiles: number;
  readonly logBytes: number;
  readonly logLines: number;
  readonly planted: number;
  readonly decoys: number;
  /** Per log source, keyed by coverage label (`HttpProxy/Owa`, `IIS W3SVC1`, ...). */
  readonly byStream: Readonly<Record<string, StreamTotals>>;
}

export interface DemoManifest {
  readonly schemaVersion: 1;
  /** Always true: nothing in the folder comes from a real server. */
  readonly synthetic: true;
  readonly generator: string;
  readonly profile: DemoProfile;
  readonly seed: string;
  readonly sizeBytes: number;
  readonly host: string;
  readonly fqdn: string;
  readonly exchangeBuild: string;
  /** Windows install folder with a trailing backslash. */
  readonly exchangeInstall: string;
  /** Span of the Exchange logs (ISO 8601 UTC, end exclusive). IIS may hold a few later days. */
  readonly logRange: { readonly from: string; readonly to: string };
  readonly notes: readonly string[];
  readonly planted: readonly PlantedItem[];
  readonly decoys: readonly DecoyItem[];
  readonly totals: DemoTotals;
}
