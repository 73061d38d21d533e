/**
 * halutmatmul / Stella Nera (github.com/joennlae/halutmatmul) models: MADDNESS hash-tree encoders
 * with their lookup tables, read from the two files halutmatmul's own code writes.
 *
 * Source facts below cite halutmatmul at commit 4655152246e4a7203a9401bd6f4a71905e9cb682
 * (src/python/halutmatmul/…), quoting the line.
 *
 * 1. The learner's offline storage (`HalutMatmul.to_numpy()`, saved with `np.save` as a NumPy
 *    object array; halutmatmul.py `to_numpy`: `store_array = np.array([splits.astype(np.float32),
 *    self.luts.astype(np.float32), np.array([self.offset, self.scale, self.optimized,
 *    self.quantize_lut, self.upcast_every], …), self.prototypes…, self.thresholds…, self.dims…,
 *    self.simple_k_mean_prototypes…, self.simple_lut…], dtype=object)`), eight float32 arrays in
 *    `HalutOfflineStorage` order (halutmatmul.py: `HASH_TABLES = 0`, `LUT = 1`, `CONFIG = 2`,
 *    `PROTOTYPES = 3`, `THRESHOLDS = 4`, `DIMS = 5`, `SIMPLE_PROTOTYPES = 6`, `SIMPLE_LUT = 7`,
 *    `MAX = 8`).
 * 2. A HalutLinear state dict (safetensors, torch.save zip, npz) with `<p>.lut`, `<p>.thresholds`,
 *    `<p>.dims` (and `<p>.P`, `<p>.weight`, `<p>.bias`), as model.py `prepare_state_dict` builds it.
 *
 * Both become one `HalutModel`: per codebook the tree (absolute input column per level, level-major
 * node thresholds, per-level offset and scale), the table indexed by the tree's leaf (C, K, M), and,
 * where the file has them, the k-means prototypes (C, K, V) with their own table (halutmatmul's
 * "argmin" path), and the bias.
 */
import { LutnnError } from '../errors.ts';
import { readInputFile } from '../util/read-input.ts';
import { describeItem, isNpy, parseNumpyObjectArray, type NumpyItem, type NumpyNumericArray, type NumpyObjectArray } from './numpy-pickle.ts';
import { readStateDict, type StateDict, type StateTensor } from './state-dict.ts';
import { nearestCentroids, safeName, type ImportedLayer, type ImportedModel } from './imported.ts';

/** Names of the offline storage's elements (halutmatmul.py `class HalutOfflineStorage`). */
export const HALUT_STORAGE = ['HASH_TABLES', 'LUT', 'CONFIG', 'PROTOTYPES', 'THRESHOLDS', 'DIMS', 'SIMPLE_PROTOTYPES', 'SIMPLE_LUT'] as const;

export interface HalutModel {
  /** The file it was read from. */
  source: string;
  /** Which of halutmatmul's files: the learner's offline storage (.npy) or a HalutLinear state dict. */
  form: 'offline-storage' | 'state-dict';
  /** State dict: the layer's key prefix (`fc` for `fc.lut`); offline storage: null. */
  layer: string | null;
  /** In features, out features, codebooks, leaves per codebook (2^depth), columns per codebook (D / C), tree depth. */
  D: number;
  M: number;
  C: number;
  K: number;
  V: number;
  depth: number;
  /** (C, depth): level l of codebook c compares input column dims[c·depth + l], an absolute column in [c·V, (c+1)·V). */
  dims: Int32Array;
  /** (C, K − 1), level-major: level l, node n (0 … 2^l − 1) at c·(K − 1) + 2^l − 1 + n. Real input units (after offset/scale). */
  thresholds: Float64Array;
  /** (C, depth): halutmatmul's per-level `offset` (0 where the file has none). */
  offsets: Float64Array;
  /** (C, depth): halutmatmul's per-level `scaleby`, > 0 (1 where the file has none). */
  scales: Float64Array;
  /** (C, K, M): the table indexed by the tree's leaf, real output units; null when the file does not hold it (`tableNote` says why). */
  table: Float64Array | null;
  tableNote: string | null;
  /** (C, K, V): the k-means prototypes of halutmatmul's argmin path (SIMPLE_PROTOTYPES / `P`), or null. Their index is not the tree's leaf. */
  prototypes: Float64Array | null;
  /** (C, K, M): the table of the argmin path, indexed by the prototype (SIMPLE_LUT / `lut` when it is P·W), or null. */
  prototypeTable: Float64Array | null;
  /** (C, K, D): the tree leaves' prototypes over the whole input (offline storage PROTOTYPES), or null. */
  leafPrototypes: Float64Array | null;
  /** (M): the layer bias, which HalutLinear's forward adds; null if none (the offline storage has none). */
  bias: Float64Array | null;
}

export interface HalutImportOptions {
  /** State dict: the layer prefix to read when the file holds several halut layers. */
  layer?: string;
}

/** Reads either of halutmatmul's files, decided by content: a .npy object array, or a state dict. */
export async function importHalut(file: string, opts: HalutImportOptions = {}): Promise<HalutModel> {
  const bytes = new Uint8Array(await readInputFile(file, 'halutmatmul model', 'a readable .npy (HalutMatmul.to_numpy) or HalutLinear state dict (.safetensors, .pth, .npz)'));
  if (isNpy(bytes)) {
    if (opts.layer !== undefined) throw new LutnnError('A layer was named, but the file is an offline storage array of one layer.', { file, field: 'layer', expected: 'no layer name for a .npy file', found: JSON.stringify(opts.layer) });
    return halutFromOfflineStorage(parseNumpyObjectArray(bytes, file), file);
  }
  return halutFromStateDict(await readStateDict(file), opts.layer);
}

// ---------------------------------------------------------------------------------------------
// Offline storage (.npy object array)

/** The offline storage array (HalutMatmul.to_numpy()) as a model. */
export function halutFromOfflineStorage(root: NumpyObjectArray, file: string): HalutModel {
  if (root.shape.length !== 1 || root.items.length !== HALUT_STORAGE.length) {
    throw new LutnnError('The object array is not halutmatmul offline storage.', {
      file,
      field: 'array shape',
      expected: `${HALUT_STORAGE.length} elements in HalutOfflineStorage order (${HALUT_STORAGE.join(', ')}), as HalutMatmul.to_numpy() stores them`,
      found: `shape (${root.shape.join(', ')})`,
    });
  }
  const el = (i: number): NumpyNumericArray => {
    const v: NumpyItem = root.items[i];
    if (typeof v !== 'object' || v === null || v.kind !== 'numeric') {
      throw new LutnnError('An element of the offline storage is not a numeric array.', { file, field: `element ${i} (${HALUT_STORAGE[i]})`, expected: 'a float32 array', found: describeItem(v) });
    }
    return v;
  };
  const field = (i: number) => `element ${i} (${HALUT_STORAGE[i]})`;
  const shapeError = (i: number, expected: string, a: NumpyNumericArray) => new LutnnError(`${HALUT_STORAGE[i]} has the wrong shape.`, { file, field: field(i), expected, found: `shape (${a.shape.join(', ')})` });

  // HASH_TABLES (C, depth, 2^(depth−1) + 3). functions.py `split_lists_to_numpy`:
  //   `ret_array = np.zeros((len(buckets), len(buckets[0]), length + 3), dtype=np.float32)` with
  //   `length` the largest level's node count, and per level k:
  //   `ret_array[i, k, 0 : pow(2, k)] = v.vals`, `ret_array[i, k, length] = v.dim`,
  //   `ret_array[i, k, length + 1] = v.scaleby`, `ret_array[i, k, length + 2] = v.offset`.
  // Read back by functions.py `apply_hash_function_opt`: `length = splits.shape[1] - 3`,
  //   `vals = splits[i, 0 : pow(2, i)]`, `dim = int(splits[i, length])`,
  //   `scaleby = splits[i, length + 1]`, `offset = splits[i, length + 2]`.
  const ht = el(0);
  if (ht.shape.length === 1 && ht.shape[0] === 0) {
    // halutmatmul.py `learn_offline(..., only_prototypes=True)` learns no tree ("shape wrong but not used").
    throw new LutnnError('The offline storage holds no hash tree.', { file, field: field(0), expected: 'hash tables of shape (C, depth, 2^(depth−1) + 3)', found: 'an empty array (learned with only_prototypes=True: prototypes only, no tree)' });
  }
  if (ht.shape.length !== 3) throw shapeError(0, '(C, depth, 2^(depth−1) + 3)', ht);
  const [C, depth, rowLen] = ht.shape;
  if (C < 1 || depth < 1 || depth > 8 || rowLen !== 2 ** (depth - 1) + 3) {
    throw shapeError(0, '(C, depth, 2^(depth−1) + 3) with C ≥ 1 and depth 1 … 8 (numpy_to_split_list: `assert num_splits == np.log2(length) + 1`)', ht);
  }
  const K = 2 ** depth;
  const length = rowLen - 3;
  const dimsF = new Float64Array(C * depth);
  const thresholds = new Float64Array(C * (K - 1));
  const offsets = new Float64Array(C * depth);
  const scales = new Float64Array(C * depth);
  for (let c = 0; c < C; c++) {
    for (let l = 0; l < depth; l++) {
      const row = (c * depth + l) * rowLen;
      for (let n = 0; n < 2 ** l; n++) thresholds[c * (K - 1) + 2 ** l - 1 + n] = ht.data[row + n];
      dimsF[c * depth + l] = ht.data[row + length];
      scales[c * depth + l] = ht.data[row + length + 1];
      offsets[c * depth + l] = ht.data[row + length + 2];
    }
  }

  // LUT (M, C, K): halutmatmul.py `_create_lut`: `luts = np.zeros((B.shape[0], self.C, self.K))`,
  // `luts[i] = maddness_lut(q, self.prototypes)` (maddness.py: `(q * all_prototypes).sum(axis=2)  # C, K`).
  const lut = el(1);
  if (lut.shape.length !== 3 || lut.shape[1] !== C || lut.shape[2] !== K) throw shapeError(1, `(M, C, K) = (M, ${C}, ${K})`, lut);
  const M = lut.shape[0];
  if (M < 1) throw shapeError(1, `(M, ${C}, ${K}) with M ≥ 1`, lut);

  // CONFIG [offset, scale, optimized, quantize_lut, upcast_every] (halutmatmul.py `to_numpy`).
  const config = el(2);
  if (config.shape.length !== 1 || config.shape[0] !== 5) throw shapeError(2, '(5,): offset, scale, optimized, quantize_lut, upcast_every', config);
  if (config.data[3] !== 0 || config.data[0] !== 0 || config.data[1] !== 1) {
    // `_create_lut`: `if self.quantize_lut: luts, offset, scale = maddness_quantize_luts(luts)` —
    // uint8 tables read by `read_luts_quantized_opt` with pairwise rounded averaging.
    throw new LutnnError('Quantized (offset/scaled) halutmatmul tables are not supported.', { file, field: `${field(2)} [offset, scale, optimized, quantize_lut, upcast_every]`, expected: 'quantize_lut = 0 with offset 0 and scale 1 (a float LUT)', found: `[${Array.from(config.data).join(', ')}]` });
  }

  // PROTOTYPES (C, K, D): maddness.py `all_prototypes = np.zeros((C, K, D), dtype=np.float32)`,
  // `all_prototypes[c, b] = centroid` (b = the leaf/bucket id), plus the ridge-regression delta over
  // all D columns (`all_prototypes_delta = W.reshape(C, K, D)`), so they are not codebook-local.
  const protos = el(3);
  let D: number | undefined;
  let leafPrototypes: Float64Array | null = null;
  if (protos.shape.length === 3) {
    if (protos.shape[0] !== C || protos.shape[1] !== K) throw shapeError(3, `(C, K, D) = (${C}, ${K}, D)`, protos);
    D = protos.shape[2];
    leafPrototypes = Float64Array.from(protos.data);
  } else if (!(protos.shape.length === 1 && protos.shape[0] === 0)) {
    throw shapeError(3, `(C, K, D) = (${C}, ${K}, D), or empty`, protos);
  }

  // SIMPLE_PROTOTYPES (C, K, V) and SIMPLE_LUT (M, C, K): halutmatmul.py `learn_simple_k_means_prototypes`
  // (`centroids.reshape((self.C, 1 << nbit, d))`) and `calculate_simple_lut`
  // (`np.einsum("CKd, MCd -> MCK", self.simple_k_mean_prototypes, B_reshaped)`). Empty in older learners.
  const sp = el(6);
  const sl = el(7);
  let prototypes: Float64Array | null = null;
  let prototypeTable: Float64Array | null = null;
  if (sp.shape.length === 3) {
    if (sp.shape[0] !== C || sp.shape[1] !== K) throw shapeError(6, `(C, K, V) = (${C}, ${K}, V)`, sp);
    const Dp = C * sp.shape[2];
    if (D !== undefined && D !== Dp) throw shapeError(6, `(C, K, V) with C·V = ${D} (PROTOTYPES' D)`, sp);
    D = Dp;
    if (sl.shape.length !== 3 || sl.shape[0] !== M || sl.shape[1] !== C || sl.shape[2] !== K) throw shapeError(7, `(M, C, K) = (${M}, ${C}, ${K})`, sl);
    prototypes = Float64Array.from(sp.data);
    prototypeTable = transposeMCK(sl.data, M, C, K);
  } else if (!(sp.shape.length === 1 && sp.shape[0] === 0)) {
    throw shapeError(6, `(C, K, V) = (${C}, ${K}, V), or empty`, sp);
  }
  if (D === undefined) {
    throw new LutnnError('The offline storage does not say how many inputs the layer has.', { file, field: `${field(3)} / ${field(6)}`, expected: 'PROTOTYPES (C, K, D) or SIMPLE_PROTOTYPES (C, K, V)', found: 'both empty' });
  }

  // THRESHOLDS (C·(K−1)) and DIMS (C·depth): the same values as the hash tables, flattened
  // (split_lists_to_numpy: `for t in v.vals: thresholds.append(t)`, `dims.append(v.dim)`).
  const thr = el(4);
  const dm = el(5);
  if (thr.shape.length !== 1 || thr.shape[0] !== C * (K - 1)) throw shapeError(4, `(${C * (K - 1)},) = C·(2^depth − 1)`, thr);
  if (dm.shape.length !== 1 || dm.shape[0] !== C * depth) throw shapeError(5, `(${C * depth},) = C·depth`, dm);
  for (let i = 0; i < thresholds.length; i++) {
    if (!Object.is(thr.data[i], thresholds[i]) && thr.data[i] !== thresholds[i]) {
      const c = Math.floor(i / (K - 1));
      throw new LutnnError('THRESHOLDS disagrees with HASH_TABLES.', { file, field: `${field(4)} [${i}]`, expected: `${thresholds[i]} (HASH_TABLES, codebook ${c}, level-major node ${i % (K - 1)})`, found: String(thr.data[i]) });
    }
  }
  for (let i = 0; i < dimsF.length; i++) {
    if (dm.data[i] !== dimsF[i]) {
      throw new LutnnError('DIMS disagrees with HASH_TABLES.', { file, field: `${field(5)} [${i}]`, expected: `${dimsF[i]} (HASH_TABLES, codebook ${Math.floor(i / depth)}, level ${i % depth})`, found: String(dm.data[i]) });
    }
  }

  return validated({
    source: file,
    form: 'offline-storage',
    layer: null,
    D, M, C, K, V: 0, depth,
    dims: new Int32Array(0),
    thresholds, offsets, scales,
    table: transposeMCK(lut.data, M, C, K),
    tableNote: null,
    prototypes, prototypeTable, leafPrototypes,
    bias: null,
  }, dimsF, {
    dims: (c, l) => `${field(0)} [${c}][${l}][${length}] (dim)`,
    threshold: (i) => `${field(0)} codebook ${Math.floor(i / (K - 1))}, level-major node ${i % (K - 1)}`,
    offset: (c, l) => `${field(0)} [${c}][${l}][${length + 2}] (offset)`,
    scale: (c, l) => `${field(0)} [${c}][${l}][${length + 1}] (scaleby)`,
    table: field(1),
    prototypes: field(6),
    prototypeTable: field(7),
    leafPrototypes: field(3),
    bias: 'bias',
  });
}

/** halutmatmul's (M, C, K) as (C, K, M). */
function transposeMCK(src: ArrayLike<number>, M: number, C: number, K: number): Float64Array {
  const out = new Float64Array(C * K * M);
  for (let m = 0; m < M; m++) for (let c = 0; c < C; c++) for (let k = 0; k < K; k++) out[(c * K + k) * M + m] = src[(m * C + c) * K + k];
  return out;
}

// ---------------------------------------------------------------------------------------------
// HalutLinear state dict

/**
 * A HalutLinear layer of a state dict. The keys are modules.py's buffers: `lut` (M, C, K),
 * `thresholds` (C·(K−1)), `dims` (C·depth), `P`, `weight` (M, D), `bias` (M). model.py
 * `prepare_state_dict` fills them from the offline storage:
 *   `.lut`: `store_array[hm.HalutOfflineStorage.LUT] … if len(store_array[hm.HalutOfflineStorage.SIMPLE_LUT].shape) == 1
 *            else torch.from_numpy(store_array[hm.HalutOfflineStorage.SIMPLE_LUT]…)`
 *   `.thresholds`: `store_array[hm.HalutOfflineStorage.THRESHOLDS]`
 *   `.dims`: `store_array[hm.HalutOfflineStorage.DIMS].astype(np.int32)`
 *   `.P`: `store_array[hm.HalutOfflineStorage.SIMPLE_PROTOTYPES]`
 * So whenever the learner has k-means prototypes (every current learner: `learn_offline` always
 * runs `learn_simple_k_means_prototypes` and `calculate_simple_lut`), `lut` is the k-means table
 * SIMPLE_LUT = P·W, not the tree's LUT, although the tree (`thresholds`, `dims`) is stored beside it.
 * The state dict has no offset/scaleby: HalutLinear's tree path compares the raw input
 * (modules.py `halut_matmul_forward`: `h = S.mm(input[:, dims].T) - T.unsqueeze(1)`), i.e. offset 0, scale 1.
 */
export function halutFromStateDict(sd: StateDict, layer?: string): HalutModel {
  const file = sd.file;
  const prefixes = [...sd.tensors.keys()]
    .filter((k) => k === 'lut' || k.endsWith('.lut'))
    .map((k) => k.slice(0, -'lut'.length))
    .filter((p) => sd.tensors.has(`${p}thresholds`) && sd.tensors.has(`${p}dims`));
  const names = prefixes.map((p) => p.replace(/\.$/, ''));
  let p: string;
  if (layer !== undefined) {
    const i = names.indexOf(layer);
    if (i < 0) throw new LutnnError('No such halut layer in the state dict.', { file, field: 'layer', expected: names.length ? `one of ${names.join(', ')}` : 'a layer with <p>.lut, <p>.thresholds, <p>.dims', found: JSON.stringify(layer) });
    p = prefixes[i];
  } else if (prefixes.length === 1) {
    p = prefixes[0];
  } else if (prefixes.length === 0) {
    const keys = [...sd.tensors.keys()];
    throw new LutnnError('The state dict holds no halutmatmul layer.', { file, expected: 'tensors <p>.lut, <p>.thresholds and <p>.dims (a HalutLinear layer)', found: `keys ${keys.slice(0, 12).join(', ')}${keys.length > 12 ? ', …' : ''}` });
  } else {
    throw new LutnnError('The state dict holds several halutmatmul layers.', { file, field: 'layer', expected: `one layer named: ${names.join(', ')}`, found: 'no layer named' });
  }
  const name = p.replace(/\.$/, '');
  const t = (k: string) => sd.tensors.get(`${p}${k}`);
  const where = (k: string) => `tensor "${sd.strippedPrefix}${p}${k}"`;
  const shapeError = (k: string, expected: string, x: StateTensor) => new LutnnError(`Tensor "${p}${k}" has the wrong shape.`, { file, field: where(k), expected, found: `shape [${x.shape.join(', ')}]` });

  const active = t('halut_active');
  if (active) {
    const v = active.values();
    // modules.py `state_dict_hook`: `if not state_dict[prefix + "halut_active"]: return` — the layer stays a plain Linear.
    if (v.length === 1 && v[0] === 0) throw new LutnnError('The halutmatmul layer is not active.', { file, field: where('halut_active'), expected: 'halut_active = True', found: 'False (HalutLinear runs as a plain Linear layer)' });
  }
  const lutT = t('lut')!;
  if (lutT.shape.length === 4) throw shapeError('lut', '(M, C, K): a HalutLinear layer (a 4-D lut is a HalutConv2d with loop_order kn2col)', lutT);
  if (lutT.shape.length !== 3) throw shapeError('lut', '(M, C, K)', lutT);
  const [M, C, K] = lutT.shape;
  const depth = Math.log2(K);
  if (M < 1 || C < 1 || !Number.isInteger(depth) || depth < 1 || depth > 8) throw shapeError('lut', '(M, C, K) with K = 2^depth, depth 1 … 8', lutT);
  const weight = t('weight');
  if (weight && weight.shape.length !== 2) {
    throw shapeError('weight', `(M, D) = (${M}, D): a HalutLinear layer${weight.shape.length === 4 ? ' (a 4-D weight is a HalutConv2d; convolutions are not imported)' : ''}`, weight);
  }
  if (weight && weight.shape[0] !== M) throw shapeError('weight', `(${M}, D)`, weight);
  const thrT = t('thresholds')!;
  if (thrT.shape.length !== 1 || thrT.shape[0] !== C * (K - 1)) throw shapeError('thresholds', `[${C * (K - 1)}] = C·(K − 1), level-major per codebook`, thrT);
  const dimT = t('dims')!;
  if (dimT.shape.length !== 1 || dimT.shape[0] !== C * depth) throw shapeError('dims', `[${C * depth}] = C·depth`, dimT);
  const P = t('P');
  const hasP = P !== undefined && P.shape.length === 3;
  if (hasP && (P.shape[0] !== C || P.shape[1] !== K)) throw shapeError('P', `(C, K, V) = (${C}, ${K}, V)`, P);
  let D: number;
  if (weight) {
    D = weight.shape[1];
    if (hasP && P.shape[2] * C !== D) throw shapeError('P', `(${C}, ${K}, ${D / C}): C·V = D = ${D} (the weight's columns)`, P);
  } else if (hasP) {
    D = C * P.shape[2];
  } else {
    throw new LutnnError('The state dict does not say how many inputs the layer has.', { file, field: `${where('weight')} / ${where('P')}`, expected: 'the weight (M, D) or the prototypes P (C, K, V)', found: 'neither' });
  }
  const biasT = t('bias');
  if (biasT && (biasT.shape.length !== 1 || biasT.shape[0] !== M)) throw shapeError('bias', `[${M}]`, biasT);

  const lutMCK = lutT.values();
  const lutCKM = transposeMCK(lutMCK, M, C, K);
  let table: Float64Array | null = lutCKM;
  let tableNote: string | null = null;
  let prototypes: Float64Array | null = null;
  let prototypeTable: Float64Array | null = null;
  if (hasP) {
    prototypes = P.values();
    // Is `lut` the k-means table P·W (model.py's SIMPLE_LUT), or a table trained for the tree
    // (halutmatmul's retraining updates `lut` through the tree path)? With the weight it is decided
    // by the values; without, by model.py's rule (P (C, K, V) ⇔ lut = SIMPLE_LUT).
    const isPW = weight ? matchesPrototypeTable(lutMCK, prototypes, weight.values(), M, C, K, D / C) : true;
    if (isPW) {
      prototypeTable = lutCKM;
      table = null;
      tableNote = `"${p}lut" is the k-means table SIMPLE_LUT = P·W of the argmin path (model.py stores SIMPLE_LUT under .lut when the learner has k-means prototypes), indexed by the prototype, not by the tree's leaf; the tree's own table (the offline storage's LUT) is not in the state dict`;
    }
  }
  const dimsF = dimT.values();
  return validated({
    source: file,
    form: 'state-dict',
    layer: name,
    D, M, C, K, V: 0, depth,
    dims: new Int32Array(0),
    thresholds: thrT.values(),
    offsets: new Float64Array(C * depth),
    scales: new Float64Array(C * depth).fill(1),
    table, tableNote,
    prototypes, prototypeTable,
    leafPrototypes: null,
    bias: biasT ? biasT.values() : null,
  }, dimsF, {
    dims: (c, l) => `${where('dims')} [${c * depth + l}] (codebook ${c}, level ${l})`,
    threshold: (i) => `${where('thresholds')} [${i}]`,
    offset: () => 'offset',
    scale: () => 'scale',
    table: where('lut'),
    prototypes: where('P'),
    prototypeTable: where('lut'),
    leafPrototypes: 'PROTOTYPES',
    bias: where('bias'),
  });
}

/** lut[m][c][k] = Σ_v P[c][k][v]·W[m][c·V + v] (halutmatmul.py `calculate_simple_lut`), up to float32 rounding. */
function matchesPrototypeTable(lut: Float64Array, P: Float64Array, W: Float64Array, M: number, C: number, K: number, V: number): boolean {
  const D = C * V;
  let maxAbs = 0;
  for (const x of lut) maxAbs = Math.max(maxAbs, Math.abs(x));
  const tol = 1e-4 * maxAbs + 1e-6;
  for (let m = 0; m < M; m++) for (let c = 0; c < C; c++) for (let k = 0; k < K; k++) {
    let s = 0;
    for (let v = 0; v < V; v++) s += P[(c * K + k) * V + v] * W[m * D + c * V + v];
    if (!(Math.abs(s - lut[(m * C + c) * K + k]) <= tol)) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Validation shared by both forms

interface Fields {
  dims(c: number, l: number): string;
  threshold(i: number): string;
  offset(c: number, l: number): string;
  scale(c: number, l: number): string;
  table: string;
  prototypes: string;
  prototypeTable: string;
  leafPrototypes: string;
  bias: string;
}

function validated(m: HalutModel, dimsF: ArrayLike<number>, f: Fields): HalutModel {
  const file = m.source;
  const { C, D, depth } = m;
  if (D % C !== 0) {
    // functions.py / maddness.py `create_codebook_start_end_idxs(…, algo="start")`: with D % C ≠ 0
    // "wider codebooks at the start", so the codebooks' columns are not [c·V, (c+1)·V). halutmatmul's
    // own learner never writes such a file: halutmatmul.py `learn_simple_k_means_prototypes` (run first by
    // `learn_offline`) asserts `A.shape[1] % self.C == 0`.
    throw new LutnnError('The layer inputs do not split evenly into the codebooks.', { file, expected: `D divisible by C (codebook c owns the columns [c·D/C, (c+1)·D/C))`, found: `D = ${D}, C = ${C}` });
  }
  const V = D / C;
  const dims = new Int32Array(C * depth);
  for (let c = 0; c < C; c++) {
    for (let l = 0; l < depth; l++) {
      const d = dimsF[c * depth + l];
      if (!Number.isInteger(d)) throw new LutnnError('A split dimension is not an integer column.', { file, field: f.dims(c, l), expected: 'an integer input column', found: String(d) });
      // maddness.py `init_and_learn_hash_function`: `idxs = np.arange(start_idx, end_idx)`, the tree is
      // learned on `X_error[:, idxs]` and `split.dim = idxs[split.dim]`: every dim is an absolute column
      // of the codebook's own range. A file that says otherwise was not written by that code.
      if (d < c * V || d >= (c + 1) * V) {
        throw new LutnnError(`Split dimension outside its codebook's columns (codebook ${c}, level ${l}).`, {
          file,
          field: f.dims(c, l),
          expected: `a column in [${c * V}, ${(c + 1) * V}): codebook ${c}'s own columns (D = ${D}, C = ${C}, V = ${V}); halutmatmul learns codebook c's tree on those columns only`,
          found: `column ${d}`,
        });
      }
      dims[c * depth + l] = d;
    }
  }
  const finite = (values: ArrayLike<number> | null, field: (i: number) => string, what: string) => {
    if (!values) return;
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i])) throw new LutnnError(`Non-finite value in the ${what}.`, { file, field: field(i), expected: 'finite numbers only', found: `${values[i]} at flat index ${i}` });
    }
  };
  finite(m.thresholds, f.threshold, 'thresholds');
  finite(m.offsets, (i) => f.offset(Math.floor(i / depth), i % depth), 'split offsets');
  for (let i = 0; i < m.scales.length; i++) {
    const s = m.scales[i];
    if (!(s > 0) || !Number.isFinite(s)) throw new LutnnError('A split scale is not positive.', { file, field: f.scale(Math.floor(i / depth), i % depth), expected: 'scaleby > 0 and finite (the comparison (x − offset)·scaleby > threshold)', found: String(s) });
  }
  finite(m.table, () => f.table, 'table');
  finite(m.prototypes, () => f.prototypes, 'prototypes');
  finite(m.prototypeTable, () => f.prototypeTable, 'prototype table');
  finite(m.leafPrototypes, () => f.leafPrototypes, 'leaf prototypes');
  finite(m.bias, () => f.bias, 'bias');
  return { ...m, V, dims };
}

// ---------------------------------------------------------------------------------------------
// Float encoding and forward, as halutmatmul computes them

function rowsOf(model: HalutModel, x: ArrayLike<number>): number {
  if (x.length % model.D !== 0 || x.length === 0) {
    throw new LutnnError('The inputs do not match the layer width.', { file: model.source, expected: `rows of ${model.D} values`, found: `${x.length} values` });
  }
  return x.length / model.D;
}

/** The value level l of codebook c compares for row r: (x[dim] − offset)·scaleby, in float32 as halutmatmul computes it. */
export function halutLevelValue(model: HalutModel, x: ArrayLike<number>, r: number, c: number, l: number): number {
  const { D, depth } = model;
  const o = model.offsets[c * depth + l];
  const s = model.scales[c * depth + l];
  const a = x[r * D + model.dims[c * depth + l]];
  return o === 0 && s === 1 ? a : Math.fround(Math.fround(a - o) * s);
}

/**
 * The tree's leaf per row and codebook (rows × C, each 0 … K − 1), exactly as functions.py
 * `apply_hash_function_opt` (for every codebook, `halut_encode_opt`):
 *
 *   group_ids = 0; per level i: `x = X[:, dim] - offset`; `x = x * scaleby`;
 *   `indicators = x > vals` (vals = the level's thresholds at group_ids); `group_ids = (group_ids * 2) + indicators`
 *
 * halutmatmul's arrays are float32 (maddness.py `X = X.astype(np.float32)`, float32 split tables), so the
 * subtraction and product are rounded to float32; with offset 0 and scale 1 no rounding happens.
 * `HalutMatmul.encode` adds `c·K` (global indices); these are the per-codebook leaves.
 */
export function encodeHalutFloat(model: HalutModel, x: ArrayLike<number>): Int32Array {
  const rows = rowsOf(model, x);
  const { C, K, depth } = model;
  const out = new Int32Array(rows * C);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < C; c++) {
      let node = 0;
      for (let l = 0; l < depth; l++) {
        const v = halutLevelValue(model, x, r, c, l);
        node = 2 * node + (v > model.thresholds[c * (K - 1) + 2 ** l - 1 + node] ? 1 : 0);
      }
      out[r * C + c] = node;
    }
  }
  return out;
}

function requireTable(model: HalutModel): Float64Array {
  if (!model.table) {
    throw new LutnnError('The file holds no table for the hash tree.', { file: model.source, field: model.layer ?? undefined, expected: "a table indexed by the tree's leaves (the offline storage's LUT)", found: model.tableNote ?? 'none' });
  }
  return model.table;
}

export interface HalutForwardOptions {
  /** Add the model's bias (default true). HalutLinear's forward adds it; HalutMatmul.matmul_online has none. */
  bias?: boolean;
}

/**
 * The hash-tree forward in float64: y[m] = Σ_c table[c][leaf_c][m] (+ bias). halutmatmul.py
 * `matmul_online` = `_calc_matmul(self.A_enc, luts, …)` → functions.py `read_luts_opt`:
 * `read_lut = B_luts[i].ravel()[A_raveled].reshape(A_shape)`; `read_lut = read_lut.sum(axis=-1)` (the
 * LUT as is, no bias; `quantize_lut` False). HalutLinear's forward adds the bias afterwards
 * (modules.py: `if self.bias is not None: output += self.bias.t().repeat(*(*output.shape[:-1], 1))`).
 */
export function halutForwardFloat(model: HalutModel, x: ArrayLike<number>, opts: HalutForwardOptions = {}): Float64Array {
  const table = requireTable(model);
  return tableForward(model, table, encodeHalutFloat(model, x), opts);
}

function tableForward(model: HalutModel, table: Float64Array, codes: Int32Array, opts: HalutForwardOptions): Float64Array {
  const { C, K, M } = model;
  const rows = codes.length / C;
  const y = new Float64Array(rows * M);
  for (let r = 0; r < rows; r++) {
    const row = y.subarray(r * M, (r + 1) * M);
    if (model.bias && opts.bias !== false) row.set(model.bias);
    for (let c = 0; c < C; c++) {
      const t = (c * K + codes[r * C + c]) * M;
      for (let m = 0; m < M; m++) row[m] += table[t + m];
    }
  }
  return y;
}

/**
 * The argmin path's index per row and codebook: the closest k-means prototype in squared L2, ties
 * to the lowest index (modules.py `halut_matmul_forward` with prototypes:
 * `mse = torch.sum(torch.square(input_reshaped.unsqueeze(2) - prototypes), dim=3)`, softmax of
 * `-mse / temperature`, `torch.argmax` → first maximum).
 */
export function encodeHalutPrototypes(model: HalutModel, x: ArrayLike<number>): Int32Array {
  const P = model.prototypes;
  if (!P) throw new LutnnError('The file holds no k-means prototypes.', { file: model.source, expected: 'SIMPLE_PROTOTYPES / P of shape (C, K, V)', found: 'none' });
  return nearestCentroids(x, rowsOf(model, x), model.C, model.K, model.V, P);
}

/** The argmin path's forward: Σ_c prototypeTable[c][argmin_c][m] (+ bias), halut_matmul_forward with prototypes. */
export function halutPrototypeForwardFloat(model: HalutModel, x: ArrayLike<number>, opts: HalutForwardOptions = {}): Float64Array {
  if (!model.prototypeTable) throw new LutnnError('The file holds no table for the k-means prototypes.', { file: model.source, expected: 'SIMPLE_LUT / lut = P·W', found: 'none' });
  return tableForward(model, model.prototypeTable, encodeHalutPrototypes(model, x), opts);
}

// ---------------------------------------------------------------------------------------------
// To the importers' common form (imported.ts), which toArtifact writes as a native artifact

/**
 * The model as one imported layer. `hash_tree` (default): the tree, its table (C, K, M) as a float
 * LUT the tool quantizes, the leaves' prototypes as centroids only when they are codebook-local
 * (halutmatmul's ridge-refined PROTOTYPES span all D columns, and the k-means prototypes are not
 * indexed by the tree's leaf, so neither is a hash-tree layer's centroids). `ccs`: halutmatmul's
 * argmin path instead — the k-means prototypes with their table, L2 (`halut_matmul_forward` with
 * prototypes), which is all a HalutLinear state dict holds (its `lut` is SIMPLE_LUT).
 */
export function halutToImported(model: HalutModel, opts: { name?: string; encoder?: 'hash_tree' | 'ccs'; activation?: 'none' | 'relu' } = {}): ImportedModel {
  const { C, K, V, M, depth } = model;
  const name = opts.name ?? (model.layer ? safeName(model.layer, 'fc') : 'fc');
  const bias = model.bias ?? new Float64Array(M);
  const activation = opts.activation ?? 'none';
  if ((opts.encoder ?? 'hash_tree') === 'ccs') {
    if (!model.prototypes || !model.prototypeTable) {
      throw new LutnnError('The file holds no k-means prototypes with their table.', { file: model.source, field: '--encoder ccs', expected: 'SIMPLE_PROTOTYPES and SIMPLE_LUT (offline storage) or P with lut = P·W (state dict)', found: 'none' });
    }
    const layer: ImportedLayer = { name, C, K, V, M, encoder: { kind: 'ccs' }, centroids: model.prototypes, table: { kind: 'float', lut: model.prototypeTable }, bias, activation };
    return { source: model.source, label: model.source, layers: [layer] };
  }
  const table = requireTable(model);
  const layer: ImportedLayer = {
    name, C, K, V, M,
    encoder: {
      kind: 'hash_tree',
      depth,
      splitDims: model.dims,
      thresholds: model.thresholds,
      offsets: model.offsets.some((o) => o !== 0) ? model.offsets : undefined,
      scales: model.scales.some((x) => x !== 1) ? model.scales : undefined,
    },
    centroids: localLeafPrototypes(model),
    table: { kind: 'float', lut: table },
    bias,
    activation,
  };
  return { source: model.source, label: model.source, layers: [layer] };
}

/** The leaves' prototypes (C, K, V) when they are zero outside each codebook's own columns, else null. */
export function localLeafPrototypes(model: HalutModel): Float64Array | null {
  const P = model.leafPrototypes;
  if (!P) return null;
  const { C, K, V, D } = model;
  const out = new Float64Array(C * K * V);
  for (let c = 0; c < C; c++) for (let k = 0; k < K; k++) for (let d = 0; d < D; d++) {
    const x = P[(c * K + k) * D + d];
    if (d >= c * V && d < (c + 1) * V) out[(c * K + k) * V + d - c * V] = x;
    else if (x !== 0) return null;
  }
  return out;
}
