/**
 * @module `exhunt demo`: writes a synthetic triage folder to try exhunt on (and to benchmark it).
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import { DEFAULT_SEED, generateDemo } from '../../demo/index.js';
import { EXIT_CLEAN } from '../exit-codes.js';
import { parsePositiveInt, parseSize } from '../options.js';

interface DemoFlags {
  profile: 'compromised' | 'attempted' | 'clean' | 'no-history';
  size: string;
  seed: string;
  host: string;
  force?: boolean;
  maxFileSize: string;
  threads: string;
}

export function registerDemo(program: Command, setExit: (code: number) => void): void {
  program
    .command('demo')
    .summary('write a synthetic triage folder of an Exchange server')
    .description(
      'Write a SYNTHETIC triage folder (HttpProxy, ECP, OAB generator and IIS logs, web folders, staging folders) of an ' +
        'Exchange 2016 server, with benign noise and, depending on the profile, planted evidence. Nothing in it is real.',
    )
    .argument('<out>', 'folder to create')
    .addOption(
      new Option('--profile <name>', 'what the server went through').choices(['compromised', 'attempted', 'clean', 'no-history']).default('compromised'),
    )
    .option('--size <size>', 'approximate size of the benign log noise', '20MB')
    .option('--seed <n>', 'random seed (same seed, same folder)', String(DEFAULT_SEED))
    .option('--max-file-size <size>', 'largest log file before rolling over to the next', '100MB')
    .option('--threads <n>', 'worker threads generating logs (0 = one per core)', '0')
    .option('--host <name>', 'server name', 'EXCH01')
    .option('--force', 'write into a folder that is not empty')
    .action(async (out: string, flags: DemoFlags) => {
      const manifest = await generateDemo({
        out,
        profile: flags.profile,
        sizeBytes: parseSize('--size', flags.size),
        seed: parsePositiveInt('--seed', flags.seed),
        host: flags.host,
        force: flags.force === true,
        maxFileBytes: parseSize('--max-file-size', flags.maxFileSize),
        threads: flags.threads === '0' ? 0 : parsePositiveInt('--threads', flags.threads),
      });
      process.stderr.write(
        `exhunt demo: wrote ${flags.profile} triage folder ${out} (${manifest.planted.length} planted items); try: exhunt scan ${out}\n`,
      );
      setExit(EXIT_CLEAN);
    });
}
