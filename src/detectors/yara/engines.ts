/**
 * @module Picks the engine for a run: the YARA-X binding when it loads, else the `yara` command.
 */
import { UsageError } from '../../core/errors.js';
import type { YaraEngine } from './engine.js';
import { commandEngine } from './engine-command.js';
import { nativeEngine } from './engine-native.js';
import type { EnginePreference } from './loader.js';
import { enginePreference, engineInfo, findYaraCommand, loadBinding } from './loader.js';

/**
 * The engine for this run: the YARA-X binding when it loads, else the `yara` command. Throws
 * UsageError when neither is available (or the one forced by EXHUNT_YARA_ENGINE is missing).
 */
export function openEngine(preference: EnginePreference = enginePreference()): YaraEngine {
  if (preference !== 'yara') {
    const { binding, info } = loadBinding();
    if (binding) return nativeEngine(binding, info);
  }
  if (preference !== 'yara-x') {
    const cmd = findYaraCommand();
    if (cmd) return commandEngine(cmd);
  }
  throw new UsageError(`no YARA engine: ${engineInfo(preference).detail}`);
}

