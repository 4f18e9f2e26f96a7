/**
 * @module Which indicators and which of their sources may leave exhunt, by TLP.
 *
 * A source's statement is shared when its TLP is at most the allowed level (default
 * `amber+strict`: everything but TLP:RED; `--include-red` allows RED); statements without a TLP
 * are shared (mark them on import with `--tlp` if they are not public). An indicator goes out with
 * the sources that may be shared, and only when at least one may: a value that one source
 * published as TLP:CLEAR is not secret because another source also holds it as TLP:RED, but that
 * other source is not named. The indicator's marking is the least restrictive known TLP of the
 * sources named, because each of them allows sharing it on those terms (none when none is known).
 */
import type { Indicator, Provenance, Tlp } from '../model.js';
import { looserTlp, tlpRank } from '../tlp.js';

export interface ShareOptions {
  /** Highest TLP shared; default `amber+strict`. */
  readonly maxTlp?: Tlp;
  /** Allow TLP:RED (same as maxTlp `red`). */
  readonly includeRed?: boolean;
}

export interface Shareable {
  readonly indicator: Indicator;
  readonly sources: readonly Provenance[];
  readonly tlp: Tlp | null;
}

export function shareable(ind: Indicator, options: ShareOptions = {}): Shareable | null {
  const max: Tlp = options.includeRed ? 'red' : (options.maxTlp ?? 'amber+strict');
  const sources = ind.provenance.filter((p) => p.tlp === null || tlpRank(p.tlp) <= tlpRank(max));
  if (sources.length === 0) return null;
  let tlp: Tlp | null = null;
  for (const s of sources) tlp = s.tlp === null ? tlp : looserTlp(tlp, s.tlp);
  return { indicator: ind, sources, tlp };
}
