/** @module Exchange CSV logs: the generic reader and the HttpProxy parser. Re-exports only. */
export { exchangeCsvParser, parseHttpProxy } from './exchange-csv-parser.js';
export type { ExchangeCsvLayout } from './exchange-csv-parser.js';
export { splitCsv, looksLikeCsvHeader } from './csv.js';
export { ExchangeCsvHeader } from './header.js';
