/**
 * @module The trend chart as a self-contained SVG (no script, no external reference): one line
 * per family of the exposed-server count over the runs, x by run time, with axes and a legend.
 * All text is exhunt's own (family labels, dates), and is XML-escaped anyway.
 */
import type { Trend } from './trend.js';

const COLORS = ['#d62728', '#1f77b4', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf', '#393b79', '#637939'];

export function xmlEscape(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c);
}

export interface SvgOptions {
  readonly title?: string;
  /** Family id → label. */
  readonly labels?: ReadonlyMap<string, string>;
  readonly width?: number;
  readonly height?: number;
}

export function trendSvg(t: Trend, options: SvgOptions = {}): string {
  const W = options.width ?? 900;
  const H = options.height ?? 420;
  const m = { left: 56, right: 190, top: 40, bottom: 56 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const times = t.points.map((p) => Date.parse(p.run.startedAt));
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const maxY = Math.max(1, ...t.points.flatMap((p) => [...p.open.values()]));
  const yTicks = niceTicks(maxY);
  const top = yTicks[yTicks.length - 1] ?? maxY;
  const x = (i: number): number => {
    const ti = times[i] ?? t0;
    return m.left + (t1 === t0 ? (t.points.length <= 1 ? pw / 2 : (pw * i) / (t.points.length - 1)) : ((ti - t0) / (t1 - t0)) * pw);
  };
  const y = (v: number): number => m.top + ph - (v / top) * ph;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  parts.push(`<text x="${m.left}" y="24" font-size="15" font-weight="bold">${xmlEscape(options.title ?? 'Exchange servers open to each exploited family')}</text>`);
  for (const v of yTicks) {
    parts.push(`<line x1="${m.left}" x2="${m.left + pw}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e0e0e0"/>`);
    parts.push(`<text x="${m.left - 8}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${v}</text>`);
  }
  parts.push(`<line x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${m.top + ph}" stroke="#000"/>`);
  parts.push(`<line x1="${m.left}" x2="${m.left + pw}" y1="${m.top + ph}" y2="${m.top + ph}" stroke="#000"/>`);
  const labelEvery = Math.max(1, Math.ceil(t.points.length / 8));
  t.points.forEach((p, i) => {
    if (i % labelEvery !== 0 && i !== t.points.length - 1) return;
    parts.push(`<text x="${x(i).toFixed(1)}" y="${m.top + ph + 18}" text-anchor="middle">${xmlEscape(p.run.startedAt.slice(0, 10))}</text>`);
  });
  parts.push(`<text x="${m.left + pw / 2}" y="${H - 12}" text-anchor="middle">run date (UTC)</text>`);
  parts.push(`<text transform="translate(16 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle">servers open</text>`);
  t.families.forEach((fam, k) => {
    const color = COLORS[k % COLORS.length] ?? '#000';
    const pts = t.points.map((p, i) => `${x(i).toFixed(1)},${y(p.open.get(fam) ?? 0).toFixed(1)}`);
    if (pts.length === 1) parts.push(`<circle cx="${pts[0]?.split(',')[0]}" cy="${pts[0]?.split(',')[1]}" r="3" fill="${color}"/>`);
    else parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.join(' ')}"><title>${xmlEscape(options.labels?.get(fam) ?? fam)}</title></polyline>`);
    const ly = m.top + 14 + k * 18;
    parts.push(`<line x1="${W - m.right + 16}" x2="${W - m.right + 36}" y1="${ly - 4}" y2="${ly - 4}" stroke="${color}" stroke-width="3"/>`);
    parts.push(`<text x="${W - m.right + 42}" y="${ly}">${xmlEscape(options.labels?.get(fam) ?? fam)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

function niceTicks(max: number): number[] {
  const step = max <= 5 ? 1 : max <= 10 ? 2 : Math.pow(10, Math.floor(Math.log10(max))) * (max / Math.pow(10, Math.floor(Math.log10(max))) <= 2 ? 0.5 : max / Math.pow(10, Math.floor(Math.log10(max))) <= 5 ? 1 : 2);
  const out: number[] = [];
  for (let v = 0; v <= max + step * 0.999; v += step) out.push(Math.round(v));
  if ((out[out.length - 1] ?? 0) < max) out.push(Math.round((out[out.length - 1] ?? 0) + step));
  return out;
}
