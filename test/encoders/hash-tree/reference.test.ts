/**
 * The hash tree's part of the artifact reference (encoders/hash-tree/reference.ts): folded again
 * from the artifact's tensors, it catches plans whose thresholds, clamps, split columns or node
 * order are wrong, which the RTL-versus-golden check (both read the plan) cannot.
 */
import { describe, expect, it } from 'vitest';
import { checkGoldenAgainstArtifact } from '../../../generator/golden/artifact-reference.ts';
import type { LutLinearPlan } from '../../../generator/plan/types.ts';
import { generateVectors } from '../../../tb/vectors/lut-linear.ts';
import { planTreeLayer } from '../../support/hash-tree-artifact.ts';
import type { RandomLayerSpec } from '../../support/random-layer.ts';
import { corrupt, hashTreeOf, referenceCheck } from '../../support/reference-check.ts';

const SPEC: RandomLayerSpec = {
  K: 16, V: 3, C: 2, M: 4, inBits: 8, outBits: 16, tableBits: 12, metric: 'l2', activation: 'none', source: 'float', withBias: true,
  duplicateFraction: 0, outputScaleFactor: 3, codebooksPerCycle: 'all', outputsPerCycle: 'all', treeLevelsPerStage: 2, memoryStyle: 'auto', reset: 'sync', seed: 4,
  hashTree: { depth: 4, onGrid: 0.8, extremes: 0.1, affine: 'grid', centroids: false },
};

/** The first (vector, threshold index) whose input lies exactly on the threshold of the node it reaches. */
function firstTie(layer: LutLinearPlan, inputs: Int32Array): number {
  const ht = hashTreeOf(layer);
  const { C, D, V } = layer.dims;
  const d = ht.depth;
  for (let n = 0; n < inputs.length / D; n++) {
    for (let c = 0; c < C; c++) {
      let node = 0;
      for (let l = 0; l < d; l++) {
        const i = c * (2 ** d - 1) + 2 ** l - 1 + node;
        const q = inputs[n * D + c * V + ht.splitDims[c * d + l]];
        if (q === ht.thresholds[i]) return i;
        node = 2 * node + (q > ht.thresholds[i] ? 1 : 0);
      }
    }
  }
  throw new Error('no tie in the vectors');
}

describe('the artifact reference catches a wrong hash-tree plan', () => {
  it('a threshold one below its fold, where an input lies on it (the tie would go right)', async () => {
    const { design, artifact, layer, inputs, check } = await referenceCheck(SPEC, 300);
    expect(check.disagreement).toBeNull();
    const i = firstTie(layer, inputs);
    const d = checkGoldenAgainstArtifact(corrupt(design, (p) => void (hashTreeOf(p).thresholds[i] -= 1)), artifact, inputs).disagreement;
    expect(d).not.toBeNull();
    expect(d!.golden).not.toBe(d!.reference);
  });

  it('a split column moved to the next column of the sub-vector', async () => {
    const { design, artifact, inputs } = await referenceCheck(SPEC, 300);
    const wrong = corrupt(design, (p) => {
      const ht = hashTreeOf(p);
      ht.splitDims[0] = (ht.splitDims[0] + 1) % p.dims.V;
    });
    expect(checkGoldenAgainstArtifact(wrong, artifact, inputs).disagreement).not.toBeNull();
  });

  it('the thresholds of a level in reverse node order', async () => {
    const { design, artifact, inputs } = await referenceCheck(SPEC, 300);
    const wrong = corrupt(design, (p) => {
      const t = hashTreeOf(p).thresholds;
      t.set(Array.from(t.subarray(3, 7)).reverse(), 3); // level 2 of codebook 0
    });
    expect(checkGoldenAgainstArtifact(wrong, artifact, inputs).disagreement).not.toBeNull();
  });

  it('a clamp at lo instead of lo − 1 (the input lo must still go right)', async () => {
    // Root threshold far below the range: T = lo − 1 = −129, every input right; the extreme vectors hold lo.
    const { design, artifact } = await planTreeLayer({ C: 1, V: 1, depth: 1, dims: [0], thresholds: [-100], bits: 8, scale: 1 / 16 });
    const layer = design.layers[0] as LutLinearPlan;
    expect(Array.from(hashTreeOf(layer).thresholds)).toEqual([-129]);
    const inputs = generateVectors(layer, 50, 1);
    expect(checkGoldenAgainstArtifact(design, artifact, inputs).disagreement).toBeNull();
    const wrong = corrupt(design, (p) => void (hashTreeOf(p).thresholds[0] = -128));
    expect(checkGoldenAgainstArtifact(wrong, artifact, inputs).disagreement).toMatchObject({ vector: 0 });
  });

  it('a threshold rounded instead of floored (u = 2.6 → 3: the input 3 must go right)', async () => {
    const { design, artifact } = await planTreeLayer({ C: 1, V: 1, depth: 1, dims: [0], thresholds: [2.6 / 16], bits: 8, scale: 1 / 16 });
    const layer = design.layers[0] as LutLinearPlan;
    expect(Array.from(hashTreeOf(layer).thresholds)).toEqual([2]);
    const inputs = Int32Array.from({ length: 256 }, (_, i) => i - 128);
    expect(checkGoldenAgainstArtifact(design, artifact, inputs).disagreement).toBeNull();
    const wrong = corrupt(design, (p) => void (hashTreeOf(p).thresholds[0] = 3));
    expect(checkGoldenAgainstArtifact(wrong, artifact, inputs).disagreement).toMatchObject({ vector: 3 + 128 });
  });
});
