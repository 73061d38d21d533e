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
export { safeName } from '../util/names.ts';

export type ImportedTable =
  | { kind: 'float'; lut: Float64Array }
  | { kind: 'int'; lut: Int32Array; scale: number; bits: number }
  | { kind: 'weight'; weight: Float64Array };

export interface ImportedLayer {
  name: string;
  C: number;
  K: number;
  V: number;
  M: number;
  /** (C, K, V) in real input units. */
  centroids: Float64Array;
  table: ImportedTable;
  bias: Float64Array;
  activation: 'none' | 'relu';
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
  for (let c = 0; c < l.C; c++) for (let k = 0; k < l.K; k++) for (let v = 0; v < l.V; v++) {
    const p = l.centroids[(c * l.K + k) * l.V + v];
    for (let m = 0; m < l.M; m++) T[(c * l.K + k) * l.M + m] += p * w[(c * l.V + v) * l.M + m];
  }
  const { values, scale } = quantizeSymmetric(T, tableBits);
  return Float64Array.from(values, (q) => q * scale);
}

/** Float LUT-NN forward of one imported layer over `rows` rows: nearest centroid, table sum, bias, activation. */
export function importedLayerForward(l: ImportedLayer, x: Float64Array, rows: number, tableBits: number): Float64Array {
  const T = realTableOf(l, tableBits);
  const D = l.C * l.V;
  const y = new Float64Array(rows * l.M);
  for (let r = 0; r < rows; r++) {
    const row = y.subarray(r * l.M, (r + 1) * l.M);
    row.set(l.bias);
    for (let c = 0; c < l.C; c++) {
      let best = 0;
      let bestD = Infinity;
      for (let k = 0; k < l.K; k++) {
        let d = 0;
        for (let v = 0; v < l.V; v++) d += (x[r * D + c * l.V + v] - l.centroids[(c * l.K + k) * l.V + v]) ** 2;
        if (d < bestD) {
          bestD = d;
          best = k;
        }
      }
      const t = (c * l.K + best) * l.M;
      for (let m = 0; m < l.M; m++) row[m] += T[t + m];
    }
    if (l.activation === 'relu') for (let m = 0; m < l.M; m++) if (row[m] < 0) row[m] = 0;
  }
  return y;
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
  const D = model.layers[0].C * model.layers[0].V;
  const { data, rows } = f.calibration;
  if (data.length !== rows * D) {
    throw new LutnnError('Calibration data has the wrong shape.', { expected: `rows × ${D} (the first layer's inputs)`, found: `${data.length} values for ${rows} rows` });
  }
  // A stream's range covers its activations and the centroids of the layer reading it: a centroid
  // clipped to the stream's range would move the nearest-centroid boundaries (on the digits MLP,
  // 39 of fc1's 1024 centroids lie beyond the largest input and cost 0.5 accuracy points).
  const streamScale = (activations: Float64Array, reader: ImportedLayer | undefined, stream: string) =>
    calibratedScale(Math.max(maxAbs(activations), reader ? maxAbs(reader.centroids) : 0), f.bits, { file: model.source, stream });
  const scales = [streamScale(data, model.layers[0], 'the input')];
  let x = data;
  for (const [i, l] of model.layers.entries()) {
    x = importedLayerForward(l, x, rows, f.tableBits);
    scales.push(streamScale(x, model.layers[i + 1], `the output of "${l.name}"`));
  }
  return scales;
}

/** Consecutive layers must chain (M of one = C·V of the next) before anything is computed on them. */
function checkImportedChain(model: ImportedModel): void {
  for (let i = 1; i < model.layers.length; i++) {
    const prev = model.layers[i - 1];
    const cur = model.layers[i];
    if (prev.M !== cur.C * cur.V) {
      throw new LutnnError(`Layer width mismatch between "${prev.name}" and "${cur.name}".`, {
        file: model.source,
        field: `${cur.name} input`,
        expected: `${prev.M} inputs (the outputs of "${prev.name}")`,
        found: `C·V = ${cur.C}·${cur.V} = ${cur.C * cur.V}`,
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
    tensors.push({ name: t('centroids'), dtype: 'F32', shape: [l.C, l.K, l.V], data: l.centroids });
    const refs: Record<string, string> = { centroids: t('centroids'), bias: t('bias') };
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
    return {
      name: l.name,
      kind: 'lut_linear',
      in_features: l.C * l.V,
      out_features: l.M,
      num_codebooks: l.C,
      num_centroids: l.K,
      subvector_len: l.V,
      metric: 'l2',
      activation: l.activation,
      input: { bits: f.bits, scale: scales[i] },
      output: { bits: f.bits, scale: scales[i + 1] },
      table,
      tensors: refs,
    };
  });
  return { manifest: { format: 'lutnn-artifact', format_version: 1, name, tensors: 'model.safetensors', description: `imported from ${model.source}`, layers }, tensors };
}
