/**
 * Float reference of a lut_linear layer, used only for error reports (never for pass/fail): the
 * trained model as its framework computes it, in float64: float centroids, the framework's table
 * (plan/table.ts referenceTable: LUT-NN's INT8 table for a `weight` source), float bias, the same
 * metric, argmin and activation.
 */
import type { Artifact, LutLinearLayer, NnlutLayer } from '../artifact/types.ts';
import { evalReduced } from '../nnlut/real.ts';
import { realCentroids, referenceTable } from '../plan/table.ts';

export interface FloatReference {
  run(x: Float64Array, xOffset?: number): Float64Array;
}

export function floatLutLinear(layer: LutLinearLayer): FloatReference {
  const { numCodebooks: C, numCentroids: K, subvectorLen: V, outFeatures: M } = layer;
  const cent = realCentroids(layer);
  const table = referenceTable(layer);
  const bias = layer.bias ? Float64Array.from(layer.bias.data) : new Float64Array(M);
  return {
    run(x, xOffset = 0) {
      const y = Float64Array.from(bias);
      for (let c = 0; c < C; c++) {
        let best = 0;
        let bestDist = Infinity;
        for (let k = 0; k < K; k++) {
          let d = 0;
          for (let v = 0; v < V; v++) {
            const diff = x[xOffset + c * V + v] - cent[(c * K + k) * V + v];
            if (layer.metric === 'l2') d += diff * diff;
            else if (layer.metric === 'l1') d += Math.abs(diff);
            else d = Math.max(d, Math.abs(diff));
          }
          if (d < bestDist) {
            bestDist = d;
            best = k;
          }
        }
        const row = (c * K + best) * M;
        for (let m = 0; m < M; m++) y[m] += table[row + m];
      }
      if (layer.activation === 'relu') for (let m = 0; m < M; m++) y[m] = Math.max(0, y[m]);
      return y;
    },
  };
}

/** An nnlut unit in float: the real piecewise-linear table, elementwise (x ≤ 0 under range reduction → the output's largest value). */
export function floatNnlut(layer: NnlutLayer): FloatReference {
  const top = (2 ** (layer.output.bits - 1) - 1) * layer.output.scale;
  return {
    run(x, xOffset = 0) {
      const y = new Float64Array(layer.features);
      for (let i = 0; i < y.length; i++) y[i] = evalReduced(layer, layer.rangeReduction, layer.input.bits, layer.input.scale, x[xOffset + i], top);
      return y;
    },
  };
}

/** The whole artifact in float: each layer's float output feeds the next layer. */
export function floatArtifact(artifact: Artifact): FloatReference {
  const layers = artifact.layers.map((l) => (l.kind === 'nnlut' ? floatNnlut(l) : floatLutLinear(l)));
  return {
    run(x, xOffset = 0) {
      let y = x.subarray(xOffset);
      for (const layer of layers) y = layer.run(y);
      return y;
    },
  };
}
