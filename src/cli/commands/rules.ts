/**
 * @module `exhunt rules`: list the loaded rules, validate content packs, print prefilter literals.
 */
import type { Command } from 'commander';
import { loadDetectors, loadRules } from '../../engine/index.js';
import { escapeTerminal } from '../../sinks/index.js';
import { EXIT_CLEAN, EXIT_ERROR } from '../exit-codes.js';

export function registerRules(program: Command, setExit: (code: number) => void): void {
  const rules = program.command('rules').summary('list, validate and inspect detection content');

  rules
    .command('list')
    .description('list the rules that would run (built-in plus --rules packs)')
    .option('--rules <dir>', 'extra content pack; repeatable', (v: string, acc: string[]) => [...acc, v], [])
    .option('--json', 'one JSON object per rule')
    .action((flags: { rules: string[]; json?: boolean }) => {
      const set = loadRules(flags.rules);
      for (const d of set.detectors) {
        const r = d.rule;
        if (flags.json) {
          process.stdout.write(
            `${JSON.stringify({ id: r.id, title: r.title, severity: r.severity, outcome: r.outcome, stage: r.stage, cves: r.cves, attack: r.attack, kinds: r.kinds, file: d.file })}\n`,
          );
        } else {
          process.stdout.write(`${r.id.padEnd(48)} ${r.severity.padEnd(8)} ${r.kinds.join(',').padEnd(14)} ${escapeTerminal(r.title)}\n`);
        }
      }
      printErrors(set.errors);
      setExit(set.errors.length ? EXIT_ERROR : EXIT_CLEAN);
    });

  rules
    .command('validate')
    .description('check content packs (rules/ and indicators/ folders) and report every problem with its file and line')
    .argument('[dir...]', 'content packs to check (default: the built-in pack)')
    .action((dirs: string[]) => {
      const set = dirs.length ? loadRules(dirs, false) : loadRules();
      printErrors(set.errors);
      process.stdout.write(`${set.detectors.length} rules compiled, ${set.errors.length} problems\n`);
      setExit(set.errors.length ? EXIT_ERROR : EXIT_CLEAN);
    });

  rules
    .command('literals')
    .description('print the prefilter literals of the log rules, one per line (what a line must contain to be parsed)')
    .action(() => {
      const set = loadDetectors();
      const all = new Set<string>();
      for (const [kind, lits] of set.literalsByKind) {
        if (kind === 'file') continue;
        if (lits === null) {
          process.stderr.write(`exhunt: rules for ${kind} logs have no prefilter: every line is parsed\n`);
          continue;
        }
        lits.forEach((l) => all.add(l));
      }
      for (const l of [...all].sort()) process.stdout.write(`${l}\n`);
      setExit(EXIT_CLEAN);
    });
}

function printErrors(errors: readonly Error[]): void {
  for (const e of errors) process.stderr.write(`exhunt: ${escapeTerminal(e.message)}\n`);
}
