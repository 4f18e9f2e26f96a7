/**
 * @module Deterministic order of findings: by input, file path, line (whole-file findings first),
 * then rule id. Two scans of the same input print the same report.
 */
import type { Finding } from '../core/finding.js';

export function compareFindings(a: Finding, b: Finding): number {
  return (
    cmp(a.host, b.host) ||
    cmp(a.input, b.input) ||
    cmp(a.source.path, b.source.path) ||
    (a.source.line ?? 0) - (b.source.line ?? 0) ||
    (a.source.recordId ?? 0) - (b.source.recordId ?? 0) ||
    cmp(a.ruleId, b.ruleId)
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
