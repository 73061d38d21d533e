/**
 * A dependency-free SVG plot of an NN-LUT table: top panel the function f and the hardware output
 * (the quantized table, as the RTL computes it) with the breakpoints marked; bottom panel the
 * error hardware − f. Deterministic output (fixed number formatting).
 */
export interface PlotData {
  title: string;
  xs: number[];
  f: number[];
  table: number[];
  /** Breakpoints in input units (vertical marks). */
  breakpoints: number[];
}

const W = 900;
const H = 640;
const M = { left: 80, right: 20, top: 40, bottom: 40 };
const GAP = 50;

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}

function tick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e4 || a < 1e-3 ? v.toExponential(1) : Number(v.toPrecision(3)).toString();
}

function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((k) => k * mag).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return ticks;
}

function panel(
  xs: number[],
  series: { ys: number[]; color: string; label: string }[],
  top: number,
  height: number,
  marks: number[],
  ylabel: string,
): string {
  const x0 = xs[0];
  const x1 = xs[xs.length - 1];
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series) for (const y of s.ys) if (Number.isFinite(y)) (lo = Math.min(lo, y)), (hi = Math.max(hi, y));
  if (!(hi > lo)) (lo -= 1), (hi += 1);
  const pad = (hi - lo) * 0.05;
  lo -= pad;
  hi += pad;
  const width = W - M.left - M.right;
  const px = (x: number) => M.left + ((x - x0) / (x1 - x0 || 1)) * width;
  const py = (y: number) => top + height - ((y - lo) / (hi - lo)) * height;
  const out: string[] = [];
  out.push(`<rect x="${M.left}" y="${top}" width="${width}" height="${height}" fill="none" stroke="#888"/>`);
  for (const t of niceTicks(lo, hi)) {
    out.push(`<line x1="${M.left}" y1="${fmt(py(t))}" x2="${M.left + width}" y2="${fmt(py(t))}" stroke="#eee"/>`);
    out.push(`<text x="${M.left - 6}" y="${fmt(py(t) + 4)}" text-anchor="end" font-size="11">${tick(t)}</text>`);
  }
  for (const t of niceTicks(x0, x1)) {
    out.push(`<text x="${fmt(px(t))}" y="${top + height + 16}" text-anchor="middle" font-size="11">${tick(t)}</text>`);
  }
  for (const b of marks) if (b >= x0 && b <= x1) out.push(`<line x1="${fmt(px(b))}" y1="${top}" x2="${fmt(px(b))}" y2="${top + height}" stroke="#c8c8ff" stroke-dasharray="3,3"/>`);
  series.forEach((s, k) => {
    const pts = xs.map((x, i) => `${fmt(px(x))},${fmt(py(s.ys[i]))}`).join(' ');
    out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="1.2" points="${pts}"/>`);
    out.push(`<text x="${M.left + 10 + 180 * k}" y="${top + 16}" font-size="12" fill="${s.color}">${s.label}</text>`);
  });
  out.push(`<text x="16" y="${top + height / 2}" font-size="12" transform="rotate(-90 16 ${top + height / 2})" text-anchor="middle">${ylabel}</text>`);
  return out.join('\n');
}

/** At most `max` points (the largest |error| of each bucket is kept so spikes stay visible). */
function thin(d: PlotData, max = 1500): PlotData {
  if (d.xs.length <= max) return d;
  const step = Math.ceil(d.xs.length / max);
  const idx: number[] = [];
  for (let i = 0; i < d.xs.length; i += step) {
    let best = i;
    for (let j = i; j < Math.min(d.xs.length, i + step); j++) if (Math.abs(d.table[j] - d.f[j]) > Math.abs(d.table[best] - d.f[best])) best = j;
    idx.push(best);
  }
  return { ...d, xs: idx.map((i) => d.xs[i]), f: idx.map((i) => d.f[i]), table: idx.map((i) => d.table[i]) };
}

export function plotSvg(data: PlotData): string {
  const d = thin(data);
  const inner = H - M.top - M.bottom - GAP;
  const h1 = Math.round(inner * 0.6);
  const h2 = inner - h1;
  const err = d.xs.map((_, i) => d.table[i] - d.f[i]);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="24" text-anchor="middle" font-size="15">${d.title.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</text>`,
    panel(d.xs, [{ ys: d.f, color: '#1f77b4', label: 'f(x) (float)' }, { ys: d.table, color: '#d62728', label: 'table (hardware output)' }], M.top, h1, d.breakpoints, 'value'),
    panel(d.xs, [{ ys: err, color: '#2ca02c', label: 'error: hardware − f' }], M.top + h1 + GAP, h2, d.breakpoints, 'error'),
    '</svg>',
    '',
  ].join('\n');
}
