/**
 * The integer form of a hash-tree encoder (docs/number-formats.md §2a), computed independently of the
 * planner for tests: integer thresholds folded from (threshold, offset, scale, input scale), INT b
 * inputs, integer codes, and the count of inputs lying exactly on a threshold.
 */
import { halutLevelValue, type HalutModel } from '../../generator/import/halut.ts';
import { quantize, signedMax, signedMin } from '../../generator/numeric/fixed.ts';

/** §2a: u = (t/σ + o)/s_in; U = round(u) when u is an integer up to 1e-9 relative, else floor(u); T = clamp(U, lo − 1, hi). (C, K − 1), level-major. */
export function foldHalutThresholds(model: HalutModel, inputScale: number, bits: number): Int32Array {
  const { C, K, depth } = model;
  const lo = signedMin(bits);
  const hi = signedMax(bits);
  const out = new Int32Array(C * (K - 1));
  for (let c = 0; c < C; c++) {
    for (let l = 0; l < depth; l++) {
      const o = model.offsets[c * depth + l];
      const s = model.scales[c * depth + l];
      for (let n = 0; n < 2 ** l; n++) {
        const i = c * (K - 1) + 2 ** l - 1 + n;
        const u = (model.thresholds[i] / s + o) / inputScale;
        const r = Math.round(u);
        const U = Math.abs(u - r) <= 1e-9 * Math.max(1, Math.abs(u)) ? r : Math.floor(u);
        out[i] = Math.min(hi, Math.max(lo - 1, U));
      }
    }
  }
  return out;
}

/** Inputs on the INT `bits` grid at `scale` (round half to even, saturate; number-formats.md §1). */
export function quantizeHalutInputs(x: ArrayLike<number>, scale: number, bits: number): Int32Array {
  return Int32Array.from({ length: x.length }, (_, i) => quantize(x[i], scale, bits));
}

/** Integer codes: node = 2·node + (q[dim] > T[node]) per level; rows × C. */
export function encodeHalutInt(model: HalutModel, T: Int32Array, q: ArrayLike<number>): Int32Array {
  const { C, K, D, depth } = model;
  const rows = q.length / D;
  const out = new Int32Array(rows * C);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < C; c++) {
      let node = 0;
      for (let l = 0; l < depth; l++) node = 2 * node + (q[r * D + model.dims[c * depth + l]] > T[c * (K - 1) + 2 ** l - 1 + node] ? 1 : 0);
      out[r * C + c] = node;
    }
  }
  return out;
}

/**
 * Decisions taken on an input exactly equal to its node's threshold (after offset and scale), along
 * the path the float encoding follows, per level; `onAnyNode`: rows × codebooks × levels where the
 * input equals the threshold of any node of that level (reached or not).
 */
export function countHalutTies(model: HalutModel, x: ArrayLike<number>): { perLevel: number[]; total: number; onAnyNode: number } {
  const { C, K, D, depth } = model;
  const rows = x.length / D;
  const perLevel = new Array<number>(depth).fill(0);
  let onAnyNode = 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < C; c++) {
      let node = 0;
      for (let l = 0; l < depth; l++) {
        const v = halutLevelValue(model, x, r, c, l);
        const base = c * (K - 1) + 2 ** l - 1;
        const t = model.thresholds[base + node];
        if (v === t) perLevel[l]++;
        let any = false;
        for (let n = 0; n < 2 ** l; n++) any ||= model.thresholds[base + n] === v;
        if (any) onAnyNode++;
        node = 2 * node + (v > t ? 1 : 0);
      }
    }
  }
  return { perLevel, total: perLevel.reduce((a, b) => a + b, 0), onAnyNode };
}
