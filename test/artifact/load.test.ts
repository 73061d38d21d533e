import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LutnnError } from '../../generator/errors.ts';
import { jsonSyntaxErrorOffset, loadArtifact } from '../../generator/artifact/load.ts';
import { writeArtifact } from '../../generator/artifact/write.ts';
import type { TensorInput } from '../../generator/artifact/safetensors.ts';
import type { LutLinearLayer } from '../../generator/artifact/types.ts';

// Small layer: C=2 codebooks, K=4 centroids, V=3 sub-vector length, M=5 outputs, D=6.
const C = 2, K = 4, V = 3, M = 5;

/** Manifests in tests are deliberately loose so they can be broken in any way. */
type Json = Record<string, any>;

/** Deterministic, distinct values so a decoding mix-up would show. */
function ramp(n: number, scale: number, offset = 0): number[] {
  return Array.from({ length: n }, (_, i) => (i - offset) * scale);
}

function baseLayer(): Json {
  return {
    name: 'fc1',
    kind: 'lut_linear',
    in_features: C * V,
    out_features: M,
    num_codebooks: C,
    num_centroids: K,
    subvector_len: V,
    input: { scale: 0.03125 },
    output: { bits: 10, scale: 0.0625 },
    tensors: { centroids: 'fc1.centroids', lut: 'fc1.lut', bias: 'fc1.bias' },
  };
}

function baseManifest(layer: Json = baseLayer()): Json {
  return { format: 'lutnn-artifact', format_version: 1, name: 'tiny', tensors: 'model.safetensors', layers: [layer] };
}

function baseTensors(): TensorInput[] {
  return [
    { name: 'fc1.centroids', dtype: 'F32', shape: [C, K, V], data: ramp(C * K * V, 0.25, 12) },
    { name: 'fc1.lut', dtype: 'F32', shape: [C, K, M], data: ramp(C * K * M, 0.5, 20) },
    { name: 'fc1.bias', dtype: 'F16', shape: [M], data: [0.5, -1, 2, 0, 0.25] },
  ];
}

function replaceTensor(tensors: TensorInput[], replacement: TensorInput): TensorInput[] {
  return tensors.map((t) => (t.name === replacement.name ? replacement : t));
}

describe('loadArtifact', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lutnn-art-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Expects loading to fail with a LutnnError whose message contains every fragment. */
  async function expectLoadError(manifestPath: string, ...fragments: string[]): Promise<LutnnError> {
    const err = await loadArtifact(manifestPath).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(LutnnError);
    for (const f of fragments) expect((err as LutnnError).message).toContain(f);
    return err as LutnnError;
  }

  describe('valid artifacts', () => {
    it('loads a float-LUT layer, applying defaults', async () => {
      const manifestPath = await writeArtifact(dir, baseManifest(), baseTensors());
      const art = await loadArtifact(manifestPath);
      expect(art.name).toBe('tiny');
      expect(art.manifestPath).toBe(manifestPath);
      expect(art.tensorsPath).toBe(path.join(dir, 'model.safetensors'));
      expect(art.layers).toHaveLength(1);
      const l = art.layers[0] as LutLinearLayer;
      expect(l).toMatchObject({
        kind: 'lut_linear', name: 'fc1', inFeatures: 6, outFeatures: 5, numCodebooks: 2, numCentroids: 4, subvectorLen: 3,
        metric: 'l2', encoder: { kind: 'ccs' }, activation: 'none', tableBits: 8,
        input: { bits: 8, scale: 0.03125 }, output: { bits: 10, scale: 0.0625 },
      });
      expect(l.table.kind).toBe('float');
      if (l.table.kind !== 'float') throw new Error('unreachable');
      expect(Array.from(l.table.lut.data)).toEqual(ramp(C * K * M, 0.5, 20));
      expect(Array.from(l.centroids!.data)).toEqual(ramp(C * K * V, 0.25, 12));
      expect(Array.from(l.bias!.data)).toEqual([0.5, -1, 2, 0, 0.25]);
    });

    it('computes sha256 over manifest bytes then tensor bytes', async () => {
      const manifestPath = await writeArtifact(dir, baseManifest(), baseTensors());
      const art = await loadArtifact(manifestPath);
      const expected = createHash('sha256')
        .update(await readFile(manifestPath))
        .update(await readFile(art.tensorsPath))
        .digest('hex');
      expect(art.sha256).toBe(expected);
    });

    it('accepts a relative manifest path and a tensor file in a sub-folder', async () => {
      const manifest = { ...baseManifest(), tensors: 'weights/./model.safetensors' };
      await mkdir(path.join(dir, 'weights'));
      await writeArtifact(dir, manifest, baseTensors());
      const relative = path.relative(process.cwd(), path.join(dir, 'model.json'));
      const art = await loadArtifact(relative);
      expect(art.manifestPath).toBe(path.join(dir, 'model.json'));
      expect(art.tensorsPath).toBe(path.join(dir, 'weights', 'model.safetensors'));
    });

    it('loads an integer LUT with its scale, integer centroids and explicit options', async () => {
      const layer = {
        ...baseLayer(),
        metric: 'chebyshev',
        activation: 'relu',
        input: { bits: 6, scale: 0.5 },
        table: { bits: 6, scale: 0.01 },
        tensors: { centroids: 'fc1.centroids', lut: 'fc1.lut' },
      };
      const tensors: TensorInput[] = [
        { name: 'fc1.centroids', dtype: 'I8', shape: [C, K, V], data: ramp(C * K * V, 1, 12).map((x) => x + (x < 0 ? -20 : 8)) },
        { name: 'fc1.lut', dtype: 'I16', shape: [C, K, M], data: ramp(C * K * M, 1, 20).map((x) => Math.max(-32, Math.min(31, x * 2))) },
      ];
      const art = await loadArtifact(await writeArtifact(dir, baseManifest(layer), tensors));
      const l = art.layers[0] as LutLinearLayer;
      expect(l).toMatchObject({ metric: 'chebyshev', activation: 'relu', tableBits: 6, input: { bits: 6, scale: 0.5 } });
      expect(l.table).toMatchObject({ kind: 'int', scale: 0.01 });
      expect(l.bias).toBeUndefined();
      expect(l.centroids!.data).toBeInstanceOf(Int32Array);
    });

    it('loads a LUT-NN weight source', async () => {
      const layer = { ...baseLayer(), tensors: { centroids: 'fc1.centroids', weight: 'fc1.weight' } };
      const tensors: TensorInput[] = [
        baseTensors()[0],
        { name: 'fc1.weight', dtype: 'F32', shape: [C, V, M], data: ramp(C * V * M, 0.125, 7) },
        { name: 'unused.temperature', dtype: 'F32', shape: [], data: [NaN] },
      ];
      const art = await loadArtifact(await writeArtifact(dir, baseManifest(layer), tensors));
      const table = (art.layers[0] as LutLinearLayer).table;
      expect(table.kind).toBe('weight');
      if (table.kind !== 'weight') throw new Error('unreachable');
      expect(table.weight.shape).toEqual([C, V, M]);
    });

    it('loads several layers in order', async () => {
      const second = { ...baseLayer(), name: 'fc2', in_features: 6 };
      const manifest = { ...baseManifest(), layers: [baseLayer(), second] };
      const art = await loadArtifact(await writeArtifact(dir, manifest, baseTensors()));
      expect(art.layers.map((l) => l.name)).toEqual(['fc1', 'fc2']);
    });
  });

  describe('file problems', () => {
    it('missing manifest', async () => {
      await expectLoadError(path.join(dir, 'missing.json'), 'not found', 'missing.json');
    });

    it('manifest that is a directory', async () => {
      await expectLoadError(dir, 'cannot be read', 'a directory');
    });

    it('bad JSON, with the position of the parse error', async () => {
      const file = path.join(dir, 'model.json');
      await writeFile(file, '{\n  "format": "lutnn-artifact",\n  "layers": [,]\n}\n');
      const err = await expectLoadError(file, 'not valid JSON', 'model.json', 'line 3');
      expect(err.location.file).toBe(file);
    });

    it('empty manifest', async () => {
      const file = path.join(dir, 'model.json');
      await writeFile(file, '  \n');
      await expectLoadError(file, 'empty', 'model.json');
    });

    it('missing tensor file', async () => {
      const file = path.join(dir, 'model.json');
      await writeFile(file, JSON.stringify(baseManifest()));
      await expectLoadError(file, 'not found', 'model.safetensors');
    });

    it('truncated tensor file', async () => {
      const manifestPath = await writeArtifact(dir, baseManifest(), baseTensors());
      const st = path.join(dir, 'model.safetensors');
      const bytes = await readFile(st);
      await writeFile(st, bytes.subarray(0, bytes.length - 4));
      await expectLoadError(manifestPath, 'truncated', 'model.safetensors', 'tensor "fc1.bias"');
    });

    it('unknown dtype in the tensor file', async () => {
      const manifestPath = await writeArtifact(dir, baseManifest(), baseTensors());
      const st = path.join(dir, 'model.safetensors');
      const bytes = Buffer.from(await readFile(st));
      const n = Number(bytes.readBigUInt64LE(0));
      const header = bytes.subarray(8, 8 + n).toString('utf8').replace('"dtype":"F16"', '"dtype":"U16"');
      bytes.write(header, 8, 'utf8');
      await writeFile(st, bytes);
      await expectLoadError(manifestPath, 'Unsupported safetensors dtype "U16"', 'model.safetensors', 'tensor "fc1.bias"', 'F32, F16, I8, I16, I32');
    });

    for (const tensors of ['../model.safetensors', '/tmp/model.safetensors', 'a/../../model.safetensors', 'C:\\x.safetensors', '..\\x.safetensors', '.', 'sub/']) {
      it(`tensors path escaping the folder: ${tensors}`, async () => {
        const inner = path.join(dir, 'inner');
        await mkdir(inner);
        // The escaping target exists, so the refusal can only come from the path rule.
        await writeFile(path.join(dir, 'model.safetensors'), Buffer.alloc(16));
        const file = path.join(inner, 'model.json');
        await writeFile(file, JSON.stringify({ ...baseManifest(), tensors }));
        await expectLoadError(file, 'model.json', 'tensors', "relative to the manifest's folder", JSON.stringify(tensors));
      });
    }
  });

  describe('manifest schema', () => {
    async function loadManifest(manifest: Json, tensors = baseTensors()): Promise<string> {
      return writeArtifact(dir, manifest, tensors);
    }

    it('wrong format', async () => {
      await expectLoadError(await loadManifest({ ...baseManifest(), format: 'onnx' }), 'model.json', 'format', '"lutnn-artifact"', '"onnx"');
    });

    it('unsupported format version names the supported one', async () => {
      const err = await expectLoadError(await loadManifest({ ...baseManifest(), format_version: 2 }), 'Unsupported artifact format version 2', 'model.json', 'format_version');
      expect(err.location.expected).toContain('1');
    });

    it('unknown top-level field', async () => {
      await expectLoadError(await loadManifest({ ...baseManifest(), layer: [] }), 'Unknown field "layer"', 'model.json', 'known fields', 'layers');
    });

    it('unknown layer field (typo)', async () => {
      const layer = { ...baseLayer(), out_feature: 5 };
      await expectLoadError(await loadManifest(baseManifest(layer)), 'Unknown field "out_feature"', 'layers[0].out_feature', 'model.json');
    });

    it('unknown nested field', async () => {
      const layer = { ...baseLayer(), input: { scale: 1, bit: 8 } };
      await expectLoadError(await loadManifest(baseManifest(layer)), 'layers[0].input.bit', 'model.json');
    });

    it('missing required field', async () => {
      const { out_features: _dropped, ...layer } = baseLayer();
      await expectLoadError(await loadManifest(baseManifest(layer)), 'Missing required field layers[0].out_features', 'model.json');
    });

    it('bits out of range, showing the value found', async () => {
      const layer = { ...baseLayer(), input: { bits: 17, scale: 1 } };
      await expectLoadError(await loadManifest(baseManifest(layer)), 'layers[0].input.bits', 'from 2 to 16', 'found:    17', 'model.json');
    });

    it('non-positive scale', async () => {
      const layer = { ...baseLayer(), output: { scale: 0 } };
      await expectLoadError(await loadManifest(baseManifest(layer)), 'layers[0].output.scale', 'from 1e-30 to 1e+30', 'model.json');
    });

    it('absurd scale (1e300: every centroid and input would quantize to 0)', async () => {
      const layer = { ...baseLayer(), input: { bits: 8, scale: 1e300 } };
      await expectLoadError(await loadManifest(baseManifest(layer)), 'layers[0].input.scale', 'from 1e-30 to 1e+30', 'found:    1e+300', 'model.json');
    });

    it('infinite scale (1e999 parses as Infinity)', async () => {
      const file = path.join(dir, 'model.json');
      const manifestPath = await loadManifest(baseManifest());
      const text = (await readFile(file, 'utf8')).replace('"scale": 0.03125', '"scale": 1e999');
      await writeFile(file, text);
      await expectLoadError(manifestPath, 'layers[0].input.scale', 'finite', 'Infinity');
    });

    it('K out of range', async () => {
      const layer = { ...baseLayer(), num_centroids: 1 };
      await expectLoadError(await loadManifest(baseManifest(layer)), 'layers[0].num_centroids', 'from 2 to 256');
    });

    it('unknown layer kind lists the known kinds', async () => {
      const layer = { ...baseLayer(), kind: 'conv' };
      await expectLoadError(await loadManifest(baseManifest(layer)), 'Unknown layer kind "conv"', 'layers[0].kind', '"lut_linear"', 'model.json');
    });

    it('an explicit ccs encoder is the default one', async () => {
      const art = await loadArtifact(await loadManifest(baseManifest({ ...baseLayer(), encoder: { kind: 'ccs' } })));
      expect((art.layers[0] as LutLinearLayer).encoder).toEqual({ kind: 'ccs' });
    });

    it('a hash_tree encoder needs its tree tensors, named by field', async () => {
      const layer = { ...baseLayer(), encoder: { kind: 'hash_tree', depth: 2 } };
      await expectLoadError(await loadManifest(baseManifest(layer)), 'a hash-tree encoder needs tensors.split_dims', 'layers[0].tensors.split_dims', 'model.json');
    });

    it('unknown encoder kind lists the known encoders', async () => {
      const layer = { ...baseLayer(), encoder: { kind: 'pq_tree' } };
      await expectLoadError(await loadManifest(baseManifest(layer)), 'Unknown encoder kind "pq_tree"', 'layers[0].encoder.kind', 'known encoder kinds: "ccs", "hash_tree"');
    });

    it('an encoder field the encoder does not have', async () => {
      const layer = { ...baseLayer(), encoder: { kind: 'ccs', depth: 3 } };
      await expectLoadError(await loadManifest(baseManifest(layer)), 'layers[0].encoder.depth', 'only the known fields: kind');
    });

    it('unknown metric', async () => {
      const layer = { ...baseLayer(), metric: 'cosine' };
      await expectLoadError(await loadManifest(baseManifest(layer)), 'layers[0].metric', '"l2", "l1", "chebyshev"', '"cosine"');
    });

    it('manifest that is not an object', async () => {
      const file = path.join(dir, 'model.json');
      await writeFile(file, '[1, 2]');
      await expectLoadError(file, 'not a JSON object', 'model.json');
    });

    it('wrong type for an enum field', async () => {
      const layer = { ...baseLayer(), activation: true };
      await expectLoadError(await loadManifest(baseManifest(layer)), 'layers[0].activation', 'one of "none", "relu"', 'found:    true');
    });

    it('no layers', async () => {
      await expectLoadError(await loadManifest({ ...baseManifest(), layers: [] }), 'layers', 'at least one layer');
    });

    for (const name of ['../x', 'a;b', '', 'a b', '1abc', 'x'.repeat(65), '`rm`']) {
      it(`hostile layer name ${JSON.stringify(name)}`, async () => {
        const layer = { ...baseLayer(), name };
        await expectLoadError(await loadManifest(baseManifest(layer)), 'layers[0].name', 'identifier', JSON.stringify(name).slice(0, 20), 'model.json');
      });
    }

    it('hostile model name', async () => {
      await expectLoadError(await loadManifest({ ...baseManifest(), name: 'top/../../etc' }), 'field:    name', 'identifier');
    });

    it('duplicate layer names', async () => {
      const manifest = { ...baseManifest(), layers: [baseLayer(), baseLayer()] };
      await expectLoadError(await loadManifest(manifest), 'layers[1].name', 'layers[0] is also named "fc1"');
    });

    it('both lut and weight', async () => {
      const layer = { ...baseLayer(), tensors: { centroids: 'fc1.centroids', lut: 'fc1.lut', weight: 'fc1.w' } };
      await expectLoadError(await loadManifest(baseManifest(layer)), 'layers[0].tensors', 'exactly one table source', 'lut, weight');
    });

    it('neither lut nor weight', async () => {
      const layer = { ...baseLayer(), tensors: { centroids: 'fc1.centroids' } };
      await expectLoadError(await loadManifest(baseManifest(layer)), 'layers[0].tensors', 'exactly one table source');
    });

    it('reports the first problem and counts the rest', async () => {
      const layer = { ...baseLayer(), input: { bits: 1, scale: -1 } };
      await expectLoadError(await loadManifest(baseManifest(layer)), 'layers[0].input.bits', '1 more problem');
    });
  });

  it('loads the example manifest of docs/artifact-format.md', async () => {
    const doc = await readFile(new URL('../../docs/artifact-format.md', import.meta.url), 'utf8');
    const manifest = JSON.parse(/```json\n([\s\S]*?)```/.exec(doc)![1]);
    const tensors: TensorInput[] = [
      { name: 'fc1.centroids', dtype: 'F32', shape: [16, 16, 4], data: ramp(16 * 16 * 4, 0.01, 512) },
      { name: 'fc1.lut', dtype: 'F32', shape: [16, 16, 32], data: ramp(16 * 16 * 32, 0.001, 4096) },
      { name: 'fc1.bias', dtype: 'F32', shape: [32], data: ramp(32, 0.5, 16) },
    ];
    const art = await loadArtifact(await writeArtifact(dir, manifest, tensors));
    expect(art.name).toBe('example_64x32');
    expect(art.layers[0]).toMatchObject({ inFeatures: 64, outFeatures: 32, numCodebooks: 16, numCentroids: 16, subvectorLen: 4 });
  });

  describe('cross-validation against the tensors', () => {
    it('D != C*V', async () => {
      const layer = { ...baseLayer(), in_features: 7 };
      await expectLoadError(await writeArtifact(dir, baseManifest(layer), baseTensors()), 'layers[0].in_features', '2 * 3 = 6', 'found:    7', 'model.json');
    });

    it('referenced tensor missing lists what the file has', async () => {
      const layer = { ...baseLayer(), tensors: { centroids: 'fc1.centroids', lut: 'fc1.table' } };
      await expectLoadError(await writeArtifact(dir, baseManifest(layer), baseTensors()), 'layers[0].tensors.lut', '"fc1.table"', '"fc1.lut"', 'model.safetensors');
    });

    it('wrong shape', async () => {
      const tensors = replaceTensor(baseTensors(), { name: 'fc1.lut', dtype: 'F32', shape: [C, M, K], data: ramp(C * K * M, 1) });
      await expectLoadError(await writeArtifact(dir, baseManifest(), tensors), 'tensor "fc1.lut"', '(C, K, M) = [2, 4, 5]', '[2, 5, 4]', 'model.safetensors');
    });

    it('wrong bias shape', async () => {
      const tensors = replaceTensor(baseTensors(), { name: 'fc1.bias', dtype: 'F32', shape: [1, M], data: ramp(M, 1) });
      await expectLoadError(await writeArtifact(dir, baseManifest(), tensors), 'tensor "fc1.bias"', '(M) = [5]');
    });

    it('NaN in a float tensor, with flat and multi-dimensional index', async () => {
      const data = ramp(C * K * V, 0.25);
      data[17] = NaN; // 17 = (1, 1, 2) in (2, 4, 3)
      const tensors = replaceTensor(baseTensors(), { name: 'fc1.centroids', dtype: 'F32', shape: [C, K, V], data });
      await expectLoadError(await writeArtifact(dir, baseManifest(), tensors), 'tensor "fc1.centroids"', 'NaN at flat index 17, index [1, 1, 2]', 'model.safetensors');
    });

    it('Infinity in an F16 lut', async () => {
      const data = ramp(C * K * M, 0.5);
      data[0] = 1e6; // overflows F16
      const tensors = replaceTensor(baseTensors(), { name: 'fc1.lut', dtype: 'F16', shape: [C, K, M], data });
      await expectLoadError(await writeArtifact(dir, baseManifest(), tensors), 'tensor "fc1.lut"', 'Infinity at flat index 0, index [0, 0, 0]');
    });

    it('int lut out of the table.bits range', async () => {
      const data = new Array(C * K * M).fill(3);
      data[C * K * M - 1] = 128;
      const layer = { ...baseLayer(), table: { scale: 0.5 } };
      const tensors = replaceTensor(baseTensors(), { name: 'fc1.lut', dtype: 'I16', shape: [C, K, M], data });
      await expectLoadError(await writeArtifact(dir, baseManifest(layer), tensors), 'tensor "fc1.lut"', '[-128, 127]', '128 at flat index 39, index [1, 3, 4]', 'model.safetensors');
    });

    it('int lut without table.scale', async () => {
      const tensors = replaceTensor(baseTensors(), { name: 'fc1.lut', dtype: 'I8', shape: [C, K, M], data: new Array(C * K * M).fill(1) });
      await expectLoadError(await writeArtifact(dir, baseManifest(), tensors), 'layers[0].table.scale', 'needs table.scale', 'I8', 'model.json');
    });

    it('float lut with table.scale', async () => {
      const layer = { ...baseLayer(), table: { scale: 0.5 } };
      await expectLoadError(await writeArtifact(dir, baseManifest(layer), baseTensors()), 'layers[0].table.scale', 'float table', 'found:    0.5');
    });

    it('weight source with table.scale', async () => {
      const layer = { ...baseLayer(), table: { scale: 0.5 }, tensors: { centroids: 'fc1.centroids', weight: 'fc1.weight' } };
      const tensors = [...baseTensors(), { name: 'fc1.weight', dtype: 'F32', shape: [C, V, M], data: ramp(C * V * M, 1) } as TensorInput];
      await expectLoadError(await writeArtifact(dir, baseManifest(layer), tensors), 'layers[0].table.scale', 'computed from tensor "fc1.weight"');
    });

    it('integer weight refused', async () => {
      const layer = { ...baseLayer(), tensors: { centroids: 'fc1.centroids', weight: 'fc1.weight' } };
      const tensors = [...baseTensors(), { name: 'fc1.weight', dtype: 'I8', shape: [C, V, M], data: new Array(C * V * M).fill(1) } as TensorInput];
      await expectLoadError(await writeArtifact(dir, baseManifest(layer), tensors), 'tensor "fc1.weight"', 'float tensor', 'found:    I8');
    });

    it('integer bias refused', async () => {
      const tensors = replaceTensor(baseTensors(), { name: 'fc1.bias', dtype: 'I32', shape: [M], data: [1, 2, 3, 4, 5] });
      await expectLoadError(await writeArtifact(dir, baseManifest(), tensors), 'tensor "fc1.bias"', 'float tensor');
    });

    it('integer centroids outside the input.bits range', async () => {
      const data = new Array(C * K * V).fill(0);
      data[4] = -129;
      const tensors = replaceTensor(baseTensors(), { name: 'fc1.centroids', dtype: 'I16', shape: [C, K, V], data });
      await expectLoadError(await writeArtifact(dir, baseManifest(), tensors), 'tensor "fc1.centroids"', 'input.bits', '-129 at flat index 4, index [0, 1, 1]');
    });
  });
});

describe('loadArtifact: hash_tree layers', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lutnn-art-ht-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  // depth 2 (K = 4), C = 2, V = 3: codebook 0 owns columns 0 … 2, codebook 1 columns 3 … 5.
  const treeLayer = (extra: Json = {}): Json => ({
    ...baseLayer(),
    encoder: { kind: 'hash_tree', depth: 2 },
    tensors: { lut: 'fc1.lut', bias: 'fc1.bias', split_dims: 'fc1.dims', thresholds: 'fc1.thr' },
    ...extra,
  });
  const dims = (data: ArrayLike<number> = [0, 2, 5, 3], dtype: TensorInput['dtype'] = 'I32'): TensorInput => ({ name: 'fc1.dims', dtype, shape: [C, 2], data });
  const thr = (data: ArrayLike<number> = [0.5, -1, 3.4028234663852886e38, 0, 0.25, -0.25]): TensorInput => ({ name: 'fc1.thr', dtype: 'F32', shape: [C, 3], data });
  const treeTensors = (...extra: TensorInput[]): TensorInput[] => [...baseTensors().filter((t) => t.name !== 'fc1.centroids'), dims(), thr(), ...extra];
  const write = (layer: Json, tensors: TensorInput[]) => writeArtifact(dir, baseManifest(layer), tensors);
  async function expectError(manifestPath: string, ...fragments: string[]): Promise<void> {
    const err = await loadArtifact(manifestPath).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(LutnnError);
    for (const f of fragments) expect((err as LutnnError).message).toContain(f);
  }

  it('loads the tree: depth, absolute split columns, level-major thresholds (the float32 maximum included), no centroids', async () => {
    const art = await loadArtifact(await write(treeLayer({ metric: 'l1' }), treeTensors()));
    const l = art.layers[0] as LutLinearLayer;
    expect(l.centroids).toBeNull();
    expect(l.encoder.kind).toBe('hash_tree');
    if (l.encoder.kind !== 'hash_tree') return;
    expect(l.encoder.depth).toBe(2);
    expect(Array.from(l.encoder.splitDims.data)).toEqual([0, 2, 5, 3]);
    expect(l.encoder.thresholds.data[2]).toBe(3.4028234663852886e38);
    expect([l.encoder.splitOffsets, l.encoder.splitScales]).toEqual([null, null]);
  });

  it('loads offsets and scales, integral float split columns and optional centroids', async () => {
    const tensors = [
      ...treeTensors(
        { name: 'fc1.off', dtype: 'F32', shape: [C, 2], data: [0, 0.5, -0.25, 1] },
        { name: 'fc1.sc', dtype: 'F32', shape: [C, 2], data: [1, 2, 0.5, 4] },
        baseTensors()[0],
      ).map((t) => (t.name === 'fc1.dims' ? dims([0, 2, 5, 3], 'F32') : t)),
    ];
    const layer = treeLayer();
    layer.tensors = { ...layer.tensors, split_offsets: 'fc1.off', split_scales: 'fc1.sc', centroids: 'fc1.centroids' };
    const l = (await loadArtifact(await write(layer, tensors))).layers[0] as LutLinearLayer;
    expect(l.centroids?.shape).toEqual([C, K, V]);
    if (l.encoder.kind !== 'hash_tree') throw new Error('not a hash tree');
    expect(Array.from(l.encoder.splitScales!.data)).toEqual([1, 2, 0.5, 4]);
    expect(Array.from(l.encoder.splitOffsets!.data)).toEqual([0, 0.5, -0.25, 1]);
  });

  it('refuses num_centroids other than 2^depth', async () => {
    await expectError(await write(treeLayer({ encoder: { kind: 'hash_tree', depth: 3 } }), treeTensors()), 'layers[0].num_centroids', '2^depth = 8', 'found:', '4');
  });

  it('refuses a depth out of 1 … 8', async () => {
    await expectError(await write(treeLayer({ encoder: { kind: 'hash_tree', depth: 9 } }), treeTensors()), 'layers[0].encoder.depth', 'from 1 to 8');
    await expectError(await write(treeLayer({ encoder: { kind: 'hash_tree', depth: 0 } }), treeTensors()), 'layers[0].encoder.depth', 'from 1 to 8');
  });

  it('refuses wrong shapes of split_dims and thresholds', async () => {
    await expectError(await write(treeLayer(), [...treeTensors().filter((t) => t.name !== 'fc1.dims'), { ...dims(), shape: [2, 3], data: [0, 1, 2, 3, 4, 5] }]), 'fc1.dims', '(C, d) = [2, 2]', '[2, 3]');
    await expectError(await write(treeLayer(), [...treeTensors().filter((t) => t.name !== 'fc1.thr'), { ...thr(), shape: [2, 4], data: new Array(8).fill(0) }]), 'fc1.thr', '(C, 2^d − 1) = [2, 3]', '[2, 4]');
  });

  it('refuses a split column outside its codebook, naming codebook and level', async () => {
    await expectError(await write(treeLayer(), [...treeTensors().filter((t) => t.name !== 'fc1.dims'), dims([0, 2, 5, 2])]), 'codebook 1, level 1', "codebook 1's own input columns [3, 6)", 'found:', '2 at index [1, 1]');
  });

  it('refuses non-integral split columns', async () => {
    await expectError(await write(treeLayer(), [...treeTensors().filter((t) => t.name !== 'fc1.dims'), dims([0, 1.5, 5, 3], 'F32')]), 'Non-integral', 'fc1.dims', '1.5', 'index [0, 1]');
  });

  it('refuses non-finite thresholds (the float32 maximum is finite: accepted above)', async () => {
    await expectError(await write(treeLayer(), [...treeTensors().filter((t) => t.name !== 'fc1.thr'), thr([0, Infinity, 0, 0, 0, 0])]), 'Non-finite', 'fc1.thr', 'Infinity', 'index [0, 1]');
    await expectError(await write(treeLayer(), [...treeTensors().filter((t) => t.name !== 'fc1.thr'), thr([0, 0, 0, 0, NaN, 0])]), 'Non-finite', 'NaN', 'index [1, 1]');
  });

  it('refuses non-positive scales and integer thresholds', async () => {
    const layer = treeLayer();
    layer.tensors = { ...layer.tensors, split_scales: 'fc1.sc' };
    await expectError(await write(layer, treeTensors({ name: 'fc1.sc', dtype: 'F32', shape: [C, 2], data: [1, 1, 0, 1] })), 'Non-positive scale', 'fc1.sc', 'scales > 0', '0 at flat index 2, index [1, 0]');
    await expectError(await write(layer, treeTensors({ name: 'fc1.sc', dtype: 'F32', shape: [C, 2], data: [1, -2, 1, 1] })), 'Non-positive scale', '-2 at flat index 1');
    await expectError(await write(treeLayer(), [...treeTensors().filter((t) => t.name !== 'fc1.thr'), { ...thr(), dtype: 'I32', data: [0, 1, 2, 3, 4, 5] }]), 'fc1.thr', 'a float tensor');
  });

  it('needs centroids with a weight source, and thresholds', async () => {
    const w: TensorInput = { name: 'fc1.w', dtype: 'F32', shape: [C, V, M], data: ramp(C * V * M, 0.1) };
    const layer = treeLayer();
    layer.tensors = { weight: 'fc1.w', split_dims: 'fc1.dims', thresholds: 'fc1.thr' };
    await expectError(await write(layer, [w, dims(), thr()]), 'layers[0].tensors.centroids', 'T = P·W');
    const noThr = treeLayer();
    delete noThr.tensors.thresholds;
    await expectError(await write(noThr, treeTensors()), 'layers[0].tensors.thresholds', '(C, 2^d − 1) = (2, 3)');
  });

  it('a ccs layer refuses the tree tensors and needs its centroids', async () => {
    const layer = baseLayer();
    layer.tensors = { ...layer.tensors, split_dims: 'fc1.dims' };
    await expectError(await write(layer, [...baseTensors(), dims()]), 'layers[0].tensors.split_dims', 'hash_tree');
    const noCentroids = baseLayer();
    delete noCentroids.tensors.centroids;
    await expectError(await write(noCentroids, baseTensors()), 'layers[0].tensors.centroids', 'closest-centroid search');
  });
});

describe('jsonSyntaxErrorOffset', () => {
  it('points at the first offending character', () => {
    expect(jsonSyntaxErrorOffset('{"a":1,}')).toBe(7);
    expect(jsonSyntaxErrorOffset('[01]')).toBe(2);
    expect(jsonSyntaxErrorOffset('"abc')).toBe(4);
    expect(jsonSyntaxErrorOffset('')).toBe(0);
  });

  it('agrees with JSON.parse on valid and corrupted documents', () => {
    const accepts = (text: string): boolean => {
      try {
        JSON.parse(text);
        return true;
      } catch {
        return false;
      }
    };
    fc.assert(
      fc.property(fc.json(), fc.nat(), fc.constantFrom('', ',', '}', ']', '"', ':', '-', '\\', ' ', '0'), (json, at, insert) => {
        const pos = at % (json.length + 1);
        const text = json.slice(0, pos) + insert + json.slice(pos);
        expect(jsonSyntaxErrorOffset(text) === undefined).toBe(accepts(text));
      }),
      { numRuns: 2000 },
    );
  });
});
