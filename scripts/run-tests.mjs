#!/usr/bin/env node
// Runs every compiled test file (dist/**/*.test.js) with node's built-in test runner.
// Node 20's --test does not expand globs, so the list is built here. Extra arguments are passed
// through (e.g. `node scripts/run-tests.mjs --test-name-pattern=zip`). Set EXHUNT_TEST_FILTER to
// a substring of a test file path to run only matching files.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const filter = process.env.EXHUNT_TEST_FILTER ?? '';
const files = readdirSync(join(root, 'dist'), { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.test.js') && f.includes(filter))
  .map((f) => join(root, 'dist', f))
  .sort();
if (files.length === 0) {
  console.error('run-tests: no compiled test files under dist/ (run `npm run build` first)');
  process.exit(2);
}
// The tests never see the user's own store, indicators or caches: each run gets an empty home.
const home = mkdtempSync(join(tmpdir(), 'exhunt-test-home-'));
const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...process.argv.slice(2), ...files], {
  stdio: 'inherit',
  cwd: root,
  env: { ...process.env, EXHUNT_HOME: home },
});
rmSync(home, { recursive: true, force: true });
process.exit(result.status ?? 1);
