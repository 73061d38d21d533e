/**
 * Test-vector generation for a lut_linear layer: seeded, and biased toward the cases that break
 * hardware — extreme inputs (saturation), inputs built from centroids (exact matches and ties
 * between duplicate centroids), and uniform random vectors.
 */
import { signedMax, signedMin } from '../generator/numeric/fixed.ts';
import type { DesignPlan, LutLinearPlan, NnlutPlan } from '../generator/plan/types.ts';
import { Rng } from '../generator/util/rng.ts';

export function generateVectors(layer: LutLinearPlan, count: number, seed: number): Int32Array {
  const { D, C, K, V } = layer.dims;
  const lo = signedMin(layer.input.bits);
  const hi = signedMax(layer.input.bits);
  const rng = new Rng(seed);
  const out = new Int32Array(count * D);
  const clamp = (v: number) => Math.min(hi, Math.max(lo, v));
  for (let n = 0; n < count; n++) {
    const row = n * D;
    const kind = n < 3 ? n : rng.int(3, 9);
    for (let c = 0; c < C; c++) {
      const k = rng.int(0, K - 1);
      for (let v = 0; v < V; v++) {
        const d = c * V + v;
        let x: number;
        if (kind === 0) x = lo;
        else if (kind === 1) x = hi;
        else if (kind === 2) x = 0;
        else if (kind <= 5) {
          // A centroid, exactly or off by at most one step: exercises ties and near-ties.
          x = clamp(layer.ccs.centroids[(c * K + k) * V + v] + (kind === 5 ? rng.int(-1, 1) : 0));
        } else if (kind === 6) x = rng.next() < 0.5 ? lo : hi;
        else x = rng.int(lo, hi);
        out[row + d] = x;
      }
    }
  }
  return out;
}

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
  switch (first.kind) {
    case 'lut_linear':
      return generateVectors(first, count, seed);
    case 'nnlut':
      return generateNnlutVectors(first, count, seed);
    case 'mac_linear':
      return generateUniformVectors(design, count, seed);
  }
}

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
