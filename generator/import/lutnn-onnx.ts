/**
 * LUT-NN's ONNX export (blink-mm `transforms/export/handlers.py`): `com.microsoft::DPQLinear` nodes
 * with inputs (input, bias, centroids f32 (C, K, V), lut int8 (C, K, M), s 0-d f32) and no
 * attributes, `Relu` between them. torch.onnx writes the tensors as `Constant` nodes (the real
 * export has no initializers); initializers are accepted too. `Identity`, `Flatten` (axis 1) and a
 * `Reshape` to (batch, features) pass the stream through unchanged. Convolutions (`DPQConv2d`,
 * `DPQQuantConv2d`) are refused by name; any other operator is refused with the node named.
 * Decoding uses onnx-proto (protobufjs).
 */
import { LutnnError } from '../errors.ts';
import { attribute, initializers, nodeLabel, readOnnx, tensorValues, type OnnxNode } from '../convert/onnx.ts';
import { checkIntTable, type ImportedLayer, type ImportedModel } from './imported.ts';
import { safeName, uniqueName } from '../util/names.ts';

type Const = { shape: number[]; data: Float64Array };

const CONV_OPS = new Set(['DPQConv2d', 'DPQQuantConv2d', 'Conv']);
const PASS_THROUGH = new Set(['Identity', 'Flatten', 'Reshape']);

/** Values of every Constant node's output (attribute `value`, or the scalar/list forms). */
function constantNodes(nodes: OnnxNode[], file: string): Map<string, Const> {
  const out = new Map<string, Const>();
  for (const [i, n] of nodes.entries()) {
    if (n.opType !== 'Constant' || !n.output?.[0]) continue;
    const a = n.attribute?.[0];
    if (a?.t) out.set(n.output[0], tensorValues({ ...a.t, name: a.t.name || n.name || n.output[0] }, file));
    else if (a?.name === 'value_float') out.set(n.output[0], { shape: [], data: Float64Array.of(a.f ?? 0) });
    else if (a?.name === 'value_int') out.set(n.output[0], { shape: [], data: Float64Array.of(Number(a.i ?? 0)) });
    else if (a?.name === 'value_floats') out.set(n.output[0], { shape: [a.floats?.length ?? 0], data: Float64Array.from(a.floats ?? []) });
    else if (a?.name === 'value_ints') out.set(n.output[0], { shape: [a.ints?.length ?? 0], data: Float64Array.from(a.ints ?? [], Number) });
    else throw new LutnnError('Unsupported Constant node.', { file, field: nodeLabel(n, i), expected: 'a value, value_float(s) or value_int(s) attribute', found: a?.name ?? 'no attribute' });
  }
  return out;
}

/** `/fc1/DPQLinear` → `fc1`: the module path torch.onnx puts in node names. */
function layerNameOf(node: OnnxNode, index: number): string {
  const parts = (node.name ?? '').split('/').filter((p) => p !== '');
  if (parts.length > 1 && parts[parts.length - 1].startsWith(node.opType ?? '\0')) parts.pop();
  return safeName(parts.join('_') || `dpq${index}`, 'dpq');
}

export async function importLutnnOnnx(file: string): Promise<ImportedModel> {
  const model = await readOnnx(file);
  const nodes = model.graph?.node ?? [];
  const consts = new Map([...initializers(model, file), ...constantNodes(nodes, file)]);
  const layers: ImportedLayer[] = [];
  /** The tensor carrying the activations (graph input, then each layer's output). */
  let stream: string | undefined;
  for (const [i, node] of nodes.entries()) {
    const op = node.opType ?? '';
    const qualified = `${node.domain ? `${node.domain}::` : ''}${op}`;
    const inputs = node.input ?? [];
    if (op === 'Constant') continue;
    if (CONV_OPS.has(op)) {
      throw new LutnnError(`${qualified} is a convolution: LUT-NN convolutions from ONNX are not supported yet.`, { file, field: nodeLabel(node, i), expected: 'com.microsoft::DPQLinear (linear LUT-NN layers); a convolution imports from its state dict with --from lutnn-state --topology', found: qualified });
    }
    const data = inputs[0] ?? '';
    if (stream !== undefined && data !== stream) {
      throw new LutnnError('The ONNX graph is not a chain of layers.', { file, field: nodeLabel(node, i), expected: `input "${stream}" (the previous node's output)`, found: `input "${data}"` });
    }
    if (op === 'DPQLinear') {
      const get = (idx: number, what: string) => {
        const t = consts.get(inputs[idx] ?? '');
        if (!t) throw new LutnnError(`DPQLinear input ${idx} (${what}) is not a constant.`, { file, field: nodeLabel(node, i), expected: `a Constant node or initializer for ${what}`, found: inputs[idx] ? `computed tensor "${inputs[idx]}"` : 'no input' });
        return t;
      };
      const cent = get(2, 'centroids');
      const lut = get(3, 'lut');
      const s = get(4, 's');
      if (cent.shape.length !== 3 || lut.shape.length !== 3 || lut.shape[0] !== cent.shape[0] || lut.shape[1] !== cent.shape[1]) {
        throw new LutnnError('DPQLinear centroids and lut shapes do not agree.', { file, field: nodeLabel(node, i), expected: 'centroids (C, K, V) and lut (C, K, M)', found: `centroids [${cent.shape.join(', ')}], lut [${lut.shape.join(', ')}]` });
      }
      if (s.data.length !== 1) throw new LutnnError('DPQLinear s is not a scalar.', { file, field: nodeLabel(node, i), expected: 'one table scale', found: `shape [${s.shape.join(', ')}]` });
      const [C, K, V] = cent.shape;
      const M = lut.shape[2];
      const bias = inputs[1] ? get(1, 'bias').data : new Float64Array(M);
      if (bias.length !== M) throw new LutnnError('DPQLinear bias does not have one value per output.', { file, field: nodeLabel(node, i), expected: `${M} values`, found: `${bias.length}` });
      for (const [what, t] of [['centroids', cent.data], ['bias', bias]] as const) {
        const bad = t.findIndex((v) => !Number.isFinite(v));
        if (bad >= 0) throw new LutnnError(`DPQLinear ${what} holds a non-finite value.`, { file, field: nodeLabel(node, i), expected: 'finite numbers only', found: `${t[bad]} at flat index ${bad}` });
      }
      const prev = layers[layers.length - 1];
      if (prev && prev.M !== C * V) {
        throw new LutnnError('DPQLinear input width does not match the previous layer.', { file, field: nodeLabel(node, i), expected: `C·V = ${prev.M} (the outputs of "${prev.name}")`, found: `C·V = ${C}·${V} = ${C * V}` });
      }
      const table = checkIntTable(lut.data, s.data[0], { file, field: `${nodeLabel(node, i)} lut and s` });
      layers.push({
        name: uniqueName(layerNameOf(node, layers.length), layers),
        C, K, V, M,
        centroids: cent.data,
        table: { kind: 'int', lut: table.lut, scale: s.data[0], bits: table.bits },
        bias,
        activation: 'none',
      });
    } else if (op === 'Relu' && layers.length > 0) {
      layers[layers.length - 1].activation = 'relu';
    } else if (PASS_THROUGH.has(op)) {
      checkPassThrough(node, i, consts, layers[layers.length - 1], file);
    } else {
      throw new LutnnError(`Unsupported operator ${qualified} in a LUT-NN ONNX graph.`, {
        file,
        field: nodeLabel(node, i),
        expected: 'com.microsoft::DPQLinear, Relu, Identity, Flatten or Reshape',
        found: qualified,
      });
    }
    stream = node.output?.[0];
  }
  if (layers.length === 0) throw new LutnnError('No DPQLinear nodes in the ONNX graph.', { file, expected: 'com.microsoft::DPQLinear nodes', found: 'none' });
  return { source: file, label: file, layers };
}

/** Identity, Flatten(axis 1) and Reshape to (batch, features) leave a (batch, features) stream as it is. */
function checkPassThrough(node: OnnxNode, i: number, consts: Map<string, Const>, prev: ImportedLayer | undefined, file: string): void {
  if (node.opType === 'Flatten') {
    const axis = attribute(node, 'axis') ?? 1;
    if (axis !== 1) throw new LutnnError('Flatten must keep the batch axis.', { file, field: nodeLabel(node, i), expected: 'axis = 1', found: `axis = ${axis}` });
  }
  if (node.opType === 'Reshape') {
    const shape = consts.get(node.input?.[1] ?? '');
    const dims = shape ? Array.from(shape.data) : null;
    // [-1, F], [N, -1] and [0, -1] keep one row per vector; F must be the stream's width when known.
    const ok = dims !== null && dims.length === 2 && (dims[1] === -1 ? dims[0] !== -1 : prev === undefined || dims[1] === prev.M);
    if (!ok) {
      throw new LutnnError('Reshape must give (batch, features).', { file, field: nodeLabel(node, i), expected: `a constant shape [-1, ${prev?.M ?? 'features'}] or [N, -1]`, found: dims ? `[${dims.join(', ')}]` : 'a computed shape' });
    }
  }
}
