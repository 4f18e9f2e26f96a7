/**
 * @module Exit codes (documented in the README):
 * 0: nothing at or above medium severity; 1: findings at or above medium; 2: usage error, an
 * input that could not be read, broken content, or a report that could not be written.
 * Findings win over input errors (1 rather than 2), because a partial scan that found a web
 * shell must not look like a tool failure to the script that runs it; the summary lists the
 * errors either way.
 */
export const EXIT_CLEAN = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_ERROR = 2;
