import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkGoldenAgainstArtifact } from '../../generator/golden/artifact-reference.ts';
import { floatLutLinear } from '../../generator/golden/float/lut-linear.ts';
import { encodeVector, runLutLinear } from '../../generator/golden/lut-linear.ts';
import type { LutLinearPlan } from '../../generator/plan/types.ts';
import { generateVectors } from '../../tb/vectors/lut-linear.ts';
import { planRandomLayer } from '../support/plan-random.ts';
import { randomLayerSpec, wideLayerSpec, type RandomLayerSpec } from '../support/random-layer.ts';
import { ccsOf, corrupt, FULL_SCALE_16, referenceCheck } from '../support/reference-check.ts';
import type { LutLinearLayer } from '../../generator/artifact/types.ts';

/** An independent reference: true distances and BigInt arithmetic straight from docs/number-formats.md. */
function reference(plan: LutLinearPlan, x: Int32Array): number[] {
  const { C, K, V, M } = plan.dims;
  const ccs = ccsOf(plan);
  const p = ccs.centroids;
  const acc = Array.from(plan.bias.values, (b) => BigInt(b));
  for (let c = 0; c < C; c++) {
    let best = -1;
    let bestD = 0n;
    for (let k = 0; k < K; k++) {
      let d = 0n;
      for (let v = 0; v < V; v++) {
        const diff = BigInt(x[c * V + v] - p[(c * K + k) * V + v]);
        const abs = diff < 0n ? -diff : diff;
        if (ccs.metric === 'l2') d += diff * diff;
        else if (ccs.metric === 'l1') d += abs;
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
    const inputs = generateVectors(layer, 200, 11).map((_, i) => ccsOf(layer).centroids[((Math.floor(i / spec.V) % spec.C) * spec.K + 1) * spec.V + (i % spec.V)]);
    const out = runLutLinear(layer, inputs);
    const bound = (spec.C / 2 + 1) * layer.table.scale + layer.output.scale;
    for (let n = 0; n < 200; n++) {
      const x = Float64Array.from(inputs.subarray(n * layer.dims.D, (n + 1) * layer.dims.D), (q) => q * layer.input.scale);
      const y = ref.run(x);
      for (let m = 0; m < layer.dims.M; m++) expect(Math.abs(out[n * layer.dims.M + m] * layer.output.scale - y[m])).toBeLessThanOrEqual(bound);
    }
  });
});

describe('golden model versus the independent reference computed from the artifact', () => {
  it('agree on 300 random layers (both shape families: 16-bit formats, V ≤ 16, K ≤ 64, full-scale centroids)', async () => {
    await fc.assert(
      fc.asyncProperty(randomLayerSpec, async (spec) => {
        const { check } = await referenceCheck(spec, 30);
        expect(check.disagreement).toBeNull();
        expect(check.layers).toEqual(['l']);
      }),
      { numRuns: 300, seed: 11 },
    );
  });

  it('agree on 150 wide layers, K and V uncapped (no RTL here, so no datapath budget)', async () => {
    const uncapped = fc.record({ spec: wideLayerSpec, K: fc.integer({ min: 2, max: 64 }), V: fc.integer({ min: 1, max: 16 }) }).map(({ spec, K, V }) => ({ ...spec, K, V }));
    await fc.assert(
      fc.asyncProperty(uncapped, async (spec) => {
        const { check } = await referenceCheck(spec, 20);
        expect(check.disagreement).toBeNull();
        expect(check.layers).toEqual(['l']);
      }),
      { numRuns: 150, seed: 12 },
    );
  });

  it.each([
    ['l2', { metric: 'l2' as const }],
    ['l1', { metric: 'l1' as const }],
    ['chebyshev', { metric: 'chebyshev' as const }],
    ['l2, int centroids and table, relu, saturation', { metric: 'l2' as const, centroidDtype: 'int' as const, source: 'int' as const, activation: 'relu' as const, outputScaleFactor: 0.05 }],
    ['l2, float centroids beyond the input range, LUT-NN weight', { metric: 'l2' as const, overshoot: 3, source: 'weight' as const }],
  ])('agree at the corner: 16-bit formats, V = 16, K = 64, every centroid at full scale (%s)', async (_name, over) => {
    const spec: RandomLayerSpec = { ...FULL_SCALE_16, K: 64, V: 16, C: 2, duplicateFraction: 0.1, ...over };
    const { layer, check } = await referenceCheck(spec, 200);
    if (spec.metric === 'l2') {
      // 16·(2^15)² = 2^34: far past INT32, which is the point.
      expect(Math.max(...ccsOf(layer).norms)).toBeGreaterThan(2 ** 33);
      expect(ccsOf(layer).distanceWidth).toBeGreaterThan(32);
    }
    expect(check.disagreement).toBeNull();
    expect(check.layers).toEqual(['l']);
  });
});

describe('the artifact reference catches a wrong plan', () => {
  it('one table entry flipped', async () => {
    const { design, artifact, layer, inputs } = await referenceCheck(FULL_SCALE_16, 50);
    // The entry the first vector reads for codebook 0, output lane 0; flip its second-highest bit.
    const row = encodeVector(layer, inputs, 0)[0];
    const i = row * layer.dims.M;
    const wrong = corrupt(design, (p) => {
      p.table.values[i] ^= 1 << (p.table.bits - 2);
    });
    const d = checkGoldenAgainstArtifact(wrong, artifact, inputs).disagreement;
    expect(d).not.toBeNull();
    expect(d).toMatchObject({ layer: 'l', vector: 0, lane: 0 });
  });

  it('the requantizer shift changed by one', async () => {
    const { design, artifact, inputs } = await referenceCheck(FULL_SCALE_16, 50);
    for (const delta of [1, -1]) {
      const wrong = corrupt(design, (p) => {
        p.requant.shift += delta;
      });
      const d = checkGoldenAgainstArtifact(wrong, artifact, inputs).disagreement;
      expect(d, `shift ${delta > 0 ? '+' : ''}${delta}`).not.toBeNull();
      expect(d!.layer).toBe('l');
    }
  });
});

/** Every input of a layer with D elements of `bits` bits: (2^bits)^D vectors, element 0 fastest. */
function everyInput(D: number, bits: number): Int32Array {
  const n = 2 ** bits;
  const count = n ** D;
  const out = new Int32Array(count * D);
  for (let i = 0; i < count; i++) {
    let r = i;
    for (let d = 0; d < D; d++) {
      out[i * D + d] = (r % n) - n / 2;
      r = Math.floor(r / n);
    }
  }
  return out;
}

describe('golden model versus the artifact reference on every input (exhaustive)', () => {
  const tiny: RandomLayerSpec = {
    K: 7, V: 2, C: 2, M: 3, inBits: 4, outBits: 5, tableBits: 6, metric: 'l2', activation: 'none', source: 'float', withBias: true,
    duplicateFraction: 0.3, fullScale: 0.5, outputScaleFactor: 0.3, codebooksPerCycle: 1, outputsPerCycle: 'all', treeLevelsPerStage: 1,
    memoryStyle: 'auto', reset: 'sync', seed: 4,
  };
  it.each([
    ['l2', tiny],
    ['l1', { ...tiny, metric: 'l1' as const, seed: 5 }],
    ['chebyshev', { ...tiny, metric: 'chebyshev' as const, seed: 6 }],
    ['l2, relu, LUT-NN weight, float centroids beyond the range', { ...tiny, activation: 'relu' as const, source: 'weight' as const, overshoot: 3, seed: 7 }],
    ['l1, int centroids and table', { ...tiny, metric: 'l1' as const, source: 'int' as const, centroidDtype: 'int' as const, seed: 8 }],
  ])('input bits 4, V = 2, C = 2: all 65,536 inputs (every one of the 256 sub-vectors in each codebook, in every combination) (%s)', async (_name, spec) => {
    const { design, artifact } = await planRandomLayer(spec);
    const inputs = everyInput(spec.C * spec.V, spec.inBits);
    expect(inputs.length / 4).toBe(65536);
    const check = checkGoldenAgainstArtifact(design, artifact, inputs);
    expect(check.disagreement).toBeNull();
    expect(check.layers).toEqual(['l']);
  });
});
