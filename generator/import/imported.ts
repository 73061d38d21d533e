/**
 * What every importer produces: LUT-NN layers in float/int form as the trainer stored them, without
 * the stream formats the hardware needs. `toArtifact` picks those formats (from calibration data or
 * given scales) and writes the native artifact, so every importer ends in the same validated path.
 */
import type { TensorInput } from '../artifact/safetensors.ts';
import { LutnnError } from '../errors.ts';
import { maxAbs } from '../util/arrays.ts';
import { quantizeSymmetric } from '../plan/table.ts';
import { calibratedScale } from '../artifact/build.ts';
import { encodeHashTrees } from '../convert/maddness.ts';
import type { Conv2dGeometry } from '../artifact/types.ts';
import { outputSize, unfold } from '../conv/unfold.ts';
export { safeName } from '../util/names.ts';

export type ImportedTable =
  | { kind: 'float'; lut: Float64Array }
  | { kind: 'int'; lut: Int32Array; scale: number; bits: number }
  | { kind: 'weight'; weight: Float64Array };

/** A MADDNESS hash tree per codebook (docs/artifact-format.md, "Encoders of a lut_linear layer"). */
export interface ImportedHashTree {
  kind: 'hash_tree';
  depth: number;
  /** (C, d): absolute input column of level l of codebook c, in [c·V, (c+1)·V). */
  splitDims: Int32Array;
  /** (C, 2^d − 1), level-major, real input units. */
  thresholds: Float64Array;
  /** (C, d) halutmatmul `offset` / `scaleby` per level, when not all 0 / 1. */
  offsets?: Float64Array;
  scales?: Float64Array;
}

export type ImportedEncoder = { kind: 'ccs' } | ImportedHashTree;

export interface ImportedLayer {
  name: string;
  C: number;
  K: number;
  V: number;
  M: number;
  /** How sub-vectors become indices; closest-centroid search (L2) when absent. */
  encoder?: ImportedEncoder;
  /** (C, K, V) in real input units: the closest-centroid search's centroids, or a hash tree's prototypes (needed for a `weight` table). */
  centroids: Float64Array | null;
  table: ImportedTable;
  bias: Float64Array;
  activation: 'none' | 'relu';
  /** A convolution (topology.ts): its input image and geometry; the layer above is then its patch layer (C·V = in_channels·kh·kw). */
  conv?: Conv2dGeometry;
}

export interface ImportedModel {
  /** The file it came from (and the operator, where a file holds several models). */
  source: string;
  /** The model's name in that file: the operator for PIM-DL, else the file. */
  label: string;
  layers: ImportedLayer[];
}

export interface FormatChoice {
  /** Bits of the streams (input and every layer output). */
  bits: number;
  /** Bits of tables the tool quantizes (float LUT, LUT-NN weight); 8 is LUT-NN's INT8. */
  tableBits: number;
  /** Calibration inputs (rows × D of the first layer), or explicit scales. */
  calibration?: { data: Float64Array; rows: number };
  /** Input scale, then one output scale per layer. */
  scales?: number[];
}

/**
 * An exported integer table and its scale, checked where it was read (so an error names the node or
 * array, not the artifact written later): integers of at most 16 bits and a positive finite scale.
 */
export function checkIntTable(values: ArrayLike<number>, scale: number, where: { file: string; field: string }): { lut: Int32Array; bits: number } {
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v)) throw new LutnnError('An exported table holds a non-integer value.', { ...where, expected: 'integers (int8 or int16)', found: `${v} at index ${i}` });
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (lo < -32768 || hi > 32767) throw new LutnnError('An exported table does not fit 16 bits.', { ...where, expected: 'values in [-32768, 32767]', found: `[${lo}, ${hi}]` });
  if (!(scale > 0) || !Number.isFinite(scale)) throw new LutnnError('An exported table has no valid scale.', { ...where, expected: 'a positive finite scale', found: String(scale) });
  return { lut: Int32Array.from(values), bits: lo >= -128 && hi <= 127 ? 8 : 16 };
}

/**
 * The layer's table in real units (C, K, M) as the trained model computes with it: LUT-NN's
 * `weight` becomes centroids·weight quantized symmetrically at `tableBits` (INT8: LUT-NN's forward)
 * and dequantized.
 */
export function realTableOf(l: ImportedLayer, tableBits: number): Float64Array {
  if (l.table.kind === 'float') return l.table.lut;
  if (l.table.kind === 'int') {
    const s = l.table.scale;
    return Float64Array.from(l.table.lut, (q) => q * s);
  }
  const T = new Float64Array(l.C * l.K * l.M);
  const w = l.table.weight;
  const P = centroidsOf(l);
  for (let c = 0; c < l.C; c++) for (let k = 0; k < l.K; k++) for (let v = 0; v < l.V; v++) {
    const p = P[(c * l.K + k) * l.V + v];
    for (let m = 0; m < l.M; m++) T[(c * l.K + k) * l.M + m] += p * w[(c * l.V + v) * l.M + m];
  }
  const { values, scale } = quantizeSymmetric(T, tableBits);
  return Float64Array.from(values, (q) => q * scale);
}

function centroidsOf(l: ImportedLayer): Float64Array {
  if (!l.centroids) throw new LutnnError(`Layer "${l.name}" has no centroids.`, { field: `${l.name}.centroids`, expected: l.encoder?.kind === 'hash_tree' ? 'the prototypes (C, K, V) its table is built from (weight source)' : 'centroids (C, K, V)', found: 'none' });
  return l.centroids;
}

/** The index of every codebook of every row (rows·C), as the trainer encodes: nearest centroid (L2) or the hash tree. */
export function importedEncode(l: ImportedLayer, x: Float64Array, rows: number): Int32Array {
  const e = l.encoder;
  if (e?.kind === 'hash_tree') {
    return encodeHashTrees({ C: l.C, V: l.V, depth: e.depth, splitDims: e.splitDims, thresholds: e.thresholds, splitOffsets: e.offsets, splitScales: e.scales }, x, rows);
  }
  return nearestCentroids(x, rows, l.C, l.K, l.V, centroidsOf(l));
}

/**
 * Nearest centroid (squared L2 in float64, ties → the lowest index) of every sub-vector of `rows`
 * rows of x (rows × C·V) among P (C, K, V): rows·C indices. LUT-NN's and halutmatmul's argmin.
 */
export function nearestCentroids(x: ArrayLike<number>, rows: number, C: number, K: number, V: number, P: ArrayLike<number>): Int32Array {
  const D = C * V;
  const codes = new Int32Array(rows * C);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < C; c++) {
      let best = 0;
      let bestD = Infinity;
      for (let k = 0; k < K; k++) {
        let d = 0;
        for (let v = 0; v < V; v++) d += (x[r * D + c * V + v] - P[(c * K + k) * V + v]) ** 2;
        if (d < bestD) {
          bestD = d;
          best = k;
        }
      }
      codes[r * C + c] = best;
    }
  }
  return codes;
}

/** Float LUT-NN forward of one imported layer over `rows` rows: encode, table sum, bias, activation. */
export function importedLayerForward(l: ImportedLayer, x: Float64Array, rows: number, tableBits: number): Float64Array {
  const T = realTableOf(l, tableBits);
  const codes = importedEncode(l, x, rows);
  const y = new Float64Array(rows * l.M);
  for (let r = 0; r < rows; r++) {
    const row = y.subarray(r * l.M, (r + 1) * l.M);
    row.set(l.bias);
    for (let c = 0; c < l.C; c++) {
      const t = (c * l.K + codes[r * l.C + c]) * l.M;
      for (let m = 0; m < l.M; m++) row[m] += T[t + m];
    }
    if (l.activation === 'relu') for (let m = 0; m < l.M; m++) if (row[m] < 0) row[m] = 0;
  }
  return y;
}

/** Elements of a layer's input vector: a whole image for a convolution (H·W·C, channels last), else C·V. */
export function inputElements(l: ImportedLayer): number {
  return l.conv ? l.conv.height * l.conv.width * l.conv.inChannels : l.C * l.V;
}

/** Elements of a layer's output vector: OH·OW·M for a convolution, else M. */
export function outputElements(l: ImportedLayer): number {
  if (!l.conv) return l.M;
  const [OH, OW] = outputSize(l.conv);
  return OH * OW * l.M;
}

/** Float forward of an imported layer over `rows` input vectors: a convolution runs its patch layer on every F.unfold patch of each image. */
export function importedForward(l: ImportedLayer, x: Float64Array, rows: number, tableBits: number): Float64Array {
  const g = l.conv;
  if (!g) return importedLayerForward(l, x, rows, tableBits);
  const per = inputElements(l);
  const patches = outputElements(l) / l.M;
  const D = l.C * l.V;
  const all = new Float64Array(rows * patches * D);
  for (let r = 0; r < rows; r++) all.set(unfold(g, x, r * per, (n) => new Float64Array(n)), r * patches * D);
  return importedLayerForward(l, all, rows * patches, tableBits);
}

/**
 * The largest input magnitude at which a layer's encoder decides something: its centroids, or a
 * hash tree's thresholds in input units (t/σ + o; the learner's "never" threshold, float32 max, excluded).
 */
export function decisionRange(l: ImportedLayer): number {
  const e = l.encoder;
  if (e?.kind !== 'hash_tree') return l.centroids ? maxAbs(l.centroids) : 0;
  const per = 2 ** e.depth - 1;
  let m = 0;
  for (let c = 0; c < l.C; c++) {
    for (let i = 0; i < per; i++) {
      const t = e.thresholds[c * per + i];
      if (Math.abs(t) >= 1e38) continue;
      const level = Math.floor(Math.log2(i + 1));
      const o = e.offsets?.[c * e.depth + level] ?? 0;
      const sc = e.scales?.[c * e.depth + level] ?? 1;
      m = Math.max(m, Math.abs(t / sc + o));
    }
  }
  return m;
}

/** Stream scales: given, or max(|activation|, |centroid of the reading layer|) / (2^(b−1) − 1) over the calibration rows. */
function chooseScales(model: ImportedModel, f: FormatChoice): number[] {
  if (f.scales) {
    if (f.scales.length !== model.layers.length + 1 || f.scales.some((s) => !(s > 0) || !Number.isFinite(s))) {
      throw new LutnnError('Wrong number of scales.', { field: '--scales', expected: `${model.layers.length + 1} positive numbers: the input scale, then each layer's output scale`, found: f.scales.join(', ') });
    }
    return f.scales;
  }
  if (!f.calibration) {
    throw new LutnnError('The stream formats need calibration data or explicit scales.', {
      file: model.source,
      expected: '--calib inputs.npy (rows of the first layer inputs) or --scales in,out1,out2,…',
      found: 'neither',
    });
  }
  const D = inputElements(model.layers[0]);
  const { data, rows } = f.calibration;
  if (data.length !== rows * D) {
    throw new LutnnError('Calibration data has the wrong shape.', { expected: `rows × ${D} (the first layer's inputs)`, found: `${data.length} values for ${rows} rows` });
  }
  // A stream's range covers its activations and what the layer reading it decides on (centroids,
  // tree thresholds): a centroid clipped to the stream's range would move the nearest-centroid
  // boundaries (on the digits MLP, 39 of fc1's 1024 centroids lie beyond the largest input and cost
  // 0.5 accuracy points), and a threshold beyond it would see clipped inputs on the wrong side.
  const streamScale = (activations: Float64Array, reader: ImportedLayer | undefined, stream: string) =>
    calibratedScale(Math.max(maxAbs(activations), reader ? decisionRange(reader) : 0), f.bits, { file: model.source, stream });
  const scales = [streamScale(data, model.layers[0], 'the input')];
  let x = data;
  for (const [i, l] of model.layers.entries()) {
    x = importedForward(l, x, rows, f.tableBits);
    scales.push(streamScale(x, model.layers[i + 1], `the output of "${l.name}"`));
  }
  return scales;
}

/**
 * Consecutive layers must chain before anything is computed on them: the outputs of one (M, or a
 * convolution's OH·OW·M) are the inputs of the next (C·V, or a convolution's image: its channels
 * the previous M).
 */
function checkImportedChain(model: ImportedModel): void {
  for (let i = 1; i < model.layers.length; i++) {
    const prev = model.layers[i - 1];
    const cur = model.layers[i];
    const channelsOk = !cur.conv || !prev.conv || cur.conv.inChannels === prev.M;
    if (outputElements(prev) !== inputElements(cur) || !channelsOk) {
      throw new LutnnError(`Layer width mismatch between "${prev.name}" and "${cur.name}".`, {
        file: model.source,
        field: `${cur.name} input`,
        expected: `${outputElements(prev)} inputs (the outputs of "${prev.name}"${prev.conv ? `, ${prev.M} channels per pixel` : ''})`,
        found: cur.conv ? `an image of ${cur.conv.height} x ${cur.conv.width} x ${cur.conv.inChannels}` : `C·V = ${cur.C}·${cur.V} = ${cur.C * cur.V}`,
      });
    }
  }
}

export function toArtifact(model: ImportedModel, name: string, f: FormatChoice): { manifest: Record<string, unknown>; tensors: TensorInput[] } {
  checkImportedChain(model);
  const scales = chooseScales(model, f);
  const tensors: TensorInput[] = [];
  const layers = model.layers.map((l, i) => {
    const t = (s: string) => `${l.name}.${s}`;
    const refs: Record<string, string> = {};
    const add = (key: string, dtype: TensorInput['dtype'], shape: number[], data: ArrayLike<number>) => {
      tensors.push({ name: t(key), dtype, shape, data });
      refs[key] = t(key);
    };
    if (l.centroids) add('centroids', 'F32', [l.C, l.K, l.V], l.centroids);
    const e = l.encoder;
    if (e?.kind === 'hash_tree') {
      add('split_dims', 'I32', [l.C, e.depth], e.splitDims);
      add('thresholds', 'F32', [l.C, 2 ** e.depth - 1], e.thresholds);
      if (e.offsets) add('split_offsets', 'F32', [l.C, e.depth], e.offsets);
      if (e.scales) add('split_scales', 'F32', [l.C, e.depth], e.scales);
    }
    refs.bias = t('bias');
    const table: Record<string, number> = { bits: l.table.kind === 'int' ? l.table.bits : f.tableBits };
    if (l.table.kind === 'weight') {
      tensors.push({ name: t('weight'), dtype: 'F32', shape: [l.C, l.V, l.M], data: l.table.weight });
      refs.weight = t('weight');
    } else if (l.table.kind === 'float') {
      tensors.push({ name: t('lut'), dtype: 'F32', shape: [l.C, l.K, l.M], data: l.table.lut });
      refs.lut = t('lut');
    } else {
      tensors.push({ name: t('lut'), dtype: l.table.bits <= 8 ? 'I8' : l.table.bits <= 16 ? 'I16' : 'I32', shape: [l.C, l.K, l.M], data: l.table.lut });
      refs.lut = t('lut');
      table.scale = l.table.scale;
    }
    tensors.push({ name: t('bias'), dtype: 'F32', shape: [l.M], data: l.bias });
    const shape = l.conv
      ? {
          kind: 'lut_conv2d',
          in_channels: l.conv.inChannels,
          out_channels: l.M,
          height: l.conv.height,
          width: l.conv.width,
          kernel_size: l.conv.kernel,
          stride: l.conv.stride,
          padding: l.conv.padding,
        }
      : { kind: 'lut_linear', in_features: l.C * l.V, out_features: l.M };
    return {
      name: l.name,
      ...shape,
      num_codebooks: l.C,
      num_centroids: l.K,
      subvector_len: l.V,
      ...(e?.kind === 'hash_tree' ? { encoder: { kind: 'hash_tree', depth: e.depth } } : { metric: 'l2' }),
      activation: l.activation,
      input: { bits: f.bits, scale: scales[i] },
      output: { bits: f.bits, scale: scales[i + 1] },
      table,
      tensors: refs,
    };
  });
  return { manifest: { format: 'lutnn-artifact', format_version: 1, name, tensors: 'model.safetensors', description: `imported from ${model.source}`, layers }, tensors };
}
