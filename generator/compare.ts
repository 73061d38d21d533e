/**
 * `lutnn compare` as a library call: one lut_linear layer as LUT-NN hardware and as the MAC-array
 * baseline of equal throughput (same ports, same outputs per cycle, same initiation interval),
 * both synthesised for one target, side by side: resources, Fmax (iCE40), cycles per vector,
 * latency and area × cycles.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { genMac, portable } from './gen-mac.ts';
import { genRtl } from './gen-rtl.ts';
import { LutnnError } from './errors.ts';
import { synthDesign, type SynthResult } from './synth/run.ts';
import { RESOURCES } from './synth/targets.ts';

export interface CompareOptions {
  /** Folder with model.json (and optionally hw.yaml), e.g. examples/lut_linear_64x32. */
  example?: string;
  model?: string;
  config?: string;
  target: string;
  out: string;
  pnr?: boolean;
  freqMhz?: number;
  /** Generate both designs only (no synthesis). */
  generateOnly?: boolean;
  onStage?: (s: string) => void;
}

export interface CompareSide {
  design: string;
  synth: SynthResult | null;
  ii: number;
  latency: number;
}

export interface CompareResult {
  lut: CompareSide;
  mac: CompareSide;
  rows: { metric: string; lut: number | null; mac: number | null; ratio: number | null }[];
  text: string;
}

export function resolveInputs(o: Pick<CompareOptions, 'example' | 'model' | 'config'>): { model: string; config?: string } {
  if (o.model) return { model: o.model, config: o.config };
  if (!o.example) throw new LutnnError('Nothing to compare.', { field: '<example-dir> or --model', expected: 'a folder with model.json, or --model', found: 'neither' });
  const model = join(o.example, 'model.json');
  if (!existsSync(model)) throw new LutnnError('Not an artifact folder.', { file: model, expected: 'model.json (docs/artifact-format.md) in the folder', found: 'no such file' });
  const config = o.config ?? (existsSync(join(o.example, 'hw.yaml')) ? join(o.example, 'hw.yaml') : undefined);
  return { model, config };
}

function ratio(a: number | null, b: number | null): number | null {
  return a === null || b === null || b === 0 ? null : a / b;
}

function fmt(v: number | null, digits = 1): string {
  if (v === null || !Number.isFinite(v)) return '-';
  return Number.isInteger(v) ? String(v) : v.toFixed(digits);
}

export function compareRows(lut: CompareSide, mac: CompareSide): CompareResult['rows'] {
  const rows: CompareResult['rows'] = [];
  const a = lut.synth?.report;
  const b = mac.synth?.report;
  const asic = a?.asic && b?.asic ? { a: a.asic, b: b.asic } : null;
  if (a && b && asic) {
    // ASIC: cell counts, then area (the figure that matters).
    for (const r of ['LUT', 'FF'] as const) rows.push({ metric: `${a.labels[r]}`, lut: a.total[r], mac: b.total[r], ratio: ratio(a.total[r], b.total[r]) });
    rows.push({ metric: 'area (kGE)', lut: asic.a.kGE, mac: asic.b.kGE, ratio: ratio(asic.a.kGE, asic.b.kGE) });
    rows.push({ metric: 'longest path (ps, ABC)', lut: asic.a.worstDelayPs, mac: asic.b.worstDelayPs, ratio: ratio(asic.a.worstDelayPs, asic.b.worstDelayPs) });
  } else if (a && b) {
    for (const r of RESOURCES) rows.push({ metric: `${a.labels[r]}`, lut: a.total[r], mac: b.total[r], ratio: ratio(a.total[r], b.total[r]) });
    if (a.estimate && b.estimate) rows.push({ metric: `${a.labels.LUT} (estimate)`, lut: a.estimate.total.LUT, mac: b.estimate.total.LUT, ratio: ratio(a.estimate.total.LUT, b.estimate.total.LUT) });
  }
  const fa = a?.pnr?.fmaxMhz ?? null;
  const fb = b?.pnr?.fmaxMhz ?? null;
  if (fa !== null || fb !== null) rows.push({ metric: 'Fmax (MHz, nextpnr)', lut: fa, mac: fb, ratio: ratio(fa, fb) });
  rows.push({ metric: 'cycles per vector (II)', lut: lut.ii, mac: mac.ii, ratio: ratio(lut.ii, mac.ii) });
  rows.push({ metric: 'latency (cycles)', lut: lut.latency, mac: mac.latency, ratio: ratio(lut.latency, mac.latency) });
  if (asic) {
    const la = asic.a.kGE * lut.ii;
    const lb = asic.b.kGE * mac.ii;
    rows.push({ metric: 'area x cycles (kGE x II)', lut: la, mac: lb, ratio: ratio(la, lb) });
  } else if (a && b) {
    const la = a.total.LUT * lut.ii;
    const lb = b.total.LUT * mac.ii;
    rows.push({ metric: `area x cycles (${a.labels.LUT} x II)`, lut: la, mac: lb, ratio: ratio(la, lb) });
  }
  if (fa !== null && fb !== null) {
    const ta = (1000 * lut.ii) / fa;
    const tb = (1000 * mac.ii) / fb;
    rows.push({ metric: 'time per vector (ns)', lut: ta, mac: tb, ratio: ratio(ta, tb) });
  }
  return rows;
}

export function formatCompare(target: string, rows: CompareResult['rows'], lutDesign: string, macDesign: string): string {
  const table = [['', 'LUT-NN', 'MAC array', 'LUT-NN / MAC'], ...rows.map((r) => [r.metric, fmt(r.lut), fmt(r.mac), r.ratio === null ? '-' : r.ratio.toFixed(2)])];
  const widths = table[0].map((_, c) => Math.max(...table.map((r) => r[c].length)));
  const lines = table.map((r) => r.map((s, c) => (c === 0 ? s.padEnd(widths[c]) : s.padStart(widths[c]))).join('  ').trimEnd());
  return `compare    ${target}: ${lutDesign} (LUT-NN) versus ${macDesign} (MAC array, equal throughput)\n\n${lines.join('\n')}\n`;
}

export async function compareLayer(o: CompareOptions): Promise<CompareResult> {
  const stage = o.onStage ?? (() => {});
  const { model, config } = resolveInputs(o);
  const lutDir = join(o.out, 'lut');
  const macDir = join(o.out, 'mac');
  stage('generating the LUT-NN design');
  const lut = await genRtl({ model, config, out: lutDir });
  stage('generating the MAC baseline');
  const cmd = ['npx lutnn compare', o.example ? portable(o.example) : `--model ${portable(model)}`];
  if (config && (o.config || !o.example)) cmd.push(`--config ${portable(config)}`);
  cmd.push('--no-synth', `-o ${portable(o.out)}`);
  const mac = await genMac({ model, config, out: macDir, regenerateCommand: cmd.join(' ') });
  const lutSide: CompareSide = { design: lutDir, synth: null, ii: lut.plan.timing.initiationInterval, latency: lut.plan.timing.latency };
  const macSide: CompareSide = { design: macDir, synth: null, ii: mac.plan.timing.initiationInterval, latency: mac.plan.timing.latency };
  if (!o.generateOnly) {
    lutSide.synth = await synthDesign(lutDir, { target: o.target, pnr: o.pnr, freqMhz: o.freqMhz, onStage: (s) => stage(`LUT-NN: ${s}`) });
    macSide.synth = await synthDesign(macDir, { target: o.target, pnr: o.pnr, freqMhz: o.freqMhz, onStage: (s) => stage(`MAC: ${s}`) });
  }
  const rows = compareRows(lutSide, macSide);
  return { lut: lutSide, mac: macSide, rows, text: formatCompare(o.target, rows, lut.plan.top, mac.plan.top) };
}
