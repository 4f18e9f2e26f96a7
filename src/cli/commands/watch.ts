/**
 * @module `exhunt watch` (placeholder until src/watch lands).
 */
import type { Command } from 'commander';

export function registerWatch(_program: Command, _setExit: (code: number) => void): void {}
