/**
 * The files the LUT-NN ecosystem's own code wrote (test/real-exports, a byte-for-byte copy of the
 * team's shared/real-exports; README there), read as they are: imported, planned, simulated, and
 * compared with the projects' own outputs. These are the tests that say "lutnn imports LUT-NN /
 * PIM-DL"; the fixtures elsewhere only test our reading.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadArtifact } from '../../generator/artifact/load.ts';
import type { LutConv2dLayer, LutLinearLayer } from '../../generator/artifact/types.ts';
import { floatLutConv2d } from '../../generator/golden/float/lut-conv2d.ts';
import { loadHwConfig } from '../../generator/config/hw-config.ts';
import { readNpy, readNpz } from '../../generator/convert/numpy.ts';
import { dump as dumpNpy } from 'npyjs';
import { parseSafetensors } from '../../generator/artifact/safetensors.ts';
import { writeArtifactAtomically } from '../../generator/convert/write-artifact.ts';
import { PROJECT_ROOT } from '../../generator/emit/render.ts';
import { checkGoldenAgainstArtifact } from '../../generator/golden/artifact-reference.ts';
import { runDesign } from '../../generator/golden/design.ts';
import { floatArtifact } from '../../generator/golden/float-reference.ts';
import { toArtifact, type ImportedModel } from '../../generator/import/imported.ts';
import { importLutnnOnnx } from '../../generator/import/lutnn-onnx.ts';
import { importLutnnState } from '../../generator/import/lutnn-state.ts';
import { importPimDlNpz } from '../../generator/import/pim-dl-npz.ts';
import { planDesign } from '../../generator/plan/design.ts';
import type { DesignPlan, LutLinearPlan } from '../../generator/plan/types.ts';
import { encoderOf } from '../../generator/encoders/registry.ts';
import { argmaxRows } from '../../generator/util/arrays.ts';
import { genRtl } from '../../generator/gen-rtl.ts';
import { verifyDesign } from '../../tb/verify.ts';
import { quantizeInputs } from '../../tb/datasets.ts';
import { compareOutputs } from '../../tb/user-inputs.ts';
import { ccsOf } from '../support/reference-check.ts';

export const REAL = join(PROJECT_ROOT, 'test', 'real-exports');
const SHARED = join(PROJECT_ROOT, '..', 'shared', 'real-exports');
const MLP = join(REAL, 'lutnn-mlp-digits');
const LUTNN = join(PROJECT_ROOT, 'bin', 'lutnn.js');

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'lutnn-real-'));
});
afterAll(async () => rm(tmp, { recursive: true, force: true }));

describe('the copy of the real exports', () => {
  it('holds exactly the files listed in SHA256SUMS, equal to shared/real-exports where that exists', async () => {
    const sums = (await readFile(join(REAL, 'SHA256SUMS'), 'utf8')).trim().split('\n').map((l) => l.split(/\s+/));
    expect(sums.length).toBeGreaterThanOrEqual(20);
    for (const [hash, rel] of sums) {
      const bytes = await readFile(join(REAL, rel));
      expect(createHash('sha256').update(bytes).digest('hex'), rel).toBe(hash);
      if (existsSync(join(SHARED, rel))) expect(Buffer.compare(bytes, await readFile(join(SHARED, rel))), rel).toBe(0);
    }
  });
});

async function npy(file: string) {
  return readNpy(file);
}

/** The imported model planned with default knobs, plus its artifact. */
async function planned(model: ImportedModel, name: string, calib: string, bits = 8): Promise<{ design: DesignPlan; artifact: Awaited<ReturnType<typeof loadArtifact>> }> {
  const c = await npy(calib);
  const { manifest, tensors } = toArtifact(model, name, { bits, tableBits: 8, calibration: { data: c.data, rows: c.shape[0] } });
  const dir = join(tmp, `${name}-${bits}`);
  await writeArtifactAtomically(dir, manifest, tensors);
  const artifact = await loadArtifact(join(dir, 'model.json'));
  return { design: planDesign(artifact, await loadHwConfig(undefined), { manifest: join(dir, 'model.json'), regenerateCommand: 'test' }), artifact };
}

function floatModelOutputs(artifact: Awaited<ReturnType<typeof loadArtifact>>, x: Float64Array, D: number, M: number): Float64Array {
  const f = floatArtifact(artifact);
  const n = x.length / D;
  const out = new Float64Array(n * M);
  for (let i = 0; i < n; i++) out.set(f.run(x, i * D).subarray(0, M), i * M);
  return out;
}

describe('LUT-NN (blink-mm) digits MLP, as exported', () => {
  it('reads the torch checkpoint and the ONNX export (Constant nodes) to the same three layers', async () => {
    const state = await importLutnnState(join(MLP, 'lutnn_mlp_digits.pth'));
    for (const file of ['lutnn_mlp_digits_dpq.onnx', 'lutnn_mlp_digits_dpq_nofold.onnx']) {
      const onnx = await importLutnnOnnx(join(MLP, file));
      expect(onnx.layers.map((l) => [l.name, l.C, l.K, l.V, l.M, l.activation])).toEqual([
        ['fc1', 16, 16, 4, 32, 'relu'],
        ['fc2', 8, 16, 4, 32, 'relu'],
        ['fc3', 8, 16, 4, 10, 'none'],
      ]);
      expect(state.layers.map((l) => [l.name, l.C, l.K, l.V, l.M, l.activation])).toEqual(onnx.layers.map((l) => [l.name, l.C, l.K, l.V, l.M, l.activation]));
      for (let i = 0; i < 3; i++) {
        expect(Array.from(state.layers[i].centroids!)).toEqual(Array.from(onnx.layers[i].centroids!));
        expect(Array.from(state.layers[i].bias)).toEqual(Array.from(onnx.layers[i].bias));
        expect(state.layers[i].table.kind).toBe('weight');
      }
    }
  });

  it('builds INT8 tables bit-identical to the ones LUT-NN itself exported', async () => {
    const calib = join(MLP, 'calib.npy');
    const fromState = await planned(await importLutnnState(join(MLP, 'lutnn_mlp_digits.pth')), 'state', calib);
    const onnx = await importLutnnOnnx(join(MLP, 'lutnn_mlp_digits_dpq.onnx'));
    for (let i = 0; i < 3; i++) {
      const plan = fromState.design.layers[i] as LutLinearPlan;
      const exported = onnx.layers[i].table;
      expect(exported.kind).toBe('int');
      if (exported.kind !== 'int') continue;
      expect(Array.from(plan.table.values)).toEqual(Array.from(exported.lut));
      // LUT-NN computes s in float32, the tool in float64: equal to float32 rounding.
      expect(Math.abs(plan.table.scale - exported.scale) / exported.scale).toBeLessThan(2e-7);
    }
  });

  it('has a float model within 1e-5 of PyTorch LUT-NN’s logits, and hardware that agrees on ≥ 98 % of the predictions', async () => {
    const x = await npy(join(MLP, 'test_x.npy'));
    const ref = await npy(join(MLP, 'ref_logits_lutnn_pytorch.npy'));
    const labels = Int32Array.from((await npy(join(MLP, 'test_y.npy'))).data);
    for (const [label, model] of [
      ['pth', await importLutnnState(join(MLP, 'lutnn_mlp_digits.pth'))],
      ['onnx', await importLutnnOnnx(join(MLP, 'lutnn_mlp_digits_dpq.onnx'))],
    ] as const) {
      const { design, artifact } = await planned(model, label, join(MLP, 'calib.npy'));
      const float = floatModelOutputs(artifact, x.data, 64, 10);
      const f = compareOutputs(float, ref.data, 10);
      expect(f.maxAbsError, label).toBeLessThanOrEqual(1e-5);
      expect(f.argmaxAgreement).toBe(1);
      const q = quantizeInputs(design, x.data);
      const golden = runDesign(design, q);
      const g = compareOutputs(Float64Array.from(golden, (v) => v * design.io.output.scale), ref.data, 10);
      expect(g.argmaxAgreement, label).toBeGreaterThanOrEqual(0.98);
      // Documented in docs/convert-and-import.md: 99.24 % agreement, 96.22 % accuracy (PyTorch 96.47 %).
      const pred = argmaxRows(golden, 10);
      const acc = pred.filter((p, i) => p === labels[i]).length / labels.length;
      expect(acc, label).toBeGreaterThanOrEqual(0.955);
      expect(checkGoldenAgainstArtifact(design, artifact, q).disagreement).toBeNull();
    }
  });

  it('stays bit-exact with 16-bit streams (l2 norms past INT32) against the independent reference', async () => {
    const { design, artifact } = await planned(await importLutnnState(join(MLP, 'lutnn_mlp_digits.pth')), 'pth16', join(MLP, 'calib.npy'), 16);
    const fc1 = design.layers[0] as LutLinearPlan;
    expect(Math.max(...ccsOf(fc1).norms)).toBeGreaterThan(2 ** 31);
    const x = await npy(join(MLP, 'test_x.npy'));
    const q = quantizeInputs(design, x.data);
    expect(checkGoldenAgainstArtifact(design, artifact, q).disagreement).toBeNull();
    const ref = await npy(join(MLP, 'ref_logits_lutnn_pytorch.npy'));
    const golden = runDesign(design, q);
    expect(compareOutputs(Float64Array.from(golden, (v) => v * design.io.output.scale), ref.data, 10).argmaxAgreement).toBeGreaterThanOrEqual(0.99);
  });

  it('imports, generates and simulates from the command line, comparing the RTL with PyTorch', async () => {
    const art = join(tmp, 'cli-art');
    const rtl = join(tmp, 'cli-rtl');
    const hw = join(tmp, 'cli-hw.yaml');
    // Time-shared codebooks keep the Verilator build short; the numbers do not depend on it.
    await writeFile(hw, 'codebooks_per_cycle: 4\noutputs_per_cycle: 8\n');
    const imp = await execa('node', [LUTNN, 'import', join(MLP, 'lutnn_mlp_digits.pth'), '--from', 'lutnn-state', '--calib', join(MLP, 'calib.npy'), '-o', art], { reject: false });
    expect(imp.exitCode, imp.stderr).toBe(0);
    expect(imp.stdout).toMatch(/^next\s+npx lutnn gen-rtl --model .*model\.json/m);
    const gen = await execa('node', [LUTNN, 'gen-rtl', '--model', join(art, 'model.json'), '--config', hw, '--out', rtl, '-q'], { reject: false });
    expect(gen.exitCode, gen.stderr).toBe(0);
    const sim = await execa('node', [LUTNN, 'sim', rtl, '--inputs', join(MLP, 'test_x.npy'), '--reference', join(MLP, 'ref_logits_lutnn_pytorch.npy'), '--labels', join(MLP, 'test_y.npy'), '--model', join(art, 'model.json')], { reject: false });
    expect(sim.exitCode, sim.stdout + sim.stderr).toBe(0);
    expect(sim.stdout).toMatch(/^PASS  397 vectors bit-exact against the golden model/m);
    // The first run of a design says it builds the simulator, and how long that took.
    expect(sim.stderr).toMatch(/building the verilator simulator \(once per design, then cached\)/);
    expect(sim.stderr).toMatch(/verilator simulator (built in [\d.]+s|reused from cache)/);
    expect(sim.stdout).toMatch(/^PASS  golden model equals the independent reference computed from the artifact \(3 layers, 397 vectors\)/m);
    const agreement = Number(/design \(RTL\) vs reference .*argmax agreement ([\d.]+) %/.exec(sim.stdout)?.[1]);
    expect(agreement).toBeGreaterThanOrEqual(98);
    const floatErr = Number(/float model \(artifact, float64\) vs reference: max \|e\| ([\d.e+-]+)/.exec(sim.stdout)?.[1]);
    expect(floatErr).toBeLessThanOrEqual(1e-5);
    expect(sim.stdout).toMatch(/accuracy on .*test_y\.npy \(397 labels\): RTL [\d.]+ %, golden [\d.]+ %, float model 96\.47 %, reference 96\.47 %/);
  });
});

describe('the RTL of the ONNX export, simulated on the test digits', () => {
  it('equals the golden model and agrees with PyTorch on ≥ 98 % of the predictions', async () => {
    const { design, artifact } = await planned(await importLutnnOnnx(join(MLP, 'lutnn_mlp_digits_dpq.onnx')), 'onnxrtl', join(MLP, 'calib.npy'));
    const hw = join(tmp, 'onnx-hw.yaml');
    await writeFile(hw, 'codebooks_per_cycle: 8\noutputs_per_cycle: 16\n');
    const rtl = join(tmp, 'onnx-rtl');
    await genRtl({ model: artifact.manifestPath, config: hw, out: rtl });
    const x = await npy(join(MLP, 'test_x.npy'));
    const r = await verifyDesign(rtl, { vectors: 0, seed: 4, inputs: quantizeInputs(design, x.data) });
    expect(r.mismatch).toBeNull();
    expect(r.timing?.ok).toBe(true);
    expect(checkGoldenAgainstArtifact(r.design, artifact, r.inputs).disagreement).toBeNull();
    const ref = await npy(join(MLP, 'ref_logits_lutnn_pytorch.npy'));
    expect(compareOutputs(Float64Array.from(r.outputs, (v) => v * design.io.output.scale), ref.data, 10).argmaxAgreement).toBeGreaterThanOrEqual(0.98);
  });
});

describe('LUT-NN convolution states', () => {
  it('are refused by name, never imported as linear layers', async () => {
    const file = join(REAL, 'lutnn-conv', 'amm_conv1x1_state.safetensors');
    await expect(importLutnnState(file)).rejects.toThrow(/Layer "c1" may be a convolution, and a state dict does not say which it is[\s\S]*--topology[\s\S]*--assume-linear/);
    const r = await execa('node', [LUTNN, 'import', file, '--from', 'lutnn-state', '--scales', '1,1,1', '-o', join(tmp, 'conv')], { reject: false });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/--topology <file\.yaml>/);
    expect(existsSync(join(tmp, 'conv'))).toBe(false);
  });
});

describe('LUT-NN convolution states with a topology file', () => {
  const file = join(REAL, 'lutnn-conv', 'amm_conv1x1_state.safetensors');
  const topologyText = 'input: { height: 5, width: 6 }\nlayers:\n  c1: { kind: conv2d, kernel_size: [1, 1] }\n  c2: { kind: conv2d, kernel_size: [1, 1] }\n';

  it('import as lut_conv2d layers whose float reference is AMMConv2d’s forward computed here from the tensors, and simulate bit-exact', async () => {
    const topo = join(tmp, 'conv-topology.yaml');
    await writeFile(topo, topologyText);
    // Calibration frames: 5 × 6 pixels of 8 channels (channels last), seeded.
    const frames = 12;
    const calib = new Float32Array(frames * 5 * 6 * 8);
    let seed = 7;
    for (let i = 0; i < calib.length; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      calib[i] = (seed / 2 ** 31) * 4 - 2;
    }
    const calibPath = join(tmp, 'conv-calib.npy');
    await writeFile(calibPath, new Uint8Array(dumpNpy(calib, [frames, 5 * 6 * 8])));
    const out = join(tmp, 'conv-art');
    const r = await execa('node', [LUTNN, 'import', file, '--from', 'lutnn-state', '--topology', topo, '--calib', calibPath, '-o', out, '--name', 'amm'], { reject: false });
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(/c1 conv 1x1 5x6x8->5x6x16, c2 conv 1x1 5x6x16->5x6x8/);
    const artifact = await loadArtifact(join(out, 'model.json'));
    expect(artifact.layers.map((l) => (l.kind === 'lut_conv2d' ? [l.name, l.conv.inChannels, l.conv.height, l.conv.width, l.linear.outFeatures] : l.kind))).toEqual([['c1', 8, 5, 6, 16], ['c2', 16, 5, 6, 8]]);
    // AMMConv2d's forward (ops/amm_conv2d.py) on a 1×1 kernel, from the safetensors as stored:
    // per pixel and codebook the nearest centroid (squared L2), T = centroids · weight, plus bias.
    const st = parseSafetensors(new Uint8Array(await readFile(file)), file).tensors;
    const t = (k: string) => Float64Array.from(st.get(k)!.data);
    const ammForward = (prefix: string, x: Float64Array, pixels: number, C: number, K: number, V: number, M: number, relu: boolean) => {
      const P = t(`${prefix}.centroids`);
      const W = t(`${prefix}.weight`);
      const b = t(`${prefix}.bias`);
      const y = new Float64Array(pixels * M);
      for (let p = 0; p < pixels; p++) {
        y.set(b, p * M);
        for (let c = 0; c < C; c++) {
          let best = 0;
          let bestD = Infinity;
          for (let k = 0; k < K; k++) {
            let d = 0;
            for (let v = 0; v < V; v++) d += (x[p * C * V + c * V + v] - P[(c * K + k) * V + v]) ** 2;
            if (d < bestD) [best, bestD] = [k, d];
          }
          for (let m = 0; m < M; m++) for (let v = 0; v < V; v++) y[p * M + m] += P[(c * K + best) * V + v] * W[(c * V + v) * M + m];
        }
        if (relu) for (let m = 0; m < M; m++) y[p * M + m] = Math.max(0, y[p * M + m]);
      }
      return y;
    };
    // Layer by layer (a table LSB in c1 could flip an index of c2): ours uses LUT-NN's INT8 table,
    // T quantized symmetrically, so each output is within C · (max|T| / 127) / 2 of the float one.
    const tableLsb = (prefix: string, C: number, K: number, V: number, M: number) => {
      const P = t(`${prefix}.centroids`);
      const W = t(`${prefix}.weight`);
      let max = 0;
      for (let c = 0; c < C; c++) for (let k = 0; k < K; k++) for (let m = 0; m < M; m++) {
        let v = 0;
        for (let j = 0; j < V; j++) v += P[(c * K + k) * V + j] * W[(c * V + j) * M + m];
        max = Math.max(max, Math.abs(v));
      }
      return max / 127;
    };
    const [c1, c2] = artifact.layers.map((l) => floatLutConv2d(l as LutConv2dLayer));
    for (let f = 0; f < 3; f++) {
      const x = Float64Array.from(calib.subarray(f * 240, (f + 1) * 240));
      const h = ammForward('c1', x, 30, 4, 16, 2, 16, true);
      const y = ammForward('c2', h, 30, 4, 16, 4, 8, false);
      const [ours1, ours2] = [c1.run(x), c2.run(h)];
      const [tol1, tol2] = [(4 * tableLsb('c1', 4, 16, 2, 16)) / 2 + 1e-6, (4 * tableLsb('c2', 4, 16, 4, 8)) / 2 + 1e-6];
      for (let i = 0; i < h.length; i++) expect(Math.abs(ours1[i] - h[i])).toBeLessThanOrEqual(tol1);
      for (let i = 0; i < y.length; i++) expect(Math.abs(ours2[i] - y[i])).toBeLessThanOrEqual(tol2);
    }
    const rtl = join(tmp, 'conv-rtl');
    const { plan } = await genRtl({ model: artifact.manifestPath, out: rtl });
    const v = await verifyDesign(rtl, { vectors: 0, seed: 3, inputs: quantizeInputs(plan, Float64Array.from(calib)), gapProbability: 0.3, stallProbability: 0.3 });
    expect(v.failure).toBeUndefined();
    expect(v.mismatch).toBeNull();
    expect(checkGoldenAgainstArtifact(v.design, artifact, v.inputs).disagreement).toBeNull();
    const timed = await verifyDesign(rtl, { vectors: 6, seed: 3 });
    expect(timed.timing?.ok).toBe(true);
  });
});

describe('PIM-DL converter output (tiny BERT)', () => {
  const NPZ = join(REAL, 'pim-dl', 'tiny_bert_pimdl.npz');
  const OP = '0.attention.self.query';

  it('reads every operator with its real keys: codebooks (C, K·V), lut (C·K, M), scalar lut.bias, layer bias', async () => {
    const models = await importPimDlNpz(NPZ);
    expect(models.map((m) => [m.label, m.layers[0].C, m.layers[0].K, m.layers[0].V, m.layers[0].M])).toEqual([
      ['0.attention.output.dense', 4, 16, 2, 8],
      ['0.attention.self.key', 4, 16, 2, 8],
      ['0.attention.self.query', 4, 16, 2, 8],
      ['0.attention.self.value', 4, 16, 2, 8],
      ['0.intermediate.dense', 4, 16, 2, 32],
      ['0.output.dense', 16, 16, 2, 8],
    ]);
    const [q] = await importPimDlNpz(NPZ, { layers: [OP] });
    const z = await readNpz(NPZ);
    expect(Array.from(q.layers[0].bias)).toEqual(Array.from(z.get(`${OP}.bias`)!.data));
  });

  it('computes the runtime’s y = scale·Σ q + C·lut.bias + bias exactly, and the float output to within C·scale/2', async () => {
    const [model] = await importPimDlNpz(NPZ, { layers: [OP] });
    const { design, artifact } = await planned(model, 'pimdl', join(REAL, 'pim-dl', 'query_x.npy'));
    const x = await npy(join(REAL, 'pim-dl', 'query_x.npy'));
    const yRef = await npy(join(REAL, 'pim-dl', 'query_y_pimdl_float.npy'));
    // PIM-DL's host formula, straight from the npz (pim_lut_host.cpp): nearest centroid by L2.
    const z = await readNpz(NPZ);
    const cent = z.get(`${OP}.centroids.weight`)!.data;
    const lut = z.get(`${OP}.lut.tensor`)!.data;
    const s = z.get(`${OP}.lut.scale`)!.data[0];
    const lb = z.get(`${OP}.lut.bias`)!.data[0];
    const b = z.get(`${OP}.bias`)!.data;
    const [C, K, V, M] = [4, 16, 2, 8];
    const runtime = new Float64Array(5 * M);
    for (let n = 0; n < 5; n++) {
      for (let m = 0; m < M; m++) runtime[n * M + m] = b[m] + C * lb;
      for (let c = 0; c < C; c++) {
        let best = 0;
        let bestD = Infinity;
        for (let k = 0; k < K; k++) {
          let d = 0;
          for (let v = 0; v < V; v++) d += (x.data[n * 8 + c * V + v] - cent[c * K * V + k * V + v]) ** 2;
          if (d < bestD) [best, bestD] = [k, d];
        }
        for (let m = 0; m < M; m++) runtime[n * M + m] += s * lut[(c * K + best) * M + m];
      }
    }
    const float = floatModelOutputs(artifact, x.data, 8, 8);
    expect(compareOutputs(float, runtime, 8).maxAbsError).toBeLessThan(1e-6);
    // The reference used LUTLinear_t's float table, which the export does not hold (its .weight is
    // dropped): the int8 table differs by at most half an LSB per codebook.
    const err = compareOutputs(float, yRef.data, 8);
    expect(err.maxAbsError).toBeLessThanOrEqual((C * s) / 2);
    expect(err.maxAbsError).toBeGreaterThan(0.02); // documented: 0.0296
    const q = quantizeInputs(design, x.data);
    expect(checkGoldenAgainstArtifact(design, artifact, q).disagreement).toBeNull();
  });

  it('imports, generates and simulates the query operator from the command line against PIM-DL’s output', async () => {
    const art = join(tmp, 'q-art');
    const rtl = join(tmp, 'q-rtl');
    const P = join(REAL, 'pim-dl');
    const imp = await execa('node', [LUTNN, 'import', NPZ, '--from', 'pim-dl-npz', '--layers', OP, '--calib', join(P, 'query_x.npy'), '-o', art], { reject: false });
    expect(imp.exitCode, imp.stderr).toBe(0);
    expect((await execa('node', [LUTNN, 'gen-rtl', '--model', join(art, 'model.json'), '--out', rtl, '-q'], { reject: false })).exitCode).toBe(0);
    const sim = await execa('node', [LUTNN, 'sim', rtl, '--inputs', join(P, 'query_x.npy'), '--reference', join(P, 'query_y_pimdl_float.npy'), '--model', join(art, 'model.json'), '--simulator', 'icarus'], { reject: false });
    expect(sim.exitCode, sim.stdout + sim.stderr).toBe(0);
    expect(sim.stdout).toMatch(/^PASS  5 vectors bit-exact against the golden model \(icarus/m);
    expect(sim.stdout).toMatch(/^PASS  golden model equals the independent reference/m);
    const rtlErr = Number(/design \(RTL\) vs reference .*max \|e\| ([\d.e+-]+)/.exec(sim.stdout)?.[1]);
    expect(rtlErr).toBeLessThan(0.05); // documented: 0.0290 (8-bit streams)
  });

  it('writes one artifact per operator, each calibrated by its own array, and refuses to chain them', async () => {
    const out = join(tmp, 'pim-all');
    const calib = join(tmp, 'pim-calib.npz');
    const { zipSync } = await import('fflate');
    const { dump } = await import('npyjs');
    const x = await npy(join(REAL, 'pim-dl', 'query_x.npy'));
    const arrays: Record<string, Uint8Array> = {};
    for (const op of ['0.attention.self.query', '0.attention.self.key']) arrays[`${op}.npy`] = new Uint8Array(dump(Float32Array.from(x.data), [5, 8]));
    await writeFile(calib, zipSync(arrays));
    const r = await execa('node', [LUTNN, 'import', NPZ, '--from', 'pim-dl-npz', '--layers', '0.attention.self.query,0.attention.self.key', '--calib', calib, '-o', out], { reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    for (const d of ['op_0_attention_self_query', 'op_0_attention_self_key']) {
      const a = await loadArtifact(join(out, d, 'model.json'));
      expect(a.layers).toHaveLength(1);
      expect((a.layers[0] as LutLinearLayer).activation).toBe('none');
    }
    const one = await execa('node', [LUTNN, 'import', NPZ, '--from', 'pim-dl-npz', '--calib', join(REAL, 'pim-dl', 'query_x.npy'), '-o', join(tmp, 'pim-bad')], { reject: false });
    expect(one.exitCode).toBe(1);
    expect(one.stderr).toMatch(/One calibration array cannot calibrate several operators[\s\S]*--layers/);
    expect(existsSync(join(tmp, 'pim-bad'))).toBe(false);
  });
});

describe('halutmatmul (Stella Nera) MADDNESS export', () => {
  const H = join(REAL, 'halut');

  it('imports the learner’s .npy as a hash-tree layer whose float model is halutmatmul’s matmul_online, and whose RTL is bit-exact', async () => {
    const art = join(tmp, 'halut-art');
    const rtl = join(tmp, 'halut-rtl');
    const imp = await execa('node', [LUTNN, 'import', join(H, 'halut_digits_C16_K16.npy'), '--from', 'halut', '--calib', join(H, 'halut_calib.npy'), '-o', art], { reject: false });
    expect(imp.exitCode, imp.stderr).toBe(0);
    const artifact = await loadArtifact(join(art, 'model.json'));
    const layer = artifact.layers[0] as LutLinearLayer;
    expect([layer.numCodebooks, layer.numCentroids, layer.subvectorLen, layer.outFeatures]).toEqual([16, 16, 4, 10]);
    expect(layer.encoder).toMatchObject({ kind: 'hash_tree', depth: 4 });
    const hw = join(tmp, 'halut-hw.yaml');
    await writeFile(hw, 'codebooks_per_cycle: 4\n');
    const { plan } = await genRtl({ model: join(art, 'model.json'), config: hw, out: rtl });
    const x = await readNpy(join(H, 'halut_test_x.npy'));
    const q = quantizeInputs(plan, x.data);
    const r = await verifyDesign(rtl, { vectors: 0, seed: 3, inputs: q });
    expect(r.mismatch).toBeNull();
    expect(r.timing?.ok).toBe(true);
    expect(checkGoldenAgainstArtifact(plan, artifact, q).disagreement).toBeNull();
    // halut_tree_ref_y.npy is stored in Fortran order, read as it is.
    const yRef = await readNpy(join(H, 'halut_tree_ref_y.npy'));
    const float = floatModelOutputs(artifact, x.data, 64, 10);
    expect(compareOutputs(float, yRef.data, 10).maxAbsError).toBeLessThanOrEqual(1e-4);
  });

  it('reports how often the quantized encoder picks halutmatmul’s codes: every time on the digits’ 1/16 grid', async () => {
    const { importHalut, halutToImported } = await import('../../generator/import/halut.ts');
    const model = halutToImported(await importHalut(join(H, 'halut_digits_C16_K16.npy')));
    const x = await readNpy(join(H, 'halut_test_x.npy'));
    const codes = Int32Array.from((await readNpy(join(H, 'halut_tree_codes.npy'))).data);
    const agreement = async (scale: number) => {
      const { manifest, tensors } = toArtifact(model, `g${Math.round(1 / scale)}`, { bits: 8, tableBits: 8, scales: [scale, 0.05] });
      const dir = join(tmp, `halut-${Math.round(1 / scale)}`);
      await writeArtifactAtomically(dir, manifest, tensors);
      const design = planDesign(await loadArtifact(join(dir, 'model.json')), await loadHwConfig(undefined), { manifest: dir, regenerateCommand: 'test' });
      const lut = design.layers[0] as LutLinearPlan;
      const idx = new Int32Array(16);
      const q = quantizeInputs(design, x.data);
      let same = 0;
      for (let n = 0; n < 397; n++) {
        encoderOf(lut.encoder).encode(lut, lut.encoder, q, n * 64, idx);
        for (let c = 0; c < 16; c++) if (idx[c] === codes[n * 16 + c] - c * 16) same++;
      }
      return same / (397 * 16);
    };
    // Documented in docs/convert-and-import.md: the inputs are digits/16, so a 1/16 input grid is exact.
    expect(await agreement(1 / 16)).toBe(1);
    expect(await agreement(1 / 127)).toBeGreaterThan(0.9);
  });

  it('imports a HalutLinear state dict as halutmatmul’s argmin path, saying why, matching halut_ref_y', async () => {
    const art = join(tmp, 'halut-state');
    const imp = await execa('node', [LUTNN, 'import', join(H, 'halut_linear_state.safetensors'), '--from', 'halut', '--calib', join(H, 'halut_calib.npy'), '-o', art], { reject: false });
    expect(imp.exitCode, imp.stderr).toBe(0);
    expect(imp.stdout).toMatch(/^note .*argmin path/m);
    const artifact = await loadArtifact(join(art, 'model.json'));
    expect((artifact.layers[0] as LutLinearLayer).encoder).toEqual({ kind: 'ccs' });
    const x = await readNpy(join(H, 'halut_test_x.npy'));
    const yRef = await readNpy(join(H, 'halut_ref_y.npy'));
    const float = floatModelOutputs(artifact, x.data, 64, 10);
    // The state dict's bias (zeros here) is added as HalutLinear does; halut_ref_y has none.
    expect(compareOutputs(float, yRef.data, 10).maxAbsError).toBeLessThanOrEqual(1e-4);
  });
});
