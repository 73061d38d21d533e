/**
 * PIM-DL (leesou/PIM-DL-ASPLOS) converter output, read as `model-calibration/pim_weight_converter.py`
 * writes it. Per operator `<op>` (e.g. `0.attention.self.query`):
 *
 *   <op>.centroids.weight  (C, K·V) f32  the codebooks as an nn.Embedding: [c, k·V + v]
 *                                        (LUTLinear_t.py: centroids.weight.view(C, K, V))
 *   <op>.lut.tensor        (C·K, M) int8  row c·K + k (the (C, K, M) table viewed as (-1, M))
 *   <op>.lut.scale         0-d f32      one symmetric scale for the whole table
 *   <op>.lut.bias          0-d f32      −scale·zero_point, added once per codebook by the runtime
 *   <op>.bias              (M) f32      the layer bias
 *
 * The runtime computes y[m] = scale·Σ_c q[c·K + k_c][m] + lut.bias·C + bias[m] (pim_lut_host.cpp),
 * with k_c the L2-nearest centroid of x[c·V … c·V+V−1]. K is not stored: K = rows of lut.tensor / C.
 *
 * The ops are BERT blocks (attention, GELU, LayerNorm, residual adds between them), not a ReLU chain,
 * so each op is imported as a one-layer model of its own; `--layers` selects which.
 */
import { LutnnError } from '../errors.ts';
import { readNpz, type NumericArray } from '../convert/numpy.ts';
import { checkIntTable, safeName, type ImportedModel } from './imported.ts';
import { naturalOrder } from '../util/names.ts';

export interface PimDlOptions {
  /** Operators to import (default: all). */
  layers?: string[];
}

/** One model per operator, in natural name order (or the order of `layers`). */
export async function importPimDlNpz(file: string, opts: PimDlOptions = {}): Promise<ImportedModel[]> {
  const arrays = await readNpz(file, 'PIM-DL npz');
  const all = [...arrays.keys()].filter((k) => k.endsWith('.lut.tensor')).map((k) => k.slice(0, -'.lut.tensor'.length)).sort(naturalOrder);
  if (all.length === 0) {
    throw new LutnnError('No PIM-DL LUT operators found.', { file, expected: 'arrays <op>.lut.tensor, <op>.lut.scale, <op>.lut.bias, <op>.centroids.weight, <op>.bias', found: `arrays: ${[...arrays.keys()].slice(0, 12).join(', ') || 'none'}` });
  }
  for (const op of opts.layers ?? []) {
    if (!all.includes(op)) throw new LutnnError(`"${op}" is not a LUT operator of the PIM-DL file.`, { file, field: '--layers', expected: `one of ${all.join(', ')}`, found: JSON.stringify(op) });
  }
  const need = (key: string, what: string, check: (a: NumericArray) => boolean): NumericArray => {
    const a = arrays.get(key);
    if (!a) throw new LutnnError(`PIM-DL array "${key}" is missing.`, { file, field: key, expected: what, found: 'no such array' });
    if (!check(a)) throw new LutnnError(`PIM-DL array "${key}" has the wrong shape.`, { file, field: key, expected: what, found: `shape (${a.shape.join(', ')}) ${a.dtype}` });
    for (let i = 0; i < a.data.length; i++) {
      if (!Number.isFinite(a.data[i])) throw new LutnnError(`Non-finite value in PIM-DL array "${key}".`, { file, field: key, expected: 'finite numbers only', found: `${a.data[i]} at flat index ${i}` });
    }
    return a;
  };
  const scalar = (a: NumericArray) => a.data.length === 1 && a.shape.length <= 1;
  return (opts.layers ?? all).map((op) => {
    const cent = need(`${op}.centroids.weight`, 'codebooks (C, K·V) as PIM-DL stores them (nn.Embedding weight)', (a) => a.shape.length === 2);
    const [C, KV] = cent.shape;
    const lut = need(`${op}.lut.tensor`, `int8 table (C·K, M) with C = ${C} (rows of ${op}.centroids.weight)`, (a) => a.shape.length === 2 && a.shape[0] % C === 0);
    const K = lut.shape[0] / C;
    const M = lut.shape[1];
    if (KV % K !== 0 || K < 2) {
      throw new LutnnError(`PIM-DL operator "${op}": codebooks and table do not agree.`, { file, field: `${op}.centroids.weight`, expected: `(C, K·V) with K = ${K} (rows of ${op}.lut.tensor / C) dividing its ${KV} columns`, found: `shape (${C}, ${KV})` });
    }
    const V = KV / K;
    const scale = need(`${op}.lut.scale`, 'a scalar', scalar).data[0];
    const table = checkIntTable(lut.data, scale, { file, field: `${op}.lut.tensor / ${op}.lut.scale` });
    const lutBias = arrays.has(`${op}.lut.bias`) ? need(`${op}.lut.bias`, 'a scalar (−scale·zero_point, added once per codebook)', scalar).data[0] : 0;
    const layerBias = arrays.has(`${op}.bias`) ? need(`${op}.bias`, `the layer bias (${M})`, (a) => a.data.length === M).data : new Float64Array(M);
    // The runtime adds lut.bias once per codebook: C·lut.bias joins the layer bias.
    const bias = Float64Array.from(layerBias, (b) => b + C * lutBias);
    return {
      source: `${file} (${op})`,
      label: op,
      layers: [{ name: safeName(op, 'op'), C, K, V, M, centroids: cent.data, table: { kind: 'int', lut: table.lut, scale, bits: table.bits }, bias, activation: 'none' }],
    };
  });
}
