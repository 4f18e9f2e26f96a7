/**
 * @module The engine contract over the YARA-X binding: in-process compile and scan, with the
 * externals declared before the rules and passed in full on every scan (the binding keeps
 * values set by an earlier scan otherwise).
 */
import type { EngineInfo, NativeBinding, NativeRules } from './loader.js';
import { isRecord } from './loader.js';
import type { Externals, RawMatch, ScanLimits, ScanSet, YaraEngine } from './engine.js';
import { EMPTY_EXTERNALS, YaraTimeoutError, parseYaraXMessage, toRawMatches } from './engine.js';
import { EXTERNALS } from './rule-class.js';

export function nativeEngine(binding: NativeBinding, info: EngineInfo): YaraEngine {
  return {
    info,
    check(unit) {
      const result = binding.validate(unit.text, { defineVariables: { ...EMPTY_EXTERNALS } });
      const errors = isRecord(result) && Array.isArray(result.errors) ? (result.errors as unknown[]) : [];
      return errors.map((e) => {
        const message = isRecord(e) && typeof e.message === 'string' ? e.message : String(e);
        const code = isRecord(e) && typeof e.code === 'string' ? e.code : 'error';
        return { ...parseYaraXMessage(message), code };
      });
    },
    build(units, limits) {
      const rules = binding.create();
      for (const name of EXTERNALS) rules.defineVariable(name, '');
      rules.addRuleSources(units.map((u) => ({ source: u.text, namespace: u.namespace })));
      return nativeSet(rules, limits);
    },
    ...(binding.deserialize ? { load: (blob: Buffer, limits: ScanLimits) => nativeSet(binding.deserialize?.(blob) ?? binding.create(), limits) } : {}),
    cacheId: `${info.detail}@${info.version}`,
  };
}

function nativeSet(rules: NativeRules, limits: ScanLimits): ScanSet {
  rules.setTimeout(limits.timeoutMs);
  rules.setMaxMatchesPerPattern(limits.maxMatchesPerPattern);
  const scan = (data: Buffer, externals: Externals): RawMatch[] => {
    try {
      return toRawMatches(rules.scan(data, { ...externals }));
    } catch (e) {
      if (e instanceof Error && /timed out/i.test(e.message)) throw new YaraTimeoutError('scan timed out');
      throw e;
    }
  };
  return {
    scan,
    scanPath: () => {
      throw new Error('the YARA-X engine scans bytes: read the file first');
    },
    scanEach: (items, externals, onError) =>
      items.map((b, i) => {
        try {
          return scan(b, externals);
        } catch (e) {
          onError(i, e);
          return [];
        }
      }),
    close: () => undefined,
    ...(typeof rules.serialize === 'function' ? { serialize: () => rules.serialize?.() ?? Buffer.alloc(0) } : {}),
  };
}

