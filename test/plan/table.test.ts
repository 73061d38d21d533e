import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadArtifact } from '../../generator/artifact/load.ts';
import { writeArtifact } from '../../generator/artifact/write.ts';
import { quantizeBias, quantizeCentroids, quantizeTable, realTable } from '../../generator/plan/table.ts';
import type { LutLinearLayer } from '../../generator/artifact/types.ts';

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

/** C=1, K=2, V=2, M=2 layer from LUT-NN weights. */
async function tinyLayer(extra: { bias?: number[] } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'lutnn-table-'));
  dirs.push(dir);
  const manifest = {
    format: 'lutnn-artifact', format_version: 1, name: 't', tensors: 'm.safetensors',
    layers: [{
      name: 'l', kind: 'lut_linear', in_features: 2, out_features: 2, num_codebooks: 1, num_centroids: 2, subvector_len: 2,
      input: { bits: 8, scale: 0.5 }, output: { bits: 8, scale: 1 },
      tensors: { centroids: 'c', weight: 'w', ...(extra.bias ? { bias: 'b' } : {}) },
    }],
  };
  const tensors = [
    { name: 'c', dtype: 'F32' as const, shape: [1, 2, 2], data: [1.0, 2.0, -0.75, 0.25] },
    { name: 'w', dtype: 'F32' as const, shape: [1, 2, 2], data: [1, 0.5, -2, 4] },
    ...(extra.bias ? [{ name: 'b', dtype: 'F32' as const, shape: [2], data: extra.bias }] : []),
  ];
  const artifact = await loadArtifact(await writeArtifact(dir, manifest, tensors));
  return artifact.layers[0] as LutLinearLayer;
}

describe('table quantization (LUT-NN rules)', () => {
  it('builds T = centroids · weight and quantizes symmetric per-tensor with max|T|/127', async () => {
    const layer = await tinyLayer();
    // k=0: [1,2]·W = [1·1 + 2·(−2), 1·0.5 + 2·4] = [−3, 8.5]; k=1: [−0.75·1 + 0.25·(−2), −0.75·0.5 + 0.25·4] = [−1.25, 0.625]
    expect(Array.from(realTable(layer))).toEqual([-3, 8.5, -1.25, 0.625]);
    const { values, scale } = quantizeTable(layer);
    expect(scale).toBeCloseTo(8.5 / 127, 12);
    expect(Array.from(values)).toEqual([-45, 127, -19, 9]); // round half even of T / scale
  });
  it('quantizes centroids to the input scale with round half to even', async () => {
    const layer = await tinyLayer();
    expect(Array.from(quantizeCentroids(layer))).toEqual([2, 4, -2, 0]); // −1.5 → −2, 0.5 → 0
  });
  it('puts the bias in accumulator units and refuses one beyond INT32', async () => {
    const layer = await tinyLayer({ bias: [1, -1] });
    expect(Array.from(quantizeBias(layer, 0.5, 'x'))).toEqual([2, -2]);
    expect(() => quantizeBias(layer, 1e-12, 'model.json')).toThrow(/INT32/);
  });
});
