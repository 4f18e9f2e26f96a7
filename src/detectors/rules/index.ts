/**
 * @module Rule detectors: exhunt's own content rules (content/rules) compiled into Detectors.
 * Owns matching only; loading and validating content files is src/content's job.
 */
export { RuleDetector, compileRules, MAX_EVIDENCE_CHARS } from './rule-detector.js';
export type { CompiledRules } from './rule-detector.js';
export { unionLiterals, conditionLiterals } from './literals.js';
export { likeToRegExp } from './wildcard.js';
