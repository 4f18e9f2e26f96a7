#!/usr/bin/env node
// Writes dist/src/content/builtin-content.json, the build-time cache of the built-in content pack
// (rules, indicator sets and Sigma pipelines parsed and validated once). Run after `tsc` by
// `npm run build`; a scan works without it (slower start), and ignores entries whose YAML changed
// since (src/content/cache.ts).
import { writeBuiltinContentCache } from '../dist/src/content/build-cache.js';

const r = await writeBuiltinContentCache();
for (const e of r.errors) process.stderr.write(`build-content-cache: not cached: ${e.message}\n`);
process.stdout.write(`build-content-cache: ${r.files} content files cached in ${r.file}\n`);
