/**
 * @module Exchange build numbers: parsing the forms they are written in (`15.1.2176.9`,
 * `15.01.2176.009`, `Version 15.1 (Build 2176.2)`, a three-part `15.1.2176` from an OWA path),
 * formatting them back, and ordering them numerically.
 *
 * A build without its fourth part (`revision: null`) names a CU line only: it cannot tell
 * `15.1.2176.2` (vulnerable to ProxyLogon) from `15.1.2176.9` (fixed).
 */

export interface Build {
  readonly major: number;
  readonly minor: number;
  readonly build: number;
  /** Fourth part; null when the source gave only three parts. */
  readonly revision: number | null;
}

const FULL = /^\s*v?(\d{1,2})\.(\d{1,2})\.(\d{1,5})(?:\.(\d{1,5}))?\s*$/i;
const ADMIN_DISPLAY = /Version\s+(\d{1,2})\.(\d{1,2})\s*\(\s*Build\s+(\d{1,5})\.(\d{1,5})\s*\)/i;

function plausible(b: Build): boolean {
  // Exchange 2007 is 8.x, 2010 is 14.x, 2013 and later 15.x; anything else is not an Exchange build.
  return (b.major === 8 || b.major === 14 || b.major === 15) && b.minor <= 9;
}

/**
 * Parses `15.1.2176.9`, `15.01.2176.009`, `15.1.2176` (three parts: CU line only) and the
 * AdminDisplayVersion form `Version 15.1 (Build 2176.2)`. Returns null for anything else,
 * including numbers that are not Exchange builds (`1.0`, `10.0.17763.1`).
 */
export function parseBuild(text: string): Build | null {
  const m = FULL.exec(text);
  if (m) {
    const b: Build = { major: Number(m[1]), minor: Number(m[2]), build: Number(m[3]), revision: m[4] === undefined ? null : Number(m[4]) };
    return plausible(b) ? b : null;
  }
  const a = ADMIN_DISPLAY.exec(text);
  if (a) {
    const b: Build = { major: Number(a[1]), minor: Number(a[2]), build: Number(a[3]), revision: Number(a[4]) };
    return plausible(b) ? b : null;
  }
  return null;
}

/** Finds the first build-looking token in free text (`15.01.2176.009`), or null. */
export function findBuild(text: string): Build | null {
  const re = /(?<![\d.])(\d{1,2}\.\d{1,2}\.\d{1,5}\.\d{1,5})(?![\d.])/g;
  for (const m of text.matchAll(re)) {
    const b = parseBuild(m[1] ?? '');
    if (b) return b;
  }
  return null;
}

/** `15.1.2176.9` (or `15.1.2176` without revision). */
export function formatShort(b: Build): string {
  return `${b.major}.${b.minor}.${b.build}${b.revision === null ? '' : `.${b.revision}`}`;
}

/** `15.01.2176.009` (or `15.01.2176` without revision). */
export function formatLong(b: Build): string {
  const head = `${b.major}.${String(b.minor).padStart(2, '0')}.${String(b.build).padStart(4, '0')}`;
  return b.revision === null ? head : `${head}.${String(b.revision).padStart(3, '0')}`;
}

/** Key of the CU line a build belongs to: `15.1.2176`. */
export function lineKey(b: Build): string {
  return `${b.major}.${b.minor}.${b.build}`;
}

/** Key of the version group (major.minor) builds are ordered within: `15.2` holds 2019 and SE. */
export function groupKey(b: Build): string {
  return `${b.major}.${b.minor}`;
}

/**
 * Numeric order. A missing revision counts as 0, i.e. as the lowest build of its line, which is
 * the safe reading of a CU-only build (the real build is at least that).
 */
export function compareBuilds(a: Build, b: Build): number {
  return a.major - b.major || a.minor - b.minor || a.build - b.build || (a.revision ?? 0) - (b.revision ?? 0);
}

export function sameBuild(a: Build, b: Build): boolean {
  return compareBuilds(a, b) === 0 && (a.revision === null) === (b.revision === null);
}

const fullCache = new Map<string, Build>();

/** Parses a build that must have four parts (content files); throws on anything else. Memoised. */
export function mustParseFull(text: string): Build {
  const hit = fullCache.get(text);
  if (hit) return hit;
  const b = parseBuild(text);
  if (b === null || b.revision === null) throw new Error(`not a four-part Exchange build: ${text}`);
  if (fullCache.size < 10_000) fullCache.set(text, b);
  return b;
}
