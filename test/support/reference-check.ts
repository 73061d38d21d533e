/** Shared by the golden-versus-artifact-reference tests (test/golden, test/encoders/<kind>). */
import { checkGoldenAgainstArtifact } from '../../generator/golden/artifact-reference.ts';
import type { CcsPlan } from '../../generator/encoders/ccs/types.ts';
import type { HashTreePlan } from '../../generator/encoders/hash-tree/types.ts';
import type { DesignPlan, LutLinearPlan } from '../../generator/plan/types.ts';
import { generateVectors } from '../../tb/vectors/lut-linear.ts';
import { planRandomLayer } from './plan-random.ts';
import type { RandomLayerSpec } from './random-layer.ts';

/** A 16-bit, V = 8, K = 16 l2 layer, every centroid at full scale (norms 8·2^30 ≈ 2^33), no saturation. */
export const FULL_SCALE_16: RandomLayerSpec = {
  K: 16, V: 8, C: 2, M: 3, inBits: 16, outBits: 16, tableBits: 16, metric: 'l2', activation: 'none', source: 'float', withBias: true,
  duplicateFraction: 0, fullScale: 1, outputScaleFactor: 3, codebooksPerCycle: 1, outputsPerCycle: 'all', treeLevelsPerStage: 2,
  memoryStyle: 'auto', reset: 'sync', seed: 16,
};

/** Plans a random one-layer design and checks its golden model against the artifact reference on generated vectors. */
export async function referenceCheck(spec: RandomLayerSpec, vectors: number) {
  const { design, artifact } = await planRandomLayer(spec);
  const layer = design.layers[0] as LutLinearPlan;
  const inputs = generateVectors(layer, vectors, spec.seed);
  return { design, artifact, layer, inputs, check: checkGoldenAgainstArtifact(design, artifact, inputs) };
}

/** A copy of a one-layer design whose lut_linear plan `edit` corrupts. */
export function corrupt(design: DesignPlan, edit: (p: LutLinearPlan) => void): DesignPlan {
  const copy = structuredClone(design);
  edit(copy.layers[0] as LutLinearPlan);
  return copy;
}

/** The layer's encoder as a CCS (the layers of these tests have one; fails loudly otherwise). */
export function ccsOf(layer: LutLinearPlan): CcsPlan {
  if (layer.encoder.kind !== 'ccs') throw new Error(`layer ${layer.name}: encoder ${layer.encoder.kind}, not ccs`);
  return layer.encoder;
}

/** The layer's encoder as a hash tree (fails loudly otherwise). */
export function hashTreeOf(layer: LutLinearPlan): HashTreePlan {
  if (layer.encoder.kind !== 'hash_tree') throw new Error(`layer ${layer.name}: encoder ${layer.encoder.kind}, not hash_tree`);
  return layer.encoder;
}
