/**
 * A dense CNN from a PyTorch state dict and a topology file (docs/convert-and-import.md, "Dense
 * CNNs"): the file lists every step in order, since a state dict holds tensors, not the graph.
 *
 * - conv2d `<name>.weight` (out, in, kh, kw), `<name>.bias` (out): the patch layer's weight row
 *   d = ch·kh·kw + i·kw + j is PyTorch's weight[m].flatten() index d, F.unfold's patch order.
 * - batchnorm2d `<name>.weight|bias|running_mean|running_var` (out): folded into the convolution
 *   before it, as eval-mode BatchNorm computes: s = γ/√(var + eps), W·s, (b − mean)·s + β.
 * - relu: the activation of the LUT layer before it; after a max pool it is applied before the pool
 *   (max and ReLU commute: relu(max x) = max relu(x)). After an average pool they do not commute
 *   (relu(mean x) ≠ mean relu(x)), so a ReLU there is taken only where it changes nothing: the
 *   layer before the pool already ends in one (a mean of values ≥ 0 is ≥ 0).
 * - maxpool2d, avgpool2d: PyTorch's MaxPool2d, AvgPool2d (count_include_pad; stride = kernel
 *   unless given); global_avgpool2d: AdaptiveAvgPool2d(1), an average pool whose kernel is the
 *   whole image.
 * - flatten then linear `<name>.weight` (out, in): PyTorch flattens an NCHW image as
 *   ch·H·W + i·W + j, which is exactly the patch order of an H×W kernel, so the linear layer is a
 *   convolution whose kernel covers the whole image (one output pixel); the hardware needs no
 *   reordering buffer.
 */
import { LutnnError } from '../errors.ts';
import { MAX_KERNEL } from '../artifact/schema.ts';
import type { Conv2dGeometry } from '../artifact/types.ts';
import { outputSize } from '../conv/unfold.ts';
import type { Topology } from '../import/topology.ts';
import { safeName } from '../util/names.ts';
import { isDensePool, requireFiniteTensor, type DenseLayer, type DenseModel, type DenseStage } from './dense.ts';

interface RawTensor {
  shape: number[];
  data: ArrayLike<number>;
}

const POOL_NAMES = { maxpool2d: 'a max pool', avgpool2d: 'an average pool' } as const;

type Shape = { kind: 'image'; height: number; width: number; channels: number | null; flattened: boolean } | { kind: 'vector'; size: number };


export function denseCnnFromStateDict(tensors: Map<string, RawTensor>, file: string, t: Topology): DenseModel {
  const used = new Set<string>();
  const tensor = (name: string, shape: (number | null)[], field: string): RawTensor => {
    const x = tensors.get(name);
    const want = `shape [${shape.map((d) => d ?? 'n').join(', ')}]`;
    if (!x) throw new LutnnError(`The state dict has no tensor "${name}".`, { file, field: `tensor "${name}" (${field})`, expected: want, found: 'no such tensor' });
    if (x.shape.length !== shape.length || shape.some((d, i) => d !== null && d !== x.shape[i])) {
      throw new LutnnError(`Tensor "${name}" has the wrong shape.`, { file, field: `tensor "${name}" (${field})`, expected: want, found: `shape [${x.shape.join(', ')}]` });
    }
    requireFiniteTensor(x.data, name, file);
    used.add(name);
    return x;
  };
  const optional = (name: string, M: number, field: string): Float64Array => (tensors.has(name) ? Float64Array.from(tensor(name, [M], field).data) : new Float64Array(M));

  const stages: DenseStage[] = [];
  let shape: Shape | null = t.input ? { kind: 'image', ...t.input, channels: null, flattened: false } : null;
  const lastLut = (): DenseLayer | undefined => {
    for (let i = stages.length - 1; i >= 0; i--) {
      const s = stages[i];
      if (!isDensePool(s)) return s;
    }
    return undefined;
  };
  const imageOf = (name: string, what: string): Shape & { kind: 'image' } => {
    if (shape?.kind === 'image' && !shape.flattened) return shape;
    throw new LutnnError(`Step "${name}" (${what}) needs an image.`, {
      file: t.file,
      field: `layers.${name}`,
      expected: stages.length === 0 ? 'input: { height, width } (the image size, which a state dict does not hold)' : 'an image: a convolution or pool before it, no flatten or linear layer',
      found: shape === null ? 'no input entry' : shape.kind === 'vector' ? `a vector of ${shape.size} values` : 'a flattened image',
    });
  };

  for (const [name, entry] of t.layers) {
    const field = `layers.${name}`;
    if (entry.kind === 'conv2d') {
      const img = imageOf(name, 'conv2d');
      const [kh, kw] = entry.kernel;
      const w = tensor(`${name}.weight`, [null, img.channels, kh, kw], `${field}: (out_channels, in_channels, kh, kw)`);
      const [M, C] = w.shape;
      const g: Conv2dGeometry = { inChannels: C, height: img.height, width: img.width, kernel: entry.kernel, stride: entry.stride, padding: entry.padding };
      const [OH, OW] = outputSize(g);
      if (OH < 1 || OW < 1) {
        throw new LutnnError(`Convolution "${name}"'s kernel is larger than its padded image.`, { file: t.file, field: `${field}.kernel_size`, expected: `at most ${img.height + 2 * entry.padding[0]} x ${img.width + 2 * entry.padding[1]}`, found: `[${kh}, ${kw}]` });
      }
      stages.push({ name: safeName(name, 'layer'), inFeatures: C * kh * kw, outFeatures: M, weight: transpose(w.data, M, C * kh * kw), bias: optional(`${name}.bias`, M, `${field}: (out_channels)`), activation: 'none', conv: g });
      shape = { kind: 'image', height: OH, width: OW, channels: M, flattened: false };
    } else if (entry.kind === 'batchnorm2d') {
      const prev = stages.at(-1);
      if (!prev || isDensePool(prev) || !prev.conv || prev.activation !== 'none') {
        const after = !prev ? 'the first step' : isDensePool(prev) ? `after ${POOL_NAMES[prev.kind]}` : `after ${prev.activation === 'relu' ? 'a ReLU' : 'a linear layer'}`;
        throw new LutnnError(`BatchNorm "${name}" does not follow a convolution.`, { file: t.file, field, expected: 'batchnorm2d right after a conv2d (folded into its weight and bias)', found: after });
      }
      const M = prev.outFeatures;
      const p = (s: string) => Float64Array.from(tensor(`${name}.${s}`, [M], `${field}: BatchNorm2d ${s} (${M} channels)`).data);
      foldBatchNorm(prev, { gamma: p('weight'), beta: p('bias'), mean: p('running_mean'), variance: p('running_var'), eps: entry.eps }, { file, name });
      used.add(`${name}.num_batches_tracked`);
    } else if (entry.kind === 'relu') {
      const lut = lastLut();
      if (!lut) throw new LutnnError(`ReLU "${name}" has no layer before it.`, { file: t.file, field, expected: 'relu after a conv2d, batchnorm2d, linear or pool step', found: 'the first step' });
      const avg = stages.slice(stages.indexOf(lut) + 1).find((s) => s.kind === 'avgpool2d');
      if (avg && lut.activation !== 'relu') {
        throw new LutnnError(`ReLU "${name}" follows an average pool of a layer without ReLU.`, {
          file: t.file,
          field,
          expected: `relu before the average pool "${avg.name}" (relu(mean x) is not mean(relu x); the hardware applies ReLU in the layer "${lut.name}")`,
          found: `relu after average pool "${avg.name}"`,
        });
      }
      lut.activation = 'relu';
    } else if (entry.kind === 'maxpool2d' || entry.kind === 'avgpool2d' || entry.kind === 'global_avgpool2d') {
      const kind = entry.kind === 'maxpool2d' ? 'maxpool2d' : 'avgpool2d';
      const what = POOL_NAMES[kind].replace(/^an? /, '');
      const Title = what[0].toUpperCase() + what.slice(1);
      const img = imageOf(name, entry.kind);
      if (img.channels === null) throw new LutnnError(`${Title} "${name}" comes before any layer.`, { file: t.file, field, expected: 'a convolution first (its weight gives the channel count)', found: `${entry.kind} as the first step` });
      // A global pool is the kernel of the whole image, once.
      const geometry = entry.kind === 'global_avgpool2d' ? { kernel: [img.height, img.width] as [number, number], stride: [1, 1] as [number, number], padding: [0, 0] as [number, number] } : entry;
      if (entry.kind === 'global_avgpool2d' && (img.height > MAX_KERNEL || img.width > MAX_KERNEL)) {
        throw new LutnnError(`Global average pool "${name}" reads an image larger than a kernel can cover.`, { file: t.file, field, expected: `an image of at most ${MAX_KERNEL} x ${MAX_KERNEL} (the pool's kernel is the whole image); pool in steps before it`, found: `${img.height} x ${img.width}` });
      }
      if (geometry.padding.some((p, d) => 2 * p > geometry.kernel[d])) {
        throw new LutnnError(`${Title} "${name}" pads more than half its kernel.`, { file: t.file, field: `${field}.padding`, expected: `at most half the kernel [${geometry.kernel.join(', ')}] (PyTorch's rule)`, found: `[${geometry.padding.join(', ')}]` });
      }
      const g: Conv2dGeometry = { inChannels: img.channels, height: img.height, width: img.width, kernel: geometry.kernel, stride: geometry.stride, padding: geometry.padding };
      const [OH, OW] = outputSize(g);
      if (OH < 1 || OW < 1) throw new LutnnError(`${Title} "${name}"'s kernel is larger than its padded image.`, { file: t.file, field: `${field}.kernel_size`, expected: `at most ${img.height + 2 * geometry.padding[0]} x ${img.width + 2 * geometry.padding[1]}`, found: `[${geometry.kernel.join(', ')}]` });
      stages.push({ kind, name: safeName(name, 'layer'), pool: g });
      shape = { ...img, height: OH, width: OW };
    } else if (entry.kind === 'flatten') {
      const img = imageOf(name, 'flatten');
      shape = { ...img, flattened: true };
    } else {
      const w = tensor(`${name}.weight`, [null, null], `${field}: (out_features, in_features)`);
      const [M, D] = w.shape;
      const layer: DenseLayer = { name: safeName(name, 'layer'), inFeatures: D, outFeatures: M, weight: transpose(w.data, M, D), bias: optional(`${name}.bias`, M, `${field}: (out_features)`), activation: 'none' };
      if (shape?.kind === 'image' && !shape.flattened) {
        throw new LutnnError(`Linear layer "${name}" reads an image that is not flattened.`, { file: t.file, field, expected: 'a flatten step before it (PyTorch nn.Flatten / x.flatten(1), NCHW order)', found: `an image of ${shape.height} x ${shape.width}` });
      }
      // A flatten of the input image itself: its channels are whatever the weight says.
      const channels = shape?.kind === 'image' ? (shape.channels ?? Math.max(1, Math.round(D / (shape.height * shape.width)))) : 0;
      const size = shape === null ? D : shape.kind === 'vector' ? shape.size : shape.height * shape.width * channels;
      if (D !== size) {
        throw new LutnnError(`Linear layer "${name}" has the wrong input size.`, { file, field: `tensor "${name}.weight"`, expected: `(out_features, ${size}): the ${shape?.kind === 'image' ? `flattened ${shape.height} x ${shape.width} x ${channels} image` : 'outputs of the step before'}`, found: `shape [${w.shape.join(', ')}]` });
      }
      if (shape?.kind === 'image' && shape.height * shape.width > 1) {
        if (shape.height > MAX_KERNEL || shape.width > MAX_KERNEL) {
          throw new LutnnError(`Linear layer "${name}" reads a flattened image larger than a kernel can cover.`, { file: t.file, field, expected: `an image of at most ${MAX_KERNEL} x ${MAX_KERNEL} before the flatten (it becomes a whole-image convolution)`, found: `${shape.height} x ${shape.width}` });
        }
        layer.conv = { inChannels: channels, height: shape.height, width: shape.width, kernel: [shape.height, shape.width], stride: [1, 1], padding: [0, 0] };
      }
      stages.push(layer);
      shape = { kind: 'vector', size: M };
    }
  }
  if (!stages.some((s) => !isDensePool(s))) {
    throw new LutnnError('The topology file names no layer.', { file: t.file, field: 'layers', expected: 'conv2d and linear steps (with batchnorm2d, relu, pools, flatten between them)', found: 'none' });
  }
  const unused = [...tensors.keys()].filter((k) => !used.has(k) && /\.(weight|bias|running_mean|running_var)$/.test(k));
  if (unused.length > 0) {
    throw new LutnnError('The state dict holds tensors no topology step uses.', { file, field: `tensor "${unused[0]}"`, expected: `a step in ${t.file} for every layer of the state dict (a layer left out would give a different model)`, found: `${unused.length} unused: ${unused.slice(0, 6).join(', ')}` });
  }
  return { source: file, layers: stages };
}

/** PyTorch's (out, in) row-major → the dense layer's input-major W[d·M + m]. */
function transpose(w: ArrayLike<number>, M: number, D: number): Float64Array {
  const out = new Float64Array(D * M);
  for (let m = 0; m < M; m++) for (let d = 0; d < D; d++) out[d * M + m] = w[m * D + d];
  return out;
}

export interface BatchNormState {
  gamma: Float64Array;
  beta: Float64Array;
  mean: Float64Array;
  variance: Float64Array;
  eps: number;
}

/** Eval-mode BatchNorm after a layer, folded into it: y = (x·W + b − mean)·s + β with s = γ/√(var + eps). */
export function foldBatchNorm(layer: DenseLayer, bn: BatchNormState, where: { file: string; name: string }): void {
  const M = layer.outFeatures;
  for (let m = 0; m < M; m++) {
    if (!(bn.variance[m] + bn.eps > 0)) {
      throw new LutnnError(`BatchNorm "${where.name}" has a negative running variance.`, { file: where.file, field: `tensor "${where.name}.running_var"`, expected: 'values ≥ 0', found: `${bn.variance[m]} at channel ${m}` });
    }
    const s = bn.gamma[m] / Math.sqrt(bn.variance[m] + bn.eps);
    for (let d = 0; d < layer.inFeatures; d++) layer.weight[d * M + m] *= s;
    layer.bias[m] = (layer.bias[m] - bn.mean[m]) * s + bn.beta[m];
  }
}
