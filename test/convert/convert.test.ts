/** `lutnn convert`: dense models (safetensors, npz, ONNX) + calibration → LUT-NN artifact. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSafetensors } from '../../generator/artifact/safetensors.ts';
import { loadArtifact } from '../../generator/artifact/load.ts';
import type { LutLinearLayer } from '../../generator/artifact/types.ts';
import { kmeans } from '../../generator/convert/kmeans.ts';
import { loadDenseModel } from '../../generator/convert/load-dense.ts';
import { convertDense, DEFAULT_CONVERT } from '../../generator/convert/pq.ts';
import { PROJECT_ROOT } from '../../generator/emit/render.ts';
import { Rng } from '../../generator/util/rng.ts';
import { denseOnnxBytes } from '../support/import-fixtures.ts';

const FIX = join(PROJECT_ROOT, 'test', 'fixtures');
const LUTNN = join(PROJECT_ROOT, 'bin', 'lutnn.js');
let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'lutnn-convert-'));
});
afterAll(async () => rm(tmp, { recursive: true, force: true }));

describe('k-means', () => {
  it('is deterministic for a seed and finds well-separated clusters', () => {
    const rng = new Rng(1);
    const pts = new Float64Array(300 * 2);
    for (let i = 0; i < 300; i++) {
      const c = i % 3;
      pts[i * 2] = c * 10 + rng.normal() * 0.1;
      pts[i * 2 + 1] = -c * 10 + rng.normal() * 0.1;
    }
    const a = kmeans(pts, 300, 2, { k: 3, seed: 4 });
    expect(Array.from(kmeans(pts, 300, 2, { k: 3, seed: 4 }))).toEqual(Array.from(a));
    const centres = [0, 1, 2].map((k) => [a[k * 2], a[k * 2 + 1]]).sort((x, y) => x[0] - y[0]);
    centres.forEach(([x, y], c) => {
      expect(x).toBeCloseTo(c * 10, 1);
      expect(y).toBeCloseTo(-c * 10, 1);
    });
  });
});

describe('convert', () => {
  it('converts a dense ONNX MLP with the CLI, deterministically', async () => {
    const run = async (out: string) =>
      execa('node', [LUTNN, 'convert', '--dense', join(FIX, 'dense_mlp.onnx'), '--calib', join(FIX, 'calib.npy'), '-o', out, '--subvector-len', '2', '-K', '4', '--name', 'mlp', '-q'], { reject: false });
    const r1 = await run(join(tmp, 'a'));
    expect(r1.exitCode, r1.stderr).toBe(0);
    const r2 = await execa('node', [LUTNN, 'convert', '--dense', join(FIX, 'dense_mlp.onnx'), '--calib', join(FIX, 'calib.npy'), '-o', join(tmp, 'b'), '--subvector-len', '2', '-K', '4', '--name', 'mlp'], { reject: false });
    // Without -q: the per-layer figures and the command to run next.
    expect(r2.stdout).toMatch(/^fc1 +C=4 +output MSE/m);
    expect(r2.stdout).toMatch(new RegExp(`^next +npx lutnn gen-rtl --model ${join(tmp, 'b', 'model.json')} --out rtl-out/mlp$`, 'm'));
    for (const f of ['model.json', 'model.safetensors']) expect((await readFile(join(tmp, 'a', f))).equals(await readFile(join(tmp, 'b', f))), f).toBe(true);
    const art = await loadArtifact(join(tmp, 'a', 'model.json'));
    expect((art.layers as LutLinearLayer[]).map((l) => [l.inFeatures, l.outFeatures, l.activation])).toEqual([[8, 6, 'relu'], [6, 4, 'none']]);
    // Scales chain exactly: one layer's output format is the next layer's input format.
    expect((art.layers as LutLinearLayer[])[1].input.scale).toBe((art.layers as LutLinearLayer[])[0].output.scale);
  });

  it('refinement does not increase the output reconstruction error', async () => {
    const model = await loadDenseModel(join(FIX, 'dense_mlp.onnx'));
    const rng = new Rng(2);
    const calib = Float64Array.from({ length: 200 * 8 }, () => rng.normal());
    const c = convertDense(model, calib, 200, { ...DEFAULT_CONVERT, name: 'm', subvectorLen: 2, centroids: 4, refineIterations: 3 });
    for (const l of c.report) expect(l.reconstructionError.refined).toBeLessThanOrEqual(l.reconstructionError.kmeans);
  });

  it('refuses calibration data of the wrong shape', async () => {
    const bad = join(tmp, 'bad.npy');
    const { dump } = await import('npyjs');
    await writeFile(bad, Buffer.from(dump(new Float32Array(10 * 7), [10, 7])));
    const r = await execa('node', [LUTNN, 'convert', '--dense', join(FIX, 'dense_mlp.onnx'), '--calib', bad, '-o', join(tmp, 'x')], { reject: false });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/Calibration data has the wrong shape[\s\S]*bad\.npy[\s\S]*\(N, 8\)[\s\S]*\(10, 7\)/);
  });

  it('refuses an ONNX graph with an unsupported operator, naming the node', async () => {
    const f = join(tmp, 'sigmoid.onnx');
    await writeFile(f, denseOnnxBytes('Sigmoid'));
    await expect(loadDenseModel(f)).rejects.toThrow(/Unsupported ONNX operator Sigmoid[\s\S]*node 1 "act" \(Sigmoid\)/);
  });

  it('refuses Gemm with transA = 1 instead of converting it wrongly', async () => {
    const f = join(tmp, 'transa.onnx');
    await writeFile(f, denseOnnxBytes(undefined, 1));
    await expect(loadDenseModel(f)).rejects.toThrow(/Gemm attribute transA is not supported[\s\S]*expected: +transA = 0[\s\S]*found: +1/);
  });

  it('refuses a layer width mismatch between consecutive layers', async () => {
    const f = join(tmp, 'mismatch.safetensors');
    await writeFile(
      f,
      encodeSafetensors([
        { name: 'fc1.weight', dtype: 'F32', shape: [6, 8], data: new Float32Array(48) },
        { name: 'fc2.weight', dtype: 'F32', shape: [4, 5], data: new Float32Array(20) },
      ]),
    );
    await expect(loadDenseModel(f)).rejects.toThrow(/width mismatch between "fc1" and "fc2"[\s\S]*expected: 6 input features[\s\S]*found: +5/);
  });
});
