/**
 * Golden model of a closest-centroid-search encoder: the distance of every centroid exactly as the
 * hardware computes it, and the argmin with ties to the lowest index (docs/number-formats.md §2).
 */
import type { Metric } from '../../artifact/types.ts';
import type { LutLinearPlan } from '../../plan/types.ts';
import type { CcsPlan } from './types.ts';

/** The distance of one centroid exactly as the hardware computes it (golden model and tests). */
export function hardwareDistance(metric: Metric, a: ArrayLike<number>, aOffset: number, p: ArrayLike<number>, pOffset: number, V: number, norm: number): number {
  if (metric === 'l2') {
    let dot = 0;
    for (let v = 0; v < V; v++) dot += a[aOffset + v] * p[pOffset + v];
    return norm - 2 * dot;
  }
  let d = 0;
  for (let v = 0; v < V; v++) {
    const diff = Math.abs(a[aOffset + v] - p[pOffset + v]);
    d = metric === 'l1' ? d + diff : Math.max(d, diff);
  }
  return d;
}

/** Index of the closest centroid of every codebook for one input vector (ties → lowest index). */
export function encodeCcs(layer: LutLinearPlan, ccs: CcsPlan, x: ArrayLike<number>, xOffset: number, out: Int32Array): Int32Array {
  const { C, K, V } = layer.dims;
  const { centroids, norms } = ccs;
  for (let c = 0; c < C; c++) {
    let best = 0;
    let bestDist = Infinity;
    for (let k = 0; k < K; k++) {
      const i = c * K + k;
      const d = hardwareDistance(ccs.metric, x, xOffset + c * V, centroids, i * V, V, norms[i]);
      // Strictly-less keeps the lowest index on ties, exactly like the comparator tree.
      if (d < bestDist) {
        bestDist = d;
        best = k;
      }
    }
    out[c] = best;
  }
  return out;
}
