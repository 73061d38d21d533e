/**
 * The CCS from the artifact, not from the plan: the independent integer reference (centroids
 * quantized again by the reference's own rounding, true distances ||a − p||² / Σ|a − p| /
 * max|a − p| in BigInt instead of the hardware's ||p||² − 2·a·p) and the float reference (the
 * trained model's float centroids and distances). Both: argmin, ties to the lowest index.
 */
import type { LutLinearLayer } from '../../artifact/types.ts';
import { big, rhe, satNum } from '../../golden/reference/arith.ts';
import { layerCentroids, realCentroids } from '../../plan/table.ts';

/** Index of codebook c for one input vector x (input-grid integers), from the artifact's centroids. */
export function ccsReference(layer: LutLinearLayer): (x: Int32Array, c: number) => number {
  const { numCentroids: K, subvectorLen: V, input, metric } = layer;
  const tensor = layerCentroids(layer, 'the closest-centroid search');
  const isFloat = tensor.dtype === 'F32' || tensor.dtype === 'F16';
  const centroids = Array.from(tensor.data, (p) => (isFloat ? satNum(rhe(p / input.scale), input.bits) : p));
  return (x, c) => {
    let best = 0;
    let bestD = -1n;
    for (let k = 0; k < K; k++) {
      let d = 0n;
      for (let v = 0; v < V; v++) {
        const diff = big(x[c * V + v] - centroids[(c * K + k) * V + v]);
        const abs = diff < 0n ? -diff : diff;
        d = metric === 'l2' ? d + diff * diff : metric === 'l1' ? d + abs : abs > d ? abs : d;
      }
      if (bestD < 0n || d < bestD) {
        bestD = d;
        best = k;
      }
    }
    return best;
  };
}

/** Index of codebook c for one real-valued input vector at x[xOffset …], from the float centroids. */
export function ccsFloat(layer: LutLinearLayer): (x: ArrayLike<number>, xOffset: number, c: number) => number {
  const { numCentroids: K, subvectorLen: V, metric } = layer;
  const cent = realCentroids(layer);
  return (x, xOffset, c) => {
    let best = 0;
    let bestDist = Infinity;
    for (let k = 0; k < K; k++) {
      let d = 0;
      for (let v = 0; v < V; v++) {
        const diff = x[xOffset + c * V + v] - cent[(c * K + k) * V + v];
        if (metric === 'l2') d += diff * diff;
        else if (metric === 'l1') d += Math.abs(diff);
        else d = Math.max(d, Math.abs(diff));
      }
      if (d < bestDist) {
        bestDist = d;
        best = k;
      }
    }
    return best;
  };
}
