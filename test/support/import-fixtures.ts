/**
 * Builders of small trained-model files in the formats importers read: LUT-NN state
 * (safetensors), PIM-DL npz, LUT-NN ONNX (DPQLinear), a dense ONNX MLP, and calibration .npy.
 * Deterministic; test/fixtures/make-import-fixtures.ts writes the committed fixtures with them.
 */
import { zipSync } from 'fflate';
import { dump as dumpNpy } from 'npyjs';
import onnxProto from 'onnx-proto';
import { encodeSafetensors } from '../../generator/artifact/safetensors.ts';
import { Rng } from '../../generator/util/rng.ts';

const { onnx } = onnxProto;

/** Two layers: 8 → 6 (ReLU) → 4, V = 2, K = 4. */
export const FIXTURE = { D: 8, H: 6, O: 4, V: 2, K: 4 };

export interface FixtureLayer {
  name: string;
  C: number;
  M: number;
  centroids: Float64Array;
  weight: Float64Array;
  bias: Float64Array;
}

export function fixtureLayers(seed = 5): FixtureLayer[] {
  const rng = new Rng(seed);
  const { D, H, O, V, K } = FIXTURE;
  return [
    { name: 'fc1', C: D / V, M: H },
    { name: 'fc2', C: H / V, M: O },
  ].map(({ name, C, M }) => ({
    name,
    C,
    M,
    centroids: Float64Array.from({ length: C * K * V }, () => Math.fround(rng.normal())),
    weight: Float64Array.from({ length: C * V * M }, () => Math.fround(rng.normal() * 0.5)),
    bias: Float64Array.from({ length: M }, () => Math.fround(rng.normal() * 0.1)),
  }));
}

/** LUT = centroids · weight, INT8 symmetric like LUT-NN: returns the ints and the scale. */
export function fixtureLut(l: FixtureLayer): { lut: Int32Array; scale: number } {
  const { K, V } = FIXTURE;
  const T = new Float64Array(l.C * K * l.M);
  for (let c = 0; c < l.C; c++) for (let k = 0; k < K; k++) for (let v = 0; v < V; v++) for (let m = 0; m < l.M; m++) T[(c * K + k) * l.M + m] += l.centroids[(c * K + k) * V + v] * l.weight[(c * V + v) * l.M + m];
  let mx = 0;
  for (const t of T) mx = Math.max(mx, Math.abs(t));
  const scale = Math.fround(mx / 127);
  return { lut: Int32Array.from(T, (t) => Math.round(t / scale)), scale };
}

export function lutnnStateBytes(layers = fixtureLayers()): Buffer {
  const { K, V } = FIXTURE;
  return encodeSafetensors(
    layers.flatMap((l) => [
      { name: `${l.name}.centroids`, dtype: 'F32' as const, shape: [l.C, K, V], data: l.centroids },
      { name: `${l.name}.weight`, dtype: 'F32' as const, shape: [l.C, V, l.M], data: l.weight },
      { name: `${l.name}.bias`, dtype: 'F32' as const, shape: [l.M], data: l.bias },
      { name: `${l.name}.inverse_temperature_logit`, dtype: 'F32' as const, shape: [1], data: [1] },
    ]),
  );
}

const npy = (data: Float32Array | Int8Array, shape: number[]) => new Uint8Array(dumpNpy(data, shape));

/** PIM-DL's converter output (pim_weight_converter.py): one operator per layer, codebooks as an nn.Embedding. */
export function pimDlNpzBytes(layers = fixtureLayers()): Uint8Array {
  const { K, V } = FIXTURE;
  const entries: Record<string, Uint8Array> = {};
  for (const l of layers) {
    const { lut, scale } = fixtureLut(l);
    entries[`${l.name}.lut.tensor.npy`] = npy(Int8Array.from(lut), [l.C * K, l.M]);
    entries[`${l.name}.lut.scale.npy`] = npy(Float32Array.from([scale]), []);
    // −scale·zero_point with zero point 0, as the converter writes it.
    entries[`${l.name}.lut.bias.npy`] = npy(Float32Array.from([-0]), []);
    entries[`${l.name}.bias.npy`] = npy(Float32Array.from(l.bias), [l.M]);
    entries[`${l.name}.centroids.weight.npy`] = npy(Float32Array.from(l.centroids), [l.C, K * V]);
  }
  return zipSync(entries, { level: 6, mtime: new Date('2020-01-01T00:00:00Z') });
}

function floatTensor(name: string, dims: number[], data: ArrayLike<number>) {
  return onnx.TensorProto.create({ name, dims, dataType: 1, floatData: Array.from(data) });
}

function int8Tensor(name: string, dims: number[], data: ArrayLike<number>) {
  return onnx.TensorProto.create({ name, dims, dataType: 3, rawData: Uint8Array.from(Array.from(data), (v) => v & 0xff) });
}

function modelBytes(nodes: InstanceType<typeof onnx.NodeProto>[], inits: InstanceType<typeof onnx.TensorProto>[], inDim: number, outDim: number): Uint8Array {
  const valueInfo = (name: string, dim: number) =>
    onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'N' }, { dimValue: dim }] } } } });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'lutnn-hdl test fixtures',
    opsetImport: [{ domain: '', version: 13 }, { domain: 'com.microsoft', version: 1 }],
    graph: { name: 'g', node: nodes, initializer: inits, input: [valueInfo('x', inDim)], output: [valueInfo('y', outDim)] },
  });
  return onnx.ModelProto.encode(model).finish();
}

/**
 * LUT-NN's ONNX export: DPQLinear(input, bias, centroids, lut, s) nodes and Relu between them, the
 * tensors as Constant nodes the way torch.onnx writes them (or as initializers), optionally after a
 * leading Flatten and with an extra operator at the end.
 */
export function lutnnOnnxBytes(layers = fixtureLayers(), extraOp?: string, opts: { initializers?: boolean; flatten?: boolean } = {}): Uint8Array {
  const { K, V, O } = FIXTURE;
  const nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  const inits: InstanceType<typeof onnx.TensorProto>[] = [];
  const constant = (t: InstanceType<typeof onnx.TensorProto>) => {
    if (opts.initializers) inits.push(t);
    else nodes.push(onnx.NodeProto.create({ name: `/${t.name}/Constant`, opType: 'Constant', output: [t.name], attribute: [onnx.AttributeProto.create({ name: 'value', type: 4, t })] }));
  };
  let cur = 'x';
  if (opts.flatten) {
    nodes.push(onnx.NodeProto.create({ name: '/Flatten', opType: 'Flatten', input: [cur], output: ['flat'] }));
    cur = 'flat';
  }
  layers.forEach((l, i) => {
    const { lut, scale } = fixtureLut(l);
    for (const t of [floatTensor(`${l.name}.bias`, [l.M], l.bias), floatTensor(`${l.name}.centroids`, [l.C, K, V], l.centroids), int8Tensor(`${l.name}.lut`, [l.C, K, l.M], lut), floatTensor(`${l.name}.s`, [], [scale])]) constant(t);
    const out = i === layers.length - 1 && !extraOp ? 'y' : `${l.name}_out`;
    nodes.push(onnx.NodeProto.create({ name: `/${l.name}/DPQLinear`, opType: 'DPQLinear', domain: 'com.microsoft', input: [cur, `${l.name}.bias`, `${l.name}.centroids`, `${l.name}.lut`, `${l.name}.s`], output: [out] }));
    cur = out;
    if (i < layers.length - 1) {
      nodes.push(onnx.NodeProto.create({ name: `/Relu_${i}`, opType: 'Relu', input: [cur], output: [`relu${i}_out`] }));
      cur = `relu${i}_out`;
    }
  });
  if (extraOp) nodes.push(onnx.NodeProto.create({ name: 'odd', opType: extraOp, input: [cur], output: ['y'] }));
  return modelBytes(nodes, inits, FIXTURE.D, O);
}

/** A dense MLP as PyTorch exports it: Gemm(transB=1) → Relu → Gemm, optionally with an unsupported op. */
export function denseOnnxBytes(extraOp?: string, transA = 0): Uint8Array {
  const rng = new Rng(9);
  const { D, H, O } = FIXTURE;
  const w1 = Float64Array.from({ length: H * D }, () => Math.fround(rng.normal()));
  const w2 = Float64Array.from({ length: O * H }, () => Math.fround(rng.normal()));
  const attrs = [onnx.AttributeProto.create({ name: 'transB', type: 2, i: 1 }), ...(transA ? [onnx.AttributeProto.create({ name: 'transA', type: 2, i: transA })] : [])];
  const nodes = [
    onnx.NodeProto.create({ name: 'fc1', opType: 'Gemm', input: ['x', 'w1', 'b1'], output: ['h'], attribute: attrs }),
    onnx.NodeProto.create({ name: 'act', opType: extraOp ?? 'Relu', input: ['h'], output: ['hr'] }),
    onnx.NodeProto.create({ name: 'fc2', opType: 'Gemm', input: ['hr', 'w2', 'b2'], output: ['y'], attribute: attrs }),
  ];
  const inits = [floatTensor('w1', [H, D], w1), floatTensor('b1', [H], new Float64Array(H).fill(0.1)), floatTensor('w2', [O, H], w2), floatTensor('b2', [O], new Float64Array(O))];
  return modelBytes(nodes, inits, D, O);
}

export function calibNpyBytes(rows = 64): Uint8Array {
  const rng = new Rng(3);
  return npy(Float32Array.from({ length: rows * FIXTURE.D }, () => rng.normal()), [rows, FIXTURE.D]);
}

/** The public NN-LUT JSON (a GELU-like table) as Python's json.dump writes it: bare ±Infinity. */
export function nnlutJsonText(): string {
  return `{"op": "gelu", "hidden": 4, "cut_points": [-Infinity, -2.0, -0.5, 0.5, 2.0, Infinity], "slopes": [0.0, -0.05, 0.35, 0.85, 1.0], "biases": [0.0, -0.1, 0.075, 0.0, -0.04]}\n`;
}

/** Every committed importer fixture by file name (test/fixtures). */
export function importFixtureFiles(): Record<string, Uint8Array> {
  return {
    'lutnn_state.safetensors': lutnnStateBytes(),
    'pim_dl.npz': pimDlNpzBytes(),
    'lutnn_dpq.onnx': lutnnOnnxBytes(),
    'dense_mlp.onnx': denseOnnxBytes(),
    'calib.npy': calibNpyBytes(),
    'nnlut_gelu.json': Buffer.from(nnlutJsonText()),
  };
}
