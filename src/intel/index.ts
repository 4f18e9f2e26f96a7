/**
 * @module exhunt intel: indicators from many sources (STIX 2.x, TAXII 2.1, MISP, CSV, text lists,
 * LOKI, CISA CHIRP, exhunt packs), normalised and merged in the store with their provenance,
 * compiled into detectors for every scan, and shared back as STIX, MISP or CSV. Re-exports only.
 *
 * Owns: formats (one folder each under formats/), normalisation, import reports, the matcher,
 * export and sightings, feeds. Does not own: the store (src/store), the scan (src/engine).
 */
export * from './model.js';
export { parseTlp, tlpLabel, tlpRank, stricterTlp, looserTlp, STIX_TLP1_MARKINGS, STIX_TLP2_MARKINGS } from './tlp.js';
export { normalizeValue, inferIndicator, typeFromName, refang } from './normalize/index.js';
export type { NormalizeResult } from './normalize/index.js';
export { FORMAT_NAMES, isFormatName, FormatError } from './formats/types.js';
export type { FormatName, FormatOptions, FormatReader, ImportDefaults, Emitter, SkipCode } from './formats/types.js';
export { detectFormat, READERS } from './formats/detect.js';
export { parsePattern, PatternError } from './formats/stix/pattern/parser.js';
export type { Observation, Comparison, ObjectPath } from './formats/stix/pattern/ast.js';
export { translatePattern } from './formats/stix/translate.js';
export { TaxiiClient, TaxiiError } from './formats/taxii/client.js';
export type { TaxiiCollection, TaxiiDiscovery, TaxiiPage, TaxiiOptions } from './formats/taxii/client.js';
export { importInput, importInputs, importText, ImportRun, DEFAULT_MAX_BYTES } from './import/import.js';
export type { ImportOptions } from './import/import.js';
export type { ImportReport, ReportEntry } from './import/collector.js';
export { FEED_KINDS, updateFeed, updateFeeds, validateFeed } from './feeds.js';
export type { FeedUpdateOptions } from './feeds.js';
export { httpRequest, HttpError } from './http/http.js';
export type { HttpOptions, HttpAuth } from './http/http.js';
export { IntelMatcher, IntelMatcherBuilder, MAX_PREFILTER_LITERALS } from './match/matcher.js';
export type { CompileOptions, CompileStats, Entry, Match, SourceRef } from './match/matcher.js';
export { IndicatorDetector, hitFor } from './match/detector.js';
export { gradeOf } from './match/severity.js';
export { loadIntel, loadBundledIndicators } from './load.js';
export type { IntelSet, LoadIntelOptions } from './load.js';
export { MemorySession } from './memory.js';
export {
  exportIndicators,
  parseFindings,
  sightingsBundle,
  shareable,
  stixIndicator,
  stixPattern,
  indicatorStixId,
} from './export/index.js';
export type { ExportFormat, ExportOptions, ExportResult, FindingLike, SightingOptions, SightingsResult, Shareable, ShareOptions } from './export/index.js';
export { packSchema, parsePack } from './formats/pack/pack.js';
export type { IndicatorPack } from './formats/pack/pack.js';
