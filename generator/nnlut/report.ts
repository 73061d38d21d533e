/** Error figures and plot of an NN-LUT table file (`lutnn report-nnlut`). */
import { LutnnError } from '../errors.ts';
import { signedMax, signedMin } from '../numeric/fixed.ts';
import type { StreamFormat } from '../artifact/types.ts';
import { evalNnlut, quantizeNnlut, type NnlutQuantized } from '../numeric/nnlut.ts';
import { hardwareErrors, type ErrorFigures } from './fit.ts';
import { knownFunctionsText, NNLUT_FUNCTIONS, NNLUT_JSON_OPS, type NnlutFunction } from './functions.ts';
import { plotSvg } from './plot.ts';
import type { NnlutTableFile } from './table-file.ts';

export interface TableReport {
  function: string;
  range: [number, number];
  /** Where the range came from, in words ("--range", "the fit range in the file", …). */
  rangeOrigin: string;
  segments: number;
  /** Segments no input of the comparator operand's range selects (repeated or out-of-range breakpoints). */
  emptySegments: number;
  quantized: NnlutQuantized;
  errors: ErrorFigures;
  svg: string;
}

/** The function a table approximates: --fn, else the name the file gives (an NN-LUT op or a lutnn function). */
export function tableFunction(t: Pick<NnlutTableFile, 'function' | 'source'>, fn: NnlutFunction | undefined, file: string): NnlutFunction {
  if (fn) return fn;
  const name = t.function === null ? undefined : Object.hasOwn(NNLUT_JSON_OPS, t.function) ? NNLUT_JSON_OPS[t.function].function : t.function;
  const f = name !== undefined && Object.hasOwn(NNLUT_FUNCTIONS, name) ? NNLUT_FUNCTIONS[name] : undefined;
  if (f) return f;
  const key = t.source === 'nnlut-json' ? 'op' : 'function';
  throw new LutnnError(t.function === null ? `The table file does not say which function it approximates (no "${key}").` : `The table file's ${key} ${JSON.stringify(t.function)} is not a function lutnn knows.`, {
    file,
    field: key,
    expected: `one of: ${knownFunctionsText()} — or name the function with --fn <name> (--fn user --points f.csv for sampled points)`,
    found: t.function === null ? 'no name' : JSON.stringify(t.function),
  });
}

/**
 * The range to judge on: --range as given (it must fit the input format and the function's
 * domain); otherwise the file's range (fit range, or NN-LUT's training range for its op) or the
 * function's default, clipped to what the input format can represent.
 */
function judgingRange(t: NnlutTableFile & { input: StreamFormat }, f: NnlutFunction, given: [number, number] | null, file: string): { range: [number, number]; origin: string } {
  const minReal = signedMin(t.input.bits) * t.input.scale;
  const maxReal = signedMax(t.input.bits) * t.input.scale;
  const fmt = `INT${t.input.bits}, scale ${t.input.scale}: [${minReal}, ${maxReal}]`;
  let range: [number, number];
  let origin: string;
  if (given) {
    if (given[0] < minReal || given[1] > maxReal) {
      throw new LutnnError('The --range does not fit the input format.', { file, field: '--range', expected: `a range inside the input format (${fmt}), or a wider --in-format`, found: given.join(',') });
    }
    range = given;
    origin = '--range';
  } else {
    const base = t.range ?? f.defaultRange;
    origin = t.range ? (t.source === 'nnlut-json' ? `NN-LUT's training range for ${t.function}` : 'the range in the file') : `the default range of ${f.name}`;
    range = [Math.max(base[0], minReal), Math.min(base[1], maxReal)];
    if (range[0] !== base[0] || range[1] !== base[1]) {
      if (!(range[0] < range[1])) {
        throw new LutnnError(`The input format cannot represent ${origin}.`, { file, field: '--in-format', expected: `a format that reaches [${base.join(', ')}], or --range`, found: fmt });
      }
      origin += ` [${base.join(', ')}] clipped to the input format`;
    }
  }
  const problem = f.domainProblem(range[0], range[1]);
  if (problem) throw new LutnnError(`The range [${range.join(', ')}] is outside the domain of ${f.name}.`, { file, field: given ? '--range' : 'range', expected: `${problem} (give --range)`, found: range.join(',') });
  if (Math.ceil(range[0] / t.input.scale) > Math.floor(range[1] / t.input.scale)) {
    throw new LutnnError('The judging range holds no representable input.', { file, field: '--range', expected: `a range at least one input LSB (${t.input.scale}) wide`, found: range.join(',') });
  }
  return { range, origin };
}

/** Segments whose operand interval [B_{i−1}, B_i − 1] within the operand's range is empty. */
export function emptySegmentCount(q: NnlutQuantized): number {
  const N = q.slopes.length;
  let empty = 0;
  for (let i = 0; i < N; i++) {
    const a = i === 0 ? q.domain[0] : Math.max(q.domain[0], q.breakpoints[i - 1]);
    const b = i === N - 1 ? q.domain[1] : Math.min(q.domain[1], q.breakpoints[i] - 1);
    if (a > b) empty++;
  }
  return empty;
}

export function reportTable(t: NnlutTableFile & { input: StreamFormat; output: StreamFormat }, fn: NnlutFunction | undefined, range: [number, number] | null, file: string): TableReport {
  const f = tableFunction(t, fn, file);
  const { range: r, origin } = judgingRange(t, f, range, file);
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
  return { function: f.name, range: r, rangeOrigin: origin, segments: q.slopes.length, emptySegments: emptySegmentCount(q), quantized: q, errors, svg };
}
