/**
 * Test entry point: `exhunt alerts …` as main.ts will run it once the command is registered there
 * (commander program, exit code from setExit, ExhuntError → message and exit code 2).
 */
import { Command, CommanderError } from 'commander';
import { registerAlerts } from '../../../src/cli/commands/alerts.js';
import { ExhuntError } from '../../../src/core/errors.js';

let code = 0;
const program = new Command().name('exhunt').exitOverride();
registerAlerts(program, (c) => {
  code = c;
});
const override = (c: Command): void => {
  c.exitOverride();
  c.commands.forEach(override);
};
override(program);
try {
  await program.parseAsync(process.argv);
  process.exitCode = code;
} catch (e) {
  if (e instanceof CommanderError) process.exitCode = e.exitCode === 0 ? 0 : 2;
  else if (e instanceof ExhuntError) {
    process.stderr.write(`exhunt: ${e.message}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`exhunt: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 2;
  }
}
