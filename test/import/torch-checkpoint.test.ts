/**
 * The PyTorch checkpoint reader (generator/import/torch-checkpoint.ts, state-dict.ts) on the real
 * checkpoint blink-mm wrote and on checkpoints laid out as torch.save lays them out
 * (support/torch-zip.ts): strided views, offsets, shared storages, dtypes, wrappers and prefixes,
 * tensors of any dtype left unread, and clear errors for what it cannot read.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../generator/emit/render.ts';
import { importLutnnState } from '../../generator/import/lutnn-state.ts';
import { readStateDict } from '../../generator/import/state-dict.ts';
import { parseTorchCheckpoint, tensorsByPath } from '../../generator/import/torch-checkpoint.ts';
import { float32, torchZip, type TorchTensorSpec } from '../support/torch-zip.ts';

const PTH = join(PROJECT_ROOT, 'test', 'real-exports', 'lutnn-mlp-digits', 'lutnn_mlp_digits.pth');
let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'lutnn-torch-'));
});
afterAll(async () => rm(tmp, { recursive: true, force: true }));

async function write(name: string, bytes: Uint8Array): Promise<string> {
  const f = join(tmp, name);
  await writeFile(f, bytes);
  return f;
}

describe('the real blink-mm checkpoint', () => {
  it('holds {"state_dict": …} with cnn.-prefixed keys, read without Python', async () => {
    const tensors = tensorsByPath(parseTorchCheckpoint(new Uint8Array(await readFile(PTH)), PTH));
    expect([...tensors.keys()].slice(0, 4)).toEqual(['state_dict.cnn.fc1.centroids', 'state_dict.cnn.fc1.weight', 'state_dict.cnn.fc1.inverse_temperature_logit', 'state_dict.cnn.fc1.bias']);
    const c = tensors.get('state_dict.cnn.fc1.centroids')!;
    expect([c.dtype, c.shape]).toEqual(['float32', [16, 16, 4]]);
    // Values checked against Python's own unpickling of the same file.
    expect(Array.from(c.values().subarray(0, 3), Math.fround)).toEqual([-0.018859609961509705, -0.000440342933870852, 0.3948013186454773].map(Math.fround));
    const sd = await readStateDict(PTH);
    expect(sd.format).toBe('torch');
    expect(sd.strippedPrefix).toBe('cnn.');
    expect(sd.tensors.get('fc3.bias')?.stored).toBe('state_dict.cnn.fc3.bias');
  });
});

describe('checkpoints as torch.save lays them out', () => {
  const P = [0, 0, 1, 1, -1, 0.5, 0.2, 0.3]; // (C=1, K=4, V=2)
  const W = [1, -1, 0.5, 2, 0, 1]; // (1, 2, 3)
  const lutnnLayer = (prefix: string): Record<string, TorchTensorSpec> => ({
    [`${prefix}.centroids`]: float32(`${prefix}c`, [1, 4, 2], P),
    [`${prefix}.weight`]: float32(`${prefix}w`, [1, 2, 3], W),
    [`${prefix}.bias`]: float32(`${prefix}b`, [3], [0.1, 0.2, 0.3]),
  });

  it('reads strided views, storage offsets and a storage shared by two tensors', async () => {
    // A (3, 2) tensor stored transposed: storage holds its (2, 3) transpose row-major.
    const storage = new Float32Array([1, 2, 3, 4, 5, 6, 7]);
    const bytes = new Uint8Array(storage.buffer);
    const transposed: TorchTensorSpec = { storage: 'FloatStorage', key: '0', bytes, numel: 7, offset: 0, size: [3, 2], stride: [1, 3] };
    const tail: TorchTensorSpec = { storage: 'FloatStorage', key: '0', bytes, numel: 7, offset: 4, size: [3], stride: [1] };
    const root = parseTorchCheckpoint(torchZip({ t: transposed, tail }), 'x.pth');
    const t = tensorsByPath(root);
    expect(Array.from(t.get('state_dict.t')!.values())).toEqual([1, 4, 2, 5, 3, 6]);
    expect(Array.from(t.get('state_dict.tail')!.values())).toEqual([5, 6, 7]);
  });

  it('decodes int64, bfloat16, float16, int8 and bool storages, and big-endian files', async () => {
    const i64 = new BigInt64Array([5n, -3n]);
    const bf16 = new Uint16Array([0x3f80, 0xc000]); // 1.0, -2.0
    const f16 = new Uint16Array([0x3c00, 0x3800]); // 1.0, 0.5
    const tensors: Record<string, TorchTensorSpec> = {
      a: { storage: 'LongStorage', key: 'a', bytes: new Uint8Array(i64.buffer), numel: 2, offset: 0, size: [2], stride: [1] },
      b: { storage: 'BFloat16Storage', key: 'b', bytes: new Uint8Array(bf16.buffer), numel: 2, offset: 0, size: [2], stride: [1] },
      c: { storage: 'HalfStorage', key: 'c', bytes: new Uint8Array(f16.buffer), numel: 2, offset: 0, size: [2], stride: [1] },
      d: { storage: 'CharStorage', key: 'd', bytes: Uint8Array.from([0xff, 0x07]), numel: 2, offset: 0, size: [2], stride: [1] },
      e: { storage: 'BoolStorage', key: 'e', bytes: Uint8Array.from([1, 0]), numel: 2, offset: 0, size: [2], stride: [1] },
    };
    const t = tensorsByPath(parseTorchCheckpoint(torchZip(tensors, { wrapper: null }), 'x.pth'));
    expect([...t.values()].map((x) => [x.path, x.dtype, Array.from(x.values())])).toEqual([
      ['a', 'int64', [5, -3]],
      ['b', 'bfloat16', [1, -2]],
      ['c', 'float16', [1, 0.5]],
      ['d', 'int8', [-1, 7]],
      ['e', 'bool', [1, 0]],
    ]);
    const be = new Uint8Array(8);
    new DataView(be.buffer).setFloat32(0, 1.5, false);
    new DataView(be.buffer).setFloat32(4, -2.25, false);
    const big = tensorsByPath(parseTorchCheckpoint(torchZip({ x: { storage: 'FloatStorage', key: 'x', bytes: be, numel: 2, offset: 0, size: [2], stride: [1] } }, { byteorder: 'big' }), 'x.pth'));
    expect(Array.from(big.get('state_dict.x')!.values())).toEqual([1.5, -2.25]);
  });

  it('imports a module.-prefixed state dict and ignores int64 / bool tensors no layer uses', async () => {
    const extra: Record<string, TorchTensorSpec> = {
      'module.fc1.steps': { storage: 'LongStorage', key: 'n', bytes: new Uint8Array(new BigInt64Array([2n ** 62n]).buffer), numel: 1, offset: 0, size: [], stride: [] },
      'module.fc1.mask': { storage: 'BoolStorage', key: 'm', bytes: Uint8Array.from([1]), numel: 1, offset: 0, size: [1], stride: [1] },
    };
    const prefixed = Object.fromEntries(Object.entries(lutnnLayer('fc1')).map(([k, v]) => [`module.${k}`, v]));
    const f = await write('prefixed.pth', torchZip({ ...prefixed, ...extra }, { wrapper: 'model' }));
    const m = await importLutnnState(f);
    expect(m.layers.map((l) => [l.name, l.C, l.K, l.V, l.M])).toEqual([['fc1', 1, 4, 2, 3]]);
    expect(Array.from(m.layers[0].bias, Math.fround)).toEqual([0.1, 0.2, 0.3].map(Math.fround));
    // The unused int64 beyond 2^53 is never decoded; decoding it would be refused.
    const sd = await readStateDict(f);
    expect(() => sd.tensors.get('fc1.steps')!.values()).toThrow(/int64 beyond 2\^53/);
  });

  it('refuses a CNN checkpoint (BatchNorm state) by name unless told the layers are linear', async () => {
    const bn: Record<string, TorchTensorSpec> = { 'cnn.bn1.num_batches_tracked': { storage: 'LongStorage', key: 'nb', bytes: new Uint8Array(8), numel: 1, offset: 0, size: [], stride: [] } };
    const f = await write('cnn.pth', torchZip({ ...lutnnLayer('cnn.fc'), ...bn }));
    await expect(importLutnnState(f)).rejects.toThrow(/Layer "fc" may be a convolution[\s\S]*BatchNorm state \("bn1\.num_batches_tracked"\)/);
    const conv = await write('conv.pth', torchZip(lutnnLayer('layer1.0.conv1')));
    await expect(importLutnnState(conv)).rejects.toThrow(/Layer "layer1\.0\.conv1" is a convolution, and a state dict does not hold its kernel or image size[\s\S]*--topology/);
    await expect(importLutnnState(f, { assumeLinear: true })).resolves.toMatchObject({ layers: [{ name: 'fc' }] });
  });

  it('refuses a checkpoint without a state dict, or that holds dense layers beside the LUT-NN ones', async () => {
    await expect(readStateDict(await write('empty.pth', torchZip({}, { wrapper: 'epoch' })))).rejects.toThrow(/No state dict found/);
    const dense = { 'head.weight': float32('hw', [3, 3], new Array(9).fill(0.5)) };
    await expect(importLutnnState(await write('mixed.pth', torchZip({ ...lutnnLayer('fc1'), ...dense })))).rejects.toThrow(/not LUT-NN layers[\s\S]*head \(weight \[3, 3\]\)/);
  });

  it('refuses a view that reaches outside its storage, and a storage of the wrong size', async () => {
    const bad: TorchTensorSpec = { ...float32('0', [2], [1, 2]), size: [1, 3, 1], stride: [3, 1, 1] };
    const outside = await readStateDict(await write('outside.pth', torchZip({ 'fc1.centroids': bad })));
    expect(() => outside.tensors.get('fc1.centroids')!.values()).toThrow(/reaches outside its storage/);
    const short: TorchTensorSpec = { ...float32('0', [2], [1, 2]), numel: 5 };
    const sd = await readStateDict(await write('short.pth', torchZip({ x: short })));
    expect(() => sd.tensors.get('x')!.values()).toThrow(/wrong size[\s\S]*5 float32 values/);
  });
});
