/**
 * A dense CNN from an ONNX graph (torch.onnx.export of a sequential CNN): Conv, BatchNormalization,
 * Relu, MaxPool, AveragePool, GlobalAveragePool, Flatten / Reshape, Gemm / MatMul (+ Add), with
 * Identity and Dropout passing
 * through. The graph says what a state dict does not, so it becomes the topology and tensors of
 * load-dense-cnn.ts (one definition of every step: BatchNorm folding, NCHW flatten as a
 * whole-image convolution). Operator semantics from the ONNX operator specification: Conv and
 * pool `pads` are [top, left, bottom, right], pool `strides` default to 1, AveragePool's
 * `count_include_pad` defaults to 0 (torch.onnx writes 1 for PyTorch's default; it matters only
 * with padding) and GlobalAveragePool is the mean over the whole image.
 */
import { LutnnError } from '../errors.ts';
import { parseTopology } from '../import/topology.ts';
import { safeName } from '../util/names.ts';
import { isDensePool, type DenseModel } from './dense.ts';
import { denseCnnFromStateDict } from './load-dense-cnn.ts';
import { attribute, gemmShape, initializers, nodeLabel, type OnnxModel, type OnnxNode } from './onnx.ts';

const INTS = 7;

/** An INTS attribute (kernel_shape, strides, pads, dilations). */
function ints(node: OnnxNode, name: string): number[] | undefined {
  const a = (node.attribute ?? []).find((x) => x.name === name);
  return a && a.type === INTS ? (a.ints ?? []).map(Number) : undefined;
}

/** Whether the graph is a CNN (it has a convolution). */
export function isOnnxCnn(model: OnnxModel): boolean {
  return (model.graph?.node ?? []).some((n) => n.opType === 'Conv');
}

export function loadOnnxCnn(model: OnnxModel, file: string): DenseModel {
  const inits = initializers(model, file);
  const nodes = model.graph?.node ?? [];
  const inputName = (model.graph?.input ?? []).map((i) => i.name ?? '').find((n) => !inits.has(n));
  const dims = (model.graph?.input ?? []).find((i) => i.name === inputName)?.type?.tensorType?.shape?.dim ?? [];
  const size = dims.map((d) => (d.dimValue !== undefined && d.dimValue !== null ? Number(d.dimValue) : 0));
  if (size.length !== 4 || !(size[2] > 0 && size[3] > 0)) {
    throw new LutnnError('The ONNX CNN input has no image size.', { file, field: `graph input "${inputName}"`, expected: 'shape (N, C, H, W) with H and W fixed numbers', found: `shape (${size.map((d, i) => (d > 0 ? d : dims[i]?.dimParam || '?')).join(', ')})` });
  }
  const tensors = new Map<string, { shape: number[]; data: ArrayLike<number> }>();
  // Steps as a topology file would hold them, checked by its schema (kernel, stride and padding
  // bounds, named by step); the order is kept beside them.
  const layers: Record<string, Record<string, unknown>> = {};
  const order: string[] = [];
  const step = (n: string, entry: Record<string, unknown>) => {
    layers[n] = entry;
    order.push(n);
  };
  const taken = new Set<string>();
  const name = (node: OnnxNode, base: string) => {
    let n = safeName(node.name || base, base);
    for (let k = 2; taken.has(n); k++) n = `${safeName(node.name || base, base)}_${k}`;
    taken.add(n);
    return n;
  };
  const constant = (node: OnnxNode, i: number, input: string | undefined, what: string) => {
    const t = input ? inits.get(input) : undefined;
    if (!t) throw new LutnnError(`The ${what} of a node is not a constant initializer.`, { file, field: nodeLabel(node, i), expected: `initializer "${input ?? '(missing input)'}"`, found: 'a computed tensor' });
    return t;
  };
  const pair = (node: OnnxNode, i: number, attr: string, fallback?: number[]): number[] => {
    const v = ints(node, attr) ?? fallback;
    if (!v || v.length !== 2) throw new LutnnError(`ONNX attribute ${attr} is not two values.`, { file, field: `${nodeLabel(node, i)} ${attr}`, expected: 'two integers (a 2-D operator)', found: v ? `[${v.join(', ')}]` : 'no attribute' });
    return v;
  };
  const pads2d = (node: OnnxNode, i: number): [number, number] => {
    const auto = attribute(node, 'auto_pad');
    if (auto !== undefined && auto !== 'NOTSET' && auto !== 'VALID') throw new LutnnError('ONNX auto_pad is not supported.', { file, field: `${nodeLabel(node, i)} auto_pad`, expected: 'NOTSET with explicit pads, or VALID (what torch.onnx writes)', found: String(auto) });
    const p = ints(node, 'pads') ?? [0, 0, 0, 0];
    if (p.length !== 4 || p[0] !== p[2] || p[1] !== p[3]) {
      throw new LutnnError('Asymmetric padding is not supported.', { file, field: `${nodeLabel(node, i)} pads`, expected: '[ph, pw, ph, pw] (the same padding on both sides, as PyTorch exports)', found: `[${p.join(', ')}]` });
    }
    return [p[0], p[1]];
  };
  const requireOnes = (node: OnnxNode, i: number, attr: string) => {
    const v = ints(node, attr);
    if (v && v.some((x) => x !== 1)) throw new LutnnError(`ONNX attribute ${attr} is not supported.`, { file, field: `${nodeLabel(node, i)} ${attr}`, expected: 'all 1', found: `[${v.join(', ')}]` });
  };
  let current = inputName ?? '';
  let lastLinear: string | null = null; // a MatMul right before, whose Add is its bias
  for (const [i, node] of nodes.entries()) {
    const op = node.opType ?? '';
    const inputs = node.input ?? [];
    if (op === 'Constant') continue;
    // Every operator reads the previous one's output and constants only: no branches.
    const computed = inputs.filter((x) => x !== '' && !inits.has(x));
    if (computed.length !== 1 || computed[0] !== current) {
      throw new LutnnError('The ONNX CNN is not a chain of operators.', { file, field: nodeLabel(node, i), expected: `an operator reading only the previous output "${current}" and constants (branches such as residual adds are not built)`, found: `computed inputs ${computed.map((x) => `"${x}"`).join(', ') || 'none'}` });
    }
    current = node.output?.[0] ?? '';
    if (op === 'Identity' || op === 'Dropout') continue;
    const matmulBefore = lastLinear;
    lastLinear = null;
    if (op === 'Conv') {
      const n = name(node, 'conv');
      const w = constant(node, i, inputs[1], 'weight');
      const group = attribute(node, 'group');
      if (group !== undefined && group !== 1) throw new LutnnError('Grouped convolutions are not supported.', { file, field: `${nodeLabel(node, i)} group`, expected: '1', found: String(group) });
      requireOnes(node, i, 'dilations');
      tensors.set(`${n}.weight`, w);
      if (inputs[2]) tensors.set(`${n}.bias`, constant(node, i, inputs[2], 'bias'));
      step(n, { kind: 'conv2d', kernel_size: pair(node, i, 'kernel_shape', w.shape.slice(2)), stride: pair(node, i, 'strides', [1, 1]), padding: pads2d(node, i) });
    } else if (op === 'BatchNormalization') {
      const n = name(node, 'bn');
      ['weight', 'bias', 'running_mean', 'running_var'].forEach((k, j) => tensors.set(`${n}.${k}`, constant(node, i, inputs[j + 1], `BatchNormalization ${k}`)));
      const eps = attribute(node, 'epsilon');
      step(n, { kind: 'batchnorm2d', eps: typeof eps === 'number' ? eps : 1e-5 });
    } else if (op === 'Relu') {
      step(name(node, 'relu'), { kind: 'relu' });
    } else if (op === 'MaxPool' || op === 'AveragePool') {
      requireOnes(node, i, 'dilations');
      if ((attribute(node, 'ceil_mode') ?? 0) !== 0) throw new LutnnError(`${op} ceil_mode is not supported.`, { file, field: `${nodeLabel(node, i)} ceil_mode`, expected: '0 (floor, PyTorch\'s default)', found: String(attribute(node, 'ceil_mode')) });
      const padding = pads2d(node, i);
      if (op === 'AveragePool' && (attribute(node, 'count_include_pad') ?? 0) !== 1 && padding.some((p) => p > 0)) {
        throw new LutnnError('AveragePool that leaves the padding out of the divisor is not built.', {
          file,
          field: `${nodeLabel(node, i)} count_include_pad`,
          expected: `1 (PyTorch's AvgPool2d default, every window divides by kh·kw), or pads 0`,
          found: `${attribute(node, 'count_include_pad') ?? '0 (the ONNX default)'} with pads [${padding.join(', ')}]`,
        });
      }
      // ONNX strides default to 1 (PyTorch's to the kernel, but torch.onnx writes them).
      step(name(node, 'pool'), { kind: op === 'MaxPool' ? 'maxpool2d' : 'avgpool2d', kernel_size: pair(node, i, 'kernel_shape'), stride: pair(node, i, 'strides', [1, 1]), padding });
    } else if (op === 'GlobalAveragePool') {
      step(name(node, 'pool'), { kind: 'global_avgpool2d' });
    } else if (op === 'Flatten' || op === 'Reshape') {
      const axis = op === 'Flatten' ? (attribute(node, 'axis') ?? 1) : 1;
      if (axis !== 1) throw new LutnnError('Flatten axis is not supported.', { file, field: `${nodeLabel(node, i)} axis`, expected: '1 (keep the batch dimension)', found: String(axis) });
      if (op === 'Reshape') {
        // Only (N, features): the batch kept (N, 0 or -1) and the rest in one dimension.
        const shape = inits.get(inputs[1] ?? '');
        if (!shape || shape.data.length !== 2) throw new LutnnError('A Reshape that is not a flatten.', { file, field: nodeLabel(node, i), expected: 'a constant initializer shape of two values (batch, features)', found: shape ? `shape [${Array.from(shape.data).join(', ')}]` : `input "${inputs[1] ?? ''}" (not an initializer)` });
      }
      step(name(node, 'flatten'), { kind: 'flatten' });
    } else if (op === 'Gemm' || op === 'MatMul') {
      const n = name(node, 'fc');
      const w = constant(node, i, inputs[1], 'weight');
      if (w.shape.length !== 2) throw new LutnnError('A weight is not 2-D.', { file, field: nodeLabel(node, i), expected: '2-D weight', found: `shape [${w.shape.join(', ')}]` });
      // The state dict's (out, in): Gemm with transB holds it so; otherwise (in, out), transposed.
      const { D, M, transB } = gemmShape(node, i, w.shape, file);
      const weight = new Float64Array(M * D);
      for (let m = 0; m < M; m++) for (let d = 0; d < D; d++) weight[m * D + d] = transB ? w.data[m * D + d] : w.data[d * M + m];
      tensors.set(`${n}.weight`, { shape: [M, D], data: weight });
      if (op === 'Gemm' && inputs[2]) tensors.set(`${n}.bias`, constant(node, i, inputs[2], 'bias'));
      step(n, { kind: 'linear' });
      if (op === 'MatMul') lastLinear = n;
    } else if (op === 'Add' && matmulBefore !== null) {
      const b = inits.get(inputs[1] ?? '');
      if (!b) throw new LutnnError('An Add after MatMul is not a bias.', { file, field: nodeLabel(node, i), expected: 'a constant initializer as the second input', found: `input "${inputs[1] ?? ''}"` });
      tensors.set(`${matmulBefore}.bias`, b);
    } else {
      throw new LutnnError(`Unsupported ONNX operator ${op} in a CNN.`, {
        file,
        field: nodeLabel(node, i),
        expected: 'Conv, BatchNormalization, Relu, MaxPool, AveragePool, GlobalAveragePool, Flatten/Reshape, Gemm/MatMul (+ Add bias), Identity, Dropout',
        found: op,
      });
    }
  }
  const topology = parseTopology({ input: { height: size[2], width: size[3] }, layers }, file, order);
  const cnn = denseCnnFromStateDict(tensors, file, topology);
  const first = cnn.layers[0];
  const channels = isDensePool(first) ? first.pool.inChannels : first.conv?.inChannels;
  if (channels !== undefined && channels !== size[1]) {
    throw new LutnnError('The first convolution does not read the graph input\'s channels.', { file, field: `graph input "${inputName}"`, expected: `${channels} channels (the first weight's)`, found: `${size[1]}` });
  }
  return cnn;
}
