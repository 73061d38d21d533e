/**
 * Number formats of an NN-LUT unit (docs/number-formats.md §6), implemented once: the planner
 * quantizes a real-valued table with `quantizeNnlut`, the golden model and the fitter evaluate the
 * hardware's integer function with `evalNnlut`, and the Verilog template mirrors `evalNnlut`.
 *
 * A unit maps an input integer x (INT b_in, real s_in·x) to an output integer y (INT b_out, real
 * s_out·y):
 *
 *   range reduction (reciprocal, rsqrt only): x ≤ 0 → y = 2^(b_out−1) − 1; otherwise
 *     e = (b_in − 2) − msb(x)   (leading zeros of x[b_in−2:0]),  rsqrt: e ← e − (e mod 2)
 *     m = x · 2^e,  k = e (reciprocal) or e/2 (rsqrt);   without range reduction m = x, k = 0
 *   segment  i   = #{ j : m ≥ B_j }          (B sorted; N−1 comparators)
 *   acc          = S_i · m + T_i             (exact)
 *   y            = sat_b_out( floor((acc · 2^k + 2^(F−1)) / 2^F) )   (F > 0; F = 0: sat(acc · 2^k))
 */
import type { RangeReduction, StreamFormat } from '../artifact/types.ts';
import { LutnnError } from '../errors.ts';
import { MAX_EXACT_BITS, roundHalfEven, saturateSigned, signedBitsFor, signedMax, signedMin } from './fixed.ts';

/** Largest number of fraction bits F of the coefficients (below the output LSB). */
export const NNLUT_MAX_FRAC_BITS = 30;
/** Intercepts are held in at most this many signed bits. */
export const NNLUT_INTERCEPT_MAX_BITS = 32;
/** A real breakpoint within this many input LSBs of an integer is taken as that integer. */
export const BREAKPOINT_SNAP = 1e-9;

/** The real-valued description of a unit (artifact layer, fit result). */
export interface NnlutReal {
  input: StreamFormat;
  output: StreamFormat;
  rangeReduction: RangeReduction;
  coefficientBits: number;
  breakpoints: readonly number[];
  slopes: readonly number[];
  intercepts: readonly number[];
}

/** The integer table the hardware holds. */
export interface NnlutQuantized {
  inBits: number;
  outBits: number;
  rangeReduction: RangeReduction;
  /** N−1 integer thresholds on the comparator operand (x, or m with range reduction), clamped to [domain lo, domain hi + 1]. */
  breakpoints: Int32Array;
  /** N slopes, signed `slopeWidth` bits. */
  slopes: Int32Array;
  /** N intercepts in accumulator units (2^−F output LSBs). */
  intercepts: Int32Array;
  /** F: fraction bits of the accumulator below the output LSB. */
  fracBits: number;
  /** Range of the comparator operand: all of INT b_in, or the normalised range [2^(b_in−2) or 2^(b_in−3), 2^(b_in−1) − 1]. */
  domain: [number, number];
  /** Largest k (the output shift of the range reduction); 0 without range reduction. */
  maxShift: number;
}

/** Comparator-operand range and largest output shift for a range-reduction mode. */
export function reductionDomain(mode: RangeReduction, inBits: number): { domain: [number, number]; maxShift: number } {
  const hi = signedMax(inBits);
  if (mode === 'none') return { domain: [signedMin(inBits), hi], maxShift: 0 };
  if (mode === 'reciprocal') return { domain: [2 ** (inBits - 2), hi], maxShift: inBits - 2 };
  return { domain: [2 ** (inBits - 3), hi], maxShift: Math.floor((inBits - 2) / 2) };
}

/** Integer threshold of a real breakpoint d: the least q with q·s ≥ d (snapped when d/s is an integer up to rounding). */
export function breakpointToInt(d: number, scale: number): number {
  const u = d / scale;
  const r = Math.round(u);
  return Math.abs(u - r) <= BREAKPOINT_SNAP * Math.max(1, Math.abs(u)) ? r : Math.ceil(u);
}

/**
 * Quantize a real table to the hardware: breakpoints to input integers (clamped to the operand's
 * range), slopes to signed `coefficientBits` integers and intercepts to INT32, with the largest
 * common F ≤ NNLUT_MAX_FRAC_BITS at which every value fits. `file`/`field` name the source in errors.
 */
export function quantizeNnlut(t: NnlutReal, where: { file?: string; field: string } = { field: 'nnlut table' }): NnlutQuantized {
  const { input, output } = t;
  if (t.rangeReduction === 'rsqrt' && input.bits < 3) {
    throw new LutnnError('rsqrt range reduction needs at least 3 input bits.', { ...where, expected: 'input.bits >= 3', found: String(input.bits) });
  }
  const { domain, maxShift } = reductionDomain(t.rangeReduction, input.bits);
  const breakpoints = Int32Array.from(t.breakpoints, (d) => Math.min(domain[1] + 1, Math.max(domain[0], breakpointToInt(d, input.scale))));
  const slopeMax = signedMax(t.coefficientBits);
  const interceptMax = signedMax(NNLUT_INTERCEPT_MAX_BITS);
  const slopeUnit = input.scale / output.scale;
  const fits = (F: number) =>
    t.slopes.every((s) => Math.abs(roundHalfEven(s * slopeUnit * 2 ** F)) <= slopeMax) &&
    t.intercepts.every((c) => Math.abs(roundHalfEven((c / output.scale) * 2 ** F)) <= interceptMax);
  let F = NNLUT_MAX_FRAC_BITS;
  while (F > 0 && !fits(F)) F--;
  if (!fits(0)) {
    const worstSlope = Math.max(...t.slopes.map((s) => Math.abs(s * slopeUnit)));
    throw new LutnnError('The nnlut table does not fit its number formats.', {
      ...where,
      expected: `slopes within ±${slopeMax} input-to-output LSBs (coefficient_bits ${t.coefficientBits}) and intercepts within INT${NNLUT_INTERCEPT_MAX_BITS} output LSBs`,
      found: `a slope of ${worstSlope.toPrecision(6)} output LSBs per input LSB or an intercept of ${Math.max(...t.intercepts.map((c) => Math.abs(c / output.scale))).toPrecision(6)} output LSBs; widen coefficient_bits or change the scales`,
    });
  }
  return {
    inBits: input.bits,
    outBits: output.bits,
    rangeReduction: t.rangeReduction,
    breakpoints,
    slopes: Int32Array.from(t.slopes, (s) => roundHalfEven(s * slopeUnit * 2 ** F)),
    intercepts: Int32Array.from(t.intercepts, (c) => roundHalfEven((c / output.scale) * 2 ** F)),
    fracBits: F,
    domain,
    maxShift,
  };
}

/** Real values of a quantized table (what the hardware's constants mean), e.g. to write a fit file. */
export function dequantizeNnlut(q: NnlutQuantized, input: StreamFormat, output: StreamFormat): { breakpoints: number[]; slopes: number[]; intercepts: number[] } {
  const F = 2 ** q.fracBits;
  return {
    breakpoints: Array.from(q.breakpoints, (b) => b * input.scale),
    slopes: Array.from(q.slopes, (s) => ((s / F) * output.scale) / input.scale),
    intercepts: Array.from(q.intercepts, (c) => (c / F) * output.scale),
  };
}

/** Range reduction of a positive input: comparator operand m and output shift k. */
export function normalise(x: number, mode: RangeReduction, inBits: number): { m: number; k: number } {
  if (mode === 'none') return { m: x, k: 0 };
  let e = inBits - 2 - (31 - Math.clz32(x));
  if (mode === 'rsqrt') e -= e & 1;
  return { m: x * 2 ** e, k: mode === 'reciprocal' ? e : e / 2 };
}

/** Segment index of comparator operand m: the number of breakpoints ≤ m. */
export function segmentOf(q: NnlutQuantized, m: number): number {
  let seg = 0;
  for (let j = 0; j < q.breakpoints.length; j++) if (m >= q.breakpoints[j]) seg++;
  return seg;
}

/** The hardware's output integer for input integer x (bit-exact; see the file comment). */
export function evalNnlut(q: NnlutQuantized, x: number): number {
  if (q.rangeReduction !== 'none' && x <= 0) return signedMax(q.outBits);
  const { m, k } = normalise(x, q.rangeReduction, q.inBits);
  const seg = segmentOf(q, m);
  const v = (q.slopes[seg] * m + q.intercepts[seg]) * 2 ** k;
  const F = q.fracBits;
  const y = F > 0 ? Math.floor((v + 2 ** (F - 1)) / 2 ** F) : v;
  return saturateSigned(y, q.outBits);
}

/** Exact value ranges and widths of the datapath of one lane. */
export interface NnlutWidths {
  slopeWidth: number;
  interceptWidth: number;
  /** Range and signed width of S_i·m + T_i over the operands each segment can see. */
  accRange: [number, number];
  accWidth: number;
  /** Signed width of acc·2^k + 2^(F−1) for every k ≤ maxShift. */
  roundedWidth: number;
}

export function nnlutWidths(q: NnlutQuantized): NnlutWidths {
  const [dlo, dhi] = q.domain;
  let lo = 0;
  let hi = 0;
  const N = q.slopes.length;
  for (let i = 0; i < N; i++) {
    const a = i === 0 ? dlo : Math.max(dlo, q.breakpoints[i - 1]);
    const b = i === N - 1 ? dhi : Math.min(dhi, q.breakpoints[i] - 1);
    if (a > b) continue; // a segment no operand reaches
    for (const m of [a, b]) {
      const v = q.slopes[i] * m + q.intercepts[i];
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  let sMin = 0;
  let sMax = 0;
  let tMin = 0;
  let tMax = 0;
  for (let i = 0; i < N; i++) {
    sMin = Math.min(sMin, q.slopes[i]);
    sMax = Math.max(sMax, q.slopes[i]);
    tMin = Math.min(tMin, q.intercepts[i]);
    tMax = Math.max(tMax, q.intercepts[i]);
  }
  const round = q.fracBits > 0 ? 2 ** (q.fracBits - 1) : 0;
  const shift = 2 ** q.maxShift;
  return {
    slopeWidth: signedBitsFor(sMin, sMax),
    interceptWidth: signedBitsFor(tMin, tMax),
    accRange: [lo, hi],
    accWidth: signedBitsFor(lo, hi),
    roundedWidth: signedBitsFor(Math.min(lo, lo * shift) + round, Math.max(hi, hi * shift) + round),
  };
}

export { MAX_EXACT_BITS };
