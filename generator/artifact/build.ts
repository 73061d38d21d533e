/**
 * Builders for artifact manifests written from code (the converter, example makers, benches):
 * one place that knows the manifest's field order and LUT-NN's tensor layout, so every writer
 * produces the same shape of model.json (docs/artifact-format.md).
 */
import { LutnnError } from '../errors.ts';
import type { TensorInput } from './safetensors.ts';
import { SCALE_LIMITS } from './schema.ts';
import type { Conv2dGeometry, StreamFormat } from './types.ts';

/** A `lut_linear` layer in LUT-NN's own form: centroids (C, K, V), weight (C, V, M), bias (M). */
export interface LutLinearLayerSpec {
  name: string;
  inFeatures: number;
  outFeatures: number;
  numCentroids: number;
  subvectorLen: number;
  centroids: ArrayLike<number>;
  /** weight[c][v][m] = W[c·V + v][m] (LUT-NN's per-codebook layout). */
  weight: ArrayLike<number>;
  /** A float table (C, K, M) to store instead of the weight (e.g. a ridge-refined one). */
  lut?: ArrayLike<number>;
  bias: ArrayLike<number>;
  /** The layer's encoder is a MADDNESS hash tree (docs/artifact-format.md); the centroids are its prototypes. */
  hashTree?: { depth: number; splitDims: ArrayLike<number>; thresholds: ArrayLike<number> };
  input: StreamFormat;
  output: StreamFormat;
  metric?: 'l2' | 'l1' | 'chebyshev';
  activation?: 'none' | 'relu';
  tableBits?: number;
}

/** The manifest entry of a `lut_linear` layer and its three F32 tensors, named `<layer>.centroids|weight|bias`. */
export function lutLinearLayer(s: LutLinearLayerSpec): { layer: Record<string, unknown>; tensors: TensorInput[] } {
  const V = s.subvectorLen;
  const K = s.numCentroids;
  const M = s.outFeatures;
  const C = s.inFeatures / V;
  if (!Number.isInteger(C)) throw new RangeError(`lutLinearLayer ${s.name}: in_features ${s.inFeatures} is not a multiple of subvector_len ${V}`);
  const expect = (what: string, data: ArrayLike<number>, n: number) => {
    if (data.length !== n) throw new RangeError(`lutLinearLayer ${s.name}: ${what} has ${data.length} values, expected ${n}`);
  };
  expect('centroids', s.centroids, C * K * V);
  if (s.lut) expect('lut', s.lut, C * K * M);
  else expect('weight', s.weight, C * V * M);
  expect('bias', s.bias, M);
  const tree = s.hashTree;
  if (tree) {
    expect('split dims', tree.splitDims, C * tree.depth);
    expect('thresholds', tree.thresholds, C * (2 ** tree.depth - 1));
  }
  const layer: Record<string, unknown> = {
    name: s.name,
    kind: 'lut_linear',
    in_features: s.inFeatures,
    out_features: M,
    num_codebooks: C,
    num_centroids: K,
    subvector_len: V,
  };
  if (tree) layer.encoder = { kind: 'hash_tree', depth: tree.depth };
  if (s.metric !== undefined) layer.metric = s.metric;
  if (s.activation !== undefined) layer.activation = s.activation;
  layer.input = { bits: s.input.bits, scale: s.input.scale };
  layer.output = { bits: s.output.bits, scale: s.output.scale };
  if (s.tableBits !== undefined) layer.table = { bits: s.tableBits };
  const table = s.lut ? 'lut' : 'weight';
  layer.tensors = { centroids: `${s.name}.centroids`, [table]: `${s.name}.${table}`, bias: `${s.name}.bias`, ...(tree ? { split_dims: `${s.name}.split_dims`, thresholds: `${s.name}.thresholds` } : {}) };
  const tensors: TensorInput[] = [
    { name: `${s.name}.centroids`, dtype: 'F32', shape: [C, K, V], data: s.centroids },
    s.lut ? { name: `${s.name}.lut`, dtype: 'F32', shape: [C, K, M], data: s.lut } : { name: `${s.name}.weight`, dtype: 'F32', shape: [C, V, M], data: s.weight },
    { name: `${s.name}.bias`, dtype: 'F32', shape: [M], data: s.bias },
  ];
  if (tree) {
    tensors.push({ name: `${s.name}.split_dims`, dtype: 'I32', shape: [C, tree.depth], data: tree.splitDims });
    tensors.push({ name: `${s.name}.thresholds`, dtype: 'F32', shape: [C, 2 ** tree.depth - 1], data: tree.thresholds });
  }
  return { layer, tensors };
}

/** A lut_conv2d layer: the patch layer's fields (in_features = in_channels·kh·kw) with the convolution's geometry. */
export function lutConv2dLayer(s: LutLinearLayerSpec, g: Conv2dGeometry): { layer: Record<string, unknown>; tensors: TensorInput[] } {
  const built = lutLinearLayer(s);
  const { name, kind: _linear, in_features: _patch, out_features: M, ...fields } = built.layer;
  const layer = { name, kind: 'lut_conv2d', in_channels: g.inChannels, out_channels: M, height: g.height, width: g.width, kernel_size: g.kernel, stride: g.stride, padding: g.padding, ...fields };
  return { layer, tensors: built.tensors };
}

/** A maxpool2d layer (no tensors): its geometry and the stream format it keeps. */
export function maxPool2dLayer(name: string, g: Conv2dGeometry, format: { bits: number; scale: number }): Record<string, unknown> {
  return { name, kind: 'maxpool2d', channels: g.inChannels, height: g.height, width: g.width, kernel_size: g.kernel, stride: g.stride, padding: g.padding, format };
}

/** An avgpool2d layer (no tensors): its geometry and the stream format it keeps (padding counts in the divisor). */
export function avgPool2dLayer(name: string, g: Conv2dGeometry, format: { bits: number; scale: number }): Record<string, unknown> {
  return { ...maxPool2dLayer(name, g, format), kind: 'avgpool2d' };
}

/** The manifest header (format v1, tensors in `model.safetensors`) around `layers`. */
export function artifactManifest(name: string, description: string, layers: readonly object[]): Record<string, unknown> {
  return { format: 'lutnn-artifact', format_version: 1, name, tensors: 'model.safetensors', description, layers };
}

/**
 * The scale of a stream calibrated to hold values up to `range` in INT `bits`: range / (2^(b−1) − 1)
 * as a float32 (as trainers store scales); 1/(2^(b−1) − 1) for a zero range. A range past the
 * manifest's scale limits (activations that overflow) is refused, naming the stream.
 */
export function calibratedScale(range: number, bits: number, where: { file?: string; stream: string }): number {
  const qmax = 2 ** (bits - 1) - 1;
  const scale = Math.fround(range / qmax || 1 / qmax);
  if (Number.isFinite(scale) && scale >= SCALE_LIMITS[0] && scale <= SCALE_LIMITS[1]) return scale;
  throw new LutnnError(`The calibrated range of ${where.stream} is out of bounds.`, {
    file: where.file,
    field: where.stream,
    expected: `activations whose largest magnitude gives a scale from ${SCALE_LIMITS[0]} to ${SCALE_LIMITS[1]} (INT${bits})`,
    found: `largest magnitude ${range} on the calibration data (scale ${scale})`,
  });
}
