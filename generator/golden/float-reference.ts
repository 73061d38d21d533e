/**
 * Float reference of an artifact, used only for error reports (never for pass/fail): the trained
 * model as its framework computes it, in float64. Per layer kind (the artifact kinds' `float` in
 * kinds/registry.ts): a lut_linear layer with its encoder's float form (CCS: float centroids, the
 * same metric and argmin), the framework's table (plan/table.ts referenceTable: LUT-NN's INT8 table
 * for a `weight` source), float bias and activation (float/lut-linear.ts); an nnlut unit as its
 * real table (float/nnlut.ts).
 */
import type { Artifact } from '../artifact/types.ts';
import { artifactKindOf } from '../kinds/registry.ts';

export interface FloatReference {
  run(x: Float64Array, xOffset?: number): Float64Array;
}

/** The whole artifact in float: each layer's float output feeds the next layer. */
export function floatArtifact(artifact: Artifact): FloatReference {
  const layers = artifact.layers.map((l) => artifactKindOf(l).float(l));
  return {
    run(x, xOffset = 0) {
      let y = x.subarray(xOffset);
      for (const layer of layers) y = layer.run(y);
      return y;
    },
  };
}
