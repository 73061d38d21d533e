/**
 * Golden model of a hash-tree encoder, from the plan's integers only: per codebook and level
 * `node = 2·node + (q[dim] > T[2^l − 1 + node])` (docs/number-formats.md §2a), bit-exact with the RTL.
 */
import type { LutLinearPlan } from '../../plan/types.ts';
import type { HashTreePlan } from './types.ts';

/** The leaf (0 … 2^d − 1) of every codebook for one input vector at x[xOffset …]. */
export function encodeHashTree(layer: LutLinearPlan, ht: HashTreePlan, x: ArrayLike<number>, xOffset: number, out: Int32Array): Int32Array {
  const { C, V } = layer.dims;
  const d = ht.depth;
  const nodes = 2 ** d - 1;
  for (let c = 0; c < C; c++) {
    let node = 0;
    for (let l = 0; l < d; l++) {
      const q = x[xOffset + c * V + ht.splitDims[c * d + l]];
      node = 2 * node + (q > ht.thresholds[c * nodes + 2 ** l - 1 + node] ? 1 : 0);
    }
    out[c] = node;
  }
  return out;
}
