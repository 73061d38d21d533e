/**
 * A random dense CNN as a PyTorch user saves it (state dict in PyTorch layouts plus a topology
 * file), and its forward computed independently of the product: direct convolution on NCHW
 * tensors, eval-mode BatchNorm, max and average pool (PyTorch's count_include_pad; a global
 * pool is AdaptiveAvgPool2d(1)), NCHW flatten, linear, with no im2col or folding.
 */
import onnxProto from 'onnx-proto';
import type { TensorInput } from '../../generator/artifact/safetensors.ts';
import { Rng } from '../../generator/util/rng.ts';

export type CnnStep =
  | { kind: 'conv2d'; name: string; out: number; kernel: [number, number]; stride: [number, number]; padding: [number, number] }
  | { kind: 'batchnorm2d'; name: string }
  | { kind: 'relu'; name: string }
  | { kind: 'maxpool2d'; name: string; kernel: [number, number]; stride: [number, number]; padding: [number, number] }
  | { kind: 'avgpool2d'; name: string; kernel: [number, number]; stride: [number, number]; padding: [number, number] }
  | { kind: 'global_avgpool2d'; name: string }
  | { kind: 'flatten'; name: string }
  | { kind: 'linear'; name: string; out: number };

export interface RandomCnn {
  input: { channels: number; height: number; width: number };
  steps: CnnStep[];
  tensors: TensorInput[];
  topologyYaml: string;
}

const EPS = 1e-5;

export function randomCnn(seed: number, input: RandomCnn['input'], steps: CnnStep[]): RandomCnn {
  const rng = new Rng(seed);
  const tensors: TensorInput[] = [];
  let [C, H, W] = [input.channels, input.height, input.width];
  let flat = 0;
  const add = (name: string, shape: number[], f: () => number) => tensors.push({ name, dtype: 'F32', shape, data: Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => Math.fround(f())) });
  for (const s of steps) {
    if (s.kind === 'conv2d') {
      const fan = C * s.kernel[0] * s.kernel[1];
      add(`${s.name}.weight`, [s.out, C, ...s.kernel], () => rng.normal() * Math.sqrt(2 / fan));
      add(`${s.name}.bias`, [s.out], () => rng.normal() * 0.1);
      [H, W] = [0, 1].map((d) => Math.floor(([H, W][d] + 2 * s.padding[d] - s.kernel[d]) / s.stride[d]) + 1);
      C = s.out;
    } else if (s.kind === 'batchnorm2d') {
      add(`${s.name}.weight`, [C], () => 0.5 + rng.next());
      add(`${s.name}.bias`, [C], () => rng.normal() * 0.2);
      add(`${s.name}.running_mean`, [C], () => rng.normal() * 0.3);
      add(`${s.name}.running_var`, [C], () => 0.2 + rng.next());
      tensors.push({ name: `${s.name}.num_batches_tracked`, dtype: 'I32', shape: [], data: [100] });
    } else if (s.kind === 'maxpool2d' || s.kind === 'avgpool2d') {
      [H, W] = [0, 1].map((d) => Math.floor(([H, W][d] + 2 * s.padding[d] - s.kernel[d]) / s.stride[d]) + 1);
    } else if (s.kind === 'global_avgpool2d') {
      [H, W] = [1, 1];
    } else if (s.kind === 'flatten') {
      flat = C * H * W;
    } else if (s.kind === 'linear') {
      const D = flat || C;
      add(`${s.name}.weight`, [s.out, D], () => rng.normal() * Math.sqrt(2 / D));
      add(`${s.name}.bias`, [s.out], () => rng.normal() * 0.1);
      flat = s.out;
    }
  }
  const pair = (p: [number, number]) => `[${p[0]}, ${p[1]}]`;
  const yamlStep = (s: CnnStep) => {
    if (s.kind === 'conv2d') return `{ kind: conv2d, kernel_size: ${pair(s.kernel)}, stride: ${pair(s.stride)}, padding: ${pair(s.padding)} }`;
    if (s.kind === 'maxpool2d' || s.kind === 'avgpool2d') return `{ kind: ${s.kind}, kernel_size: ${pair(s.kernel)}, stride: ${pair(s.stride)}, padding: ${pair(s.padding)} }`;
    return `{ kind: ${s.kind} }`;
  };
  const topologyYaml = `input: { height: ${input.height}, width: ${input.width} }\nlayers:\n${steps.map((s) => `  ${s.name}: ${yamlStep(s)}`).join('\n')}\n`;
  return { input, steps, tensors, topologyYaml };
}

/** The model on one NCHW image, step by step as PyTorch defines each module. */
export function referenceForward(cnn: RandomCnn, image: ArrayLike<number>): Float64Array {
  const t = new Map(cnn.tensors.map((x) => [x.name, x.data]));
  let [C, H, W] = [cnn.input.channels, cnn.input.height, cnn.input.width];
  let x = Float64Array.from(image);
  for (const s of cnn.steps) {
    if (s.kind === 'conv2d' || s.kind === 'maxpool2d' || s.kind === 'avgpool2d') {
      const [kh, kw] = s.kernel;
      const OH = Math.floor((H + 2 * s.padding[0] - kh) / s.stride[0]) + 1;
      const OW = Math.floor((W + 2 * s.padding[1] - kw) / s.stride[1]) + 1;
      const O = s.kind === 'conv2d' ? s.out : C;
      const y = new Float64Array(O * OH * OW);
      const w = s.kind === 'conv2d' ? t.get(`${s.name}.weight`)! : null;
      for (let o = 0; o < O; o++) {
        for (let oy = 0; oy < OH; oy++) {
          for (let ox = 0; ox < OW; ox++) {
            let acc = w ? t.get(`${s.name}.bias`)![o] : s.kind === 'avgpool2d' ? 0 : -Infinity;
            for (let c = 0; c < (w ? C : 1); c++) {
              const ch = w ? c : o;
              for (let i = 0; i < kh; i++) {
                for (let j = 0; j < kw; j++) {
                  const r = oy * s.stride[0] - s.padding[0] + i;
                  const q = ox * s.stride[1] - s.padding[1] + j;
                  if (r < 0 || r >= H || q < 0 || q >= W) continue;
                  const v = x[(ch * H + r) * W + q];
                  if (w) acc += v * w[((o * C + c) * kh + i) * kw + j];
                  else if (s.kind === 'avgpool2d') acc += v;
                  else acc = Math.max(acc, v);
                }
              }
            }
            // AvgPool2d's count_include_pad: every window divides by kh·kw.
            y[(o * OH + oy) * OW + ox] = s.kind === 'avgpool2d' ? acc / (kh * kw) : acc;
          }
        }
      }
      [x, C, H, W] = [y, O, OH, OW];
    } else if (s.kind === 'batchnorm2d') {
      const g = (k: string) => t.get(`${s.name}.${k}`)!;
      for (let c = 0; c < C; c++) for (let p = 0; p < H * W; p++) x[c * H * W + p] = ((x[c * H * W + p] - g('running_mean')[c]) / Math.sqrt(g('running_var')[c] + EPS)) * g('weight')[c] + g('bias')[c];
    } else if (s.kind === 'global_avgpool2d') {
      const y = new Float64Array(C);
      for (let c = 0; c < C; c++) {
        for (let p = 0; p < H * W; p++) y[c] += x[c * H * W + p];
        y[c] /= H * W;
      }
      [x, H, W] = [y, 1, 1];
    } else if (s.kind === 'relu') {
      x = x.map((v) => Math.max(v, 0));
    } else if (s.kind === 'flatten') {
      [C, H, W] = [C * H * W, 1, 1];
    } else {
      const w = t.get(`${s.name}.weight`)!;
      const y = Float64Array.from(t.get(`${s.name}.bias`)!);
      for (let m = 0; m < s.out; m++) for (let d = 0; d < x.length; d++) y[m] += w[m * x.length + d] * x[d];
      [x, C, H, W] = [y, s.out, 1, 1];
    }
  }
  return x;
}

/** NCHW → frames (raster order, channels last), written here rather than taken from the product. */
export function toFrame(image: ArrayLike<number>, C: number, H: number, W: number): Float64Array {
  const out = new Float64Array(C * H * W);
  for (let c = 0; c < C; c++) for (let p = 0; p < H * W; p++) out[p * C + c] = image[c * H * W + p];
  return out;
}

const { onnx } = onnxProto;

/**
 * The CNN as torch.onnx.export writes a sequential model (opset 13): Conv (pads [ph, pw, ph, pw]),
 * BatchNormalization, Relu, MaxPool, AveragePool (count_include_pad 1, as PyTorch's default exports),
 * GlobalAveragePool, Flatten (axis 1), Gemm (transB 1), weights as initializers.
 * `edit` may change the node list (tests of refused graphs).
 */
export function cnnOnnxBytes(cnn: RandomCnn, edit?: (nodes: InstanceType<typeof onnx.NodeProto>[]) => void): Uint8Array {
  const tensor = new Map(cnn.tensors.map((t) => [t.name, t]));
  const inits: InstanceType<typeof onnx.TensorProto>[] = [];
  const init = (name: string) => {
    const t = tensor.get(name)!;
    inits.push(onnx.TensorProto.create({ name, dims: [...t.shape], dataType: 1, floatData: Array.from(t.data) }));
    return name;
  };
  const ints = (name: string, v: number[]) => onnx.AttributeProto.create({ name, type: 7, ints: v });
  const nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  let x = 'input';
  for (const [i, s] of cnn.steps.entries()) {
    const out = `t${i}`;
    const node = (opType: string, input: string[], attribute: InstanceType<typeof onnx.AttributeProto>[] = []) => nodes.push(onnx.NodeProto.create({ name: s.name, opType, input, output: [out], attribute }));
    if (s.kind === 'conv2d') node('Conv', [x, init(`${s.name}.weight`), init(`${s.name}.bias`)], [ints('kernel_shape', s.kernel), ints('strides', s.stride), ints('pads', [...s.padding, ...s.padding]), ints('dilations', [1, 1]), onnx.AttributeProto.create({ name: 'group', type: 2, i: 1 })]);
    else if (s.kind === 'batchnorm2d') node('BatchNormalization', [x, ...['weight', 'bias', 'running_mean', 'running_var'].map((k) => init(`${s.name}.${k}`))], [onnx.AttributeProto.create({ name: 'epsilon', type: 1, f: EPS })]);
    else if (s.kind === 'relu') node('Relu', [x]);
    else if (s.kind === 'maxpool2d') node('MaxPool', [x], [ints('kernel_shape', s.kernel), ints('strides', s.stride), ints('pads', [...s.padding, ...s.padding])]);
    else if (s.kind === 'avgpool2d') node('AveragePool', [x], [ints('kernel_shape', s.kernel), ints('strides', s.stride), ints('pads', [...s.padding, ...s.padding]), onnx.AttributeProto.create({ name: 'count_include_pad', type: 2, i: 1 })]);
    else if (s.kind === 'global_avgpool2d') node('GlobalAveragePool', [x]);
    else if (s.kind === 'flatten') node('Flatten', [x], [onnx.AttributeProto.create({ name: 'axis', type: 2, i: 1 })]);
    else node('Gemm', [x, init(`${s.name}.weight`), init(`${s.name}.bias`)], [onnx.AttributeProto.create({ name: 'transB', type: 2, i: 1 })]);
    x = out;
  }
  edit?.(nodes);
  const { channels: C, height: H, width: W } = cnn.input;
  const info = (name: string, dims: (number | string)[]) => onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: 1, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } } });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'lutnn-hdl test (torch.onnx.export layout)',
    opsetImport: [{ domain: '', version: 13 }],
    graph: { name: 'cnn', node: nodes, initializer: inits, input: [info('input', ['N', C, H, W])], output: [info(x, ['N', 'M'])] },
  });
  return onnx.ModelProto.encode(model).finish();
}
