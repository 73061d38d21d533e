/**
 * Loads a dense MLP from what PyTorch/NumPy users have: safetensors or npz state dicts with
 * `<layer>.weight` (out, in) and `<layer>.bias` (out), or an ONNX graph of Gemm / MatMul / Add /
 * Relu (onnx.ts). Layers chain in the order given by `layers`, or in natural name order.
 */
import { extname } from 'node:path';
import { readSafetensors } from '../artifact/safetensors.ts';
import { LutnnError } from '../errors.ts';
import { requireFiniteTensor, type DenseActivation, type DenseLayer, type DenseMlp, type DenseModel } from './dense.ts';
import { denseCnnFromStateDict } from './load-dense-cnn.ts';
import type { Topology } from '../import/topology.ts';
import { readNpz } from './numpy.ts';
import { loadOnnxDense } from './onnx.ts';
import { naturalOrder, safeName } from '../util/names.ts';

export interface DenseLoadOptions {
  /** Layer prefixes in order (state dicts); default: every `<prefix>.weight`, natural order. */
  layers?: string[];
  /** Activation after every layer but the last (state dicts; ONNX graphs say it themselves). */
  hiddenActivation?: DenseActivation;
  /** Every step in order (state dicts; load-dense-cnn.ts): how a CNN's tensors connect. */
  topology?: Topology;
}

interface RawTensor {
  shape: number[];
  data: ArrayLike<number>;
}


/** Build layers from a name → tensor map in PyTorch nn.Linear convention. */
export function denseFromStateDict(tensors: Map<string, RawTensor>, file: string, opts: DenseLoadOptions): DenseMlp {
  const prefixes = opts.layers ?? [...tensors.keys()].filter((k) => k.endsWith('.weight') && tensors.get(k)!.shape.length === 2).map((k) => k.slice(0, -7)).sort(naturalOrder);
  if (prefixes.length === 0) {
    throw new LutnnError('No dense layers found.', { file, expected: 'tensors named <layer>.weight of shape (out, in)', found: `tensors: ${[...tensors.keys()].slice(0, 12).join(', ') || 'none'}` });
  }
  const layers: DenseLayer[] = prefixes.map((prefix, i) => {
    const w = tensors.get(`${prefix}.weight`);
    if (!w || w.shape.length !== 2) {
      throw new LutnnError(`Layer "${prefix}" has no 2-D weight.`, { file, field: `tensor "${prefix}.weight"`, expected: 'shape (out, in)', found: w ? `shape [${w.shape.join(', ')}]` : 'no such tensor' });
    }
    const [M, D] = w.shape;
    requireFiniteTensor(w.data, `${prefix}.weight`, file);
    const b = tensors.get(`${prefix}.bias`);
    if (b) requireFiniteTensor(b.data, `${prefix}.bias`, file);
    if (b && (b.shape.length !== 1 || b.shape[0] !== M)) {
      throw new LutnnError(`Bias of layer "${prefix}" has the wrong shape.`, { file, field: `tensor "${prefix}.bias"`, expected: `shape [${M}]`, found: `shape [${b.shape.join(', ')}]` });
    }
    const weight = new Float64Array(D * M);
    for (let m = 0; m < M; m++) for (let d = 0; d < D; d++) weight[d * M + m] = w.data[m * D + d];
    const last = i === prefixes.length - 1;
    return {
      name: safeName(prefix, 'layer'),
      inFeatures: D,
      outFeatures: M,
      weight,
      bias: b ? Float64Array.from(b.data) : new Float64Array(M),
      activation: last ? 'none' : (opts.hiddenActivation ?? 'relu'),
    };
  });
  const model = { source: file, layers };
  checkDenseChain(model);
  return model;
}

/** Consecutive layers must agree: out_features of one is in_features of the next. */
export function checkDenseChain(model: DenseMlp): void {
  for (let i = 1; i < model.layers.length; i++) {
    const prev = model.layers[i - 1];
    const cur = model.layers[i];
    if (prev.outFeatures !== cur.inFeatures) {
      throw new LutnnError(`Layer width mismatch between "${prev.name}" and "${cur.name}".`, {
        file: model.source,
        field: `${cur.name} input`,
        expected: `${prev.outFeatures} input features (the outputs of "${prev.name}")`,
        found: `${cur.inFeatures}`,
      });
    }
  }
}

export async function loadDenseModel(file: string, opts: DenseLoadOptions = {}): Promise<DenseModel> {
  const ext = extname(file).toLowerCase();
  const fromStateDict = (tensors: Map<string, RawTensor>) => {
    if (!opts.topology) return denseFromStateDict(tensors, file, opts);
    if (opts.layers) throw new LutnnError('--layers and --topology both order the layers.', { field: '--layers', expected: 'one of them (the topology file lists every step in order)', found: 'both' });
    return denseCnnFromStateDict(tensors, file, opts.topology);
  };
  if (ext === '.safetensors') return fromStateDict((await readSafetensors(file)).tensors);
  if (ext === '.npz') return fromStateDict(await readNpz(file, 'dense model'));
  if (ext === '.onnx') {
    if (opts.topology) throw new LutnnError('An ONNX graph says its own topology.', { file, field: '--topology', expected: 'a .safetensors or .npz state dict with --topology', found: 'an .onnx file' });
    return loadOnnxDense(file);
  }
  throw new LutnnError('Unknown dense model format.', { file, expected: 'a .safetensors, .npz or .onnx file', found: `extension "${ext || '(none)'}"` });
}
