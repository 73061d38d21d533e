/**
 * Maximum pipelining of the closest-centroid search (hw.yaml `pipeline: max`): every distance is a
 * registered reduction tree with one adder (or max) between registers, instead of a multiply-add
 * in one cycle. Shared by the planner (latency) and the emitter (RTL), so they cannot disagree.
 *
 * l2: e = ||p||² − 2·a·p with p a B-bit two's-complement coordinate,
 *   p = −p_{B−1}·2^{B−1} + Σ_{b<B−1} p_b·2^b  and  −a = ~a + 1, so
 *   −2·a·p = Σ_{p_{B−1}} (a ≪ B) + Σ_{b<B−1, p_b} (~a ≪ (b+1)) + 2·(p mod 2^{B−1}).
 *   Each term is a shifted input gated by one centroid bit (no multiplier), and the constant
 *   parts fold into one term. Everything is modulo 2^W, exact because the distance fits W bits.
 * l1 / chebyshev: |a_v − p_v| registered first, then a sum / max tree over v.
 */
import type { Metric } from '../../artifact/types.ts';
import { treeStages } from '../../plan/timing.ts';

export type DistanceTerm =
  /** A constant (norm plus folded corrections), already reduced to the signed W-bit range. */
  | { kind: 'const'; value: number }
  /** The centroid's norm from the centroid ROM. */
  | { kind: 'norm' }
  /** (bit b of coordinate v) ? (a_v ≪ shift, or ~a_v ≪ shift when inverted) : 0; `bit` −1 = always (constant centroid). */
  | { kind: 'pp'; v: number; bit: number; shift: number; inverted: boolean }
  /** 2·(p_v mod 2^{B−1}) from the centroid ROM. */
  | { kind: 'corr'; v: number };

/**
 * pipeline: max — centroids per first-level copy of a lane's input: the input is registered where
 * it enters the CCS, then reaches the K distance modules through a register per group of this many
 * centroids and a register in each distance module (three cycles, encoders/ccs/emit-distance.ts),
 * so no net both crosses the unit and drives more than about this many flops' worth of logic.
 */
export const CCS_FANOUT_GROUP = 4;

/** Cycles the input broadcast adds in front of the distance trees (pipeline: max). */
export const CCS_BROADCAST_STAGES = 3;

/** Value reduced modulo 2^W into the signed W-bit range. */
export function wrapSigned(value: number, W: number): number {
  const m = 2 ** W;
  const u = ((value % m) + m) % m;
  return u >= m / 2 ? u - m : u;
}

/** The terms of one l2 distance. `coords`/`norm` are given for constant centroids, null for ROM ones. */
export function l2Terms(V: number, B: number, W: number, coords: ArrayLike<number> | null, norm: number): DistanceTerm[] {
  const terms: DistanceTerm[] = [];
  if (coords === null) {
    terms.push({ kind: 'norm' });
    for (let v = 0; v < V; v++) {
      for (let b = 0; b < B - 1; b++) terms.push({ kind: 'pp', v, bit: b, shift: b + 1, inverted: true });
      terms.push({ kind: 'pp', v, bit: B - 1, shift: B, inverted: false });
      if (B > 1) terms.push({ kind: 'corr', v });
    }
    return terms;
  }
  let constant = norm;
  const pps: DistanceTerm[] = [];
  for (let v = 0; v < V; v++) {
    const u = ((coords[v] % 2 ** B) + 2 ** B) % 2 ** B;
    for (let b = 0; b < B - 1; b++) {
      if ((u >> b) & 1) {
        pps.push({ kind: 'pp', v, bit: -1, shift: b + 1, inverted: true });
        constant += 2 ** (b + 1);
      }
    }
    if ((u >> (B - 1)) & 1) pps.push({ kind: 'pp', v, bit: -1, shift: B, inverted: false });
  }
  const c = wrapSigned(constant, W);
  return c !== 0 || pps.length === 0 ? [{ kind: 'const', value: c }, ...pps] : pps;
}

/** Cycles from the CCS input to the distance register, for `pipeline: max`. */
export function maxPipelineDistanceStages(metric: Metric, V: number, B: number, W: number, centroids: Int32Array | null, norms: Float64Array, count: number): number {
  if (metric !== 'l2') return V === 1 ? 1 : 1 + treeStages(V);
  if (centroids === null) return treeStages(l2Terms(V, B, W, null, 0).length);
  let n = 1;
  for (let i = 0; i < count; i++) n = Math.max(n, l2Terms(V, B, W, centroids.subarray(i * V, (i + 1) * V), norms[i]).length);
  return treeStages(n);
}
