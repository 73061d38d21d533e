/**
 * LUT-NN (blink-mm) layer state in safetensors: per layer `<p>.centroids (C, K, V)`,
 * `<p>.weight (C, V, M)` (or an already-built float `<p>.lut (C, K, M)`), `<p>.bias (M)`;
 * `<p>.temperature` (soft-PQ training only) is ignored.
 */
import { readSafetensors } from '../artifact/safetensors.ts';
import type { Tensor } from '../artifact/types.ts';
import { LutnnError } from '../errors.ts';
import { safeName, type ImportedLayer, type ImportedModel } from './imported.ts';
import { naturalOrder } from '../util/names.ts';


function expectShape(t: Tensor | undefined, name: string, shape: number[], file: string): Tensor {
  if (!t) throw new LutnnError(`Tensor "${name}" is missing.`, { file, field: `tensor "${name}"`, expected: `shape [${shape.join(', ')}]`, found: 'no such tensor' });
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new LutnnError(`Tensor "${name}" has the wrong shape.`, { file, field: `tensor "${name}"`, expected: `shape [${shape.join(', ')}]`, found: `shape [${t.shape.join(', ')}]` });
  }
  return t;
}

export async function importLutnnState(file: string, opts: { layers?: string[]; hiddenActivation?: 'none' | 'relu' } = {}): Promise<ImportedModel> {
  const { tensors } = await readSafetensors(file);
  const prefixes = opts.layers ?? [...tensors.keys()].filter((k) => k.endsWith('.centroids')).map((k) => k.slice(0, -'.centroids'.length)).sort(naturalOrder);
  if (prefixes.length === 0) {
    throw new LutnnError('No LUT-NN layers found.', { file, expected: 'tensors <layer>.centroids (C, K, V) with <layer>.weight (C, V, M)', found: `tensors: ${[...tensors.keys()].slice(0, 12).join(', ') || 'none'}` });
  }
  const layers: ImportedLayer[] = prefixes.map((p, i) => {
    const cent = tensors.get(`${p}.centroids`);
    if (!cent || cent.shape.length !== 3) throw new LutnnError(`Layer "${p}" has no centroids.`, { file, field: `tensor "${p}.centroids"`, expected: 'shape (C, K, V)', found: cent ? `shape [${cent.shape.join(', ')}]` : 'no such tensor' });
    const [C, K, V] = cent.shape;
    const w = tensors.get(`${p}.weight`);
    const lut = tensors.get(`${p}.lut`);
    const M = w?.shape[2] ?? lut?.shape[2];
    if (M === undefined) throw new LutnnError(`Layer "${p}" has neither weight nor lut.`, { file, field: `tensor "${p}.weight"`, expected: '(C, V, M) weight or (C, K, M) lut', found: 'neither' });
    const table = w ? { kind: 'weight' as const, weight: Float64Array.from(expectShape(w, `${p}.weight`, [C, V, M], file).data) } : { kind: 'float' as const, lut: Float64Array.from(expectShape(lut, `${p}.lut`, [C, K, M], file).data) };
    const b = tensors.get(`${p}.bias`);
    return {
      name: safeName(p, 'layer'),
      C, K, V, M,
      centroids: Float64Array.from(cent.data),
      table,
      bias: b ? Float64Array.from(expectShape(b, `${p}.bias`, [M], file).data) : new Float64Array(M),
      activation: i === prefixes.length - 1 ? 'none' : (opts.hiddenActivation ?? 'relu'),
    };
  });
  return { source: file, layers };
}
