/**
 * PIM-DL npz: per operator `<op>.lut.tensor` int8 (C·K, M), `<op>.lut.scale` (scalar), `<op>.lut.bias`
 * (M, real units) and the codebooks `<op>.centroids` (C, K, V) that encode its input (PIM-DL needs
 * them to run; `<op>.codebook` is accepted as a synonym).
 */
import { LutnnError } from '../errors.ts';
import { readNpz, type NumericArray } from '../convert/numpy.ts';
import { checkIntTable, safeName, type ImportedLayer, type ImportedModel } from './imported.ts';
import { naturalOrder } from '../util/names.ts';


export async function importPimDlNpz(file: string, opts: { hiddenActivation?: 'none' | 'relu' } = {}): Promise<ImportedModel> {
  const arrays = await readNpz(file, 'PIM-DL npz');
  const ops = [...arrays.keys()].filter((k) => k.endsWith('.lut.tensor')).map((k) => k.slice(0, -'.lut.tensor'.length)).sort(naturalOrder);
  if (ops.length === 0) throw new LutnnError('No PIM-DL LUT operators found.', { file, expected: 'arrays <op>.lut.tensor, <op>.lut.scale, <op>.lut.bias, <op>.centroids', found: `arrays: ${[...arrays.keys()].slice(0, 12).join(', ') || 'none'}` });
  const need = (key: string, what: string): NumericArray => {
    const a = arrays.get(key);
    if (!a) throw new LutnnError(`PIM-DL array "${key}" is missing.`, { file, field: key, expected: what, found: 'no such array' });
    return a;
  };
  const layers: ImportedLayer[] = ops.map((op, i) => {
    const cent = arrays.get(`${op}.centroids`) ?? arrays.get(`${op}.codebook`);
    if (!cent || cent.shape.length !== 3) throw new LutnnError(`Operator "${op}" has no codebooks.`, { file, field: `${op}.centroids`, expected: 'array (C, K, V)', found: cent ? `shape (${cent.shape.join(', ')})` : 'no such array' });
    const [C, K, V] = cent.shape;
    const lut = need(`${op}.lut.tensor`, 'int8 array (C·K, M)');
    if (lut.shape.length !== 2 || lut.shape[0] !== C * K) {
      throw new LutnnError(`PIM-DL LUT of "${op}" has the wrong shape.`, { file, field: `${op}.lut.tensor`, expected: `shape (${C * K}, M) for C=${C}, K=${K}`, found: `shape (${lut.shape.join(', ')})` });
    }
    const M = lut.shape[1];
    const scale = need(`${op}.lut.scale`, 'a scalar').data[0];
    const table = checkIntTable(lut.data, scale, { file, field: `${op}.lut.tensor / ${op}.lut.scale` });
    const bias = arrays.get(`${op}.lut.bias`);
    if (bias && bias.data.length !== M) throw new LutnnError(`PIM-DL bias of "${op}" has the wrong size.`, { file, field: `${op}.lut.bias`, expected: `${M} values`, found: `${bias.data.length}` });
    return {
      name: safeName(op, 'op'),
      C, K, V, M,
      centroids: cent.data,
      table: { kind: 'int', lut: table.lut, scale, bits: table.bits },
      bias: bias ? bias.data : new Float64Array(M),
      activation: i === ops.length - 1 ? 'none' : (opts.hiddenActivation ?? 'relu'),
    };
  });
  return { source: file, layers };
}
