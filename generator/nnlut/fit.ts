/**
 * The NN-LUT fitter (`lutnn fit-nnlut`). Two candidate tables are built on the integer grid of the
 * comparator operand and the one whose *hardware output* has the smaller maximum error is kept:
 *
 *   relu-net  NN-LUT's own method: a 1→(N−1)→1 ReLU network trained (Adam, MSE) on uniform samples
 *             of the range, converted to breakpoints, slopes and intercepts;
 *   minimax   a direct fit that places breakpoints to minimise the maximum error: the smallest ε
 *             for which a greedy partition into ≤ N segments with minimax lines of error ≤ ε exists
 *             (bisection on ε), each line the exact minimax (Chebyshev) line of its samples
 *             (every k-th operand integer, denser where the curvature needs it: fitSamples).
 *
 * Both then go through the same quantization: breakpoints on the input grid, slopes to
 * coefficient_bits (the planner's rule, generator/numeric/nnlut.ts), and each segment's slope
 * (±2 LSB around the rounded value) and intercept re-fitted as the minimax line *for the quantized
 * slope* over every representable input of the segment, so quantization does not double the error.
 * Deterministic: the only randomness is the network's initialisation, seeded.
 */
import type { RangeReduction, StreamFormat } from '../artifact/types.ts';
import { LutnnError } from '../errors.ts';
import { roundHalfEven, signedMax, signedMin } from '../numeric/fixed.ts';
import {
  dequantizeNnlut,
  evalNnlut,
  NNLUT_INTERCEPT_MAX_BITS,
  quantizeNnlut,
  reductionDomain,
  type NnlutQuantized,
} from '../numeric/nnlut.ts';
import { Rng } from '../util/rng.ts';
import type { NnlutFunction } from './functions.ts';

export type FitMethod = 'minimax' | 'relu-net';

export interface FitOptions {
  fn: NnlutFunction;
  segments: number;
  /** Real input range the table is judged on (and, without range reduction, fitted on). */
  range: [number, number];
  input: StreamFormat;
  output: StreamFormat;
  coefficientBits?: number;
  seed?: number;
  methods?: FitMethod[];
  /** Training steps of the ReLU network (default 2000). */
  reluSteps?: number;
}

export interface ErrorFigures {
  maxAbs: number;
  meanAbs: number;
  /** max |error| / |f(x)| over the inputs with |f(x)| ≥ REL_FLOOR. */
  maxRel: number;
  /** Representable inputs in the range. */
  points: number;
}

/** Relative error is taken where |f(x)| ≥ this (it is meaningless where f crosses 0). */
export const REL_FLOOR = 1 / 16;

export interface RealTableData {
  breakpoints: number[];
  slopes: number[];
  intercepts: number[];
}

export interface FitResult {
  function: string;
  range: [number, number];
  segments: number;
  input: StreamFormat;
  output: StreamFormat;
  rangeReduction: RangeReduction;
  coefficientBits: number;
  seed: number;
  method: FitMethod;
  /** Real values of the quantized table: the planner reproduces `quantized` from them exactly. */
  table: RealTableData;
  quantized: NnlutQuantized;
  errors: ErrorFigures;
  candidates: Partial<Record<FitMethod, ErrorFigures>>;
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

function checkOptions(o: FitOptions): void {
  const [lo, hi] = o.range;
  if (!Number.isInteger(o.segments) || o.segments < 2 || o.segments > 256) {
    throw new LutnnError('Invalid number of segments.', { field: '--segments', expected: 'an integer from 2 to 256', found: String(o.segments) });
  }
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(lo < hi)) {
    throw new LutnnError('Invalid fit range.', { field: '--range', expected: 'two finite numbers lo < hi', found: `${lo},${hi}` });
  }
  const problem = o.fn.domainProblem(lo, hi);
  if (problem) throw new LutnnError(`The range [${lo}, ${hi}] is outside the domain of ${o.fn.name}.`, { field: '--range', expected: problem, found: `${lo},${hi}` });
  const minReal = signedMin(o.input.bits) * o.input.scale;
  const maxReal = signedMax(o.input.bits) * o.input.scale;
  if (lo < minReal || hi > maxReal) {
    throw new LutnnError('The fit range does not fit the input format.', {
      field: '--range',
      expected: `a range inside [${minReal}, ${maxReal}] (INT${o.input.bits}, scale ${o.input.scale}), or a wider input format (--in-format)`,
      found: `${lo},${hi}`,
    });
  }
  if (Math.ceil(lo / o.input.scale) > Math.floor(hi / o.input.scale)) {
    throw new LutnnError('The fit range holds no representable input.', { field: '--range', expected: `a range at least one input LSB (${o.input.scale}) wide`, found: `${lo},${hi}` });
  }
}

// ---------------------------------------------------------------------------------------------
// Grids and targets
// ---------------------------------------------------------------------------------------------

/** The comparator-operand integers the table is fitted on, and the target in output LSBs. */
function fitGrid(o: FitOptions): { a: number; b: number; target: (m: number) => number } {
  const mode = o.fn.rangeReduction;
  const { domain } = reductionDomain(mode, o.input.bits);
  const [a, b] = mode === 'none' ? [Math.ceil(o.range[0] / o.input.scale), Math.floor(o.range[1] / o.input.scale)] : domain;
  return { a, b, target: (m) => o.fn.f(m * o.input.scale) / o.output.scale };
}

/** Error of a quantized table's hardware output against f over the representable inputs of the range. */
export function hardwareErrors(q: NnlutQuantized, fn: (x: number) => number, range: [number, number], input: StreamFormat, output: StreamFormat): ErrorFigures {
  const x0 = Math.ceil(range[0] / input.scale);
  const x1 = Math.floor(range[1] / input.scale);
  let maxAbs = 0;
  let sum = 0;
  let maxRel = 0;
  for (let x = x0; x <= x1; x++) {
    const ref = fn(x * input.scale);
    const e = Math.abs(evalNnlut(q, x) * output.scale - ref);
    maxAbs = Math.max(maxAbs, e);
    sum += e;
    if (Math.abs(ref) >= REL_FLOOR) maxRel = Math.max(maxRel, e / Math.abs(ref));
  }
  const points = x1 - x0 + 1;
  return { maxAbs, meanAbs: sum / points, maxRel, points };
}

// ---------------------------------------------------------------------------------------------
// Minimax lines and breakpoints
// ---------------------------------------------------------------------------------------------

interface Line {
  a: number;
  c: number;
  err: number;
}

/** Exact minimax line through samples i … j (golden-section search on the slope; E(a) is convex). */
export function minimaxLine(xs: Float64Array, ys: Float64Array, i: number, j: number): Line {
  if (j <= i) return { a: 0, c: ys[i], err: 0 };
  let amin = Infinity;
  let amax = -Infinity;
  for (let k = i; k < j; k++) {
    const s = (ys[k + 1] - ys[k]) / (xs[k + 1] - xs[k]);
    if (s < amin) amin = s;
    if (s > amax) amax = s;
  }
  const spread = (a: number): [number, number] => {
    let lo = Infinity;
    let hi = -Infinity;
    for (let k = i; k <= j; k++) {
      const r = ys[k] - a * xs[k];
      if (r < lo) lo = r;
      if (r > hi) hi = r;
    }
    return [lo, hi];
  };
  const E = (a: number) => {
    const [lo, hi] = spread(a);
    return hi - lo;
  };
  const g = (Math.sqrt(5) - 1) / 2;
  let l = amin;
  let r = amax;
  let p = r - g * (r - l);
  let q = l + g * (r - l);
  let ep = E(p);
  let eq = E(q);
  for (let it = 0; it < 48 && r - l > 1e-13 * (Math.abs(l) + Math.abs(r) + 1e-30); it++) {
    if (ep <= eq) {
      r = q;
      q = p;
      eq = ep;
      p = r - g * (r - l);
      ep = E(p);
    } else {
      l = p;
      p = q;
      ep = eq;
      q = l + g * (r - l);
      eq = E(q);
    }
  }
  const a = (l + r) / 2;
  const [lo, hi] = spread(a);
  return { a, c: (lo + hi) / 2, err: (hi - lo) / 2 };
}

/** Segment starts (sample indices) of a greedy partition with every segment's minimax error ≤ ε, or null if more than N are needed. */
function greedyPartition(xs: Float64Array, ys: Float64Array, eps: number, N: number): number[] | null {
  const n = xs.length;
  const starts: number[] = [];
  let i = 0;
  while (i < n) {
    if (starts.length === N) return null;
    starts.push(i);
    // Gallop, then bisect, for the longest segment from i within ε.
    let good = 0;
    let len = 1;
    while (i + len < n && minimaxLine(xs, ys, i, i + len).err <= eps) {
      good = len;
      len *= 2;
    }
    let bad = Math.min(len, n - i);
    while (bad - good > 1) {
      const mid = (good + bad) >> 1;
      if (minimaxLine(xs, ys, i, i + mid).err <= eps) good = mid;
      else bad = mid;
    }
    i += good + 1;
  }
  return starts;
}

/** Interpolation error (output LSBs) between samples the fit may overlook: curvier stretches get denser samples. */
const SAMPLE_CURVATURE_LSB = 0.25;

/**
 * Operand integers the minimax partition is computed on: every `stride`-th integer of [a, b] (at most
 * ~4096), plus, where the curvature would hide more than SAMPLE_CURVATURE_LSB between two samples
 * (|f''|·h²/8, f'' estimated by second divided differences of the samples), intermediate integers
 * close enough for it not to. Functions of mild curvature at their grid (GELU, exp, … at q6.10) keep the
 * uniform samples; 1/x or 1/sqrt(x) on a wide range such as NN-LUT's [1, 1024] get every integer
 * near the steep end, where the error is decided.
 */
function fitSamples(a: number, b: number, target: (m: number) => number): number[] {
  const n = b - a + 1;
  const stride = Math.max(1, Math.ceil(n / 4096));
  const pts: number[] = [];
  for (let m = a; m <= b; m += stride) pts.push(m);
  if (pts[pts.length - 1] !== b) pts.push(b);
  if (stride === 1 || pts.length < 3) return pts;
  const ys = pts.map(target);
  const curvature = (k: number) => {
    // |f''| at sample k (clamped to the interior), from the second divided difference.
    const j = Math.min(Math.max(k, 1), pts.length - 2);
    const d1 = (ys[j] - ys[j - 1]) / (pts[j] - pts[j - 1]);
    const d2 = (ys[j + 1] - ys[j]) / (pts[j + 1] - pts[j]);
    return Math.abs((2 * (d2 - d1)) / (pts[j + 1] - pts[j - 1]));
  };
  const out: number[] = [];
  for (let k = 0; k + 1 < pts.length; k++) {
    out.push(pts[k]);
    const h = pts[k + 1] - pts[k];
    const c = Math.max(curvature(k), curvature(k + 1));
    if (!(c * h * h > 8 * SAMPLE_CURVATURE_LSB)) continue; // also skips a NaN estimate
    const step = Math.max(1, Math.floor(Math.sqrt((8 * SAMPLE_CURVATURE_LSB) / c)));
    for (let m = pts[k] + step; m < pts[k + 1]; m += step) out.push(m);
  }
  out.push(pts[pts.length - 1]);
  return out;
}

/** Integer breakpoints of the minimax partition (at most N − 1, strictly increasing, in (a, b]). */
function minimaxBreakpoints(a: number, b: number, target: (m: number) => number, N: number): { breakpoints: number[]; slopes: number[] } {
  const pts = fitSamples(a, b, target);
  const xs = Float64Array.from(pts);
  const ys = Float64Array.from(pts, target);
  let lo = 0;
  let hi = minimaxLine(xs, ys, 0, xs.length - 1).err;
  let best = greedyPartition(xs, ys, hi, N)!;
  for (let it = 0; it < 40 && hi - lo > 1e-9 * hi; it++) {
    const mid = (lo + hi) / 2;
    const p = greedyPartition(xs, ys, mid, N);
    if (p) {
      best = p;
      hi = mid;
    } else lo = mid;
  }
  // Use spare segments (if any) by halving the worst segments.
  const ends = (s: number[], k: number) => (k + 1 < s.length ? s[k + 1] - 1 : xs.length - 1);
  while (best.length < N) {
    let worst = -1;
    let worstErr = -1;
    best.forEach((s, k) => {
      const e = ends(best, k);
      if (e - s < 1) return;
      const err = minimaxLine(xs, ys, s, e).err;
      if (err > worstErr) {
        worstErr = err;
        worst = k;
      }
    });
    if (worst < 0) break;
    const s = best[worst];
    best.splice(worst + 1, 0, s + Math.ceil((ends(best, worst) - s + 1) / 2));
  }
  const slopes = best.map((s, k) => minimaxLine(xs, ys, s, ends(best, k)).a);
  return { breakpoints: best.slice(1).map((s) => pts[s]), slopes };
}

// ---------------------------------------------------------------------------------------------
// NN-LUT's method: a 1→H→1 ReLU network
// ---------------------------------------------------------------------------------------------

interface ReluNet {
  n: Float64Array;
  b: Float64Array;
  m: Float64Array;
  c: number;
}

/** Trains NN(u) = c + Σ m_i·ReLU(n_i·u + b_i) on uniform samples of u ∈ [−1, 1] (full-batch Adam, MSE). */
export function trainReluNet(target: (u: number) => number, hidden: number, seed: number, steps = 2000, samples = 512): ReluNet {
  const rng = new Rng(seed);
  const us = Float64Array.from({ length: samples }, (_, k) => -1 + (2 * k) / (samples - 1));
  const vs = Float64Array.from(us, target);
  const H = hidden;
  const net: ReluNet = { n: new Float64Array(H), b: new Float64Array(H), m: new Float64Array(H), c: 0 };
  for (let i = 0; i < H; i++) {
    const d = -1 + (2 * (i + 0.5)) / H + (rng.next() - 0.5) / H;
    net.n[i] = rng.next() < 0.5 ? 1 : -1;
    net.b[i] = -net.n[i] * d;
    net.m[i] = 0.1 * rng.normal();
  }
  const P = 3 * H + 1;
  const mom = new Float64Array(P);
  const vel = new Float64Array(P);
  const grad = new Float64Array(P);
  const z = new Float64Array(H);
  const [beta1, beta2, lr0] = [0.9, 0.999, 0.02];
  for (let t = 1; t <= steps; t++) {
    grad.fill(0);
    for (let k = 0; k < samples; k++) {
      const u = us[k];
      let pred = net.c;
      for (let i = 0; i < H; i++) {
        z[i] = net.n[i] * u + net.b[i];
        if (z[i] > 0) pred += net.m[i] * z[i];
      }
      const r = (2 * (pred - vs[k])) / samples;
      grad[3 * H] += r;
      for (let i = 0; i < H; i++) {
        if (z[i] <= 0) continue;
        grad[i] += r * net.m[i] * u; // n
        grad[H + i] += r * net.m[i]; // b
        grad[2 * H + i] += r * z[i]; // m
      }
    }
    const lr = lr0 * 0.5 * (1 + Math.cos((Math.PI * t) / steps)) + 1e-4;
    for (let p = 0; p < P; p++) {
      mom[p] = beta1 * mom[p] + (1 - beta1) * grad[p];
      vel[p] = beta2 * vel[p] + (1 - beta2) * grad[p] * grad[p];
      const step = (lr * (mom[p] / (1 - beta1 ** t))) / (Math.sqrt(vel[p] / (1 - beta2 ** t)) + 1e-12);
      if (p < H) net.n[p] -= step;
      else if (p < 2 * H) net.b[p - H] -= step;
      else if (p < 3 * H) net.m[p - 2 * H] -= step;
      else net.c -= step;
    }
  }
  return net;
}

/** Converts the network to its piecewise-linear form: breakpoints d_i = −b_i/n_i, lines from the active units. */
export function reluNetToTable(net: ReluNet): { breakpoints: number[]; line: (u: number) => { a: number; c: number } } {
  const breakpoints = Array.from(net.n, (n, i) => (n === 0 ? Infinity : -net.b[i] / n)).filter(Number.isFinite).sort((p, q) => p - q);
  const line = (u: number) => {
    let a = 0;
    let c = net.c;
    for (let i = 0; i < net.n.length; i++) {
      if (net.n[i] * u + net.b[i] > 0) {
        a += net.m[i] * net.n[i];
        c += net.m[i] * net.b[i];
      }
    }
    return { a, c };
  };
  return { breakpoints, line };
}

function reluNetBreakpoints(a: number, b: number, target: (m: number) => number, N: number, seed: number, steps: number): { breakpoints: number[]; slopes: number[] } {
  const center = (a + b) / 2;
  const half = Math.max((b - a) / 2, 0.5);
  let ymin = Infinity;
  let ymax = -Infinity;
  for (let k = 0; k <= 256; k++) {
    const y = target(a + ((b - a) * k) / 256);
    ymin = Math.min(ymin, y);
    ymax = Math.max(ymax, y);
  }
  const ymid = (ymin + ymax) / 2;
  const yscale = Math.max((ymax - ymin) / 2, 1e-12);
  const net = trainReluNet((u) => (target(center + u * half) - ymid) / yscale, N - 1, seed, steps);
  const pwl = reluNetToTable(net);
  // Snap to the operand grid: the first integer at or above each breakpoint, inside (a, b], unique.
  const bps = [...new Set(pwl.breakpoints.map((d) => Math.ceil(center + d * half)).filter((m) => m > a && m <= b))].sort((p, q) => p - q);
  const slopes = [a, ...bps].map((start, i) => {
    const end = i < bps.length ? bps[i] - 1 : b;
    const { a: su } = pwl.line(((start + end) / 2 - center) / half);
    return (su * yscale) / half;
  });
  return { breakpoints: bps, slopes };
}

// ---------------------------------------------------------------------------------------------
// Quantization with intercept (and slope) re-fit
// ---------------------------------------------------------------------------------------------

/**
 * Integer table for given operand breakpoints and real slopes (output LSBs per operand LSB): F from
 * the planner's rule, then per segment the best quantized slope within ±2 of the rounded one with
 * its minimax intercept over every operand of the segment inside [a, b].
 */
function quantizeAndRefit(o: FitOptions, a: number, b: number, target: (m: number) => number, bps: number[], slopesLsb: number[]): NnlutQuantized {
  const coefficientBits = o.coefficientBits ?? 16;
  const N = bps.length + 1;
  // Provisional real lines (intercepts through the segment's midpoint) fix F.
  const lines = slopesLsb.map((s, i) => {
    const start = i === 0 ? a : bps[i - 1];
    const end = i < N - 1 ? bps[i] - 1 : b;
    const mid = Math.round((start + end) / 2);
    return { s, c: target(mid) - s * mid };
  });
  const real = {
    input: o.input,
    output: o.output,
    rangeReduction: o.fn.rangeReduction,
    coefficientBits,
    breakpoints: bps.map((m) => m * o.input.scale),
    slopes: lines.map((l) => (l.s * o.output.scale) / o.input.scale),
    intercepts: lines.map((l) => l.c * o.output.scale),
  };
  const q = quantizeNnlut(real, { field: `${o.fn.name} table` });
  const F = 2 ** q.fracBits;
  const sMax = signedMax(coefficientBits);
  const tMax = signedMax(NNLUT_INTERCEPT_MAX_BITS);
  for (let i = 0; i < N; i++) {
    const start = i === 0 ? a : Math.max(a, bps[i - 1]);
    const end = i < N - 1 ? Math.min(b, bps[i] - 1) : b;
    if (start > end) continue;
    let best = { err: Infinity, S: q.slopes[i], T: q.intercepts[i] };
    for (let d = -2; d <= 2; d++) {
      const S = Math.max(-sMax, Math.min(sMax, q.slopes[i] + d));
      let lo = Infinity;
      let hi = -Infinity;
      for (let m = start; m <= end; m++) {
        const r = target(m) * F - S * m;
        if (r < lo) lo = r;
        if (r > hi) hi = r;
      }
      const T = Math.max(-tMax, Math.min(tMax, roundHalfEven((lo + hi) / 2)));
      const err = Math.max(Math.abs(hi - T), Math.abs(T - lo));
      if (err < best.err) best = { err, S, T };
    }
    q.slopes[i] = best.S;
    q.intercepts[i] = best.T;
  }
  // What the planner will build from the real values written out (normally identical to q).
  const deq = dequantizeNnlut(q, o.input, o.output);
  return quantizeNnlut({ ...real, ...deq }, { field: `${o.fn.name} table` });
}

// ---------------------------------------------------------------------------------------------
// Entry point
// ---------------------------------------------------------------------------------------------

export function fitNnlut(o: FitOptions): FitResult {
  checkOptions(o);
  const seed = o.seed ?? 1;
  const methods = o.methods ?? ['relu-net', 'minimax'];
  const { a, b, target } = fitGrid(o);
  if (b - a + 1 < 2) throw new LutnnError('The fit range holds fewer than two representable inputs.', { field: '--range', expected: 'a wider range or a finer input format', found: `${o.range}` });
  const N = Math.min(o.segments, b - a + 1);
  let best: { method: FitMethod; q: NnlutQuantized; errors: ErrorFigures } | null = null;
  const candidates: FitResult['candidates'] = {};
  for (const method of methods) {
    const pwl = method === 'minimax' ? minimaxBreakpoints(a, b, target, N) : reluNetBreakpoints(a, b, target, N, seed, o.reluSteps ?? 2000);
    const q = quantizeAndRefit(o, a, b, target, pwl.breakpoints, pwl.slopes);
    const errors = hardwareErrors(q, o.fn.f, o.range, o.input, o.output);
    candidates[method] = errors;
    if (!best || errors.maxAbs < best.errors.maxAbs) best = { method, q, errors };
  }
  const chosen = best!;
  return {
    function: o.fn.name,
    range: o.range,
    segments: chosen.q.slopes.length,
    input: o.input,
    output: o.output,
    rangeReduction: o.fn.rangeReduction,
    coefficientBits: o.coefficientBits ?? 16,
    seed,
    method: chosen.method,
    table: dequantizeNnlut(chosen.q, o.input, o.output),
    quantized: chosen.q,
    errors: chosen.errors,
    candidates,
  };
}
