/** Test vectors for an nnlut unit (the `vectors` of kind nnlut, generator/kinds/nnlut.ts). */
import type { NnlutPlan } from '../../generator/plan/types.ts';
import { signedMax, signedMin } from '../../generator/numeric/fixed.ts';
import { Rng } from '../../generator/util/rng.ts';

/**
 * Vectors for an nnlut unit: extremes, values at and next to every breakpoint (in input units, or
 * the inputs whose normalised operand lands there under range reduction), and uniform values.
 */
export function generateNnlutVectors(layer: NnlutPlan, count: number, seed: number): Int32Array {
  const E = layer.dims.elements;
  const lo = signedMin(layer.input.bits);
  const hi = signedMax(layer.input.bits);
  const rng = new Rng(seed);
  const special = [lo, hi, 0, 1, -1];
  for (const b of layer.table.breakpoints) {
    for (const d of [-1, 0, 1]) {
      let v = b + d;
      // Under range reduction an operand m is reached from x = m >> s for any s keeping the normalisation.
      if (layer.rangeReduction !== 'none') v = Math.floor(v / 2 ** rng.int(0, layer.table.maxShift * (layer.rangeReduction === 'rsqrt' ? 2 : 1)));
      special.push(Math.min(hi, Math.max(lo, v)));
    }
  }
  const out = new Int32Array(count * E);
  for (let i = 0; i < out.length; i++) {
    const r = rng.next();
    out[i] = i < special.length ? special[i] : r < 0.4 ? special[rng.int(0, special.length - 1)] : rng.int(lo, hi);
  }
  return out;
}
