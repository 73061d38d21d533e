/**
 * Model graphs with requantize and ReLU steps: lut_linear → requant (new scale and width) → relu,
 * simulated bit-exactly; the steps compute exactly sat(round_half_up(x·s_in/s_out)) and max(0, ·).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadArtifact } from '../../generator/artifact/load.ts';
import { writeArtifact } from '../../generator/artifact/write.ts';
import { loadHwConfig } from '../../generator/config/hw-config.ts';
import { genRtl } from '../../generator/gen-rtl.ts';
import { runLayer } from '../../generator/golden/design.ts';
import { planDesign } from '../../generator/plan/design.ts';
import { verifyDesign } from '../../tb/verify.ts';
import { lintDesign } from '../support/lint.ts';
import { buildRandomLayer, type RandomLayerSpec } from '../support/random-layer.ts';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'lutnn-steps-'));
});
afterAll(async () => rm(tmp, { recursive: true, force: true }));

const spec: RandomLayerSpec = {
  K: 8, V: 2, C: 4, M: 6, inBits: 8, outBits: 8, tableBits: 8, metric: 'l2', activation: 'none', source: 'float',
  withBias: true, duplicateFraction: 0, outputScaleFactor: 1, codebooksPerCycle: 2, outputsPerCycle: 3,
  treeLevelsPerStage: 2, memoryStyle: 'auto', reset: 'sync', seed: 21,
};

async function writeSteps(dir: string, out = { bits: 10, scale: 0.013 }): Promise<string> {
  const lin = buildRandomLayer(spec, 'fc');
  const mid = { bits: out.bits, scale: out.scale };
  return writeArtifact(
    dir,
    {
      format: 'lutnn-artifact', format_version: 1, name: 'steps', tensors: 'model.safetensors',
      layers: [
        lin.manifest,
        { name: 'rq', kind: 'requant', features: spec.M, input: lin.output, output: mid },
        { name: 'act', kind: 'relu', features: spec.M, input: mid, output: mid },
      ],
    },
    lin.tensors,
  );
}

describe('requant and relu steps', () => {
  it('compute exactly the documented integer functions', async () => {
    const model = await writeSteps(join(tmp, 'a'));
    const design = planDesign(await loadArtifact(model), await loadHwConfig(undefined), { manifest: model, regenerateCommand: 'x' });
    const [, rq, act] = design.layers;
    const sIn = design.layers[0].output.scale;
    const x = Int32Array.from({ length: 256 * 6 }, (_, i) => (i % 256) - 128);
    const y = runLayer(rq, x);
    for (let i = 0; i < x.length; i++) {
      const exact = Math.floor((x[i] * sIn) / 0.013 + 0.5);
      // The multiplier s_in/s_out is a 24-bit fixed-point constant: at most one LSB from the real ratio.
      expect(Math.abs(y[i] - Math.max(-512, Math.min(511, exact)))).toBeLessThanOrEqual(1);
    }
    const z = runLayer(act, y);
    for (let i = 0; i < y.length; i++) expect(z[i]).toBe(Math.max(0, y[i]));
  });

  it('chain after a lut_linear layer and simulate bit-exactly', async () => {
    const model = await writeSteps(join(tmp, 'b'));
    const out = join(tmp, 'b-rtl');
    const { plan } = await genRtl({ model, out });
    expect(plan.layers.map((l) => l.kind)).toEqual(['lut_linear', 'nnlut', 'nnlut']);
    expect(await lintDesign(out, plan.top)).toBe('');
    const r = await verifyDesign(out, { vectors: 500, seed: 4 });
    expect(r.mismatch).toBeNull();
    expect(r.timing?.ok).toBe(true);
  });

  it('are suggested when consecutive formats differ', async () => {
    const lin = buildRandomLayer(spec, 'fc');
    const model = await writeArtifact(
      join(tmp, 'c'),
      {
        format: 'lutnn-artifact', format_version: 1, name: 'bad', tensors: 'model.safetensors',
        layers: [lin.manifest, { name: 'act', kind: 'relu', features: spec.M, input: { bits: 8, scale: 0.5 }, output: { bits: 8, scale: 0.5 } }],
      },
      lin.tensors,
    );
    await expect(loadArtifact(model).then(async (a) => planDesign(a, await loadHwConfig(undefined), { manifest: model, regenerateCommand: 'x' }))).rejects.toThrow(/scale differ[\s\S]*"requant" layer between them/);
  });
});
