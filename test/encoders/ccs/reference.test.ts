/**
 * The CCS's part of the artifact reference (encoders/ccs/reference.ts): true distances from the
 * artifact's centroids catch a plan whose centroids or norms are wrong, which the RTL-versus-golden
 * check (both read the plan) cannot.
 */
import { describe, expect, it } from 'vitest';
import { checkGoldenAgainstArtifact } from '../../../generator/golden/artifact-reference.ts';
import { encodeVector } from '../../../generator/golden/lut-linear.ts';
import type { LutLinearPlan } from '../../../generator/plan/types.ts';
import { ccsOf, corrupt, FULL_SCALE_16, referenceCheck } from '../../support/reference-check.ts';

describe('the artifact reference catches a wrong CCS plan', () => {
  it('every norm wrapped through an Int32Array (issue 11: 16-bit inputs, V = 8)', async () => {
    // Half the centroids at full scale, half random. (With *every* centroid at full scale each norm
    // is 2^33 − n·(2^16 − 1), n the positive coordinates, so the wrap subtracts the same 2^33 from
    // all of them and the argmin is unchanged: a uniform wrap hides itself.)
    const { design, artifact, layer, inputs, check } = await referenceCheck({ ...FULL_SCALE_16, fullScale: 0.5 }, 200);
    expect(check.disagreement).toBeNull();
    const max = Math.max(...ccsOf(layer).norms);
    expect(max).toBeGreaterThanOrEqual(2 ** 31);
    const wrong = corrupt(design, (p) => {
      ccsOf(p).norms = Float64Array.from(Int32Array.from(ccsOf(p).norms));
    });
    const d = checkGoldenAgainstArtifact(wrong, artifact, inputs).disagreement;
    expect(d).not.toBeNull();
    expect(d!.layer).toBe('l');
    expect(d!.golden).not.toBe(d!.reference);
  });

  it('one norm wrapped through an Int32Array', async () => {
    const { design, artifact, layer, inputs } = await referenceCheck(FULL_SCALE_16, 200);
    // A centroid the first vector does not pick in codebook 0: its norm (≈ 2^33) wrapped to INT32
    // is far smaller, so it wins where it should not.
    const idx = encodeVector(layer, inputs, 0)[0];
    const victim = (idx + 1) % layer.dims.K;
    const wrong = corrupt(design, (p) => {
      ccsOf(p).norms[victim] = new Int32Array([ccsOf(p).norms[victim]])[0];
    });
    expect(ccsOf(wrong.layers[0] as LutLinearPlan).norms[victim]).not.toBe(ccsOf(layer).norms[victim]);
    const d = checkGoldenAgainstArtifact(wrong, artifact, inputs).disagreement;
    expect(d).not.toBeNull();
    expect(d!.layer).toBe('l');
  });

  it('one centroid coordinate moved, its norm kept', async () => {
    const { design, artifact, layer, inputs } = await referenceCheck({ ...FULL_SCALE_16, fullScale: 0 }, 200);
    // Vectors 3+ include the centroids themselves; move the one vector 3 copies in codebook 0 off it.
    const idx = encodeVector(layer, inputs, 3 * layer.dims.D)[0];
    const wrong = corrupt(design, (p) => {
      const j = idx * p.dims.V;
      ccsOf(p).centroids[j] = ccsOf(p).centroids[j] > 0 ? -32768 : 32767;
    });
    const d = checkGoldenAgainstArtifact(wrong, artifact, inputs).disagreement;
    expect(d).not.toBeNull();
    expect(d!.layer).toBe('l');
  });
});
