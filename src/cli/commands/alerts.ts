/**
 * @module `exhunt alerts`: send a test alert through channels, show the outbox state, and deliver
 * what is still queued. Only turns options into calls of src/alerts.
 */
import type { Command } from 'commander';
import { hostname } from 'node:os';
import type { AlertChannel } from '../../alerts/index.js';
import { Dispatcher, describeFlush, formatDuration, loadChannels, openOutbox, parseDuration, testAlert } from '../../alerts/index.js';
import type { ChannelStatus } from '../../alerts/index.js';
import { isSeverity } from '../../core/severity.js';
import { UsageError } from '../../core/errors.js';
import { StoreMissingError } from '../../store/index.js';
import { escapeTerminal } from '../../sinks/index.js';
import { EXIT_CLEAN, EXIT_ERROR } from '../exit-codes.js';

interface ChannelFlags {
  config?: string;
  channel: string[];
  timeout: string;
}

const collect = (v: string, acc: string[]): string[] => [...acc, v];

function timeoutMs(flag: string): number {
  const ms = parseDuration(flag);
  if (ms === null || ms <= 0) throw new UsageError(`--timeout: not a duration: "${flag}" (e.g. 10s, 2m)`);
  return ms;
}

function channelsFrom(uris: string[], flags: ChannelFlags): AlertChannel[] {
  if (uris.length === 0 && !flags.config) throw new UsageError('give a channel URI or --config FILE (see docs/alerts.md)');
  return loadChannels({ uris, configFile: flags.config ?? null, only: flags.channel });
}

function out(line: string): void {
  process.stdout.write(`${escapeTerminal(line)}\n`);
}

export function registerAlerts(program: Command, setExit: (code: number) => void): void {
  const alerts = program.command('alerts').summary('test alert channels, show and deliver the alert outbox');

  alerts
    .command('test')
    .description('send one test alert to each channel now (not through the outbox) and say whether it arrived')
    .argument('[uri...]', 'channel URIs (syslog+udp://, syslog+tcp://, syslog+tls://, webhook://, https://, hec+https://, smtp://)')
    .option('--config <file>', 'alerts config file (YAML); test its channels')
    .option('--channel <name>', 'only this channel of --config; repeatable', collect, [])
    .option('--severity <level>', 'severity of the test alert', 'info')
    .option('--host <name>', 'host name in the test alert (default: this machine)')
    .option('--timeout <duration>', 'time allowed per channel', '15s')
    .action(async (uris: string[], flags: ChannelFlags & { severity: string; host?: string }) => {
      if (!isSeverity(flags.severity)) throw new UsageError(`--severity: one of info, low, medium, high, critical`);
      const channels = channelsFrom(uris, flags);
      const limit = timeoutMs(flags.timeout);
      let failed = 0;
      for (const channel of channels) {
        const alert = testAlert({ host: flags.host ?? hostname(), severity: flags.severity });
        const started = Date.now();
        try {
          await channel.send([alert], AbortSignal.timeout(limit));
          out(`ok      ${channel.id}: test alert ${alert.key} sent to ${channel.target} in ${formatDuration(Date.now() - started)}`);
        } catch (e) {
          failed++;
          out(`FAILED  ${channel.id}: ${e instanceof Error ? e.message : String(e)}`);
        } finally {
          await channel.close().catch(() => undefined);
        }
      }
      setExit(failed > 0 ? EXIT_ERROR : EXIT_CLEAN);
    });

  alerts
    .command('status')
    .description('queue depth, delivered and failed counts, last success and last error of every channel in the store')
    .option('--store <path>', 'exhunt store (file or folder; default: the user data folder)')
    .option('--json', 'print the status as JSON')
    .option('--failures <n>', 'also list the last n failed alerts', '0')
    .action(async (flags: { store?: string; json?: boolean; failures: string }) => {
      let opened;
      try {
        opened = openOutbox({ path: flags.store ?? null, create: false });
      } catch (e) {
        if (e instanceof StoreMissingError) {
          if (flags.json) process.stdout.write(`${JSON.stringify({ store: e.path, channels: [] })}\n`);
          else out(`no alerts: there is no store at ${e.path}`);
          setExit(EXIT_CLEAN);
          return;
        }
        throw e;
      }
      try {
        const status = opened.outbox.status();
        const n = Number(flags.failures);
        const failures = Number.isInteger(n) && n > 0 ? opened.outbox.failures(null, n) : [];
        if (flags.json) {
          process.stdout.write(`${JSON.stringify({ store: opened.location, channels: status, failures })}\n`);
        } else {
          out(`store ${opened.location}`);
          if (status.length === 0) out('no alert channels have queued anything yet');
          for (const s of status) printStatus(s);
          for (const f of failures) out(`failed  ${f.channel}: ${f.ruleId} ${f.key} at ${f.at ?? '?'}: ${f.error ?? ''}`);
        }
        setExit(EXIT_CLEAN);
      } finally {
        await opened.close();
      }
    });

  alerts
    .command('flush')
    .description("deliver what is queued in the channels' outboxes (alerts a scan could not deliver in time)")
    .argument('[uri...]', 'channel URIs, as given to --alert')
    .option('--config <file>', 'alerts config file (YAML)')
    .option('--channel <name>', 'only this channel of --config; repeatable', collect, [])
    .option('--store <path>', 'exhunt store (file or folder; default: the user data folder)')
    .option('--timeout <duration>', 'stop waiting after this long; what is left stays queued', '60s')
    .action(async (uris: string[], flags: ChannelFlags & { store?: string }) => {
      const channels = channelsFrom(uris, flags);
      const limit = timeoutMs(flags.timeout);
      let opened;
      try {
        opened = openOutbox({ path: flags.store ?? null, create: false });
      } catch (e) {
        if (!(e instanceof StoreMissingError)) throw e;
        out(`nothing to deliver: there is no store at ${e.path}`);
        await Promise.all(channels.map((c) => c.close().catch(() => undefined)));
        setExit(EXIT_CLEAN);
        return;
      }
      try {
        const dispatcher = new Dispatcher({ outbox: opened.outbox, channels });
        const report = await dispatcher.flush({ timeoutMs: limit });
        await dispatcher.stop();
        for (const line of describeFlush(report)) out(line);
        setExit(report.some((r) => r.pending !== 0) ? EXIT_ERROR : EXIT_CLEAN);
      } finally {
        await opened.close();
      }
    });
}

function printStatus(s: ChannelStatus): void {
  const age = s.oldestPending ? `, oldest queued ${formatDuration(Date.now() - Date.parse(s.oldestPending))} ago` : '';
  out(`${s.channel}${s.target && s.target !== s.channel ? ` (${s.target})` : ''}`);
  out(`  queued ${s.pending}${age}; delivered ${s.delivered}; failed ${s.failed}; suppressed ${s.suppressed}`);
  out(`  last success: ${s.lastSuccessAt ?? 'never'}`);
  if (s.lastError) out(`  last error:   ${s.lastErrorAt ?? ''} ${s.lastError}`);
  if (s.deliveringPid !== null) out(`  being delivered by process ${s.deliveringPid}`);
}
