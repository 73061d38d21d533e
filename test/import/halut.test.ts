/**
 * halutmatmul (MADDNESS hash tree) import: the two real files halutmatmul's own code wrote
 * (test/real-exports/halut, README there) read as they are and compared with halutmatmul's own
 * encodings and outputs; malformed inputs refused; the artifact layer builder's output.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toArtifact } from '../../generator/import/imported.ts';
import { loadArtifact } from '../../generator/artifact/load.ts';
import { encodeSafetensors, type TensorInput } from '../../generator/artifact/safetensors.ts';
import { writeArtifact } from '../../generator/artifact/write.ts';
import { LutnnError } from '../../generator/errors.ts';
import { readStateDict } from '../../generator/import/state-dict.ts';
import {
  encodeHalutFloat,
  encodeHalutPrototypes,
  halutForwardFloat,
  halutPrototypeForwardFloat,
  halutToImported,
  importHalut,
  localLeafPrototypes,
  type HalutModel,
} from '../../generator/import/halut.ts';
import { parseNumpyObjectArray, readNumpyObjectArray, type NumpyNumericArray } from '../../generator/import/numpy-pickle.ts';
import { readNpy, type NumericArray } from '../../generator/convert/numpy.ts';
import { countHalutTies, encodeHalutInt, foldHalutThresholds, quantizeHalutInputs } from '../support/halut-int.ts';
import { npyFile, npyObjectArray, pickleCall, pickleObjectArray, type NpyElement, type PickleItem } from '../support/halut-pickle.ts';

const DIR = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'real-exports', 'halut');
const NPY = join(DIR, 'halut_digits_C16_K16.npy');
const STATE = join(DIR, 'halut_linear_state.safetensors');
const [C, K, D, M, V, DEPTH] = [16, 16, 64, 10, 4, 4];

let tmp: string;
let npyModel: HalutModel;
let stateModel: HalutModel;
let raw: NumpyNumericArray[];
let x: NumericArray;
let treeCodes: NumericArray;
let treeY: NumericArray;
let refY: NumericArray;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'lutnn-halut-'));
  npyModel = await importHalut(NPY);
  stateModel = await importHalut(STATE);
  raw = (await readNumpyObjectArray(NPY)).items as NumpyNumericArray[];
  x = await readNpy(join(DIR, 'halut_test_x.npy'));
  treeCodes = await readNpy(join(DIR, 'halut_tree_codes.npy'));
  treeY = await readNpy(join(DIR, 'halut_tree_ref_y.npy'));
  refY = await readNpy(join(DIR, 'halut_ref_y.npy'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i] - b[i]));
  return e;
};

/** The real storage's elements as writer items (C order, float32), optionally changed. */
const elements = (edit: (els: NpyElement[]) => void = () => {}): NpyElement[] => {
  const els = raw.map((a) => ({ dtype: 'f4', shape: [...a.shape], values: Float32Array.from(a.data) }));
  edit(els);
  return els;
};
const writeTmp = async (name: string, bytes: Uint8Array) => {
  const f = join(tmp, name);
  await writeFile(f, bytes);
  return f;
};
/** A state dict like the real one, with tensors replaced or removed. */
const stateFile = async (name: string, edit: (t: Map<string, TensorInput>) => void) => {
  const ts = new Map<string, TensorInput>();
  for (const [k, t] of (await readStateDict(STATE)).tensors) ts.set(k, { name: k, dtype: t.dtype === 'I32' ? 'I32' : 'F32', shape: t.shape, data: t.values() });
  edit(ts);
  return writeTmp(name, encodeSafetensors([...ts.values()]));
};

describe('NumPy object array reader', () => {
  it('reads the real offline storage: eight float32 arrays in HalutOfflineStorage order', () => {
    expect(raw.map((a) => [a.descr, a.shape])).toEqual([
      ['<f4', [C, DEPTH, 11]], ['<f4', [M, C, K]], ['<f4', [5]], ['<f4', [C, K, D]],
      ['<f4', [C * 15]], ['<f4', [C * 4]], ['<f4', [C, K, V]], ['<f4', [M, C, K]],
    ]);
    expect(Array.from(raw[2].data)).toEqual([0, 1, 1, 0, 1]); // offset, scale, optimized, quantize_lut, upcast_every
    expect(raw.every((a) => a.data instanceof Float32Array)).toBe(true);
  });

  it('reads what it writes back, with numpy ≥ 2 (STACK_GLOBAL) and numpy 1.x (GLOBAL, numpy.core) pickles', () => {
    for (const style of [{}, { module: 'numpy.core.multiarray', protocol: 3 as const }]) {
      const back = parseNumpyObjectArray(npyObjectArray(elements(), style), 'x.npy').items as NumpyNumericArray[];
      back.forEach((a, i) => {
        expect(a.shape).toEqual(raw[i].shape);
        expect(Array.from(a.data)).toEqual(Array.from(raw[i].data));
      });
    }
  });

  it('returns C order for Fortran-ordered elements and decodes >f8, <i8, |u1, nested object arrays', () => {
    const vals = Array.from({ length: 24 }, (_, i) => i * 1.5 - 7);
    const items: PickleItem[] = [
      { dtype: 'f4', shape: [2, 3, 4], values: vals, fortran: true },
      { dtype: 'f8', byteorder: '>', shape: [4, 6], values: vals, fortran: true },
      { dtype: 'i8', shape: [3], values: [-5, 2 ** 40, 7] },
      { dtype: 'u1', shape: [2, 2], values: [0, 255, 3, 4] },
      { objects: [{ memoize: { dtype: 'i4', shape: [2], values: [-1, 1] } }, { memoGet: 0 }] },
    ];
    const a = parseNumpyObjectArray(npyObjectArray(items), 'x.npy');
    const [f4, f8, i8, u1, nested] = a.items as [NumpyNumericArray, NumpyNumericArray, NumpyNumericArray, NumpyNumericArray, { kind: string; items: NumpyNumericArray[] }];
    expect(Array.from(f4.data)).toEqual(vals);
    expect([f8.descr, Array.from(f8.data)]).toEqual(['>f8', vals]);
    expect([i8.descr, Array.from(i8.data)]).toEqual(['<i8', [-5, 2 ** 40, 7]]);
    expect([u1.descr, u1.data instanceof Uint8Array, Array.from(u1.data)]).toEqual(['|u1', true, [0, 255, 3, 4]]);
    expect(nested.kind).toBe('object');
    expect(Array.from(nested.items[0].data)).toEqual([-1, 1]);
    expect(nested.items[1]).toBe(nested.items[0]); // the same array referenced twice through the pickle memo
  });

  it('reads plain .npy arrays in Fortran order (halut_tree_ref_y.npy is one)', async () => {
    const head = new TextDecoder().decode((await readFile(join(DIR, 'halut_tree_ref_y.npy'))).subarray(0, 128));
    expect(head).toMatch(/'fortran_order': True/);
    expect(treeY.shape).toEqual([397, M]);
    const vals = Array.from({ length: 6 }, (_, i) => i);
    const bytes = new Uint8Array(new Float32Array([0, 3, 1, 4, 2, 5]).buffer); // (2, 3) stored column-major
    const f = join(tmp, 'fortran.npy');
    await writeFile(f, npyFile({ descr: '<f4', shape: [2, 3], fortran: true }, bytes));
    expect(Array.from((await readNpy(f)).data)).toEqual(vals);
  });

  it('resolves no other global: a call of posix.system or a numpy.matrix is refused, not run', () => {
    const marker = join(tmp, 'pwned');
    const call = npyObjectArray([pickleCall('posix', 'system', `touch ${marker}`)]);
    expect(() => parseNumpyObjectArray(call, 'evil.npy')).toThrow(/numpy arrays and plain numbers only[\s\S]*class posix\.system/);
    const matrix = pickleObjectArray([]);
    // Replace the top-level subtype numpy.ndarray by numpy.matrix.
    const text = Buffer.from(matrix).toString('latin1').replace('\x8c\x07ndarray', '\x8c\x06matrix');
    expect(() => parseNumpyObjectArray(npyFile({ descr: '|O', shape: [0] }, Buffer.from(text, 'latin1')), 'm.npy')).toThrow(/no subclass[\s\S]*numpy\.matrix/);
  });

  it('refuses a non-object .npy, a truncated file, a file that is no .npy', async () => {
    await expect(readNumpyObjectArray(join(DIR, 'halut_test_x.npy'))).rejects.toThrow(/not an object array[\s\S]*'<f4', shape \(397, 64\)/);
    const bytes = await readFile(NPY);
    expect(() => parseNumpyObjectArray(bytes.subarray(0, 5000), 't.npy')).toThrow(/could not be unpickled[\s\S]*more bytes/);
    expect(() => parseNumpyObjectArray(bytes.subarray(0, 60), 't.npy')).toThrow(/truncated/);
    expect(() => parseNumpyObjectArray(new Uint8Array([1, 2, 3]), 'n.npy')).toThrow(/Not a NumPy \.npy file/);
  });
});

describe('importHalut: the real files as they are', () => {
  it('reads both forms with the same geometry; dims lie in each codebook\'s own columns', () => {
    for (const m of [npyModel, stateModel]) {
      expect([m.D, m.M, m.C, m.K, m.V, m.depth]).toEqual([D, M, C, K, V, DEPTH]);
      for (let c = 0; c < C; c++) for (let l = 0; l < DEPTH; l++) {
        const d = m.dims[c * DEPTH + l];
        expect(d >= c * V && d < (c + 1) * V, `codebook ${c} level ${l}: ${d}`).toBe(true);
      }
    }
    expect([npyModel.form, stateModel.form, stateModel.layer]).toEqual(['offline-storage', 'state-dict', 'fc']);
  });

  it('agrees between the forms: dims, thresholds, prototypes, the prototypes\' table', () => {
    expect(Array.from(stateModel.dims)).toEqual(Array.from(npyModel.dims));
    expect(Array.from(stateModel.thresholds)).toEqual(Array.from(npyModel.thresholds));
    expect(Array.from(stateModel.prototypes!)).toEqual(Array.from(npyModel.prototypes!));
    expect(Array.from(stateModel.prototypeTable!)).toEqual(Array.from(npyModel.prototypeTable!));
    expect([Array.from(npyModel.offsets).every((o) => o === 0), Array.from(npyModel.scales).every((s) => s === 1)]).toEqual([true, true]);
    expect(stateModel.bias).toHaveLength(M);
    expect(npyModel.bias).toBeNull();
  });

  it('the state dict\'s lut is the k-means table (SIMPLE_LUT), not the tree\'s table: no tree table from it', () => {
    expect(stateModel.table).toBeNull();
    expect(stateModel.tableNote).toMatch(/k-means table SIMPLE_LUT/);
    expect(() => halutForwardFloat(stateModel, x.data)).toThrow(/no table for the hash tree[\s\S]*SIMPLE_LUT/);
    // What HalutLinear's tree path computes with this state (use_prototypes is False when P is 3-D):
    // the tree's leaves index a table built for other centroids — far from halutmatmul's own output.
    const wrong = { ...stateModel, table: stateModel.prototypeTable };
    expect(maxDiff(halutForwardFloat(wrong, x.data, { bias: false }), treeY.data)).toBeGreaterThan(1);
  });

  it('the offline storage\'s table is LUT (M, C, K) transposed to (C, K, M)', () => {
    const lut = raw[1].data;
    for (const [m, c, k] of [[0, 0, 0], [9, 15, 15], [3, 7, 11]]) expect(npyModel.table![(c * K + k) * M + m]).toBe(lut[(m * C + c) * K + k]);
  });

  it('encodes halut_test_x exactly as halutmatmul (halut_tree_codes.npy, global c·K + k)', () => {
    const codes = encodeHalutFloat(npyModel, x.data);
    expect(treeCodes.shape).toEqual([397, C]);
    let agree = 0;
    for (let i = 0; i < codes.length; i++) if (codes[i] + (i % C) * K === treeCodes.data[i]) agree++;
    expect(agree).toBe(397 * C);
    expect(Array.from(encodeHalutFloat(stateModel, x.data))).toEqual(Array.from(codes));
  });

  it('computes matmul_online\'s output (halut_tree_ref_y.npy) within 1e-4', () => {
    const e = maxDiff(halutForwardFloat(npyModel, x.data), treeY.data);
    console.log(`halutForwardFloat vs halut_tree_ref_y.npy: max |error| = ${e.toExponential(3)}`);
    expect(e).toBeLessThan(1e-4);
  });

  it('computes the argmin path (halut_ref_y.npy) from either form within 1e-4', () => {
    for (const m of [npyModel, stateModel]) {
      const e = maxDiff(halutPrototypeForwardFloat(m, x.data), refY.data);
      console.log(`argmin path (${m.form}) vs halut_ref_y.npy: max |error| = ${e.toExponential(3)}`);
      expect(e).toBeLessThan(1e-4);
    }
    expect(encodeHalutPrototypes(npyModel, x.data)).toHaveLength(397 * C);
  });

  it('ties: inputs on a threshold, and integer thresholds (§2a) at input scales 1/16 and max|x|/127', () => {
    const ties = countHalutTies(npyModel, x.data);
    console.log(`ties on the encoding path per level: ${ties.perLevel.join(', ')} (total ${ties.total} of ${397 * C * DEPTH} decisions); input equal to some node threshold of its level: ${ties.onAnyNode}`);
    expect(ties.perLevel).toEqual([166, 195, 413, 348]);
    let maxX = 0;
    for (const v of x.data) maxX = Math.max(maxX, Math.abs(v));
    const agreement: number[] = [];
    for (const s of [1 / 16, maxX / 127]) {
      const T = foldHalutThresholds(npyModel, s, 8);
      const codes = encodeHalutInt(npyModel, T, quantizeHalutInputs(x.data, s, 8));
      let agree = 0;
      let rowsAll = 0;
      for (let r = 0; r < 397; r++) {
        let all = true;
        for (let c = 0; c < C; c++) {
          if (codes[r * C + c] + c * K === treeCodes.data[r * C + c]) agree++;
          else all = false;
        }
        if (all) rowsAll++;
      }
      const e = maxDiff(halutForwardFloat(npyModel, Float64Array.from(quantizeHalutInputs(x.data, s, 8), (q) => q * s)), treeY.data);
      console.log(`input scale ${s}: integer codes agree with halutmatmul's on ${agree}/${397 * C} (${((100 * agree) / (397 * C)).toFixed(2)} %), rows with all 16 codes equal ${rowsAll}/397; float forward of the quantized inputs vs halut_tree_ref_y max |error| ${e.toFixed(4)}`);
      agreement.push(agree);
      // The integer decision equals the real decision on the quantized input, ties included.
      expect(Array.from(codes)).toEqual(Array.from(encodeHalutFloat(npyModel, Float64Array.from(quantizeHalutInputs(x.data, s, 8), (q) => q * s))));
    }
    expect(agreement).toEqual([397 * C, 5957]);
  });
});

describe('importHalut refuses malformed files', () => {
  const refuses = async (f: string, re: RegExp) => {
    const err = await importHalut(f).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(LutnnError);
    expect((err as Error).message).toMatch(re);
  };

  it('a truncated .npy', async () => {
    await refuses(await writeTmp('trunc.npy', (await readFile(NPY)).subarray(0, 20000)), /could not be unpickled[\s\S]*file: .*trunc\.npy/);
  });

  it('an object array with the wrong element count', async () => {
    await refuses(await writeTmp('seven.npy', npyObjectArray(elements().slice(0, 7))), /not halutmatmul offline storage[\s\S]*8 elements in HalutOfflineStorage order[\s\S]*shape \(7\)/);
  });

  it('a non-object .npy', async () => {
    await refuses(join(DIR, 'halut_test_x.npy'), /not an object array[\s\S]*'\|O'/);
  });

  it('a dim outside its codebook\'s columns, in either form', async () => {
    const f = await writeTmp('dim.npy', npyObjectArray(elements((els) => {
      (els[0].values as Float32Array)[(3 * DEPTH + 2) * 11 + 8] = 20; // HASH_TABLES[3][2][dim]
      (els[5].values as Float32Array)[3 * DEPTH + 2] = 20; // DIMS
    })));
    await refuses(f, /outside its codebook's columns \(codebook 3, level 2\)[\s\S]*HASH_TABLES\) \[3\]\[2\]\[8\][\s\S]*\[12, 16\)[\s\S]*column 20/);
    const s = await stateFile('dim.safetensors', (t) => {
      const d = Int32Array.from(t.get('fc.dims')!.data);
      d[15 * DEPTH + 1] = 3;
      t.set('fc.dims', { ...t.get('fc.dims')!, data: d });
    });
    await refuses(s, /codebook 15, level 1[\s\S]*fc\.dims" \[61\][\s\S]*\[60, 64\)[\s\S]*column 3/);
  });

  it('THRESHOLDS or DIMS disagreeing with HASH_TABLES, a scale ≤ 0, a quantized LUT, no tree', async () => {
    await refuses(await writeTmp('thr.npy', npyObjectArray(elements((els) => { (els[4].values as Float32Array)[17] += 1; }))), /THRESHOLDS disagrees with HASH_TABLES[\s\S]*\[17\]/);
    await refuses(await writeTmp('dims.npy', npyObjectArray(elements((els) => { (els[5].values as Float32Array)[0] = 1; }))), /DIMS disagrees/);
    await refuses(await writeTmp('scale.npy', npyObjectArray(elements((els) => { (els[0].values as Float32Array)[(5 * DEPTH + 1) * 11 + 9] = 0; }))), /split scale is not positive[\s\S]*\[5\]\[1\]\[9\] \(scaleby\)/);
    await refuses(await writeTmp('q.npy', npyObjectArray(elements((els) => { els[2].values = Float32Array.from([0, 1, 1, 1, 1]); }))), /Quantized \(offset\/scaled\) halutmatmul tables/);
    await refuses(await writeTmp('nan.npy', npyObjectArray(elements((els) => { (els[1].values as Float32Array)[5] = NaN; }))), /Non-finite value in the table/);
    await refuses(await writeTmp('empty.npy', npyObjectArray(elements((els) => { els[0] = { dtype: 'f4', shape: [0], values: [] }; }))), /no hash tree[\s\S]*only_prototypes/);
  });

  it('a state dict without halut layers, a convolution, an inactive layer', async () => {
    await refuses(await stateFile('none.safetensors', (t) => t.delete('fc.dims')), /holds no halutmatmul layer/);
    await refuses(await stateFile('conv.safetensors', (t) => t.set('fc.weight', { name: 'fc.weight', dtype: 'F32', shape: [M, 16, 2, 2], data: new Float32Array(M * 64) })), /HalutConv2d; convolutions are not imported/);
    await refuses(await stateFile('off.safetensors', (t) => t.set('fc.halut_active', { name: 'fc.halut_active', dtype: 'I8', shape: [1], data: [0] })), /not active/);
  });
});

describe('importHalut: state dicts whose lut is the tree\'s table', () => {
  it('without P (older learners: model.py stores LUT), lut is the tree table: HalutLinear\'s output = matmul_online + bias', async () => {
    const f = await stateFile('tree.safetensors', (t) => {
      t.delete('fc.P');
      t.set('fc.lut', { name: 'fc.lut', dtype: 'F32', shape: [M, C, K], data: raw[1].data });
      t.set('fc.bias', { name: 'fc.bias', dtype: 'F32', shape: [M], data: Float32Array.from({ length: M }, (_, i) => i / 8) });
    });
    const m = await importHalut(f);
    expect(m.prototypes).toBeNull();
    expect(maxDiff(halutForwardFloat(m, x.data, { bias: false }), treeY.data)).toBeLessThan(1e-4);
    const y = halutForwardFloat(m, x.data);
    expect(y[M * 5 + 3] - halutForwardFloat(m, x.data, { bias: false })[M * 5 + 3]).toBeCloseTo(3 / 8, 12);
  });

  it('with P but a lut that is not P·W (retrained through the tree path), lut is the tree table', async () => {
    const m = await importHalut(await stateFile('retrained.safetensors', (t) => t.set('fc.lut', { name: 'fc.lut', dtype: 'F32', shape: [M, C, K], data: raw[1].data })));
    expect(m.table).not.toBeNull();
    expect(m.prototypeTable).toBeNull();
    expect(maxDiff(halutForwardFloat(m, x.data, { bias: false }), treeY.data)).toBeLessThan(1e-4);
  });
});

describe('halutToImported, written by toArtifact', () => {
  const formats = { bits: 8, tableBits: 8, scales: [1 / 16, 0.03] };

  it('builds a hash_tree lut_linear layer: shapes, level-major thresholds, (C, K, M) table', () => {
    const { manifest, tensors } = toArtifact(halutToImported(npyModel, { name: 'fc' }), 'h', formats);
    const layer = (manifest.layers as Record<string, unknown>[])[0];
    expect(layer).toEqual({
      name: 'fc', kind: 'lut_linear', in_features: D, out_features: M, num_codebooks: C, num_centroids: K, subvector_len: V,
      encoder: { kind: 'hash_tree', depth: DEPTH }, activation: 'none', input: { bits: 8, scale: 1 / 16 }, output: { bits: 8, scale: 0.03 }, table: { bits: 8 },
      tensors: { split_dims: 'fc.split_dims', thresholds: 'fc.thresholds', bias: 'fc.bias', lut: 'fc.lut' },
    });
    const byName = new Map(tensors.map((t) => [t.name, t]));
    expect(tensors.map((t) => [t.name, t.dtype, t.shape])).toEqual([
      ['fc.split_dims', 'I32', [C, DEPTH]], ['fc.thresholds', 'F32', [C, K - 1]], ['fc.lut', 'F32', [C, K, M]], ['fc.bias', 'F32', [M]],
    ]);
    const ht = raw[0].data;
    const thr = byName.get('fc.thresholds')!.data;
    const dims = byName.get('fc.split_dims')!.data;
    for (let c = 0; c < C; c++) for (let l = 0; l < DEPTH; l++) {
      expect(dims[c * DEPTH + l]).toBe(ht[(c * DEPTH + l) * 11 + 8]);
      for (let n = 0; n < 2 ** l; n++) expect(thr[c * (K - 1) + 2 ** l - 1 + n]).toBe(ht[(c * DEPTH + l) * 11 + n]);
    }
    // Level-major is also the THRESHOLDS element's order.
    expect(Array.from(thr)).toEqual(Array.from(raw[4].data));
    const lut = byName.get('fc.lut')!.data;
    expect(lut[(2 * K + 5) * M + 7]).toBe(raw[1].data[(7 * C + 2) * K + 5]);
    // halutmatmul's PROTOTYPES span all D columns (ridge refinement), so no centroids are written.
    expect(localLeafPrototypes(npyModel)).toBeNull();
  });

  it('writes offsets, scales, bias and codebook-local leaf prototypes when the model has them', () => {
    const offsets = Float64Array.from(npyModel.offsets, (_, i) => (i === 3 ? 0.25 : 0));
    const scales = Float64Array.from(npyModel.scales, (_, i) => (i === 9 ? 2 : 1));
    const leaf = new Float64Array(C * K * D);
    for (let c = 0; c < C; c++) for (let k = 0; k < K; k++) for (let v = 0; v < V; v++) leaf[(c * K + k) * D + c * V + v] = c + k / 16 + v / 256;
    const m = { ...npyModel, offsets, scales, leafPrototypes: leaf, bias: Float64Array.from({ length: M }, (_, i) => i) };
    const { manifest, tensors } = toArtifact(halutToImported(m, { name: 'h1', activation: 'relu' }), 'h', formats);
    expect(tensors.map((t) => [t.name, t.shape])).toEqual([
      ['h1.centroids', [C, K, V]], ['h1.split_dims', [C, DEPTH]], ['h1.thresholds', [C, K - 1]], ['h1.split_offsets', [C, DEPTH]], ['h1.split_scales', [C, DEPTH]],
      ['h1.lut', [C, K, M]], ['h1.bias', [M]],
    ]);
    expect((manifest.layers as { activation: string }[])[0].activation).toBe('relu');
    const cent = tensors.find((t) => t.name === 'h1.centroids')!.data;
    expect(cent[(3 * K + 2) * V + 1]).toBe(3 + 2 / 16 + 1 / 256);
  });

  it('refuses a hash_tree layer from the state dict (no tree table); builds its argmin path as a ccs layer that loads', async () => {
    expect(() => halutToImported(stateModel)).toThrow(/no table for the hash tree/);
    const { manifest, tensors } = toArtifact(halutToImported(stateModel, { encoder: 'ccs' }), 'halut_ccs', formats);
    const layer = (manifest.layers as Record<string, unknown>[])[0];
    expect(layer.encoder).toBeUndefined();
    expect([layer.metric, layer.tensors]).toEqual(['l2', { centroids: 'fc.centroids', bias: 'fc.bias', lut: 'fc.lut' }]);
    const art = await loadArtifact(await writeArtifact(join(tmp, 'ccs'), manifest, tensors));
    expect(art.layers).toHaveLength(1);
  });
});
