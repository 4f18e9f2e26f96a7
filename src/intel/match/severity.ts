/**
 * @module How bad an indicator hit is (documented in docs/intel.md "Severity").
 *
 * The base comes from the type: a known file hash or a published web-shell path is proof of a
 * planted file (`compromised`); an address, user agent, URL or log string says someone tried
 * (`attempted`). The sources' confidence then moves it one step: below 30 one step down (not
 * below `low`), 90 or more one step up (not above `critical`). LOKI filename regexes take their
 * base from the LOKI score instead.
 */
import type { Outcome, Severity, Stage } from '../../core/severity.js';
import { SEVERITIES } from '../../core/severity.js';
import type { IndicatorAttrs, IndicatorType } from '../model.js';

export interface Grade {
  readonly severity: Severity;
  readonly outcome: Outcome;
  readonly stage: Stage;
  readonly title: string;
  readonly attack: readonly string[];
}

const BASE: Readonly<Record<IndicatorType, Grade>> = {
  md5: { severity: 'critical', outcome: 'compromised', stage: 'persistence', title: 'File hash (MD5) listed by threat intelligence', attack: ['T1505.003'] },
  sha1: { severity: 'critical', outcome: 'compromised', stage: 'persistence', title: 'File hash (SHA-1) listed by threat intelligence', attack: ['T1505.003'] },
  sha256: { severity: 'critical', outcome: 'compromised', stage: 'persistence', title: 'File hash (SHA-256) listed by threat intelligence', attack: ['T1505.003'] },
  sha512: { severity: 'critical', outcome: 'compromised', stage: 'persistence', title: 'File hash (SHA-512) listed by threat intelligence', attack: ['T1505.003'] },
  filepath: { severity: 'critical', outcome: 'compromised', stage: 'persistence', title: 'File at a path listed by threat intelligence', attack: ['T1505.003'] },
  'filepath-regex': { severity: 'high', outcome: 'attempted', stage: 'persistence', title: 'File path matches a threat-intelligence pattern', attack: [] },
  filename: { severity: 'medium', outcome: 'attempted', stage: 'persistence', title: 'File name listed by threat intelligence', attack: [] },
  'filename-regex': { severity: 'medium', outcome: 'attempted', stage: 'persistence', title: 'File name matches a threat-intelligence pattern', attack: [] },
  ipv4: { severity: 'high', outcome: 'attempted', stage: 'initial-access', title: 'Request from an address listed by threat intelligence', attack: ['T1190'] },
  ipv6: { severity: 'high', outcome: 'attempted', stage: 'initial-access', title: 'Request from an address listed by threat intelligence', attack: ['T1190'] },
  domain: { severity: 'medium', outcome: 'attempted', stage: 'initial-access', title: 'Domain listed by threat intelligence', attack: [] },
  url: { severity: 'high', outcome: 'attempted', stage: 'initial-access', title: 'URL listed by threat intelligence', attack: ['T1190'] },
  'url-path': { severity: 'high', outcome: 'attempted', stage: 'initial-access', title: 'Request to a URL path listed by threat intelligence', attack: ['T1190'] },
  useragent: { severity: 'medium', outcome: 'attempted', stage: 'initial-access', title: 'User agent listed by threat intelligence', attack: ['T1190'] },
  email: { severity: 'medium', outcome: 'attempted', stage: 'initial-access', title: 'Mailbox or address listed by threat intelligence', attack: [] },
  'log-substring': { severity: 'high', outcome: 'attempted', stage: 'exploitation', title: 'Log line with a string listed by threat intelligence', attack: ['T1190'] },
  'log-regex': { severity: 'high', outcome: 'attempted', stage: 'exploitation', title: 'Log line matches a threat-intelligence pattern', attack: ['T1190'] },
  'event-regex': { severity: 'high', outcome: 'attempted', stage: 'exploitation', title: 'Event matches a threat-intelligence pattern', attack: [] },
  yara: { severity: 'high', outcome: 'compromised', stage: 'persistence', title: 'YARA rule from threat intelligence', attack: [] },
  'stix-pattern': { severity: 'medium', outcome: 'attempted', stage: 'exploitation', title: 'STIX pattern from threat intelligence', attack: [] },
};

function step(s: Severity, by: number, floor: Severity = 'low'): Severity {
  const i = Math.min(SEVERITIES.length - 1, Math.max(SEVERITIES.indexOf(floor), SEVERITIES.indexOf(s) + by));
  return SEVERITIES[i]!;
}

/** The grade of a hit on `type` whose sources' highest confidence is `confidence` (null: unknown). */
export function gradeOf(type: IndicatorType, attrs: IndicatorAttrs | null, confidence: number | null): Grade {
  const base = BASE[type];
  let severity = base.severity;
  if (type === 'filepath-regex' && typeof attrs?.score === 'number') {
    // The LOKI score is the confidence of such entries: it sets the grade, once.
    return { ...base, severity: attrs.score >= 80 ? 'high' : attrs.score >= 60 ? 'medium' : 'low' };
  }
  if (confidence !== null) {
    if (confidence < 30) severity = step(severity, -1);
    else if (confidence >= 90) severity = step(severity, 1);
  }
  return { ...base, severity };
}
