/**
 * @module Reading a saved copy of Microsoft's "Exchange Server build numbers and release dates"
 * page (learn.microsoft.com/exchange/new-features/build-numbers-and-release-dates): every table
 * row with four cells (product name, release date, short build, long build), the KB from the
 * name's link, and product, CU line, update type and name parsed from the product name
 * ("Exchange Server 2019 CU8 Mar21SU", "Update Rollup 32 for Exchange Server 2010 SP3",
 * "Exchange Server 2013 SP1" = CU4). Rows of products exhunt does not track (2007, 2010 before
 * SP3) are skipped and counted. A regular-expression reader is enough for this page: it only
 * needs `<tr>`/`<td>` cells and one `href` per row; nothing in it is executed.
 */
import type { BuildType, ProductId } from '../content/schema.js';
import { formatLong, parseBuild } from '../build.js';

export interface PageRow {
  readonly name: string;
  readonly product: ProductId;
  readonly line: string;
  readonly type: BuildType;
  readonly update: string | undefined;
  readonly kb: string | null;
  readonly released: string;
  readonly build: string;
  readonly buildLong: string;
  /** 1-based line of the row in the HTML, for problems. */
  readonly htmlLine: number;
}

export interface PageParse {
  readonly rows: PageRow[];
  readonly skipped: { readonly name: string; readonly why: string; readonly htmlLine: number }[];
}

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

function text(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, ' ')
    .replace(/<[^>]*>/g, '')
    .replace(/&nbsp;|&#160;/gi, ' ')
    .replace(/&amp;/gi, '&')
    .replace(/&lt;/gi, '<')
    .replace(/&gt;/gi, '>')
    .replace(/&quot;/gi, '"')
    .replace(/&#39;|&apos;/gi, "'")
    .replace(/\s+/g, ' ')
    .trim();
}

/** `March 2, 2021` → `2021-03-02`; `March 2021` → `2021-03`; ISO dates pass through. */
export function parseReleaseDate(s: string): string | null {
  const iso = /^(\d{4})-(\d{2})(?:-(\d{2}))?$/.exec(s);
  if (iso) return s;
  const m = /^([A-Za-z]+)\.?\s+(?:(\d{1,2}),?\s+)?(\d{4})$/.exec(s.trim());
  if (!m) return null;
  const month = MONTHS.findIndex((x) => x.startsWith((m[1] ?? '').toLowerCase().slice(0, 3)));
  if (month < 0) return null;
  const mm = String(month + 1).padStart(2, '0');
  return m[2] ? `${m[3]}-${mm}-${String(Number(m[2])).padStart(2, '0')}` : `${m[3]}-${mm}`;
}

/** Product, line, type and update from a product name as the page writes it; null when not tracked. */
export function parseProductName(name: string): { product: ProductId; line: string; type: BuildType; update: string | undefined } | string {
  const ru = /Update Rollup (\d+)(?:\s*v(\d))? for Exchange Server 2010 SP3/i.exec(name);
  if (ru) return { product: '2010', line: 'SP3', type: 'RU', update: `RU${ru[1] ?? ''}${ru[2] ? `v${ru[2]}` : ''}` };
  const p = /Exchange Server (2010|2013|2016|2019|SE)\b/i.exec(name);
  if (!p) return 'not an Exchange 2010 SP3, 2013, 2016, 2019 or SE build';
  const product = (p[1] ?? '').toUpperCase() as ProductId;
  const rest = name.slice((p.index ?? 0) + p[0].length);
  if (product === '2010') {
    if (/^\s*SP3\s*$/i.test(rest)) return { product, line: 'SP3', type: 'SP', update: undefined };
    return 'Exchange 2010 before SP3';
  }
  let line: string | undefined;
  const cu = /\bCU\s?(\d{1,2})\b/i.exec(rest);
  if (cu) line = `CU${cu[1] ?? ''}`;
  else if (/\bSP1\b/i.test(rest) && product === '2013') line = 'CU4';
  else if (/\bRTM\b/i.test(rest)) line = 'RTM';
  else if (/\bPreview\b/i.test(rest)) line = 'Preview';
  else if (rest.trim() === '') line = 'RTM';
  if (line === undefined) return `no CU line in "${name}"`;
  const upd = /\b([A-Z][a-z]{2}\d{2}(SU|HU)(?:v\d)?)\b/.exec(rest);
  if (upd) return { product, line, type: upd[2] === 'HU' ? 'HU' : 'SU', update: upd[1] };
  if (/\bSU\b|Security Update/i.test(rest)) return { product, line, type: 'SU', update: undefined };
  const type: BuildType = line === 'RTM' ? 'RTM' : line === 'Preview' ? 'Preview' : 'CU';
  return { product, line, type, update: undefined };
}

export function parseBuildPage(html: string): PageParse {
  const rows: PageRow[] = [];
  const skipped: PageParse['skipped'] = [];
  const lineAt = (index: number): number => html.slice(0, index).split('\n').length;
  for (const tr of html.matchAll(/<tr\b[^>]*>([\s\S]*?)<\/tr>/gi)) {
    const cells = [...(tr[1] ?? '').matchAll(/<t([dh])\b[^>]*>([\s\S]*?)<\/t\1>/gi)].map((c) => ({ th: c[1]?.toLowerCase() === 'h', html: c[2] ?? '' }));
    if (cells.length !== 4 || cells.some((c) => c.th)) continue;
    const [nameCell, dateCell, shortCell, longCell] = cells.map((c) => c.html);
    const name = text(nameCell ?? '');
    const htmlLine = lineAt(tr.index);
    const short = text(shortCell ?? '');
    const b = parseBuild(short);
    if (!b || b.revision === null) {
      skipped.push({ name, why: `build "${short}" is not a four-part build`, htmlLine });
      continue;
    }
    const parsed = parseProductName(name);
    if (typeof parsed === 'string') {
      skipped.push({ name, why: parsed, htmlLine });
      continue;
    }
    const released = parseReleaseDate(text(dateCell ?? ''));
    if (released === null) {
      skipped.push({ name, why: `release date "${text(dateCell ?? '')}" not understood`, htmlLine });
      continue;
    }
    const href = /href\s*=\s*["']([^"']*)["']/i.exec(nameCell ?? '')?.[1] ?? '';
    const kbNum = /(?:\/kb\/|\/help\/|[?&]kbid=|KB)(\d{6,8})\b/i.exec(href)?.[1] ?? /\bKB(\d{6,8})\b/i.exec(name)?.[1];
    const long = text(longCell ?? '');
    rows.push({
      name,
      ...parsed,
      kb: kbNum ? `KB${kbNum}` : null,
      released,
      build: `${b.major}.${b.minor}.${b.build}.${b.revision}`,
      buildLong: /^\d{2}\.\d{2}\.\d{4}\.\d{3}$/.test(long) ? long : formatLong(b),
      htmlLine,
    });
  }
  return { rows, skipped };
}
