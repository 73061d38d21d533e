/**
 * Importers on their committed fixtures (test/fixtures, made by make-import-fixtures.ts in the
 * layouts the real exporters use; the real files themselves are in real-exports.test.ts): the
 * three formats of one trained 8→6→4 LUT-NN model load into the same layers and tables; unknown
 * operators and malformed inputs are refused with the node or array named.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadArtifact } from '../../generator/artifact/load.ts';
import { writeArtifactAtomically } from '../../generator/convert/write-artifact.ts';
import { PROJECT_ROOT } from '../../generator/emit/render.ts';
import { toArtifact } from '../../generator/import/imported.ts';
import { importLutnnOnnx } from '../../generator/import/lutnn-onnx.ts';
import { importLutnnState } from '../../generator/import/lutnn-state.ts';
import { importPimDlNpz } from '../../generator/import/pim-dl-npz.ts';
import { loadHwConfig } from '../../generator/config/hw-config.ts';
import { planDesign } from '../../generator/plan/design.ts';
import type { LutLinearPlan } from '../../generator/plan/types.ts';
import { FIXTURE, fixtureLayers, fixtureLut, importFixtureFiles, lutnnOnnxBytes, pimDlNpzBytes } from '../support/import-fixtures.ts';
import { readNpy } from '../../generator/convert/numpy.ts';

const FIX = join(PROJECT_ROOT, 'test', 'fixtures');
let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'lutnn-import-'));
});
afterAll(async () => rm(tmp, { recursive: true, force: true }));

async function planOf(model: Awaited<ReturnType<typeof importLutnnState>>, name: string) {
  const calib = await readNpy(join(FIX, 'calib.npy'));
  const { manifest, tensors } = toArtifact(model, 'imp', { bits: 8, tableBits: 8, calibration: { data: calib.data, rows: calib.shape[0] } });
  const dir = join(tmp, name);
  await writeArtifactAtomically(dir, manifest, tensors);
  const artifact = await loadArtifact(join(dir, 'model.json'));
  return planDesign(artifact, await loadHwConfig(undefined), { manifest: 'x', regenerateCommand: 'x' });
}

describe('committed fixtures', () => {
  it('are reproduced byte for byte by their script', async () => {
    const expected = importFixtureFiles();
    for (const [name, bytes] of Object.entries(expected)) expect(Buffer.compare(await readFile(join(FIX, name)), Buffer.from(bytes)), name).toBe(0);
  });
});

describe('importers', () => {
  it('read one model identically from LUT-NN state, LUT-NN ONNX and PIM-DL npz', async () => {
    const state = await importLutnnState(join(FIX, 'lutnn_state.safetensors'));
    const onnx = await importLutnnOnnx(join(FIX, 'lutnn_dpq.onnx'));
    // PIM-DL ops are separate models (a BERT graph, not a chain), without activations.
    const pim = await importPimDlNpz(join(FIX, 'pim_dl.npz'));
    expect(pim.map((m) => m.label)).toEqual(['fc1', 'fc2']);
    const dims = [
      [FIXTURE.D / FIXTURE.V, FIXTURE.K, FIXTURE.V, FIXTURE.H],
      [FIXTURE.H / FIXTURE.V, FIXTURE.K, FIXTURE.V, FIXTURE.O],
    ];
    for (const m of [state, onnx]) {
      expect(m.layers.map((l) => [l.name, l.C, l.K, l.V, l.M, l.activation])).toEqual([['fc1', ...dims[0], 'relu'], ['fc2', ...dims[1], 'none']]);
    }
    expect(pim.map((m) => [m.layers[0].C, m.layers[0].K, m.layers[0].V, m.layers[0].M, m.layers[0].activation])).toEqual(dims.map((d) => [...d, 'none']));
    const layers = fixtureLayers();
    for (const [i, l] of layers.entries()) {
      const { lut, scale } = fixtureLut(l);
      for (const layer of [onnx.layers[i], pim[i].layers[0]]) {
        const t = layer.table;
        expect(t.kind).toBe('int');
        if (t.kind === 'int') {
          expect(Array.from(t.lut)).toEqual(Array.from(lut));
          expect(t.scale).toBeCloseTo(scale, 7);
        }
        expect(Array.from(layer.centroids!)).toEqual(Array.from(l.centroids));
        expect(Array.from(layer.bias)).toEqual(Array.from(l.bias, Math.fround));
      }
      expect(state.layers[i].table.kind).toBe('weight');
    }
    // Planned through the tool, LUT-NN state (table built and quantized by the tool) and the
    // exported INT8 tables agree to the LSB.
    const [ps, po] = [await planOf(state, 'state'), await planOf(onnx, 'onnx')];
    const lut = (p: typeof ps, i: number) => (p.layers[i] as LutLinearPlan).table.values;
    for (let i = 0; i < 2; i++) {
      const a = lut(ps, i);
      const b = lut(po, i);
      for (let j = 0; j < a.length; j++) expect(Math.abs(a[j] - b[j])).toBeLessThanOrEqual(1);
    }
    const pp = await planOf(pim[0], 'pim');
    expect(Array.from((pp.layers[0] as LutLinearPlan).table.values)).toEqual(Array.from(lut(po, 0)));
  });

  it('reads a LUT-NN ONNX graph with initializers, a leading Flatten, Identity and Reshape to (batch, features)', async () => {
    const ref = await importLutnnOnnx(join(FIX, 'lutnn_dpq.onnx'));
    for (const [name, bytes] of [
      ['inits.onnx', lutnnOnnxBytes(fixtureLayers(), undefined, { initializers: true })],
      ['flatten.onnx', lutnnOnnxBytes(fixtureLayers(), undefined, { flatten: true })],
      ['identity.onnx', lutnnOnnxBytes(fixtureLayers(), 'Identity')],
    ] as const) {
      const f = join(tmp, name);
      await writeFile(f, bytes);
      const m = await importLutnnOnnx(f);
      expect(m.layers.map((l) => [l.name, l.C, l.M, l.activation]), name).toEqual(ref.layers.map((l) => [l.name, l.C, l.M, l.activation]));
    }
  });

  it('refuses LUT-NN convolutions by name', async () => {
    for (const op of ['DPQConv2d', 'DPQQuantConv2d']) {
      const f = join(tmp, `${op}.onnx`);
      await writeFile(f, lutnnOnnxBytes(fixtureLayers(), op));
      await expect(importLutnnOnnx(f), op).rejects.toThrow(new RegExp(`${op} is a convolution: LUT-NN convolutions from ONNX are not supported yet`));
    }
  });

  it('refuses an unknown operator in a LUT-NN ONNX graph, naming the node', async () => {
    const f = join(tmp, 'odd.onnx');
    await writeFile(f, lutnnOnnxBytes(fixtureLayers(), 'Softmax'));
    await expect(importLutnnOnnx(f)).rejects.toThrow(/Unsupported operator Softmax[\s\S]*node \d+ "odd" \(Softmax\)/);
  });

  it('refuses a PIM-DL archive without codebooks', async () => {
    const { zipSync, unzipSync } = await import('fflate');
    const entries = unzipSync(pimDlNpzBytes());
    delete entries['fc2.centroids.weight.npy'];
    const f = join(tmp, 'nocb.npz');
    await writeFile(f, zipSync(entries));
    await expect(importPimDlNpz(f)).rejects.toThrow(/PIM-DL array "fc2\.centroids\.weight" is missing[\s\S]*\(C, K·V\)/);
  });

  it('needs calibration data or scales to choose stream formats', async () => {
    const state = await importLutnnState(join(FIX, 'lutnn_state.safetensors'));
    expect(() => toArtifact(state, 'x', { bits: 8, tableBits: 8 })).toThrow(/--calib[\s\S]*--scales/);
    expect(() => toArtifact(state, 'x', { bits: 8, tableBits: 8, scales: [1, 2] })).toThrow(/3 positive numbers/);
    const { manifest } = toArtifact(state, 'x', { bits: 8, tableBits: 8, scales: [0.1, 0.2, 0.3] });
    expect((manifest.layers as { output: { scale: number } }[])[1].output.scale).toBe(0.3);
  });
});

describe('lutnn import (CLI) to verified RTL', () => {
  it('imports the LUT-NN ONNX fixture, generates RTL and simulates it bit-exactly', async () => {
    const { execa } = await import('execa');
    const { genRtl } = await import('../../generator/gen-rtl.ts');
    const { verifyDesign } = await import('../../tb/verify.ts');
    const out = join(tmp, 'cli-onnx');
    const r = await execa('node', [join(PROJECT_ROOT, 'bin', 'lutnn.js'), 'import', join(FIX, 'lutnn_dpq.onnx'), '--from', 'lutnn-onnx', '--calib', join(FIX, 'calib.npy'), '-o', out, '--name', 'dpq'], { reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    const rtl = join(tmp, 'cli-onnx-rtl');
    await genRtl({ model: join(out, 'model.json'), out: rtl });
    const v = await verifyDesign(rtl, { vectors: 300, seed: 2 });
    expect(v.mismatch).toBeNull();
    expect(v.timing?.ok).toBe(true);
  });

  it('refuses an unknown --from format', async () => {
    const { execa } = await import('execa');
    const r = await execa('node', [join(PROJECT_ROOT, 'bin', 'lutnn.js'), 'import', join(FIX, 'lutnn_dpq.onnx'), '--from', 'tflite', '-o', join(tmp, 'x')], { reject: false });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/--from[\s\S]*lutnn-state, lutnn-onnx, pim-dl-npz[\s\S]*"tflite"/);
  });
});

describe('lutnn import --from nnlut-json', () => {
  it('turns the public NN-LUT JSON into a one-layer nnlut artifact that plans', async () => {
    const { execa } = await import('execa');
    const out = join(tmp, 'nnlut-json');
    const cli = (...extra: string[]) => execa('node', [join(PROJECT_ROOT, 'bin', 'lutnn.js'), 'import', join(FIX, 'nnlut_gelu.json'), '--from', 'nnlut-json', '-o', out, ...extra], { reject: false });
    const missing = await cli();
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toMatch(/--in-format and --out-format/);
    const r = await cli('--features', '4', '--in-format', 'q6.10', '--out-format', 'q6.10', '--name', 'act');
    expect(r.exitCode, r.stderr).toBe(0);
    const artifact = await loadArtifact(join(out, 'model.json'));
    expect(artifact.layers[0]).toMatchObject({ kind: 'nnlut', name: 'gelu' });
    const design = planDesign(artifact, await loadHwConfig(undefined), { manifest: 'x', regenerateCommand: 'x' });
    expect(design.io.input).toMatchObject({ elements: 4, bits: 16, scale: 2 ** -10 });
  });
});
