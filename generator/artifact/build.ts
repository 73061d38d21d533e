/**
 * Builders for artifact manifests written from code (the converter, example makers, benches):
 * one place that knows the manifest's field order and LUT-NN's tensor layout, so every writer
 * produces the same shape of model.json (docs/artifact-format.md).
 */
import { LutnnError } from '../errors.ts';
import type { TensorInput } from './safetensors.ts';
import { SCALE_LIMITS } from './schema.ts';
import type { StreamFormat } from './types.ts';

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
  bias: ArrayLike<number>;
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
  expect('weight', s.weight, C * V * M);
  expect('bias', s.bias, M);
  const layer: Record<string, unknown> = {
    name: s.name,
    kind: 'lut_linear',
    in_features: s.inFeatures,
    out_features: M,
    num_codebooks: C,
    num_centroids: K,
    subvector_len: V,
  };
  if (s.metric !== undefined) layer.metric = s.metric;
  if (s.activation !== undefined) layer.activation = s.activation;
  layer.input = { bits: s.input.bits, scale: s.input.scale };
  layer.output = { bits: s.output.bits, scale: s.output.scale };
  if (s.tableBits !== undefined) layer.table = { bits: s.tableBits };
  layer.tensors = { centroids: `${s.name}.centroids`, weight: `${s.name}.weight`, bias: `${s.name}.bias` };
  return {
    layer,
    tensors: [
      { name: `${s.name}.centroids`, dtype: 'F32', shape: [C, K, V], data: s.centroids },
      { name: `${s.name}.weight`, dtype: 'F32', shape: [C, V, M], data: s.weight },
      { name: `${s.name}.bias`, dtype: 'F32', shape: [M], data: s.bias },
    ],
  };
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
