/**
 * Test vectors for a lut_linear layer: seeded, and biased toward the cases that break hardware —
 * extreme inputs (saturation), inputs at the encoder's decisions (from the encoder's
 * `vectorInput`; CCS: centroids, so exact matches and ties between duplicate centroids), and
 * uniform random vectors.
 */
import { encoderOf } from '../../generator/encoders/registry.ts';
import { signedMax, signedMin } from '../../generator/numeric/fixed.ts';
import type { LutLinearPlan } from '../../generator/plan/types.ts';
import { Rng } from '../../generator/util/rng.ts';

export function generateVectors(layer: LutLinearPlan, count: number, seed: number): Int32Array {
  const { D, C, K, V } = layer.dims;
  const lo = signedMin(layer.input.bits);
  const hi = signedMax(layer.input.bits);
  const rng = new Rng(seed);
  const out = new Int32Array(count * D);
  const clamp = (v: number) => Math.min(hi, Math.max(lo, v));
  const encoder = encoderOf(layer.encoder);
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
          // An input the encoder maps to index k (CCS: the centroid), exactly or off by at most one
          // step: exercises ties and near-ties.
          x = clamp(encoder.vectorInput(layer, layer.encoder, c, k, v) + (kind === 5 ? rng.int(-1, 1) : 0));
        } else if (kind === 6) x = rng.next() < 0.5 ? lo : hi;
        else x = rng.int(lo, hi);
        out[row + d] = x;
      }
    }
  }
  return out;
}
