/**
 * The nonlinear functions lutnn fits NN-LUT tables for, in float64, with their domains and range
 * reduction (NN-LUT, DAC'22: GELU, exp for softmax, 1/x, 1/sqrt for LayerNorm, sigmoid, tanh, SiLU),
 * plus a user function given as sampled points (CSV, linear interpolation between them).
 */
import { readInputText } from '../util/read-input.ts';
import type { RangeReduction } from '../artifact/types.ts';
import { LutnnError } from '../errors.ts';

export interface NnlutFunction {
  name: string;
  f: (x: number) => number;
  rangeReduction: RangeReduction;
  /** Range used when the user gives none. */
  defaultRange: [number, number];
  /** Why a range is outside the domain, or null when it is fine. */
  domainProblem(lo: number, hi: number): string | null;
}

/** erf to ~1e-15: Taylor series for |x| ≤ 2.5, continued fraction of erfc beyond. */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax <= 2.5) {
    let term = ax;
    let sum = ax;
    const x2 = ax * ax;
    for (let n = 1; n < 200; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(x) = exp(−x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + …)))) evaluated backwards.
  let cf = 0;
  for (let n = 60; n >= 1; n--) cf = n / 2 / (ax + cf);
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + cf);
  return Math.sign(x) * (1 - erfc);
}

const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
const anywhere = () => null;

export const NNLUT_FUNCTIONS: Record<string, NnlutFunction> = {
  gelu: { name: 'gelu', f: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)), rangeReduction: 'none', defaultRange: [-8, 8], domainProblem: anywhere },
  silu: { name: 'silu', f: (x) => x * sigmoid(x), rangeReduction: 'none', defaultRange: [-8, 8], domainProblem: anywhere },
  sigmoid: { name: 'sigmoid', f: sigmoid, rangeReduction: 'none', defaultRange: [-8, 8], domainProblem: anywhere },
  tanh: { name: 'tanh', f: Math.tanh, rangeReduction: 'none', defaultRange: [-4, 4], domainProblem: anywhere },
  exp: {
    name: 'exp',
    f: Math.exp,
    rangeReduction: 'none',
    defaultRange: [-16, 0],
    domainProblem: (_lo, hi) => (hi > 0 ? 'exp is fitted for softmax inputs x ≤ 0 (x − max); the range must end at or below 0' : null),
  },
  reciprocal: {
    name: 'reciprocal',
    f: (x) => 1 / x,
    rangeReduction: 'reciprocal',
    defaultRange: [0.5, 16],
    domainProblem: (lo) => (lo <= 0 ? '1/x is defined (and range-reduced) for x > 0 only' : null),
  },
  rsqrt: {
    name: 'rsqrt',
    f: (x) => 1 / Math.sqrt(x),
    rangeReduction: 'rsqrt',
    defaultRange: [0.25, 16],
    domainProblem: (lo) => (lo <= 0 ? '1/sqrt(x) is defined (and range-reduced) for x > 0 only' : null),
  },
  // NN-LUT's own names for 1/x and 1/sqrt(x) (neulxf/NN-LUT run_nnlut_bench.py): the same functions
  // as reciprocal / rsqrt but *without* range reduction — x goes straight into the table — with
  // the ranges NN-LUT trains them on.
  divide: {
    name: 'divide',
    f: (x) => 1 / x,
    rangeReduction: 'none',
    defaultRange: [1, 1024],
    domainProblem: (lo) => (lo <= 0 ? '1/x (divide) is fitted for x > 0 only' : null),
  },
  invsqrt: {
    name: 'invsqrt',
    f: (x) => 1 / Math.sqrt(x),
    rangeReduction: 'none',
    defaultRange: [0.1, 1024],
    domainProblem: (lo) => (lo <= 0 ? '1/sqrt(x) (invsqrt) is defined for x > 0 only' : null),
  },
};

export const BUILTIN_FUNCTION_NAMES = Object.keys(NNLUT_FUNCTIONS);

/**
 * The op names of the public NN-LUT re-implementation (neulxf/NN-LUT, `nnlut/run_nnlut_bench.py`,
 * OP_CFG) with the lutnn function each one is and the input range NN-LUT trained it on — the
 * default range a table of that op is judged on. NN-LUT has no range reduction: every one of these
 * tables takes x itself.
 */
export const NNLUT_JSON_OPS: Record<string, { function: string; trainedRange: [number, number] }> = {
  silu: { function: 'silu', trainedRange: [-10, 10] },
  gelu: { function: 'gelu', trainedRange: [-10, 10] },
  exp: { function: 'exp', trainedRange: [-256, 0] },
  divide: { function: 'divide', trainedRange: [1, 1024] },
  invsqrt: { function: 'invsqrt', trainedRange: [0.1, 1024] },
};

/** "Known names" text for error messages about function / op names. */
export function knownFunctionsText(): string {
  return `NN-LUT ops ${Object.keys(NNLUT_JSON_OPS).join(', ')}; lutnn functions ${BUILTIN_FUNCTION_NAMES.join(', ')}`;
}

/** Parses "x,y" lines (a header line and blank lines are skipped) into a piecewise-linear user function. */
export function userFunctionFromCsv(text: string, file: string): NnlutFunction {
  const xs: number[] = [];
  const ys: number[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const cells = trimmed.split(/[,;\t]/).map((c) => c.trim());
    if (i === 0 && cells.some((c) => c !== '' && Number.isNaN(Number(c))) && !cells.some((c) => /^nan$/i.test(c))) return; // header
    const [x, y] = cells.map(Number);
    if (cells.length < 2 || !Number.isFinite(x) || !Number.isFinite(y)) {
      throw new LutnnError('Bad sample in the user function CSV.', { file, field: `line ${i + 1}`, expected: 'two finite numbers "x,y"', found: JSON.stringify(trimmed) });
    }
    if (xs.length > 0 && x <= xs[xs.length - 1]) {
      throw new LutnnError('User function samples must have strictly increasing x.', { file, field: `line ${i + 1}`, expected: `x > ${xs[xs.length - 1]}`, found: String(x) });
    }
    xs.push(x);
    ys.push(y);
  });
  if (xs.length < 2) throw new LutnnError('The user function CSV has fewer than two samples.', { file, expected: 'at least two "x,y" lines', found: `${xs.length}` });
  const f = (x: number) => {
    let lo = 0;
    let hi = xs.length - 1;
    if (x <= xs[0]) return ys[0];
    if (x >= xs[hi]) return ys[hi];
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (xs[mid] <= x) lo = mid;
      else hi = mid;
    }
    return ys[lo] + ((ys[hi] - ys[lo]) * (x - xs[lo])) / (xs[hi] - xs[lo]);
  };
  const first = xs[0];
  const last = xs[xs.length - 1];
  return {
    name: 'user',
    f,
    rangeReduction: 'none',
    defaultRange: [first, last],
    domainProblem: (lo, hi) => (lo < first || hi > last ? `the samples cover [${first}, ${last}] only` : null),
  };
}

export async function loadUserFunction(file: string): Promise<NnlutFunction> {
  const text = await readInputText(file, 'user function CSV', 'a readable CSV file of "x,y" lines');
  return userFunctionFromCsv(text, file);
}

/** "q6.10" → 16 bits, scale 2^−10 (I integer bits including the sign, F fraction bits). */
export function parseQFormat(text: string, field: string): { bits: number; scale: number } {
  const m = /^[qQ](\d+)\.(\d+)$/.exec(text.trim());
  const bits = m ? Number(m[1]) + Number(m[2]) : NaN;
  if (!m || Number(m[1]) < 1 || bits < 2 || bits > 16) {
    throw new LutnnError(`Invalid fixed-point format for ${field}.`, {
      field,
      expected: 'qI.F with I ≥ 1 integer bits (sign included) and 2 ≤ I + F ≤ 16 bits, e.g. q6.10',
      found: JSON.stringify(text),
    });
  }
  return { bits, scale: 2 ** -Number(m[2]) };
}
