/** A LUT-NN state with a topology file: a linear layer reading a convolution's image reads it flattened as PyTorch does (NCHW). */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSafetensors } from '../../generator/artifact/safetensors.ts';
import { importedForward, importedLayerForward } from '../../generator/import/imported.ts';
import { importLutnnState } from '../../generator/import/lutnn-state.ts';
import { readTopology } from '../../generator/import/topology.ts';
import { Rng } from '../../generator/util/rng.ts';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'lutnn-topo-'));
});
afterAll(async () => rm(tmp, { recursive: true, force: true }));

describe('import with a topology file', () => {
  it('takes a linear layer after a 2 x 3 image as a whole-image convolution, equal to flatten (channel, row, column) then the layer', async () => {
    const rng = new Rng(5);
    const r = (n: number) => Float64Array.from({ length: n }, () => Math.fround(rng.normal()));
    // c1: 1x1 conv, 2 → 3 channels (C = 1, V = 2); fc: 3·2·3 = 18 inputs (C = 6, V = 3) → 4.
    const tensors = [
      { name: 'c1.centroids', dtype: 'F32' as const, shape: [1, 4, 2], data: r(8) },
      { name: 'c1.weight', dtype: 'F32' as const, shape: [1, 2, 3], data: r(6) },
      { name: 'c1.bias', dtype: 'F32' as const, shape: [3], data: r(3) },
      { name: 'fc.centroids', dtype: 'F32' as const, shape: [6, 4, 3], data: r(72) },
      { name: 'fc.weight', dtype: 'F32' as const, shape: [6, 3, 4], data: r(72) },
      { name: 'fc.bias', dtype: 'F32' as const, shape: [4], data: r(4) },
    ];
    await writeFile(join(tmp, 'state.safetensors'), encodeSafetensors(tensors));
    await writeFile(join(tmp, 'topology.yaml'), 'input: { height: 2, width: 3 }\nlayers:\n  c1: { kind: conv2d, kernel_size: [1, 1] }\n  fc: { kind: linear }\n');
    const model = await importLutnnState(join(tmp, 'state.safetensors'), { topology: await readTopology(join(tmp, 'topology.yaml')) });
    const [c1, fc] = model.layers;
    expect(fc.conv).toEqual({ inChannels: 3, height: 2, width: 3, kernel: [2, 3], stride: [1, 1], padding: [0, 0] });
    for (let n = 0; n < 5; n++) {
      const image = r(2 * 3 * 2); // frame: 6 pixels × 2 channels
      const feature = importedForward(c1, image, 1, 8); // 6 pixels × 3 channels, channels last
      const flat = new Float64Array(18);
      for (let ch = 0; ch < 3; ch++) for (let px = 0; px < 6; px++) flat[ch * 6 + px] = feature[px * 3 + ch];
      expect(Array.from(importedForward(fc, feature, 1, 8))).toEqual(Array.from(importedLayerForward(fc, flat, 1, 8)));
    }
  });
});
