/**
 * Test vectors of a design: shaped by its first layer's kind (`vectors` in generator/kinds/registry.ts;
 * tb/vectors/<kind>.ts), or every representable input (exhaustive).
 */
import { layerKindOf } from '../generator/kinds/registry.ts';
import type { DesignPlan } from '../generator/plan/types.ts';

/**
 * Every representable input value in every element position: 2^b vectors, element e of vector n is
 * the b-bit two's-complement value of (n + e) mod 2^b. (`lutnn sim --exhaustive`; b ≤ 16.)
 */
export function exhaustiveDesignVectors(design: DesignPlan): Int32Array {
  const { elements: D, bits } = design.io.input;
  const count = 2 ** bits;
  const out = new Int32Array(count * D);
  const half = count / 2;
  for (let n = 0; n < count; n++) {
    for (let e = 0; e < D; e++) {
      const u = (n + e) % count;
      out[n * D + e] = u >= half ? u - count : u;
    }
  }
  return out;
}

/** Test vectors for a design: shaped by its first layer. */
export function generateDesignVectors(design: DesignPlan, count: number, seed: number): Int32Array {
  const first = design.layers[0];
  return layerKindOf(first).vectors(design, first, count, seed);
}
