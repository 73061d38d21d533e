/** The CCS's golden `encode` (encoders/ccs/golden.ts): argmin of the hardware distance, ties to the lowest index. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeCcs, hardwareDistance } from '../../../generator/encoders/ccs/golden.ts';
import type { LutLinearPlan } from '../../../generator/plan/types.ts';
import { generateVectors } from '../../../tb/vectors/lut-linear.ts';
import { planRandomLayer } from '../../support/plan-random.ts';
import { randomLayerSpec } from '../../support/random-layer.ts';
import { ccsOf } from '../../support/reference-check.ts';

describe('CCS encode', () => {
  it('picks the first centroid of the smallest hardware distance in every codebook', async () => {
    await fc.assert(
      fc.asyncProperty(randomLayerSpec, async (spec) => {
        const { design } = await planRandomLayer(spec);
        const layer = design.layers[0] as LutLinearPlan;
        const ccs = ccsOf(layer);
        const { C, K, V, D } = layer.dims;
        const x = generateVectors(layer, 20, spec.seed);
        const idx = new Int32Array(C);
        for (let n = 0; n < 20; n++) {
          encodeCcs(layer, ccs, x, n * D, idx);
          for (let c = 0; c < C; c++) {
            const d = (k: number) => hardwareDistance(ccs.metric, x, n * D + c * V, ccs.centroids, (c * K + k) * V, V, ccs.norms[c * K + k]);
            const best = Array.from({ length: K }, (_, k) => k).reduce((b, k) => (d(k) < d(b) ? k : b), 0);
            expect(idx[c]).toBe(best);
          }
        }
      }),
      { numRuns: 40, seed: 5 },
    );
  });

  it('resolves a tie between duplicate centroids to the lower index', async () => {
    const { design } = await planRandomLayer({
      K: 4, V: 2, C: 1, M: 2, inBits: 8, outBits: 8, tableBits: 8, metric: 'l1', activation: 'none', source: 'float', withBias: false,
      duplicateFraction: 1, outputScaleFactor: 1, codebooksPerCycle: 'all', outputsPerCycle: 'all', treeLevelsPerStage: 1, memoryStyle: 'auto', reset: 'sync', seed: 3,
    });
    const layer = design.layers[0] as LutLinearPlan;
    const ccs = ccsOf(layer);
    // Every centroid is a copy of centroid 0: every input ties, and the lowest index wins.
    for (let k = 1; k < 4; k++) expect(Array.from(ccs.centroids.subarray(k * 2, k * 2 + 2))).toEqual(Array.from(ccs.centroids.subarray(0, 2)));
    expect(encodeCcs(layer, ccs, Int32Array.from(ccs.centroids.subarray(6, 8)), 0, new Int32Array(1))[0]).toBe(0);
  });
});
