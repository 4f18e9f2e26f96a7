/**
 * @module `exhunt intel`: import, subscribe, update, inspect, remove and share threat
 * intelligence. Options → library calls (src/intel, src/store) → exit code; no logic here.
 *
 * Exit codes: 0 done; 1 `intel search` found nothing; 2 usage error, or an input, feed or store
 * that could not be read or written (the report says which; the other inputs still imported).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { Option } from 'commander';
import { UsageError } from '../../core/errors.js';
import { escapeTerminal } from '../../sinks/index.js';
import type { FeedKind, FeedSpec, Store } from '../../store/index.js';
import { openStore, resolveStorePath, StoreMissingError } from '../../store/index.js';
import type { ExportFormat, Indicator, ImportReport, IndicatorType, FormatName, Tlp } from '../../intel/index.js';
import {
  exportIndicators,
  FEED_KINDS,
  FORMAT_NAMES,
  importInputs,
  INDICATOR_TYPES,
  inferIndicator,
  isIndicatorType,
  loadBundledIndicators,
  parseFindings,
  parseTlp,
  sightingsBundle,
  tlpLabel,
  updateFeeds,
  validateFeed,
} from '../../intel/index.js';
import { builtinContentDir } from '../../content/package-root.js';
import { EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS } from '../exit-codes.js';
import { parsePositiveInt, parseSize } from '../options.js';

export interface IntelIo {
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly env: Readonly<Record<string, string | undefined>>;
}

interface StoreFlag {
  store?: string;
}

const storeOption = (): Option => new Option('--store <path>', 'store file or folder (default: $EXHUNT_HOME or the user data folder)');

export function registerIntel(program: Command, setExit: (code: number) => void, io: IntelIo = { stdout: process.stdout, stderr: process.stderr, env: process.env }): void {
  const out = (s: string): void => {
    io.stdout.write(s);
  };
  const err = (s: string): void => {
    io.stderr.write(`exhunt: ${escapeTerminal(s)}\n`);
  };
  const intel = program.command('intel').summary('import, update, inspect and share threat-intelligence indicators');

  const withStore = async <T>(flags: StoreFlag, create: boolean, fn: (store: Store) => Promise<T>): Promise<T> => {
    let store: Store;
    try {
      store = await openStore({ path: resolveStorePath(flags.store ?? null, io.env), create });
    } catch (e) {
      if (e instanceof StoreMissingError) throw new UsageError(e.message);
      throw new UsageError(`store: ${e instanceof Error ? e.message : String(e)}`);
    }
    try {
      return await fn(store);
    } finally {
      await store.close();
    }
  };

  intel
    .command('import')
    .description('import indicator files or URLs (STIX 2.x, MISP, CSV, text lists, LOKI, CHIRP, exhunt packs); one transaction per input')
    .argument('<input...>', 'files, MISP feed folders, or http(s) URLs')
    .addOption(storeOption())
    .option('--source <name>', 'source name (default: the file name)')
    .addOption(new Option('--format <format>', 'input format (default: detected from the content)').choices([...FORMAT_NAMES]))
    .option('--tlp <level>', 'TLP for items that carry none, and the least restrictive level any item keeps (clear, green, amber, amber+strict, red)')
    .option('--confidence <n>', 'confidence 0-100 for items that carry none')
    .option('--tag <tag>', 'tag every item; repeatable', (v: string, acc: string[]) => [...acc, v], [])
    .option('--type <type>', 'type of every value of an untyped list or CSV (default: inferred per value)')
    .option('--map <role=column,...>', 'CSV column mapping, e.g. value=Indicator,type=Kind,first_seen=Seen (names or 1-based numbers)')
    .option('--misp-all', 'MISP: also import attributes whose to_ids is false')
    .addOption(new Option('--loki-kind <kind>', 'LOKI list kind when the file name does not say').choices(['hash', 'filename', 'c2']))
    .option('--max-bytes <size>', 'largest input read', '256MiB')
    .option('--timeout <seconds>', 'deadline per HTTP request', '30')
    .option('--json', 'one JSON report per input')
    .option('-v, --verbose', 'list every skipped item (default: the first 10 per input)')
    .action(async (inputs: string[], flags: ImportFlags) => {
      const tlp = flags.tlp ? parseTlpFlag('--tlp', flags.tlp) : null;
      const confidence = flags.confidence !== undefined ? parseConfidence(flags.confidence) : null;
      if (flags.type && !isIndicatorType(flags.type)) throw new UsageError(`--type: unknown type "${flags.type}" (types: ${INDICATOR_TYPES.join(', ')})`);
      const csvMap = flags.map ? parseMap(flags.map) : undefined;
      const reports = await withStore(flags, true, (store) =>
        importInputs(store, inputs, {
          ...(flags.source ? { source: flags.source } : {}),
          ...(flags.format ? { format: flags.format } : {}),
          defaults: { tlp, confidence, tags: flags.tag },
          formatOptions: {
            ...(csvMap ? { csvMap } : {}),
            ...(flags.type ? { type: flags.type as IndicatorType } : {}),
            ...(flags.mispAll ? { mispAll: true } : {}),
            ...(flags.lokiKind ? { lokiKind: flags.lokiKind } : {}),
          },
          maxBytes: parseSize('--max-bytes', flags.maxBytes),
          http: { timeoutMs: parseSeconds(flags.timeout) },
        }),
      );
      for (const r of reports) printReport(r, flags.json === true, flags.verbose === true, out);
      setExit(reports.every((r) => r.ok) ? EXIT_CLEAN : EXIT_ERROR);
    });

  const feed = intel.command('feed').summary('subscriptions that `exhunt intel update` pulls');
  feed
    .command('add')
    .description('subscribe to a feed: an HTTP(S) file, a TAXII 2.1 collection, a MISP server, or a MISP feed')
    .argument('<name>', 'feed name (letters, digits, . _ -)')
    .argument('<url>', 'file URL, TAXII API root or discovery URL, MISP base URL, or MISP feed manifest URL')
    .addOption(new Option('--kind <kind>', 'feed kind').choices([...FEED_KINDS]).default('http'))
    .option('--collection <id>', 'TAXII collection id')
    .option('--source <name>', 'source name its indicators are stored under (default: the feed name)')
    .addOption(new Option('--format <format>', 'HTTP feeds: the file format (default: detected)').choices([...FORMAT_NAMES]))
    .option('--tlp <level>', 'TLP for items that carry none')
    .option('--confidence <n>', 'confidence 0-100 for items that carry none')
    .addOption(new Option('--auth <kind>', 'authentication').choices(['basic', 'bearer', 'misp-key']))
    .option('--user-env <var>', 'environment variable holding the basic-auth user name')
    .option('--password-env <var>', 'environment variable holding the basic-auth password')
    .option('--token-env <var>', 'environment variable holding the bearer token')
    .option('--key-env <var>', 'environment variable holding the MISP API key')
    .option('--ca-file <pem>', 'extra CA certificate(s) to trust for this feed')
    .option('--insecure', 'do not check the server certificate (test servers only)')
    .addOption(storeOption())
    .action(async (name: string, url: string, flags: FeedAddFlags) => {
      const options: Record<string, string | boolean | number> = {};
      if (flags.collection) options.collection = flags.collection;
      if (flags.format) options.format = flags.format;
      if (flags.tlp) options.tlp = parseTlpFlag('--tlp', flags.tlp);
      if (flags.confidence !== undefined) options.confidence = parseConfidence(flags.confidence);
      if (flags.auth) options.auth = flags.auth;
      for (const k of ['userEnv', 'passwordEnv', 'tokenEnv', 'keyEnv', 'caFile'] as const) if (flags[k]) options[k] = flags[k];
      if (flags.insecure) options.insecure = true;
      if (flags.auth === 'basic' && (!flags.userEnv || !flags.passwordEnv)) throw new UsageError('--auth basic needs --user-env and --password-env');
      if (flags.auth === 'bearer' && !flags.tokenEnv) throw new UsageError('--auth bearer needs --token-env');
      if (flags.kind === 'misp' && flags.auth !== 'misp-key') options.auth = 'misp-key';
      if (options.auth === 'misp-key' && !flags.keyEnv) throw new UsageError('a MISP feed needs --key-env VAR (the variable holding the API key)');
      const spec: FeedSpec = { name, kind: flags.kind, url, source: flags.source ?? name, options };
      const problem = validateFeed(spec);
      if (problem) throw new UsageError(`feed ${name}: ${problem}`);
      await withStore(flags, true, async (store) => {
        try {
          await store.intel.addFeed(spec);
        } catch (e) {
          throw new UsageError(e instanceof Error ? e.message : String(e));
        }
      });
      out(`feed ${name} added (${flags.kind} ${url}); run \`exhunt intel update\` to pull it\n`);
      setExit(EXIT_CLEAN);
    });
  feed
    .command('list')
    .description('list the feeds with their last update')
    .option('--json', 'one JSON object per feed')
    .addOption(storeOption())
    .action(async (flags: StoreFlag & { json?: boolean }) => {
      const feeds = await withStore(flags, false, (store) => store.intel.feeds());
      for (const f of feeds) {
        if (flags.json) out(`${JSON.stringify(f)}\n`);
        else out(`${f.name.padEnd(20)} ${f.kind.padEnd(9)} ${escapeTerminal(f.url)}  ${f.lastUpdate ? `${f.lastUpdate} ${escapeTerminal(f.lastStatus ?? '')}` : 'never updated'}\n`);
      }
      setExit(EXIT_CLEAN);
    });
  feed
    .command('remove')
    .description('remove a feed (its indicators stay; `exhunt intel remove --source NAME` removes them)')
    .argument('<name>')
    .addOption(storeOption())
    .action(async (name: string, flags: StoreFlag) => {
      const removed = await withStore(flags, false, (store) => store.intel.removeFeed(name));
      if (!removed) throw new UsageError(`no feed named ${name}`);
      out(`feed ${name} removed\n`);
      setExit(EXIT_CLEAN);
    });

  intel
    .command('update')
    .description('pull everything new from the feeds (HTTP with ETag/If-Modified-Since, TAXII added_after, MISP timestamp)')
    .argument('[feed...]', 'feeds to update (default: all)')
    .option('--timeout <seconds>', 'deadline per HTTP request', '30')
    .option('--json', 'one JSON report per feed')
    .option('-v, --verbose', 'list every skipped item')
    .addOption(storeOption())
    .action(async (names: string[], flags: StoreFlag & { timeout: string; json?: boolean; verbose?: boolean }) => {
      const results = await withStore(flags, false, async (store) => {
        try {
          return await updateFeeds(store, names, { env: io.env, timeoutMs: parseSeconds(flags.timeout) });
        } catch (e) {
          throw new UsageError(e instanceof Error ? e.message : String(e));
        }
      });
      if (results.length === 0) out('no feeds (add one with `exhunt intel feed add`)\n');
      for (const { feed: name, report } of results) {
        if (!flags.json) out(`${name}: `);
        printReport(report, flags.json === true, flags.verbose === true, out);
      }
      setExit(results.every((r) => r.report.ok) ? EXIT_CLEAN : EXIT_ERROR);
    });

  intel
    .command('list')
    .description('list indicators with their sources')
    .option('--type <type>', 'only this type; repeatable', (v: string, acc: string[]) => [...acc, v], [])
    .option('--source <name>', 'only indicators this source lists')
    .option('--limit <n>', 'at most n indicators', '1000')
    .option('--offset <n>', 'skip the first n', '0')
    .option('--bundled', "list exhunt's bundled pack instead of the store")
    .option('--json', 'one JSON object per indicator, with all provenance')
    .addOption(storeOption())
    .action(async (flags: ListFlags) => {
      const types = checkTypes(flags.type);
      const limit = parsePositiveInt('--limit', flags.limit);
      const offset = Number(flags.offset);
      let items: Indicator[];
      if (flags.bundled) {
        items = (await loadBundledIndicators(`${builtinContentDir()}/intel`)).indicators
          .filter((i) => (types.length === 0 || types.includes(i.type)) && (!flags.source || i.provenance.some((p) => p.source === flags.source)))
          .slice(offset, offset + limit);
      } else {
        items = await withStore(flags, false, (store) => store.intel.list({ ...(types.length ? { types } : {}), ...(flags.source ? { source: flags.source } : {}), limit, offset }));
      }
      for (const i of items) printIndicator(i, flags.json === true, out);
      setExit(EXIT_CLEAN);
    });

  intel
    .command('search')
    .description('find indicators by value: the text is normalised as every type it can be, and also matched as a substring')
    .argument('<text>')
    .option('--type <type>', 'only this type; repeatable', (v: string, acc: string[]) => [...acc, v], [])
    .option('--json', 'one JSON object per indicator')
    .addOption(storeOption())
    .action(async (text: string, flags: StoreFlag & { type: string[]; json?: boolean }) => {
      const types = checkTypes(flags.type);
      const found = await withStore(flags, false, async (store) => {
        const byId = new Map<number, Indicator>();
        const inferred = inferIndicator(text);
        if (inferred?.ok) for (const i of await store.intel.list({ value: inferred.value, types: [inferred.type] })) byId.set(i.id, i);
        for (const i of await store.intel.list({ search: text, ...(types.length ? { types } : {}), limit: 1000 })) byId.set(i.id, i);
        return [...byId.values()].filter((i) => types.length === 0 || types.includes(i.type));
      });
      for (const i of found) printIndicator(i, flags.json === true, out);
      setExit(found.length ? EXIT_CLEAN : EXIT_FINDINGS);
    });

  intel
    .command('stats')
    .description('counts by type, source and TLP; revoked and expired indicators; last import')
    .option('--json', 'as one JSON object')
    .addOption(storeOption())
    .action(async (flags: StoreFlag & { json?: boolean }) => {
      const { stats, imports, path } = await withStore(flags, false, async (store) => ({ stats: await store.intel.stats(), imports: await store.intel.imports(5), path: store.location }));
      if (flags.json) {
        out(`${JSON.stringify({ store: path, ...stats, recentImports: imports.map(({ report: _r, ...rest }) => rest) })}\n`);
      } else {
        out(`store ${path}\n`);
        out(`${stats.indicators} indicators (${stats.provenance} source statements), ${stats.inactive} inactive (revoked or expired), last import ${stats.lastImport ?? 'never'}\n`);
        out(`by type:   ${Object.entries(stats.byType).map(([k, v]) => `${k} ${v}`).join(', ') || '-'}\n`);
        out(`by TLP:    ${Object.entries(stats.byTlp).map(([k, v]) => `${k} ${v}`).join(', ') || '-'}\n`);
        out('by source:\n');
        for (const s of stats.bySource) out(`  ${escapeTerminal(s.name).padEnd(40)} ${String(s.indicators).padStart(8)}  ${s.kind}${s.url ? ` ${escapeTerminal(s.url)}` : ''}\n`);
      }
      setExit(EXIT_CLEAN);
    });

  intel
    .command('remove')
    .description('remove a source and everything it said, or one indicator (every source of it)')
    .option('--source <name>', 'the source to remove')
    .option('--type <type>', 'with --value: the indicator type')
    .option('--value <value>', 'the indicator value (normalised like on import)')
    .addOption(storeOption())
    .action(async (flags: StoreFlag & { source?: string; type?: string; value?: string }) => {
      if (!flags.source && !flags.value) throw new UsageError('give --source NAME, or --value VALUE [--type TYPE]');
      let type: IndicatorType | undefined;
      let value: string | undefined;
      if (flags.value !== undefined) {
        if (flags.type && !isIndicatorType(flags.type)) throw new UsageError(`--type: unknown type "${flags.type}"`);
        const n = inferIndicator(flags.value);
        type = (flags.type as IndicatorType | undefined) ?? (n?.ok ? n.type : undefined);
        value = n?.ok && (!flags.type || n.type === flags.type) ? n.value : flags.value;
        if (!type) throw new UsageError('--value: cannot tell the type; give --type');
      }
      const r = await withStore(flags, false, (store) => store.intel.remove({ ...(flags.source ? { source: flags.source } : {}), ...(type ? { type } : {}), ...(value !== undefined ? { value } : {}) }));
      out(`removed ${r.provenance} source statements and ${r.indicators} indicators\n`);
      setExit(EXIT_CLEAN);
    });

  intel
    .command('export')
    .description('write indicators as STIX 2.1, MISP or CSV (no TLP:RED unless --include-red), or, with --sightings, STIX sightings and new indicators from scan findings')
    .addOption(new Option('--format <format>', 'output format').choices(['stix', 'misp', 'csv']).default('stix'))
    .option('-o, --output <file>', 'write to this file (default: standard output)')
    .option('--tlp <level>', 'highest TLP exported (default amber+strict); with --sightings: the TLP of the sightings (default amber)')
    .option('--include-red', 'also export TLP:RED')
    .option('--type <type>', 'only this type; repeatable', (v: string, acc: string[]) => [...acc, v], [])
    .option('--source <name>', 'only what this source says')
    .option('--bundled', "include exhunt's bundled pack")
    .option('--sightings <findings.jsonl>', 'findings of `exhunt scan --jsonl`: write STIX sightings and newly found indicators')
    .option('--where <organisation>', 'with --sightings: where the sightings happened (named in where_sighted_refs)')
    .addOption(storeOption())
    .action(async (flags: ExportFlags) => {
      const types = checkTypes(flags.type);
      const tlp = flags.tlp ? parseTlpFlag('--tlp', flags.tlp) : null;
      const bundled = flags.bundled || flags.sightings ? (await loadBundledIndicators(`${builtinContentDir()}/intel`)).indicators : [];
      const storeExists = storeAvailable(flags.store);
      let text: string;
      let summary: string;
      if (flags.sightings) {
        if (flags.format !== 'stix') throw new UsageError('--sightings writes STIX 2.1 only');
        let jsonl: string;
        try {
          jsonl = readFileSync(flags.sightings, 'utf8');
        } catch (e) {
          throw new UsageError(`--sightings: cannot read ${flags.sightings}: ${e instanceof Error ? e.message : String(e)}`);
        }
        const { findings, errors } = parseFindings(jsonl, flags.sightings);
        for (const e of errors.slice(0, 20)) err(e);
        const index = new Map<string, Indicator>();
        const put = (i: Indicator): void => {
          const key = `${i.type}\u0000${i.value}`;
          const old = index.get(key);
          index.set(key, old ? { ...old, provenance: [...old.provenance, ...i.provenance] } : i);
        };
        bundled.forEach(put);
        if (storeExists) await withStore(flags, false, (store) => store.intel.forEach({}, put));
        const r = sightingsBundle(findings, {
          lookup: (type, value) => index.get(`${type}\u0000${value}`) ?? null,
          ...(tlp ? { tlp } : {}),
          ...(flags.where ? { where: flags.where } : {}),
          ...(flags.includeRed ? { includeRed: true } : {}),
        });
        text = `${JSON.stringify(r.bundle, null, 2)}\n`;
        summary = `${r.sightings} sightings of ${r.indicators} indicators (${r.discovered} found by exhunt), ${r.withheld} findings withheld by TLP, ${errors.length} bad lines`;
      } else {
        const options = exportOptions(types, tlp, flags);
        const r =
          !storeExists && flags.bundled
            ? await exportIndicators(null, flags.format, options, bundled)
            : await withStore(flags, false, (store) => exportIndicators(store, flags.format, options, bundled));
        text = r.text;
        summary = `${r.exported} indicators exported as ${flags.format}, ${r.withheld} withheld by TLP${flags.includeRed ? '' : ' (TLP:RED needs --include-red)'}`;
      }
      if (flags.output) {
        writeFileSync(flags.output, text);
        io.stderr.write(`exhunt: ${summary} → ${escapeTerminal(flags.output)}\n`);
      } else {
        out(text);
        io.stderr.write(`exhunt: ${summary}\n`);
      }
      setExit(EXIT_CLEAN);
    });

  function storeAvailable(path: string | undefined): boolean {
    return existsSync(resolveStorePath(path ?? null, io.env));
  }
}

interface ImportFlags extends StoreFlag {
  source?: string;
  format?: FormatName;
  tlp?: string;
  confidence?: string;
  tag: string[];
  type?: string;
  map?: string;
  mispAll?: boolean;
  lokiKind?: 'hash' | 'filename' | 'c2';
  maxBytes: string;
  timeout: string;
  json?: boolean;
  verbose?: boolean;
}

interface FeedAddFlags extends StoreFlag {
  kind: FeedKind;
  collection?: string;
  source?: string;
  format?: FormatName;
  tlp?: string;
  confidence?: string;
  auth?: 'basic' | 'bearer' | 'misp-key';
  userEnv?: string;
  passwordEnv?: string;
  tokenEnv?: string;
  keyEnv?: string;
  caFile?: string;
  insecure?: boolean;
}

interface ListFlags extends StoreFlag {
  type: string[];
  source?: string;
  limit: string;
  offset: string;
  bundled?: boolean;
  json?: boolean;
}

interface ExportFlags extends StoreFlag {
  format: ExportFormat;
  output?: string;
  tlp?: string;
  includeRed?: boolean;
  type: string[];
  source?: string;
  bundled?: boolean;
  sightings?: string;
  where?: string;
}

function exportOptions(types: IndicatorType[], tlp: Tlp | null, flags: ExportFlags): Parameters<typeof exportIndicators>[2] {
  return {
    ...(types.length ? { types } : {}),
    ...(flags.source ? { source: flags.source } : {}),
    ...(tlp ? { maxTlp: tlp } : {}),
    ...(flags.includeRed ? { includeRed: true } : {}),
  };
}

function parseTlpFlag(option: string, v: string): Tlp {
  const t = parseTlp(v);
  if (!t) throw new UsageError(`${option}: "${v}" is not a TLP level (clear, green, amber, amber+strict, red)`);
  return t;
}

function parseConfidence(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 100) throw new UsageError(`--confidence: "${v}" is not a whole number from 0 to 100`);
  return n;
}

function parseSeconds(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--timeout: "${v}" is not a number of seconds`);
  return Math.round(n * 1000);
}

function parseMap(v: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of v.split(',')) {
    const m = /^\s*([a-z_]+)\s*=\s*(.+?)\s*$/.exec(part);
    if (!m) throw new UsageError(`--map: "${part}" is not role=column`);
    out[m[1]!] = m[2]!;
  }
  return out;
}

function checkTypes(types: readonly string[]): IndicatorType[] {
  for (const t of types) if (!isIndicatorType(t)) throw new UsageError(`--type: unknown type "${t}" (types: ${INDICATOR_TYPES.join(', ')})`);
  return types as IndicatorType[];
}

function printReport(r: ImportReport, json: boolean, verbose: boolean, out: (s: string) => void): void {
  if (json) {
    out(`${JSON.stringify(r)}\n`);
    return;
  }
  const head = `${escapeTerminal(r.input)}  [${r.format ?? '?'}] source "${escapeTerminal(r.source)}"`;
  if (!r.ok) {
    out(`${head}: FAILED, nothing written: ${escapeTerminal(r.error ?? '')}\n`);
  } else if (r.notModified) {
    out(`${head}: not modified since the last update\n`);
  } else {
    const types = Object.entries(r.byType)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    out(`${head}: ${r.taken} new, ${r.merged} merged, ${r.skipped} skipped${r.kept ? `, ${r.kept} kept but not evaluated` : ''}${r.superseded ? `, ${r.superseded} older versions ignored` : ''}${types ? ` (${types})` : ''}\n`);
  }
  if (r.skipped > 0) {
    out(`  skipped: ${Object.entries(r.skipReasons).map(([k, v]) => `${k} ${v}`).join(', ')}\n`);
    for (const s of r.skips.slice(0, verbose ? r.skips.length : 10)) out(`    ${escapeTerminal(s.location)}: ${s.code}: ${escapeTerminal(s.message)}\n`);
    if (!verbose && r.skips.length > 10) out(`    ... ${r.skipped - 10} more (--verbose lists ${Math.min(r.skipped, r.skips.length)})\n`);
  }
  for (const w of r.warnings.slice(0, verbose ? r.warnings.length : 5)) out(`  warning: ${escapeTerminal(w.location)}: ${escapeTerminal(w.message)}\n`);
}

function printIndicator(i: Indicator, json: boolean, out: (s: string) => void): void {
  if (json) {
    out(`${JSON.stringify(i)}\n`);
    return;
  }
  const sources = i.provenance
    .map((p) => `${p.source} ${tlpLabel(p.tlp)}${p.confidence !== null ? ` c${p.confidence}` : ''}${p.revoked ? ' REVOKED' : ''}${p.validUntil ? ` until ${p.validUntil.slice(0, 10)}` : ''}`)
    .join('; ');
  out(`${i.type.padEnd(14)} ${escapeTerminal(i.display.length > 120 ? `${i.display.slice(0, 119)}…` : i.display)}  [${escapeTerminal(sources)}]\n`);
}
