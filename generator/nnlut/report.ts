/** Error figures and plot of an NN-LUT table file (`lutnn report-nnlut`). */
import { LutnnError } from '../errors.ts';
import { evalNnlut, quantizeNnlut, type NnlutQuantized, type StreamFmt } from '../numeric/nnlut.ts';
import { hardwareErrors, type ErrorFigures } from './fit.ts';
import { NNLUT_FUNCTIONS, type NnlutFunction } from './functions.ts';
import { plotSvg } from './plot.ts';
import type { NnlutTableFile } from './table-file.ts';

export interface TableReport {
  function: string;
  range: [number, number];
  segments: number;
  quantized: NnlutQuantized;
  errors: ErrorFigures;
  svg: string;
}

export function reportTable(t: NnlutTableFile & { input: StreamFmt; output: StreamFmt }, fn: NnlutFunction | undefined, range: [number, number] | null, file: string): TableReport {
  const f = fn ?? (t.function ? NNLUT_FUNCTIONS[t.function] : undefined);
  if (!f) {
    throw new LutnnError('Cannot tell which function the table approximates.', {
      file,
      field: 'function',
      expected: `one of ${Object.keys(NNLUT_FUNCTIONS).join(', ')} (or --fn / --points)`,
      found: JSON.stringify(t.function),
    });
  }
  const r = range ?? t.range ?? f.defaultRange;
  const q = quantizeNnlut(t, { file, field: 'table' });
  const errors = hardwareErrors(q, f.f, r, t.input, t.output);
  const x0 = Math.ceil(r[0] / t.input.scale);
  const x1 = Math.floor(r[1] / t.input.scale);
  const xs: number[] = [];
  const fy: number[] = [];
  const ty: number[] = [];
  for (let x = x0; x <= x1; x++) {
    xs.push(x * t.input.scale);
    fy.push(f.f(x * t.input.scale));
    ty.push(evalNnlut(q, x) * t.output.scale);
  }
  const title = `${f.name}: ${q.slopes.length} segments, INT${t.input.bits}→INT${t.output.bits}; max |e| ${errors.maxAbs.toExponential(2)}, mean |e| ${errors.meanAbs.toExponential(2)}`;
  const svg = plotSvg({ title, xs, f: fy, table: ty, breakpoints: t.rangeReduction === 'none' ? t.breakpoints : [] });
  return { function: f.name, range: r, segments: q.slopes.length, quantized: q, errors, svg };
}
