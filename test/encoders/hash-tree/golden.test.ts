/**
 * The hash tree's golden `encode` (encoders/hash-tree/golden.ts) against the independent artifact
 * reference and the float reference (encoders/hash-tree/reference.ts) on grid inputs, ties
 * included: three implementations of the same decisions, only the golden one reading the plan.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LutLinearLayer } from '../../../generator/artifact/types.ts';
import { encoderFor } from '../../../generator/encoders/registry.ts';
import { encodeHashTree } from '../../../generator/encoders/hash-tree/golden.ts';
import type { LutLinearPlan } from '../../../generator/plan/types.ts';
import { generateVectors } from '../../../tb/vectors/lut-linear.ts';
import { planTreeLayer } from '../../support/hash-tree-artifact.ts';
import { planRandomLayer } from '../../support/plan-random.ts';
import { FLOAT32_MAX, hashTreeLayerSpec } from '../../support/random-layer.ts';
import { hashTreeOf } from '../../support/reference-check.ts';

describe('hash-tree encode', () => {
  it('golden = independent reference on generated vectors, = float reference on the grid (offsets/scales none or grid-aligned); ties happen', async () => {
    let ties = 0;
    let decisions = 0;
    await fc.assert(
      fc.asyncProperty(hashTreeLayerSpec, async (spec) => {
        const { design, artifact } = await planRandomLayer(spec);
        const layer = design.layers[0] as LutLinearPlan;
        const ht = hashTreeOf(layer);
        const art = artifact.layers[0] as LutLinearLayer;
        const ref = encoderFor(art.encoder).reference(art, art.encoder);
        const float = encoderFor(art.encoder).float(art, art.encoder);
        const exactFloat = spec.hashTree!.affine !== 'random';
        const { C, D, V } = layer.dims;
        const d = ht.depth;
        const N = 60;
        const x = generateVectors(layer, N, spec.seed);
        const real = Float64Array.from(x, (q) => q * layer.input.scale);
        const idx = new Int32Array(C);
        for (let n = 0; n < N; n++) {
          encodeHashTree(layer, ht, x, n * D, idx);
          const row = x.subarray(n * D, (n + 1) * D);
          for (let c = 0; c < C; c++) {
            expect(idx[c], `vector ${n}, codebook ${c}`).toBe(ref(row, c));
            if (exactFloat) expect(idx[c], `float, vector ${n}, codebook ${c}`).toBe(float(real, n * D, c));
            // Count inputs lying on the threshold of the node they reach (they must go left).
            let node = 0;
            for (let l = 0; l < d; l++) {
              const T = ht.thresholds[c * (2 ** d - 1) + 2 ** l - 1 + node];
              const q = x[n * D + c * V + ht.splitDims[c * d + l]];
              if (q === T) ties++;
              decisions++;
              node = 2 * node + (q > T ? 1 : 0);
            }
            expect(node).toBe(idx[c]);
          }
        }
      }),
      { numRuns: 60, seed: 7 },
    );
    // The vectors put inputs on thresholds along the tree's paths: many decisions are ties.
    expect(ties / decisions).toBeGreaterThan(0.1);
  });

  it('degenerate nodes (float32 maximum) send every input left; their negatives every input right', async () => {
    for (const [t, leaf] of [[FLOAT32_MAX, 0], [-FLOAT32_MAX, 7]] as const) {
      const { design } = await planTreeLayer({ C: 1, V: 2, depth: 3, dims: [0, 1, 0], thresholds: new Array(7).fill(t), bits: 8, scale: 1 / 16 });
      const layer = design.layers[0] as LutLinearPlan;
      const ht = hashTreeOf(layer);
      expect(Array.from(ht.thresholds)).toEqual(new Array(7).fill(t > 0 ? 127 : -129));
      for (const v of [[-128, -128], [127, 127], [0, 0], [127, -128]]) expect(encodeHashTree(layer, ht, v, 0, new Int32Array(1))[0]).toBe(leaf);
    }
  });

  it('walks level-major thresholds: level l, node n at 2^l − 1 + n, the first level’s bit the MSB', async () => {
    // depth 2 on columns (0, 1): root 0, level-1 nodes (−1, 1) → four leaves by quadrant, ties left.
    const { design } = await planTreeLayer({ C: 1, V: 2, depth: 2, dims: [0, 1], thresholds: [0, -1 / 16, 1 / 16], bits: 8, scale: 1 / 16 });
    const layer = design.layers[0] as LutLinearPlan;
    const ht = hashTreeOf(layer);
    const at = (a: number, b: number) => encodeHashTree(layer, ht, [a, b], 0, new Int32Array(1))[0];
    expect([at(0, -1), at(0, 0), at(1, 1), at(1, 2)]).toEqual([0, 1, 2, 3]);
    expect([at(-5, -1), at(-5, -2), at(5, 1), at(5, 100)]).toEqual([0, 0, 2, 3]);
  });
});
