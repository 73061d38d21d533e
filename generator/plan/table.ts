/**
 * Quantization of a layer's tensors into the integers the hardware stores: centroids in
 * input-scale units, the lookup table in INT b_t with one symmetric per-tensor scale, and the bias
 * in accumulator units. Rules: docs/number-formats.md.
 */
import type { LutLinearLayer, Tensor } from '../artifact/types.ts';
import { LutnnError } from '../errors.ts';
import { quantize, roundHalfEven, signedMax } from '../numeric/fixed.ts';

const isFloat = (t: Tensor) => t.dtype === 'F32' || t.dtype === 'F16';

/**
 * The layer's centroids (C, K, V). The loader guarantees them for a `ccs` layer and a `weight`
 * source; a hash-tree layer with a `lut` may have none, and whatever needs them (the MAC baseline's
 * least-squares weights, lutnn compare) is refused with this error.
 */
export function layerCentroids(layer: LutLinearLayer, purpose: string): Tensor {
  if (layer.centroids) return layer.centroids;
  throw new LutnnError(`Layer "${layer.name}" has no centroids, which ${purpose} needs.`, {
    field: `layers.${layer.name}.tensors.centroids`,
    expected: 'a (C, K, V) centroid tensor (a hash-tree layer with a lut table may omit it)',
    found: 'none',
  });
}

/** Centroids (C, K, V) as input-scale integers. Float centroids are quantized like inputs. */
export function quantizeCentroids(layer: LutLinearLayer): Int32Array {
  const centroids = layerCentroids(layer, 'the closest-centroid search');
  const { input } = layer;
  if (!isFloat(centroids)) return Int32Array.from(centroids.data);
  const out = new Int32Array(centroids.data.length);
  for (let i = 0; i < out.length; i++) out[i] = quantize(centroids.data[i], input.scale, input.bits);
  return out;
}

/** Centroids (C, K, V) in real units, for building tables from LUT-NN weights and float references. */
export function realCentroids(layer: LutLinearLayer, purpose = 'a table built from weight (T = P·W)'): Float64Array {
  const centroids = layerCentroids(layer, purpose);
  const { input } = layer;
  if (isFloat(centroids)) return Float64Array.from(centroids.data);
  return Float64Array.from(centroids.data, (q) => q * input.scale);
}

/**
 * The float table (C, K, M) in real units: given directly, dequantized from an int table, or built as
 * LUT-NN does, T[c] = centroids[c] (K×V) · weight[c] (V×M), in float64.
 */
export function realTable(layer: LutLinearLayer): Float64Array {
  const { numCodebooks: C, numCentroids: K, subvectorLen: V, outFeatures: M, table } = layer;
  if (table.kind === 'float') return Float64Array.from(table.lut.data);
  if (table.kind === 'int') return Float64Array.from(table.lut.data, (q) => q * table.scale);
  const cent = realCentroids(layer);
  const w = table.weight.data;
  const out = new Float64Array(C * K * M);
  for (let c = 0; c < C; c++) {
    for (let k = 0; k < K; k++) {
      const row = (c * K + k) * M;
      for (let v = 0; v < V; v++) {
        const p = cent[(c * K + k) * V + v];
        if (p === 0) continue;
        const wRow = (c * V + v) * M;
        for (let m = 0; m < M; m++) out[row + m] += p * w[wRow + m];
      }
    }
  }
  return out;
}

/**
 * Symmetric per-tensor quantization (LUT-NN's `_quantize_lut` for b = 8): s = max|T| / (2^(b−1) − 1),
 * q = round_half_even(T / s); an all-zero table uses s = 1.
 */
export function quantizeSymmetric(real: ArrayLike<number>, bits: number): { values: Int32Array; scale: number } {
  let maxAbs = 0;
  for (let i = 0; i < real.length; i++) maxAbs = Math.max(maxAbs, Math.abs(real[i]));
  // An all-zero table has no natural scale; 1.0 keeps every downstream quantity finite.
  const scale = maxAbs === 0 ? 1 : maxAbs / signedMax(bits);
  const values = new Int32Array(real.length);
  for (let i = 0; i < real.length; i++) values[i] = roundHalfEven(real[i] / scale);
  return { values, scale };
}

/** Quantized table (C, K, M) and its scale. */
export function quantizeTable(layer: LutLinearLayer): { values: Int32Array; scale: number } {
  const { table, tableBits } = layer;
  if (table.kind === 'int') return { values: Int32Array.from(table.lut.data), scale: table.scale };
  return quantizeSymmetric(realTable(layer), tableBits);
}

/**
 * The table the trained model itself computes with, in real units (C, K, M): a float LUT as given,
 * an integer LUT dequantized, and for LUT-NN's `weight` the table LUT-NN's forward uses, i.e.
 * centroids·weight quantized symmetrically (INT8 for table.bits = 8; blink-mm `AMMLinear.forward`)
 * and dequantized. The float reference (golden/float-reference.ts) uses this, so it is the
 * training framework's output, not the unquantized centroids·weight.
 */
export function referenceTable(layer: LutLinearLayer): Float64Array {
  if (layer.table.kind !== 'weight') return realTable(layer);
  const { values, scale } = quantizeTable(layer);
  return Float64Array.from(values, (q) => q * scale);
}

/** Bias (M) in accumulator units (table scale), INT32 at most. */
export function quantizeBias(layer: LutLinearLayer, tableScale: number, file: string): Int32Array {
  const out = new Int32Array(layer.outFeatures);
  if (!layer.bias) return out;
  const limit = 2 ** 31 - 1;
  for (let m = 0; m < out.length; m++) {
    const q = roundHalfEven(layer.bias.data[m] / tableScale);
    if (Math.abs(q) > limit) {
      throw new LutnnError(`Bias of layer "${layer.name}" does not fit INT32 in accumulator units.`, {
        file,
        field: `tensor "${layer.bias.name}"[${m}]`,
        expected: `|bias / table scale| < 2^31 (table scale ${tableScale})`,
        found: `${layer.bias.data[m]} → ${q}`,
      });
    }
    out[m] = q;
  }
  return out;
}
