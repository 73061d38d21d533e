/**
 * ONNX graphs: protobuf decoding with onnx-proto (protobufjs), never by hand. Two readers:
 * a dense MLP (Gemm, MatMul + Add, Relu, Flatten/Identity) for conversion, and the tensor/attribute
 * helpers the LUT-NN ONNX importer uses.
 */
import { readInputFile } from '../util/read-input.ts';
import onnxProto from 'onnx-proto';
import { LutnnError } from '../errors.ts';
import { safeName, uniqueName } from '../util/names.ts';
import { requireFiniteTensor, type DenseLayer, type DenseMlp, type DenseModel } from './dense.ts';
import { isOnnxCnn, loadOnnxCnn } from './onnx-cnn.ts';

const { onnx } = onnxProto;
export type OnnxModel = InstanceType<typeof onnx.ModelProto>;
export type OnnxNode = onnxProto.onnx.INodeProto;
export type OnnxTensor = onnxProto.onnx.ITensorProto;

export async function readOnnx(file: string): Promise<OnnxModel> {
  const bytes = new Uint8Array(await readInputFile(file, 'ONNX model', 'a readable .onnx file'));
  try {
    return onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw new LutnnError('Not a valid ONNX model.', { file, expected: 'an ONNX ModelProto', found: (err as Error).message });
  }
}

const DTYPE = { FLOAT: 1, UINT8: 2, INT8: 3, INT16: 5, INT32: 6, INT64: 7, DOUBLE: 11 } as const;

/** Tensor values as float64 (float, double and integer tensors; raw_data or typed fields). */
export function tensorValues(t: OnnxTensor, file: string): { shape: number[]; data: Float64Array } {
  const shape = (t.dims ?? []).map((d) => Number(d));
  const count = shape.reduce((a, b) => a * b, 1);
  const raw = t.rawData && t.rawData.length > 0 ? Buffer.from(t.rawData) : null;
  const data = new Float64Array(count);
  const type = t.dataType ?? 0;
  const read: Record<number, [number, (b: Buffer, o: number) => number]> = {
    [DTYPE.FLOAT]: [4, (b, o) => b.readFloatLE(o)],
    [DTYPE.DOUBLE]: [8, (b, o) => b.readDoubleLE(o)],
    [DTYPE.INT8]: [1, (b, o) => b.readInt8(o)],
    [DTYPE.UINT8]: [1, (b, o) => b.readUInt8(o)],
    [DTYPE.INT16]: [2, (b, o) => b.readInt16LE(o)],
    [DTYPE.INT32]: [4, (b, o) => b.readInt32LE(o)],
    [DTYPE.INT64]: [8, (b, o) => Number(b.readBigInt64LE(o))],
  };
  const reader = read[type];
  if (!reader) throw new LutnnError(`Unsupported ONNX tensor type ${type}.`, { file, field: `initializer "${t.name}"`, expected: 'FLOAT, DOUBLE or an integer type', found: `data_type ${type}` });
  if (raw) {
    if (raw.length !== count * reader[0]) {
      throw new LutnnError('ONNX tensor data has the wrong size.', { file, field: `initializer "${t.name}"`, expected: `${count * reader[0]} bytes for shape [${shape.join(', ')}]`, found: `${raw.length} bytes` });
    }
    for (let i = 0; i < count; i++) data[i] = reader[1](raw, i * reader[0]);
  } else {
    const src: ArrayLike<unknown> =
      type === DTYPE.FLOAT ? t.floatData ?? [] : type === DTYPE.DOUBLE ? t.doubleData ?? [] : type === DTYPE.INT64 ? t.int64Data ?? [] : t.int32Data ?? [];
    if (src.length !== count) {
      throw new LutnnError('ONNX tensor data has the wrong size.', { file, field: `initializer "${t.name}"`, expected: `${count} values`, found: `${src.length}` });
    }
    for (let i = 0; i < count; i++) data[i] = Number(src[i]);
  }
  return { shape, data };
}

const ATTRIBUTE_TYPE = { FLOAT: 1, INT: 2, STRING: 3 } as const;

/**
 * An attribute's value by its declared type. protobufjs fills unset scalar fields with 0, so the
 * type (not the presence of a field) says which one holds the value.
 */
export function attribute(node: OnnxNode, name: string): number | string | undefined {
  const a = (node.attribute ?? []).find((x) => x.name === name);
  if (!a) return undefined;
  if (a.type === ATTRIBUTE_TYPE.FLOAT) return a.f ?? 0;
  if (a.type === ATTRIBUTE_TYPE.INT) return Number(a.i ?? 0);
  if (a.type === ATTRIBUTE_TYPE.STRING) return a.s ? Buffer.from(a.s).toString() : '';
  return undefined;
}

export function initializers(model: OnnxModel, file: string): Map<string, { shape: number[]; data: Float64Array }> {
  const out = new Map<string, { shape: number[]; data: Float64Array }>();
  for (const t of model.graph?.initializer ?? []) out.set(t.name ?? '', tensorValues(t, file));
  return out;
}

export function nodeLabel(node: OnnxNode, index: number): string {
  return `node ${index}${node.name ? ` "${node.name}"` : ''} (${node.domain ? `${node.domain}::` : ''}${node.opType})`;
}

/**
 * A Gemm or MatMul node's D inputs and M outputs from its 2-D weight: Gemm with transB = 1 holds
 * it (M, D), otherwise (D, M); alpha, beta and transA must be neutral.
 */
export function gemmShape(node: OnnxNode, i: number, shape: number[], file: string): { D: number; M: number; transB: boolean } {
  const transB = node.opType === 'Gemm' && (attribute(node, 'transB') ?? 0) === 1;
  for (const a of ['alpha', 'beta', 'transA'] as const) {
    const v = attribute(node, a);
    const neutral = a === 'transA' ? 0 : 1;
    if (v !== undefined && v !== neutral) throw new LutnnError(`Gemm attribute ${a} is not supported.`, { file, field: nodeLabel(node, i), expected: `${a} = ${neutral}`, found: String(v) });
  }
  const [D, M] = transB ? [shape[1], shape[0]] : shape;
  return { D, M, transB };
}

/** A dense model from an ONNX graph: a CNN when it has a Conv (onnx-cnn.ts), else an MLP of Gemm / MatMul+Add / Relu (Flatten and Identity pass through). */
export async function loadOnnxDense(file: string): Promise<DenseModel> {
  const model = await readOnnx(file);
  if (isOnnxCnn(model)) return loadOnnxCnn(model, file);
  return loadOnnxMlp(model, file);
}

function loadOnnxMlp(model: OnnxModel, file: string): DenseMlp {
  const inits = initializers(model, file);
  const nodes = model.graph?.node ?? [];
  const layers: DenseLayer[] = [];
  const weightOf = (name: string, node: OnnxNode, i: number) => {
    const w = inits.get(name);
    if (!w) throw new LutnnError('A weight is not a constant initializer.', { file, field: nodeLabel(node, i), expected: `initializer "${name}"`, found: 'a computed tensor' });
    requireFiniteTensor(w.data, name, file);
    return w;
  };
  for (const [i, node] of nodes.entries()) {
    const op = node.opType ?? '';
    const inputs = node.input ?? [];
    if ((op === 'Flatten' || op === 'Identity') && layers.length === 0) continue;
    if (op === 'Gemm' || op === 'MatMul') {
      const w = weightOf(inputs[1], node, i);
      if (w.shape.length !== 2) throw new LutnnError('A weight is not 2-D.', { file, field: nodeLabel(node, i), expected: '2-D weight', found: `shape [${w.shape.join(', ')}]` });
      const { D, M, transB } = gemmShape(node, i, w.shape, file);
      const weight = new Float64Array(D * M);
      for (let d = 0; d < D; d++) for (let m = 0; m < M; m++) weight[d * M + m] = transB ? w.data[m * D + d] : w.data[d * M + m];
      const bias = op === 'Gemm' && inputs[2] ? Float64Array.from(weightOf(inputs[2], node, i).data) : new Float64Array(M);
      if (bias.length !== M) {
        throw new LutnnError('A Gemm bias does not have one value per output.', { file, field: nodeLabel(node, i), expected: `${M} values`, found: `${bias.length}` });
      }
      layers.push({ name: uniqueName(safeName(node.name || `fc${layers.length + 1}`, 'fc'), layers), inFeatures: D, outFeatures: M, weight, bias, activation: 'none' });
      continue;
    }
    const last = layers[layers.length - 1];
    if (op === 'Add' && last && last.activation === 'none') {
      const b = inits.get(inputs[1]) ?? inits.get(inputs[0]);
      if (b && b.data.length === last.outFeatures) {
        for (let m = 0; m < last.outFeatures; m++) last.bias[m] += b.data[m];
        continue;
      }
    }
    if (op === 'Relu' && last) {
      last.activation = 'relu';
      continue;
    }
    throw new LutnnError(`Unsupported ONNX operator ${op}.`, {
      file,
      field: nodeLabel(node, i),
      expected: 'Gemm, MatMul, Add (bias), Relu, or a leading Flatten/Identity',
      found: op,
    });
  }
  if (layers.length === 0) throw new LutnnError('The ONNX graph has no dense layers.', { file, expected: 'Gemm or MatMul nodes', found: `${nodes.length} nodes` });
  return { source: file, layers };
}
