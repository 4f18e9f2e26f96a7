/**
 * @module Locates the installed package, so built-in content is found the same way from
 * sources run directly, from dist/, and from a global install.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/** The folder holding exhunt's package.json. */
export function packageRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      const parsed: unknown = JSON.parse(readFileSync(pj, 'utf8'));
      if (typeof parsed === 'object' && parsed !== null && (parsed as { name?: unknown }).name === 'exhunt') {
        cached = dir;
        return dir;
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error('exhunt: cannot locate the package root (package.json named "exhunt")');
    dir = up;
  }
}

/** The built-in content folder (`content/` in the package). */
export function builtinContentDir(): string {
  return join(packageRoot(), 'content');
}

/** exhunt's version from package.json. */
export function exhuntVersion(): string {
  const parsed = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: unknown };
  return typeof parsed.version === 'string' ? parsed.version : '0.0.0';
}
