/**
 * A dense (float) model: the model users bring before conversion to LUT-NN, an MLP or a CNN.
 * Weights are stored input-major, W[d][m] (row-major D×M), so y = x·W + b; loaders transpose
 * PyTorch's (out, in). A convolution is its patch layer (D = in_channels·kh·kw, F.unfold's patch
 * order) run on every patch; images are frames of pixels in raster order, channels last, as the
 * hardware streams them (docs/artifact-format.md, "lut_conv2d").
 */
import { LutnnError } from '../errors.ts';
import type { Conv2dGeometry } from '../artifact/types.ts';
import { outputSize, unfold } from '../conv/unfold.ts';
import { avgPoolImage } from '../golden/reference/avgpool2d.ts';
import { maxPoolImage } from '../golden/reference/maxpool2d.ts';

export type DenseActivation = 'none' | 'relu';

export interface DenseLayer {
  name: string;
  inFeatures: number;
  outFeatures: number;
  /** D×M row-major: weight[d·M + m]. */
  weight: Float64Array;
  bias: Float64Array;
  activation: DenseActivation;
  kind?: undefined;
  /** A convolution: this layer runs on every patch of this image (inFeatures = inChannels·kh·kw). */
  conv?: Conv2dGeometry;
}

/**
 * A pool; pool.inChannels is the channel count. PyTorch's MaxPool2d (floor mode, padding never
 * wins) or AvgPool2d (floor mode, padding counts in the divisor; a global pool is the kernel of the
 * whole image).
 */
export interface DensePool {
  kind: 'maxpool2d' | 'avgpool2d';
  name: string;
  pool: Conv2dGeometry;
}

export type DenseStage = DenseLayer | DensePool;

export function isDensePool(s: DenseStage): s is DensePool {
  return s.kind !== undefined;
}

export interface DenseModel {
  /** Where it came from, for error messages. */
  source: string;
  layers: DenseStage[];
}

/** A dense model of linear layers only (what MLP loaders and trainers produce). */
export interface DenseMlp extends DenseModel {
  layers: DenseLayer[];
}

/** Values of one input frame of a step: a convolution's or pool's image (H·W·C), else in_features. */
export function stageInputs(s: DenseStage): number {
  if (isDensePool(s)) return s.pool.height * s.pool.width * s.pool.inChannels;
  return s.conv ? s.conv.height * s.conv.width * s.conv.inChannels : s.inFeatures;
}

/** Values of one output frame of a step: OH·OW·channels for images, else out_features. */
export function stageOutputs(s: DenseStage): number {
  if (isDensePool(s)) {
    const [OH, OW] = outputSize(s.pool);
    return OH * OW * s.pool.inChannels;
  }
  if (!s.conv) return s.outFeatures;
  const [OH, OW] = outputSize(s.conv);
  return OH * OW * s.outFeatures;
}

/** The F.unfold patches of n frames of a convolution's image: (n·OH·OW) × inFeatures rows. */
export function unfoldFrames(g: Conv2dGeometry, x: Float64Array, n: number): Float64Array {
  const per = g.height * g.width * g.inChannels;
  let all: Float64Array | null = null;
  for (let r = 0; r < n; r++) {
    const p = unfold(g, x, r * per, (len) => new Float64Array(len));
    all ??= new Float64Array(n * p.length);
    all.set(p, r * p.length);
  }
  return all ?? new Float64Array(0);
}

/** One step over n frames: a linear layer, a convolution (its layer on every patch) or a pool. */
export function denseStageForward(s: DenseStage, x: Float64Array, n: number): Float64Array {
  if (isDensePool(s)) {
    const per = stageInputs(s);
    const outPer = stageOutputs(s);
    const y = new Float64Array(n * outPer);
    const image = s.kind === 'maxpool2d' ? maxPoolImage : avgPoolImage;
    for (let r = 0; r < n; r++) y.set(image(s.pool, x, r * per), r * outPer);
    return y;
  }
  if (!s.conv) return denseLayerForward(s, x, n);
  const [OH, OW] = outputSize(s.conv);
  return denseLayerForward(s, unfoldFrames(s.conv, x, n), n * OH * OW);
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
  for (const stage of model.layers) y = denseStageForward(stage, y, n);
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
