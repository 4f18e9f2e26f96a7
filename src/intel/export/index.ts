/**
 * @module Sharing: STIX 2.1, MISP and CSV export of stored indicators (TLP-filtered), and STIX
 * sightings plus newly found indicators from a scan's findings.
 */
import type { Store } from '../../store/index.js';
import type { Indicator, IndicatorType } from '../model.js';
import { csvHeader, csvRows, toMispEvent } from './misp-csv.js';
import type { Shareable, ShareOptions } from './select.js';
import { shareable } from './select.js';
import { bundle, stixIndicator } from './stix.js';

export { shareable } from './select.js';
export type { Shareable, ShareOptions } from './select.js';
export { bundle, stixIndicator, stixPattern, stixString, tlpMarking, EXHUNT_IDENTITY_ID } from './stix.js';
export type { StixObject } from './stix.js';
export { toMispEvent, csvHeader, csvRows, CSV_HEADER } from './misp-csv.js';
export { parseFindings, sightingsBundle } from './sightings.js';
export type { FindingLike, SightingOptions, SightingsResult } from './sightings.js';
export { indicatorStixId, uuidv5 } from './ids.js';

export type ExportFormat = 'stix' | 'misp' | 'csv';

export interface ExportOptions extends ShareOptions {
  readonly types?: readonly IndicatorType[];
  readonly source?: string;
}

export interface ExportResult {
  readonly text: string;
  readonly exported: number;
  /** Indicators left out because none of their sources may be shared at this TLP. */
  readonly withheld: number;
}

/** Exports the store's indicators (plus `extra`, e.g. the bundled pack) in one format. */
export async function exportIndicators(store: Store | null, format: ExportFormat, options: ExportOptions = {}, extra: readonly Indicator[] = []): Promise<ExportResult> {
  const items: Shareable[] = [];
  let withheld = 0;
  const take = (ind: Indicator): void => {
    if (options.types && !options.types.includes(ind.type)) return;
    if (options.source && !ind.provenance.some((p) => p.source === options.source)) return;
    const s = shareable(options.source ? { ...ind, provenance: ind.provenance.filter((p) => p.source === options.source) } : ind, options);
    if (s) items.push(s);
    else withheld++;
  };
  if (store) await store.intel.forEach({ ...(options.types ? { types: options.types } : {}), ...(options.source ? { source: options.source } : {}) }, take);
  for (const i of extra) take(i);
  let text: string;
  switch (format) {
    case 'stix':
      text = `${JSON.stringify(bundle(items.map((s) => stixIndicator(s))), null, 2)}\n`;
      break;
    case 'misp':
      text = `${JSON.stringify(toMispEvent(items), null, 2)}\n`;
      break;
    case 'csv':
      text = csvHeader() + items.map(csvRows).join('');
      break;
  }
  return { text, exported: items.length, withheld };
}
