import { describe, expect, it } from 'vitest';
import { LutnnError } from '../../generator/errors.ts';
import { fitNnlut, hardwareErrors, minimaxLine } from '../../generator/nnlut/fit.ts';
import { NNLUT_FUNCTIONS, parseQFormat, userFunctionFromCsv } from '../../generator/nnlut/functions.ts';
import { quantizeNnlut } from '../../generator/numeric/nnlut.ts';

const q610 = { bits: 16, scale: 2 ** -10 };
const q48 = { bits: 12, scale: 2 ** -6 }; // q6.6

describe('NN-LUT fitter', () => {
  it('meets the GELU target: 16 segments on [-8, 8], q6.10 in and out, max |error| <= 4e-3', () => {
    const r = fitNnlut({ fn: NNLUT_FUNCTIONS.gelu, segments: 16, range: [-8, 8], input: q610, output: q610, seed: 1 });
    expect(r.segments).toBe(16);
    expect(r.errors.maxAbs).toBeLessThanOrEqual(4e-3);
    expect(r.errors.points).toBe(16385);
    // Both candidates were tried and the better one kept.
    expect(Object.keys(r.candidates).sort()).toEqual(['minimax', 'relu-net']);
    expect(r.errors.maxAbs).toBe(Math.min(r.candidates.minimax!.maxAbs, r.candidates['relu-net']!.maxAbs));
  });

  it('writes strictly increasing breakpoints that the planner quantizes back to exactly the fitted integers', () => {
    for (const name of ['gelu', 'exp', 'rsqrt', 'reciprocal', 'tanh']) {
      const fn = NNLUT_FUNCTIONS[name];
      const r = fitNnlut({ fn, segments: 8, range: fn.defaultRange, input: q48, output: q48, seed: 3, reluSteps: 300 });
      for (let i = 1; i < r.table.breakpoints.length; i++) expect(r.table.breakpoints[i]).toBeGreaterThan(r.table.breakpoints[i - 1]);
      const again = quantizeNnlut({ ...r.table, input: r.input, output: r.output, rangeReduction: r.rangeReduction, coefficientBits: r.coefficientBits });
      expect(again).toEqual(r.quantized);
      expect(hardwareErrors(again, fn.f, r.range, r.input, r.output)).toEqual(r.errors);
    }
  });

  it('fits NN-LUT\'s divide and invsqrt (1/x, 1/sqrt(x) without range reduction) on their training ranges', () => {
    const q12_4 = { bits: 16, scale: 2 ** -4 };
    const q3_13 = { bits: 16, scale: 2 ** -13 };
    for (const name of ['divide', 'invsqrt']) {
      const fn = NNLUT_FUNCTIONS[name];
      const r = fitNnlut({ fn, segments: 16, range: fn.defaultRange, input: q12_4, output: q3_13, coefficientBits: 24, methods: ['minimax'] });
      expect(r.rangeReduction).toBe('none');
      expect(r.range).toEqual(name === 'divide' ? [1, 1024] : [0.1, 1024]);
      // Dense fit samples where the curvature is (x near the low end): uniform ones (every 4th
      // integer) left 2.8e-2 (divide) and 0.41 (invsqrt) here.
      expect(r.errors.maxAbs).toBeLessThan(name === 'divide' ? 3e-3 : 6e-3);
      for (let i = 1; i < r.table.breakpoints.length; i++) expect(r.table.breakpoints[i]).toBeGreaterThan(r.table.breakpoints[i - 1]);
    }
    expect(() => fitNnlut({ fn: NNLUT_FUNCTIONS.divide, segments: 8, range: [0, 4], input: q48, output: q48 })).toThrow(/x > 0/);
  });

  it('error shrinks with more segments, and quantization does not double the minimax error', () => {
    const e = [8, 16, 32].map((n) => fitNnlut({ fn: NNLUT_FUNCTIONS.sigmoid, segments: n, range: [-8, 8], input: q610, output: q610, methods: ['minimax'] }).errors.maxAbs);
    expect(e[1]).toBeLessThan(e[0]);
    expect(e[2]).toBeLessThan(e[1]);
    // 32 segments: the float minimax error is ~ f''h²/16, tiny; what is left is output rounding (½ LSB) plus a little.
    expect(e[2]).toBeLessThan(2 * q610.scale);
  });

  it('is deterministic for a seed', () => {
    const a = fitNnlut({ fn: NNLUT_FUNCTIONS.silu, segments: 8, range: [-8, 8], input: q48, output: q48, seed: 5, reluSteps: 200 });
    const b = fitNnlut({ fn: NNLUT_FUNCTIONS.silu, segments: 8, range: [-8, 8], input: q48, output: q48, seed: 5, reluSteps: 200 });
    expect(a.table).toEqual(b.table);
    expect(a.candidates).toEqual(b.candidates);
  });

  it('fits a user function given as CSV samples', () => {
    const csv = 'x,y\n' + Array.from({ length: 41 }, (_, i) => `${-4 + i * 0.2},${Math.abs(-4 + i * 0.2)}`).join('\n');
    const fn = userFunctionFromCsv(csv, 'abs.csv');
    const r = fitNnlut({ fn, segments: 2, range: [-4, 4], input: q48, output: q48, methods: ['minimax'] });
    expect(r.errors.maxAbs).toBeLessThanOrEqual(q48.scale); // |x| is exactly two lines
  });

  it('finds the exact minimax line of samples', () => {
    const xs = Float64Array.from([0, 1, 2]);
    const ys = Float64Array.from([0, 1, 0]);
    const l = minimaxLine(xs, ys, 0, 2);
    expect(l.a).toBeCloseTo(0, 9);
    expect(l.err).toBeCloseTo(0.5, 9);
  });

  describe('refuses bad input', () => {
    const base = { fn: NNLUT_FUNCTIONS.gelu, segments: 8, range: [-8, 8] as [number, number], input: q610, output: q610 };
    it('a range the function is undefined on', () => {
      expect(() => fitNnlut({ ...base, fn: NNLUT_FUNCTIONS.rsqrt, range: [-1, 1] })).toThrow(/outside the domain of rsqrt/);
      expect(() => fitNnlut({ ...base, fn: NNLUT_FUNCTIONS.reciprocal, range: [0, 4] })).toThrow(LutnnError);
      expect(() => fitNnlut({ ...base, fn: NNLUT_FUNCTIONS.exp, range: [-8, 1] })).toThrow(/x ≤ 0/);
    });
    it('NaN and empty ranges', () => {
      expect(() => fitNnlut({ ...base, range: [NaN, 1] })).toThrow(/Invalid fit range/);
      expect(() => fitNnlut({ ...base, range: [2, 1] })).toThrow(/Invalid fit range/);
    });
    it('a range outside the input format', () => {
      expect(() => fitNnlut({ ...base, range: [-40, 8] })).toThrow(/does not fit the input format/);
    });
    it('bad segment counts and formats', () => {
      expect(() => fitNnlut({ ...base, segments: 1 })).toThrow(/segments/);
      expect(() => parseQFormat('q10.10', '--in')).toThrow(/2 ≤ I \+ F ≤ 16/);
      expect(() => parseQFormat('int8', '--in')).toThrow(LutnnError);
    });
    it('CSV samples with NaN or unsorted x', () => {
      expect(() => userFunctionFromCsv('0,0\n1,NaN\n', 'f.csv')).toThrow(/finite/);
      expect(() => userFunctionFromCsv('0,0\n2,1\n1,3\n', 'f.csv')).toThrow(/strictly increasing/);
    });
  });
});
