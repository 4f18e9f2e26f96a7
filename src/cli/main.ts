/**
 * @module The `exhunt` command line: assembles the commands and maps outcomes to exit codes.
 * Each command only turns its options into a call of the library (engine, content, demo).
 */
import { Command, CommanderError } from 'commander';
import { ExhuntError } from '../core/errors.js';
import { exhuntVersion } from '../content/package-root.js';
import { escapeTerminal } from '../sinks/escape/index.js';
import { EXIT_CLEAN, EXIT_ERROR } from './exit-codes.js';

type Register = (program: Command, setExit: (code: number) => void) => void;

/**
 * Commands, loaded on demand: a run imports only the module of the command it runs (help
 * imports them all), so `exhunt version` does not pay for the scan engine or the inventory.
 */
const COMMANDS: Readonly<Record<string, () => Promise<Register>>> = {
  scan: async () => (await import('./commands/scan.js')).registerScan,
  demo: async () => (await import('./commands/demo.js')).registerDemo,
  rules: async () => (await import('./commands/rules.js')).registerRules,
  inventory: async () => (await import('./commands/inventory.js')).registerInventory,
  probe: async () => (await import('./commands/probe.js')).registerProbe,
  evtx: async () => (await import('./commands/evtx.js')).registerEvtx,
  yara: async () => (await import('./commands/yara.js')).registerYara,
  sigma: async () => (await import('./commands/sigma.js')).registerSigma,
  intel: async () => (await import('./commands/intel.js')).registerIntel,
  alerts: async () => (await import('./commands/alerts.js')).registerAlerts,
  watch: async () => (await import('./commands/watch.js')).registerWatch,
};

export async function main(argv: readonly string[]): Promise<number> {
  let exitCode = EXIT_CLEAN;
  const setExit = (code: number): void => {
    exitCode = code;
  };
  const program = new Command()
    .name('exhunt')
    .description('Hunt for compromise of on-premises Microsoft Exchange servers (ProxyLogon, ProxyShell, ProxyNotShell, OWASSRF).')
    .version(exhuntVersion(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  const asked = argv[2];
  const names = asked === 'version' ? [] : asked !== undefined && Object.hasOwn(COMMANDS, asked) ? [asked] : Object.keys(COMMANDS);
  for (const name of names) (await COMMANDS[name]!())(program, setExit);
  program
    .command('version')
    .description('print the version')
    .action(async () => {
      const { engineInfo, formatEngineInfo } = await import('../detectors/yara/index.js');
      process.stdout.write(`exhunt ${exhuntVersion()} (node ${process.version})\nYARA engine: ${formatEngineInfo(engineInfo())}\n`);
    });
  for (const c of program.commands) c.exitOverride();

  try {
    await program.parseAsync([...argv]);
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      return e.exitCode === 0 ? EXIT_CLEAN : EXIT_ERROR;
    }
    if (e instanceof ExhuntError) {
      process.stderr.write(`exhunt: ${escapeTerminal(e.message)}\n`);
      return EXIT_ERROR;
    }
    process.stderr.write(`exhunt: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return EXIT_ERROR;
  }
}
