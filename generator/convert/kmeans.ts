/**
 * Deterministic k-means (k-means++ initialisation from a seed, then Lloyd iterations), the
 * vanilla product-quantization step LUT-NN initialises its codebooks with.
 */
import { Rng } from '../util/rng.ts';

export interface KMeansOptions {
  k: number;
  seed: number;
  maxIterations?: number;
}

/** Cluster `n` points of dimension `dim` (row-major); returns k centroids (row-major). */
export function kmeans(points: Float64Array, n: number, dim: number, opts: KMeansOptions): Float64Array {
  const { k } = opts;
  const rng = new Rng(opts.seed);
  const centroids = new Float64Array(k * dim);
  const dist2 = (i: number, c: number): number => {
    let s = 0;
    for (let d = 0; d < dim; d++) s += (points[i * dim + d] - centroids[c * dim + d]) ** 2;
    return s;
  };
  // k-means++: each next centre is drawn with probability proportional to squared distance.
  const first = rng.int(0, n - 1);
  centroids.set(points.subarray(first * dim, first * dim + dim), 0);
  const best = new Float64Array(n).fill(Infinity);
  for (let c = 1; c < k; c++) {
    let total = 0;
    for (let i = 0; i < n; i++) {
      best[i] = Math.min(best[i], dist2(i, c - 1));
      total += best[i];
    }
    let pick = n - 1;
    let r = rng.next() * total;
    for (let i = 0; i < n; i++) {
      r -= best[i];
      if (r < 0) {
        pick = i;
        break;
      }
    }
    centroids.set(points.subarray(pick * dim, pick * dim + dim), c * dim);
  }
  const assign = new Int32Array(n);
  for (let iter = 0; iter < (opts.maxIterations ?? 25); iter++) {
    let changed = false;
    for (let i = 0; i < n; i++) {
      let bc = 0;
      let bd = Infinity;
      for (let c = 0; c < k; c++) {
        const d = dist2(i, c);
        if (d < bd) {
          bd = d;
          bc = c;
        }
      }
      if (assign[i] !== bc || iter === 0) changed = true;
      assign[i] = bc;
    }
    if (!changed) break;
    const sums = new Float64Array(k * dim);
    const counts = new Int32Array(k);
    for (let i = 0; i < n; i++) {
      counts[assign[i]]++;
      for (let d = 0; d < dim; d++) sums[assign[i] * dim + d] += points[i * dim + d];
    }
    for (let c = 0; c < k; c++) {
      if (counts[c] === 0) continue; // an empty cluster keeps its centre
      for (let d = 0; d < dim; d++) centroids[c * dim + d] = sums[c * dim + d] / counts[c];
    }
  }
  return centroids;
}
