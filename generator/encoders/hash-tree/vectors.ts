/**
 * Test-vector inputs at a hash tree's decisions (the encoder's `vectorInput`, used by
 * tb/vectors/lut-linear.ts): along the path of leaf k, the element a level splits on is put exactly
 * on that node's integer threshold when k goes left there (a tie: bit 0) and one step above when it
 * goes right, so the vector reaches leaf k through its ties (where the columns of the path allow).
 */
import type { LutLinearPlan } from '../../plan/types.ts';
import type { HashTreePlan } from './types.ts';

/** Element v of a codebook-c sub-vector on leaf k's path (the first level of the path splitting on v), else 0. */
export function hashTreeVectorInput(layer: LutLinearPlan, ht: HashTreePlan, c: number, k: number, v: number): number {
  void layer;
  const d = ht.depth;
  for (let l = 0; l < d; l++) {
    if (ht.splitDims[c * d + l] !== v) continue;
    const node = k >> (d - l);
    const right = (k >> (d - 1 - l)) & 1;
    const T = ht.thresholds[c * (2 ** d - 1) + 2 ** l - 1 + node];
    return right ? T + 1 : T;
  }
  return 0;
}
