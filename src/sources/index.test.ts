import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { detectLogKind, parsers } from './index.js';
import { bytesInput, fixturePath, parseAll } from './testutil.js';

describe('parsers registry', () => {
  it('maps every line-based kind to a parser that produces records of that kind', async () => {
    const files = {
      iis: 'iis-w3c-synthetic.log',
      httpproxy: 'httpproxy-ecp-synthetic.log',
      ecp: 'ecp-server-synthetic.log',
      oab: 'oab-generator-synthetic.log',
    } as const;
    assert.deepEqual(Object.keys(parsers).sort(), Object.keys(files).sort());
    for (const [kind, file] of Object.entries(files)) {
      const bytes = readFileSync(fixturePath(file));
      const detected = detectLogKind(bytes);
      assert.equal(detected, kind);
      const { records, diagnostics } = await parseAll(parsers[kind as keyof typeof files], bytesInput(file, bytes));
      assert.deepEqual(diagnostics, [], file);
      assert.ok(records.length >= 3, file);
      assert.ok(
        records.every((r) => r.kind === kind && r.origin.kind === kind && r.origin.path === file),
        file,
      );
    }
  });
});
