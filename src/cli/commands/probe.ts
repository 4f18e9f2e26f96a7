/**
 * @module `exhunt probe`: fingerprint Exchange servers over HTTPS without credentials (options →
 * runProbe → the same report, files, history and exit codes as `exhunt inventory`).
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { exhuntVersion } from '../../content/package-root.js';
import { parseTarget, parseTargetsFile, proxyFromEnv, runProbe, type Target } from '../../inventory/index.js';
import { parsePositiveInt } from '../options.js';
import { addOutputOptions, commonRunOptions, emitResult, processIo, type CliIo, type OutputFlags } from './inventory.js';

interface ProbeFlags extends OutputFlags {
  targets?: string;
  port: string;
  concurrency: string;
  timeout: string;
  retries: string;
  insecure?: boolean;
  ca?: string;
  proxy?: string | boolean;
  checkCve202126855?: boolean;
  progress: boolean;
}

/** `10`, `10s`, `500ms`, `1.5s` → milliseconds. */
export function parseDuration(option: string, value: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s)?\s*$/i.exec(value);
  if (!m) throw new UsageError(`${option}: "${value}" is not a duration (examples: 10s, 500ms)`);
  const n = Number(m[1]) * (m[2]?.toLowerCase() === 'ms' ? 1 : 1000);
  if (n <= 0) throw new UsageError(`${option}: must be above zero`);
  return Math.round(n);
}

export function registerProbe(program: Command, setExit: (code: number) => void, io: CliIo = processIo): void {
  addOutputOptions(
    program
      .command('probe')
      .summary('fingerprint Exchange servers over HTTPS (no credentials) and evaluate their builds')
      .description(
        'Read each server\'s build without credentials: X-OWA-Version of the OWA logon page and of /EWS/Exchange.asmx, the build in the ' +
          'logon page\'s resource paths, and the exporttool manifest under /ecp/<build>/exporttool/ for the exact SU; then evaluate it like ' +
          '`exhunt inventory`. --check-cve-2021-26855 adds the one harmless request of Microsoft\'s nmap script. Exit 1 when any server ' +
          'is open to an exploited family, 2 on usage errors.',
      )
      .argument('[host...]', 'host, host:port or https://host:port'),
  )
    .option('--targets <file>', 'read targets from a file (one per line, # comments, or a CSV with a host column)')
    .option('--port <n>', 'port when a target names none', '443')
    .option('--concurrency <n>', 'servers probed at once', '50')
    .option('--timeout <duration>', 'deadline of each request (10s, 500ms)', '10s')
    .option('--retries <n>', 'retries after a network error, timeout or HTTP 502/503/504 (exponential backoff)', '2')
    .option('--insecure', 'accept any certificate (self-signed Exchange certificates)')
    .option('--ca <file>', 'also trust the CA certificates in this PEM file')
    .option('--proxy <url>', 'HTTPS proxy (CONNECT), e.g. http://proxy:3128 (default: HTTPS_PROXY, honouring NO_PROXY)')
    .option('--no-proxy', 'ignore HTTPS_PROXY')
    .option('--check-cve-2021-26855', "also send Microsoft's nmap-script request (GET /owa/auth/x.js with its cookie) and read X-CalculatedBETarget")
    .option('--no-progress', 'no progress line on standard error')
    .action(async (hosts: string[], flags: ProbeFlags) => {
      const port = parsePositiveInt('--port', flags.port);
      const targets: Target[] = hosts.map((h) => parseTarget(h, port));
      if (flags.targets !== undefined) {
        let text: string;
        try {
          text = readFileSync(flags.targets, 'utf8');
        } catch (e) {
          throw new UsageError(`--targets: cannot read ${flags.targets}: ${(e as Error).message}`);
        }
        targets.push(...parseTargetsFile(text, port));
      }
      if (targets.length === 0) throw new UsageError('probe: give at least one host or --targets FILE');
      let fixedProxy: URL | null = null;
      if (typeof flags.proxy === 'string') {
        try {
          fixedProxy = new URL(/^[a-z]+:\/\//i.test(flags.proxy) ? flags.proxy : `http://${flags.proxy}`);
        } catch {
          throw new UsageError(`--proxy: "${flags.proxy}" is not a URL`);
        }
      }
      const ca = flags.ca !== undefined ? readFileSync(flags.ca, 'utf8') : undefined;
      const showProgress = flags.progress && !flags.quiet && io.stderr.isTTY === true;
      const result = await runProbe({
        targets,
        concurrency: parsePositiveInt('--concurrency', flags.concurrency),
        ...commonRunOptions(flags, io),
        probe: {
          timeoutMs: parseDuration('--timeout', flags.timeout),
          retries: Number.isInteger(Number(flags.retries)) && Number(flags.retries) >= 0 ? Number(flags.retries) : parsePositiveInt('--retries', flags.retries),
          backoffMs: 250,
          insecure: flags.insecure === true,
          ...(ca !== undefined ? { ca } : {}),
          proxy: null,
          proxyFor: (t) => (flags.proxy === false ? null : (fixedProxy ?? proxyFromEnv(t.host))),
          maxBodyBytes: 512 * 1024,
          userAgent: `exhunt/${exhuntVersion()} (Exchange inventory probe)`,
          checkCve202126855: flags.checkCve202126855 === true,
        },
        ...(showProgress ? { onProgress: (d: number, n: number) => io.stderr.write(`\rprobed ${d}/${n}${d === n ? '\n' : ''}`) } : {}),
      });
      setExit(emitResult(result, flags, io));
    });
}
