/** Uniform test vectors over the input range (the `vectors` of kind mac_linear, generator/kinds/mac-linear.ts). */
import type { DesignPlan } from '../../generator/plan/types.ts';
import { signedMax, signedMin } from '../../generator/numeric/fixed.ts';
import { Rng } from '../../generator/util/rng.ts';

/** Uniform random inputs over the whole input range, the first two vectors at the extremes (MAC baseline). */
export function generateUniformVectors(design: DesignPlan, count: number, seed: number): Int32Array {
  const { elements: D, bits } = design.io.input;
  const lo = signedMin(bits);
  const hi = signedMax(bits);
  const rng = new Rng(seed);
  const out = new Int32Array(count * D);
  for (let n = 0; n < count; n++) {
    for (let d = 0; d < D; d++) out[n * D + d] = n === 0 ? lo : n === 1 ? hi : rng.int(lo, hi);
  }
  return out;
}
