/**
 * @module `exhunt inventory`: options → runInventory → report → exit code, plus the subcommands
 * `trend` (history), `refresh-builds` (build table from Microsoft's page) and `sources` (every
 * source and conflict behind the answers). No evaluation logic here.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import {
  changesSinceLast,
  defaultExchangeContentDir,
  HistoryStore,
  inventoryExitCode,
  legacyHistoryPath,
  loadExchangeContent,
  refreshBuilds,
  renderReport,
  runInventory,
  toCsv,
  toJsonl,
  trend,
  trendSvg,
  type RunKind,
  type RunResult,
  type Trend,
} from '../../inventory/index.js';
import { escapeTerminal } from '../../sinks/escape/index.js';
import { StoreMissingError } from '../../store/index.js';
import { EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS } from '../exit-codes.js';
import { parseDate, parsePositiveInt } from '../options.js';
import { useColor } from '../tty.js';

/** Where a command writes; tests pass their own. */
export interface CliIo {
  readonly stdout: { write(s: string): unknown; isTTY?: boolean };
  readonly stderr: { write(s: string): unknown; isTTY?: boolean };
}

export const processIo: CliIo = { stdout: process.stdout, stderr: process.stderr };

export interface OutputFlags extends StoreFlags {
  jsonl?: string;
  csv?: string;
  explain?: boolean;
  asOf?: string;
  strict?: boolean;
  color?: boolean;
  quiet?: boolean;
  content?: string;
}

/** `--store PATH`, `--no-store` (false) and the hidden `--db FILE`, its deprecated name. */
interface StoreFlags {
  store?: string | false;
  db?: string;
  quiet?: boolean;
}

const STORE_HELP = 'exhunt store to keep the run history in (file or folder; default: $EXHUNT_HOME/exhunt.db, else the user data folder)';

/** `--db`, the option's name before the history moved onto the store: hidden, still accepted. */
const dbOption = (): Option => new Option('--db <file>', 'deprecated: use --store').hideHelp();

/**
 * The store the flags name: a path, null for the default location, false for `--no-store`.
 * `--db` still works, with a warning (unless -q); giving it together with `--store` is an error.
 */
function storeFromFlags(flags: StoreFlags, io: CliIo): string | null | false {
  if (flags.db !== undefined) {
    if (typeof flags.store === 'string') throw new UsageError('--db is the old name of --store: give only --store');
    if (!flags.quiet) io.stderr.write('exhunt: warning: --db is deprecated, use --store\n');
  }
  if (flags.store === false) return false;
  return flags.store ?? flags.db ?? null;
}

/** Options shared by `inventory` and `probe`. */
export function addOutputOptions(cmd: Command): Command {
  return cmd
    .option('--jsonl <file>', 'one JSON object per server ("-" for standard output; schema in docs/inventory.md)')
    .option('--csv <file>', 'one CSV row per server')
    .option('--explain', 'for every server: each family and CVE with the reason, evidence, posture, builds seen in logs and the conflicts between sources')
    .option('--store <path>', STORE_HELP)
    .option('--no-store', 'do not record this run in the history')
    .addOption(dbOption())
    .option('--as-of <date>', 'judge support status on this date (default: today)')
    .option('--strict', 'exit 1 also when a family cannot be told for some server (unknown is never safe)')
    .option('--content <dir>', 'Exchange content folder (builds.yaml, products.yaml, fixes.yaml) instead of the built-in one')
    .option('--no-color', 'no colours (also when NO_COLOR is set or output is piped)')
    .option('-q, --quiet', 'no terminal report; only the exit code and the files asked for');
}

export function commonRunOptions(flags: OutputFlags, io: CliIo): { store: string | null | false; asOf?: string; contentDir?: string } {
  return {
    store: storeFromFlags(flags, io),
    ...(flags.asOf !== undefined ? { asOf: parseDate('--as-of', flags.asOf).slice(0, 10) } : {}),
    ...(flags.content !== undefined ? { contentDir: flags.content } : {}),
  };
}

/** Prints and writes what a run produced; returns the exit code. */
export function emitResult(result: RunResult, flags: OutputFlags, io: CliIo): number {
  const toStdout = flags.jsonl === '-' || flags.csv === '-';
  if (flags.jsonl !== undefined) writeOut(flags.jsonl, toJsonl(result.reports), io);
  if (flags.csv !== undefined) writeOut(flags.csv, toCsv(result.reports), io);
  if (!flags.quiet && !toStdout) {
    io.stdout.write(renderReport(result.reports, result.diagnostics, { color: useColor(flags.color, io.stdout), explain: flags.explain === true }));
  } else {
    for (const d of result.diagnostics) io.stderr.write(`exhunt: ${d.level}: ${escapeTerminal(d.path)}: ${escapeTerminal(d.message)}\n`);
  }
  if (result.runId !== null && result.storeLocation !== null && !flags.quiet && !toStdout) {
    io.stderr.write(`exhunt: recorded as run ${result.runId} in ${escapeTerminal(result.storeLocation)}\n`);
  }
  const code = inventoryExitCode(result.reports, result.diagnostics, flags.strict === true);
  return code === 1 ? EXIT_FINDINGS : code === 2 ? EXIT_ERROR : EXIT_CLEAN;
}

function writeOut(path: string, text: string, io: CliIo): void {
  if (path === '-') io.stdout.write(text);
  else writeFileSync(path, text);
}

interface InventoryFlags extends OutputFlags {
  host?: string;
}

export function registerInventory(program: Command, setExit: (code: number) => void, io: CliIo = processIo): void {
  const inv = addOutputOptions(
    program
      .command('inventory')
      .summary('which exploited Exchange vulnerabilities each server is still open to, and what to install')
      .description(
        'Evaluate Exchange servers from what you have: build strings (15.1.2176.9, 15.01.2176.009, EXCH01=15.1.2176.9), ' +
          'Get-ExchangeServer / ExSetup.exe FileVersionInfo output as text, CSV or JSON, a CSV of servers (name,build), ExSetup.exe itself, ' +
          'an Exchange log, or a triage folder or zip (ExSetup.exe version resource, log headers and build columns, IIS configuration). ' +
          'Per server: product, CU, SU, support status, each exploited family open or fixed with the KB to install, and the confidence. ' +
          'Exit 1 when any server is open to an exploited family, 2 on usage or input errors.',
      )
      .argument('[input...]', 'builds, files or folders'),
  )
    .option('--host <name>', 'server name for a bare build argument')
    .action(async (inputs: string[], flags: InventoryFlags) => {
      if (inputs.length === 0) throw new UsageError('inventory: give at least one build, file or folder (see exhunt inventory --help)');
      const result = await runInventory({ inputs, ...commonRunOptions(flags, io), ...(flags.host !== undefined ? { host: flags.host } : {}) });
      setExit(emitResult(result, flags, io));
    });

  inv
    .command('trend')
    .description('exposed servers per family over the recorded runs (table, --svg chart, --png via rsvg-convert) and what changed since the previous run')
    .option('--store <path>', STORE_HELP)
    .addOption(dbOption())
    .option('--kind <kind>', 'inventory, probe or all', 'all')
    .option('--last <n>', 'only the last n runs')
    .option('--svg <file>', 'write the chart as SVG')
    .option('--png <file>', 'write the chart as PNG (needs rsvg-convert, Debian package librsvg2-bin)')
    .option('--json', 'print the trend and changes as JSON')
    .option('--no-color', 'no colours')
    .action(async (_flags: unknown, cmd: Command) => {
      const flags = cmd.optsWithGlobals<StoreFlags & { kind: string; last?: string; svg?: string; png?: string; json?: boolean; color?: boolean }>();
      if (!['inventory', 'probe', 'all'].includes(flags.kind)) throw new UsageError('--kind: inventory, probe or all');
      const kind = flags.kind === 'all' ? null : (flags.kind as RunKind);
      const last = flags.last !== undefined ? parsePositiveInt('--last', flags.last) : null;
      // `--no-store` belongs to `exhunt inventory`; for trend it means nothing: the default store.
      const path = storeFromFlags({ ...flags, quiet: false }, io) || null;
      // Reading the trend never creates a store: without one there is simply no run yet.
      let store: HistoryStore | null = null;
      try {
        store = HistoryStore.open({ path, create: false });
      } catch (e) {
        if (!(e instanceof StoreMissingError)) throw e;
      }
      try {
        const t: Trend = store ? trend(store, kind, last) : { families: [], points: [] };
        const changes = store ? changesSinceLast(store, kind) : null;
        if (t.points.length === 0 && path === null) noteLegacyHistory(store?.location ?? null, io);
        const labels = familyLabels();
        if (flags.json) {
          io.stdout.write(
            `${JSON.stringify({
              families: t.families,
              points: t.points.map((p) => ({ run: p.run, exposedServers: p.exposedServers, open: Object.fromEntries(p.open) })),
              changes,
            })}\n`,
          );
        } else io.stdout.write(renderTrend(t, changes, labels));
        let code = EXIT_CLEAN;
        if ((flags.svg !== undefined || flags.png !== undefined) && t.points.length === 0) {
          io.stderr.write('exhunt: no runs recorded yet: no chart written\n');
        } else {
          const svg = trendSvg(t, { labels });
          if (flags.svg !== undefined) writeFileSync(flags.svg, svg);
          if (flags.png !== undefined) {
            const err = svgToPng(svg, flags.png);
            if (err) {
              io.stderr.write(`exhunt: ${err}\n`);
              code = EXIT_ERROR;
            }
          }
        }
        setExit(code);
      } finally {
        await store?.close();
      }
    });

  inv
    .command('refresh-builds')
    .description("update content/exchange/builds.yaml from a saved copy of Microsoft's \"Exchange Server build numbers and release dates\" page")
    .argument('<page>', 'the saved HTML page')
    .option('--builds <file>', 'builds.yaml to update', join(defaultExchangeContentDir(), 'builds.yaml'))
    .option('--dry-run', 'report what would change, write nothing')
    .action((page: string, flags: { builds: string; dryRun?: boolean }) => {
      const r = refreshBuilds({ page, buildsFile: flags.builds, dryRun: flags.dryRun === true });
      for (const e of r.errors) io.stderr.write(`exhunt: ${escapeTerminal(e.message)}\n`);
      io.stdout.write(
        `${r.page.rows.length} build rows read (${r.page.skipped.length} skipped: other products or unreadable); ` +
          `${r.merge.added.length} added, ${r.merge.updated.length} updated, ${r.merge.unchanged} unchanged; ${r.merge.conflicts.length} new conflict(s)\n`,
      );
      for (const a of r.merge.added) io.stdout.write(`  + ${a}\n`);
      for (const u of r.merge.updated) io.stdout.write(`  ~ ${u}\n`);
      for (const c of r.merge.conflicts) io.stdout.write(`  ! ${escapeTerminal(c)}\n`);
      io.stdout.write(r.written ? `wrote ${escapeTerminal(flags.builds)}\n` : r.errors.length > 0 ? 'nothing written (errors above)\n' : 'dry run: nothing written\n');
      setExit(r.errors.length > 0 ? EXIT_ERROR : EXIT_CLEAN);
    });

  inv
    .command('sources')
    .description('list the sources of the build and fix tables and every conflict between them')
    .option('--content <dir>', 'Exchange content folder instead of the built-in one')
    .option('--json', 'as JSON')
    .action((flags: { content?: string; json?: boolean }) => {
      const { content, errors } = loadExchangeContent(flags.content);
      for (const e of errors) io.stderr.write(`exhunt: ${escapeTerminal(e.message)}\n`);
      if (!content) return setExit(EXIT_ERROR);
      if (flags.json) {
        io.stdout.write(`${JSON.stringify({ sources: [...content.sources.values()], conflicts: content.conflicts, howToEvaluate: content.howToEvaluate })}\n`);
        return setExit(EXIT_CLEAN);
      }
      io.stdout.write('Sources:\n');
      for (const s of content.sources.values()) io.stdout.write(`  ${s.id.padEnd(18)} ${s.name}${s.url ? ` <${s.url}>` : ''}\n`);
      io.stdout.write(`\nConflicts between sources (${content.conflicts.length}):\n`);
      for (const c of content.conflicts) {
        io.stdout.write(`  [${c.id}] ${c.about}\n`);
        for (const v of c.values) io.stdout.write(`      ${v.source}: ${v.says}\n`);
        io.stdout.write(`      exhunt: ${c.resolution}\n`);
      }
      const perBuild = content.catalog.entries.filter((e) => (e.conflicts ?? []).length > 0);
      io.stdout.write(`\nBuilds whose sources disagree (${perBuild.length}):\n`);
      for (const e of perBuild) for (const c of e.conflicts ?? []) io.stdout.write(`  ${e.build.padEnd(14)} ${c}\n`);
      setExit(EXIT_CLEAN);
    });
}

/**
 * With the default store and no run in it: says where the history of an exhunt from before the
 * shared store is, when that file exists (it is not moved or read without --store).
 */
function noteLegacyHistory(location: string | null, io: CliIo): void {
  const legacy = legacyHistoryPath();
  if (location === legacy || !existsSync(legacy)) return;
  io.stderr.write(`exhunt: note: runs recorded by earlier exhunt versions are in ${escapeTerminal(legacy)}: exhunt inventory trend --store ${escapeTerminal(legacy)}\n`);
}

function familyLabels(): Map<string, string> {
  const { content } = loadExchangeContent();
  return new Map((content?.families ?? []).map((f) => [f.id, f.short]));
}

function renderTrend(t: Trend, changes: ReturnType<typeof changesSinceLast>, labels: ReadonlyMap<string, string>): string {
  if (t.points.length === 0) return 'No runs recorded yet: run exhunt inventory or exhunt probe first.\n';
  const shown = t.families.filter((f) => t.points.some((p) => (p.open.get(f) ?? 0) > 0));
  const quiet = t.families.filter((f) => !shown.includes(f));
  const header = ['RUN', 'DATE (UTC)', 'KIND', 'SERVERS', 'EXPOSED', ...shown.map((f) => labels.get(f) ?? f)];
  const rows = t.points.map((p) => [String(p.run.id), `${p.run.startedAt.slice(0, 16).replace('T', ' ')}Z`, p.run.kind, String(p.run.servers), String(p.exposedServers), ...shown.map((f) => String(p.open.get(f) ?? 0))]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (r: readonly string[]): string => r.map((c, i) => (i <= 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  const out = ['Servers open to each exploited family, per run:', fmt(header), ...rows.map(fmt)];
  if (quiet.length > 0) out.push(`0 in every run: ${quiet.map((f) => labels.get(f) ?? f).join(', ')}`);
  out.push('');
  if (changes === null) out.push('Changes: fewer than two runs recorded.');
  else {
    out.push(`Changes since the previous run (#${changes.before.id} ${changes.before.startedAt.slice(0, 10)} → #${changes.after.id} ${changes.after.startedAt.slice(0, 10)}):`);
    if (changes.servers.length === 0) out.push('  none');
    const fams = (ids: readonly string[]): string => ids.map((f) => labels.get(f) ?? f).join(', ');
    for (const c of changes.servers) {
      const host = escapeTerminal(c.host);
      if (c.kind === 'added') out.push(`  + ${host} added (${c.buildAfter ?? 'no build'})${c.opened.length ? `: open to ${fams(c.opened)}` : ''}`);
      else if (c.kind === 'removed') out.push(`  - ${host} no longer in the run (was ${c.buildBefore ?? 'no build'})`);
      else {
        const parts = [c.buildBefore !== c.buildAfter ? `${c.buildBefore ?? '?'} → ${c.buildAfter ?? '?'}` : null, c.closed.length ? `fixed: ${fams(c.closed)}` : null, c.opened.length ? `now open: ${fams(c.opened)}` : null];
        out.push(`  ~ ${host}: ${parts.filter(Boolean).join('; ')}`);
      }
    }
  }
  return `${out.join('\n')}\n`;
}

/** Converts with Debian's rsvg-convert when installed; returns an error message otherwise. */
function svgToPng(svg: string, out: string): string | null {
  try {
    execFileSync('rsvg-convert', ['--format', 'png', '--output', out], { input: svg, stdio: ['pipe', 'ignore', 'pipe'] });
    return null;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'PNG needs rsvg-convert, which is not installed (Debian: apt-get install librsvg2-bin); use --svg for the chart';
    return `rsvg-convert failed: ${(e as Error).message.split('\n')[0] ?? ''}`;
  }
}
