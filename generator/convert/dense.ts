/**
 * A dense (float) MLP: the model users bring before conversion to LUT-NN. Weights are stored
 * input-major, W[d][m] (row-major D×M), so y = x·W + b; loaders transpose PyTorch's (out, in).
 */
import { LutnnError } from '../errors.ts';

export type DenseActivation = 'none' | 'relu';

export interface DenseLayer {
  name: string;
  inFeatures: number;
  outFeatures: number;
  /** D×M row-major: weight[d·M + m]. */
  weight: Float64Array;
  bias: Float64Array;
  activation: DenseActivation;
}

export interface DenseModel {
  /** Where it came from, for error messages. */
  source: string;
  layers: DenseLayer[];
}

/** y = act(x·W + b) for N rows of x (N×D) → N×M. */
export function denseLayerForward(layer: DenseLayer, x: Float64Array, n: number): Float64Array {
  const { inFeatures: D, outFeatures: M, weight, bias } = layer;
  const y = new Float64Array(n * M);
  for (let r = 0; r < n; r++) {
    const row = y.subarray(r * M, (r + 1) * M);
    row.set(bias);
    for (let d = 0; d < D; d++) {
      const xv = x[r * D + d];
      if (xv === 0) continue;
      const w = d * M;
      for (let m = 0; m < M; m++) row[m] += xv * weight[w + m];
    }
    if (layer.activation === 'relu') for (let m = 0; m < M; m++) if (row[m] < 0) row[m] = 0;
  }
  return y;
}

export function denseForward(model: DenseModel, x: Float64Array, n: number): Float64Array {
  let y = x;
  for (const layer of model.layers) y = denseLayerForward(layer, y, n);
  return y;
}

/** Index of the largest value of each row (ties → lowest index): the predicted class. */
export function argmaxRows(y: ArrayLike<number>, n: number, m: number): Int32Array {
  const out = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    let best = 0;
    for (let j = 1; j < m; j++) if (y[r * m + j] > y[r * m + best]) best = j;
    out[r] = best;
  }
  return out;
}

/** A dense tensor with NaN or ±Infinity is refused where it is read, naming it (not the artifact it would become). */
export function requireFiniteTensor(data: ArrayLike<number>, name: string, file: string): void {
  for (let i = 0; i < data.length; i++) {
    if (Number.isFinite(data[i])) continue;
    throw new LutnnError(`Non-finite value in tensor "${name}".`, { file, field: `tensor "${name}"`, expected: 'finite numbers only (no NaN or Infinity)', found: `${data[i]} at flat index ${i}` });
  }
}
