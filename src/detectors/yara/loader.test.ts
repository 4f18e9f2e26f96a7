// The loader: which binding package a platform needs, loading it here, and the fallback order.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bindingPackage, engineInfo, enginePreference, formatEngineInfo, loadBinding } from './loader.js';
import { requireBinding } from './testutil.js';

test('binding package names per platform, architecture and C library', () => {
  assert.equal(bindingPackage('linux', 'x64', false), '@litko/yara-x-linux-x64-gnu');
  assert.equal(bindingPackage('linux', 'x64', true), '@litko/yara-x-linux-x64-musl');
  assert.equal(bindingPackage('linux', 'arm64', false), '@litko/yara-x-linux-arm64-gnu');
  assert.equal(bindingPackage('win32', 'x64', false), '@litko/yara-x-win32-x64-msvc');
  assert.equal(bindingPackage('darwin', 'arm64', false), '@litko/yara-x-darwin-arm64');
  assert.equal(bindingPackage('freebsd', 'x64', false), null);
  assert.equal(bindingPackage('win32', 'ia32', false), null);
});

test('the binding loads here and engineInfo names it with its version', (t) => {
  if (!requireBinding(t)) return;
  const { info } = loadBinding();
  assert.equal(info.kind, 'yara-x');
  assert.match(info.version, /^\d+\.\d+\.\d+$/);
  assert.equal(engineInfo('auto').kind, 'yara-x');
  assert.match(formatEngineInfo(engineInfo('auto')), /^yara-x \d+\.\d+\.\d+ \(@litko\/yara-x-/);
});

test('EXHUNT_YARA_ENGINE chooses the engine; anything else means auto', () => {
  assert.equal(enginePreference({ EXHUNT_YARA_ENGINE: 'yara' }), 'yara');
  assert.equal(enginePreference({ EXHUNT_YARA_ENGINE: 'yara-x' }), 'yara-x');
  assert.equal(enginePreference({ EXHUNT_YARA_ENGINE: 'libyara' }), 'auto');
  assert.equal(enginePreference({}), 'auto');
  assert.equal(formatEngineInfo({ kind: 'none', version: '', detail: 'no yara command on PATH' }), 'none (no yara command on PATH)');
});
