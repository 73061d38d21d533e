/**
 * LUT-NN's ONNX export: `com.microsoft::DPQLinear` nodes with inputs (input, bias, centroids fp32
 * (C, K, V), lut int8 (C, K, M), s), chained through optional Relu nodes. Anything else is refused
 * with the node named. Decoding uses onnx-proto (protobufjs).
 */
import { LutnnError } from '../errors.ts';
import { initializers, nodeLabel, readOnnx } from '../convert/onnx.ts';
import { checkIntTable, type ImportedLayer, type ImportedModel } from './imported.ts';
import { safeName, uniqueName } from '../util/names.ts';

export async function importLutnnOnnx(file: string): Promise<ImportedModel> {
  const model = await readOnnx(file);
  const inits = initializers(model, file);
  const layers: ImportedLayer[] = [];
  for (const [i, node] of (model.graph?.node ?? []).entries()) {
    const op = node.opType ?? '';
    if (op === 'DPQLinear') {
      const inputs = node.input ?? [];
      const get = (idx: number, what: string) => {
        const t = inits.get(inputs[idx] ?? '');
        if (!t) throw new LutnnError(`DPQLinear input ${idx} (${what}) is not a constant initializer.`, { file, field: nodeLabel(node, i), expected: `initializer for ${what}`, found: inputs[idx] ? `"${inputs[idx]}"` : 'no input' });
        return t;
      };
      const cent = get(2, 'centroids');
      const lut = get(3, 'lut');
      const s = get(4, 's');
      if (cent.shape.length !== 3 || lut.shape.length !== 3 || lut.shape[0] !== cent.shape[0] || lut.shape[1] !== cent.shape[1]) {
        throw new LutnnError('DPQLinear centroids and lut shapes do not agree.', { file, field: nodeLabel(node, i), expected: 'centroids (C, K, V) and lut (C, K, M)', found: `centroids [${cent.shape.join(', ')}], lut [${lut.shape.join(', ')}]` });
      }
      const [C, K, V] = cent.shape;
      const M = lut.shape[2];
      const bias = inputs[1] ? get(1, 'bias').data : new Float64Array(M);
      if (bias.length !== M) throw new LutnnError('DPQLinear bias does not have one value per output.', { file, field: nodeLabel(node, i), expected: `${M} values`, found: `${bias.length}` });
      const table = checkIntTable(lut.data, s.data[0] ?? NaN, { file, field: `${nodeLabel(node, i)} lut and s` });
      layers.push({
        name: uniqueName(safeName(node.name || `dpq${layers.length}`, 'dpq'), layers),
        C, K, V, M,
        centroids: cent.data,
        table: { kind: 'int', lut: table.lut, scale: s.data[0], bits: table.bits },
        bias,
        activation: 'none',
      });
      continue;
    }
    if (op === 'Relu' && layers.length > 0) {
      layers[layers.length - 1].activation = 'relu';
      continue;
    }
    throw new LutnnError(`Unsupported operator ${node.domain ? `${node.domain}::` : ''}${op} in a LUT-NN ONNX graph.`, {
      file,
      field: nodeLabel(node, i),
      expected: 'com.microsoft::DPQLinear or Relu',
      found: `${node.domain ? `${node.domain}::` : ''}${op}`,
    });
  }
  if (layers.length === 0) throw new LutnnError('No DPQLinear nodes in the ONNX graph.', { file, expected: 'com.microsoft::DPQLinear nodes', found: 'none' });
  return { source: file, layers };
}
