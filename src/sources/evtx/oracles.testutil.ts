/**
 * @module Test support (not exported from the EVTX index): the reference readers the
 * exactness tests compare exhunt with, Debian's `evtxexport` (libevtx-utils) and python-evtx
 * (python3-evtx, run with the system Python that has it), and the comparison rules.
 *
 * Oracle output is cached in `os.tmpdir()/exhunt-evtx-oracles/`, keyed by the SHA-256 of the
 * EVTX file and the oracle's name, so that only the first run pays for python-evtx's speed.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { parseWevtutilXml } from '../event-exports/wevtutil-xml.js';
import { toIso7 } from './time.js';

/**
 * `evtxexport` prints the records it finds in chunks ("items"); with `-m recovered`
 * (`evtxexport-recovered`) the records it recovers from damaged chunks and slack space.
 */
export type OracleName = 'evtxexport' | 'evtxexport-recovered' | 'python-evtx';

/** Interpreter with python-evtx: Debian's, not whatever `python3` is first on the PATH. */
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const PY_DUMP = `
import sys
from Evtx.Evtx import Evtx
out = sys.stdout
out.write('<Events>\\n')
with Evtx(sys.argv[1]) as log:
    for rec in log.records():
        out.write(rec.xml())
        out.write('\\n')
out.write('</Events>\\n')
`;

/** Which oracles can run here. */
export function availableOracles(): Record<'evtxexport' | 'python-evtx', boolean> {
  return {
    evtxexport: runs('evtxexport', ['-V']),
    'python-evtx': runs(PYTHON, ['-c', 'import Evtx.Evtx']),
  };
}

function runs(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore', timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

export interface OracleOutput {
  /** Exit status: non-zero when the oracle gave up part-way (its output up to there is kept). */
  readonly status: number;
  readonly xml: string;
  readonly fromCache: boolean;
}

const CACHE = join(tmpdir(), 'exhunt-evtx-oracles');

/** Runs an oracle over a file (or takes its cached output). */
export async function runOracle(oracle: OracleName, file: string): Promise<OracleOutput> {
  const key = `${createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 32)}.${oracle}`;
  const xmlPath = join(CACHE, `${key}.xml`);
  const statusPath = join(CACHE, `${key}.status`);
  if (existsSync(xmlPath) && existsSync(statusPath)) {
    return { status: Number(readFileSync(statusPath, 'utf8')), xml: readFileSync(xmlPath, 'utf8'), fromCache: true };
  }
  const [cmd, args] =
    oracle === 'evtxexport'
      ? ['evtxexport', ['-f', 'xml', file]]
      : oracle === 'evtxexport-recovered'
        ? ['evtxexport', ['-f', 'xml', '-m', 'recovered', file]]
        : [PYTHON, ['-c', PY_DUMP, file]];
  const { status, stdout } = await new Promise<{ status: number; stdout: string }>((resolve) => {
    execFile(cmd, args, { encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024, timeout: 30 * 60_000 }, (err, out) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
      resolve({ status: code, stdout: out });
    });
  });
  mkdirSync(CACHE, { recursive: true });
  writeFileSync(`${xmlPath}.tmp`, stdout);
  renameSync(`${xmlPath}.tmp`, xmlPath);
  writeFileSync(statusPath, String(status));
  return { status, xml: stdout, fromCache: false };
}

/** The events of an oracle's XML output, as flat fields (read with exhunt's export reader). */
export async function oracleEvents(xml: string, oracle: OracleName): Promise<Map<string, string>[]> {
  if (oracle !== 'python-evtx') xml = repairLibevtxXml(xml);
  const events: Map<string, string>[] = [];
  const input = { path: 'oracle.xml', open: () => Promise.resolve(Readable.from([Buffer.from(xml, 'utf8')])) };
  await parseWevtutilXml(input, {
    literals: null,
    onRecord: (r) => events.push(new Map(Object.entries(r.fields()))),
    onDiagnostic: () => undefined,
  });
  return events;
}

const TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,](\d+))?\s*(?:Z|[+-]\d{2}:?\d{2})?$/i;
const HEX = /^0x[0-9a-f]+$/i;
const GUID = /^\{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}$/i;
/**
 * python-evtx turns FILETIMEs into datetimes through floating point: its microseconds are off
 * by a few (2.2 µs seen in the corpus). Its times are compared within this slack.
 */
const PYTHON_TIME_SLACK_US = 10;

/** Microseconds since 1970 of a seven-digit ISO time. */
function micros(iso7: string): number {
  return Date.parse(`${iso7.slice(0, 19)}Z`) * 1000 + Number(iso7.slice(20, 26));
}

/**
 * Whether our value and an oracle's are the same value, allowing for differences of
 * rendering convention only (see docs/evtx.md, "Differences from libevtx and python-evtx"):
 * - hex integers: libevtx pads HexInt32/HexInt64 to 8/16 digits and python-evtx too; both
 *   write size_t in decimal; exhunt writes `0x` and unpadded lower-case hex as Windows does;
 * - times: compared to the precision the oracle writes (libevtx nine fraction digits for
 *   TimeCreated, three for FILETIME values; python-evtx six, with a space for `T`, and off by
 *   a few microseconds, see PYTHON_TIME_SLACK_US);
 * - GUIDs: python-evtx writes them in lower case;
 * - booleans: python-evtx writes `True`/`False`;
 * - binary: python-evtx writes base64, libevtx and exhunt upper-case hex.
 */
export function sameValue(ours: string, theirs: string, oracle: OracleName): boolean {
  const o = ours.trim();
  const t = theirs.trim();
  if (o === t) return true;
  if (HEX.test(o) && HEX.test(t)) return BigInt(o) === BigInt(t);
  if (GUID.test(o) && GUID.test(t)) return o.toUpperCase() === t.toUpperCase();
  const tm = TIME.exec(t);
  if (tm !== null && TIME.test(o)) {
    if (oracle === 'python-evtx') return Math.abs(micros(toIso7(o)) - micros(toIso7(t))) <= PYTHON_TIME_SLACK_US;
    const digits = Math.min(7, (tm[1] ?? '').length);
    const len = digits === 0 ? 19 : 20 + digits;
    return toIso7(o).slice(0, len) === toIso7(t).slice(0, len);
  }
  // size_t: Windows renders it as hex (it pairs with HexInt32/64); both oracles in decimal.
  if (HEX.test(o) && /^\d+$/.test(t)) return BigInt(o) === BigInt(t);
  if (oracle === 'python-evtx') {
    if ((t === 'True' || t === 'False') && o === t.toLowerCase()) return true;
    if (/^(?:[0-9A-F]{2})+$/.test(o) && /^[A-Za-z0-9+/]+={0,2}$/.test(t) && t.length % 4 === 0) return Buffer.from(t, 'base64').toString('hex').toUpperCase() === o;
  }
  return false;
}

/**
 * libevtx 20181227 writes some string values without XML escaping (the SOAP envelopes of
 * Microsoft-Windows-LiveId events): escape `<` and `>` inside `<Data>` elements again so that
 * its output reads as XML.
 */
export function repairLibevtxXml(xml: string): string {
  return xml.replace(/(<Data(?: Name="[^"]*")?>)([^\n]*?)(<\/Data>)/g, (whole, open: string, inner: string, close: string) =>
    inner.includes('<') ? `${open}${inner.replace(/</g, '&lt;').replace(/>/g, '&gt;')}${close}` : whole,
  );
}

/** Every .evtx under a folder, sorted, with paths relative to it. */
export function evtxFilesUnder(root: string, dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const r = rel === '' ? name : `${rel}/${name}`;
      const st = statSync(join(root, r));
      if (st.isDirectory()) walk(r);
      else if (name.toLowerCase().endsWith('.evtx')) out.push(r);
    }
  };
  if (existsSync(join(root, dir))) walk(dir);
  return out;
}
