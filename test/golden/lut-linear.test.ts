import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { floatLutLinear } from '../../generator/golden/float-reference.ts';
import { runLutLinear } from '../../generator/golden/lut-linear.ts';
import type { LutLinearPlan } from '../../generator/plan/types.ts';
import { generateVectors } from '../../tb/vectors.ts';
import { planRandomLayer } from '../support/plan-random.ts';
import { randomLayerSpec } from '../support/random-layer.ts';
import type { LutLinearLayer } from '../../generator/artifact/types.ts';

/** An independent reference: true distances and BigInt arithmetic straight from docs/number-formats.md. */
function reference(plan: LutLinearPlan, x: Int32Array): number[] {
  const { C, K, V, M } = plan.dims;
  const p = plan.ccs.centroids;
  const acc = Array.from(plan.bias.values, (b) => BigInt(b));
  for (let c = 0; c < C; c++) {
    let best = -1;
    let bestD = 0n;
    for (let k = 0; k < K; k++) {
      let d = 0n;
      for (let v = 0; v < V; v++) {
        const diff = BigInt(x[c * V + v] - p[(c * K + k) * V + v]);
        const abs = diff < 0n ? -diff : diff;
        if (plan.metric === 'l2') d += diff * diff;
        else if (plan.metric === 'l1') d += abs;
        else d = abs > d ? abs : d;
      }
      if (best < 0 || d < bestD) {
        best = k;
        bestD = d;
      }
    }
    for (let m = 0; m < M; m++) acc[m] += BigInt(plan.table.values[(c * K + best) * M + m]);
  }
  const lo = -(1n << BigInt(plan.output.bits - 1));
  const hi = (1n << BigInt(plan.output.bits - 1)) - 1n;
  return acc.map((a) => {
    const { multiplier, shift } = plan.requant;
    let y = a * BigInt(multiplier);
    if (shift > 0) y = (y + (1n << BigInt(shift - 1))) >> BigInt(shift);
    y = y < lo ? lo : y > hi ? hi : y;
    if (plan.activation === 'relu' && y < 0n) y = 0n;
    return Number(y);
  });
}

describe('golden model', () => {
  it('agrees with an independent BigInt reference on random layers and inputs', async () => {
    await fc.assert(
      fc.asyncProperty(randomLayerSpec, async (spec) => {
        const { design } = await planRandomLayer(spec);
        const layer = design.layers[0] as LutLinearPlan;
        const inputs = generateVectors(layer, 40, spec.seed);
        const got = runLutLinear(layer, inputs);
        for (let n = 0; n < 40; n++) {
          const x = inputs.subarray(n * layer.dims.D, (n + 1) * layer.dims.D);
          expect(Array.from(got.subarray(n * layer.dims.M, (n + 1) * layer.dims.M))).toEqual(reference(layer, x));
        }
      }),
      { numRuns: 40, seed: 7 },
    );
  });

  it('tracks the float reference on the quantization grid (no saturation)', async () => {
    const spec = {
      K: 8, V: 2, C: 4, M: 6, inBits: 8, outBits: 12, tableBits: 8, metric: 'l2' as const, activation: 'none' as const,
      source: 'float' as const, withBias: true, duplicateFraction: 0, outputScaleFactor: 3,
      codebooksPerCycle: 'all' as const, outputsPerCycle: 'all' as const, treeLevelsPerStage: 2, memoryStyle: 'auto' as const, reset: 'sync' as const, seed: 3,
    };
    const { design, artifact } = await planRandomLayer(spec);
    const layer = design.layers[0] as LutLinearPlan;
    const ref = floatLutLinear(artifact.layers[0] as LutLinearLayer);
    // Inputs exactly on centroids: the float and integer argmin agree, so the only error is
    // table/bias/requantization rounding: at most C/2 table LSBs + bias and output rounding.
    const inputs = generateVectors(layer, 200, 11).map((_, i) => layer.ccs.centroids[((Math.floor(i / spec.V) % spec.C) * spec.K + 1) * spec.V + (i % spec.V)]);
    const out = runLutLinear(layer, inputs);
    const bound = (spec.C / 2 + 1) * layer.table.scale + layer.output.scale;
    for (let n = 0; n < 200; n++) {
      const x = Float64Array.from(inputs.subarray(n * layer.dims.D, (n + 1) * layer.dims.D), (q) => q * layer.input.scale);
      const y = ref.run(x);
      for (let m = 0; m < layer.dims.M; m++) expect(Math.abs(out[n * layer.dims.M + m] * layer.output.scale - y[m])).toBeLessThanOrEqual(bound);
    }
  });
});
