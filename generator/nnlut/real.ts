/**
 * The real-valued piecewise-linear function an nnlut table describes (float reference, fitter and
 * accuracy report): the same segments and range reduction as the hardware, without quantization.
 */
import type { RangeReduction } from '../artifact/types.ts';

export interface RealTable {
  breakpoints: readonly number[];
  slopes: readonly number[];
  intercepts: readonly number[];
}

/** Segment of a real operand: the number of breakpoints ≤ v. */
export function realSegment(t: RealTable, v: number): number {
  let lo = 0;
  let hi = t.breakpoints.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (v >= t.breakpoints[mid]) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function evalRealTable(t: RealTable, v: number): number {
  const i = realSegment(t, v);
  return t.slopes[i] * v + t.intercepts[i];
}

/**
 * Real normalised range [lo, hi) of the range reduction for an input format: the table covers
 * [2^(b−2)·s, 2^(b−1)·s) for 1/x and [2^(b−3)·s, 2^(b−1)·s) for 1/sqrt(x).
 */
export function normalisedRange(mode: Exclude<RangeReduction, 'none'>, inBits: number, inScale: number): [number, number] {
  return [2 ** (inBits - (mode === 'reciprocal' ? 2 : 3)) * inScale, 2 ** (inBits - 1) * inScale];
}

/** The table with range reduction applied to a real input; `nonPositive` is returned for x ≤ 0. */
export function evalReduced(t: RealTable, mode: RangeReduction, inBits: number, inScale: number, x: number, nonPositive: number): number {
  if (mode === 'none') return evalRealTable(t, x);
  if (!(x > 0)) return nonPositive;
  const [lo, hi] = normalisedRange(mode, inBits, inScale);
  const step = mode === 'reciprocal' ? 1 : 2;
  let e = 0;
  let m = x;
  while (m < lo) {
    m *= 2 ** step;
    e += step;
  }
  while (m >= hi) {
    m /= 2 ** step;
    e -= step;
  }
  const k = mode === 'reciprocal' ? e : e / 2;
  return 2 ** k * evalRealTable(t, m);
}
