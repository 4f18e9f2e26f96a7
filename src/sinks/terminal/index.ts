/**
 * @module The terminal report sink. Re-exports only.
 */
export { terminalSink, type TerminalOptions } from './terminal.js';
export { formatReport, type ReportOptions } from './report.js';
