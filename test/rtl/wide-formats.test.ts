/**
 * Issue 11 ("No PASS on wrong numbers"), done criterion: a 16-bit, V = 8 layer with full-scale
 * centroids is bit-exact against the independent reference computed from the artifact. Every
 * centroid coordinate at −2^15 or 2^15 − 1 gives l2 norms of about 2^33 and distances past 32 bits,
 * in centroid ROM words (norm fields wider than 32 bits) and as Verilog constants alike. Each design
 * is lint-clean, and RTL = golden model = reference on a few hundred vectors, at the planned timing.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadArtifact } from '../../generator/artifact/load.ts';
import { loadHwConfig } from '../../generator/config/hw-config.ts';
import { emitDesign } from '../../generator/emit/design.ts';
import { PROJECT_ROOT } from '../../generator/emit/render.ts';
import { genRtl } from '../../generator/gen-rtl.ts';
import { checkGoldenAgainstArtifact } from '../../generator/golden/artifact-reference.ts';
import { planDesign } from '../../generator/plan/design.ts';
import type { LutLinearPlan } from '../../generator/plan/types.ts';
import { writeDirectoryAtomically } from '../../generator/util/atomic-dir.ts';
import { verifyDesign } from '../../tb/verify.ts';
import { lintDesign } from '../support/lint.ts';
import { writeRandomLayer, type RandomLayerSpec } from '../support/random-layer.ts';
import { ccsOf } from '../support/reference-check.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lutnn-wide-'));
});
afterAll(async () => rm(root, { recursive: true, force: true }));

const base: RandomLayerSpec = {
  K: 16, V: 8, C: 2, M: 3, inBits: 16, outBits: 16, tableBits: 16, metric: 'l2', activation: 'none', source: 'float', withBias: true,
  duplicateFraction: 0.1, fullScale: 1, outputScaleFactor: 1, codebooksPerCycle: 1, outputsPerCycle: 'all', treeLevelsPerStage: 2,
  pipeline: 'standard', memoryStyle: 'auto', reset: 'sync', seed: 1611,
};

describe('a 16-bit, V = 8 layer with full-scale centroids is bit-exact against the independent reference', () => {
  it.each([
    ['l2, standard pipeline, centroid ROM (34-bit norm fields), K = 64', { K: 64 }],
    ['l2, standard pipeline, constant centroids', { C: 1, codebooksPerCycle: 'all' as const, seed: 1612 }],
    ['l2, pipeline: max, constant centroids', { C: 1, codebooksPerCycle: 'all' as const, pipeline: 'max' as const, seed: 1613 }],
    ['l2, pipeline: max, centroid ROM, half at full scale', { K: 4, fullScale: 0.5, pipeline: 'max' as const, seed: 1614 }],
    ['l1, standard pipeline, constant centroids', { C: 1, codebooksPerCycle: 'all' as const, metric: 'l1' as const, seed: 1615 }],
  ])('%s', async (_name, over) => {
    const spec: RandomLayerSpec = { ...base, ...over };
    const dir = join(root, `s${spec.seed}`);
    const { model, config } = await writeRandomLayer(join(dir, 'artifact'), spec);
    const out = join(dir, 'rtl');
    const { plan } = await genRtl({ model, config, out });
    const layer = plan.layers[0] as LutLinearPlan;
    const ccs = ccsOf(layer);
    expect(ccs.centroidStorage).toBe(spec.codebooksPerCycle === 'all' ? 'constant' : 'rom');
    if (spec.metric === 'l2') {
      // The widths issue 11 is about: norms and distances beyond INT32.
      expect(Math.max(...ccs.norms)).toBeGreaterThan(2 ** 32);
      expect(ccs.normWidth).toBeGreaterThan(32);
      expect(ccs.distanceWidth).toBeGreaterThan(32);
    }
    expect(await lintDesign(out, plan.top)).toBe('');

    const report = await verifyDesign(out, { vectors: 300, seed: spec.seed, gapProbability: 0.3, stallProbability: 0.3 });
    expect(report.failure).toBeUndefined();
    // RTL = golden model …
    expect(report.mismatch).toBeNull();
    expect(report.timing?.ok, JSON.stringify(report.timing)).toBe(true);
    // … = the reference computed from the artifact's tensors (not from plan.json).
    const check = checkGoldenAgainstArtifact(report.design, await loadArtifact(model), report.inputs);
    expect(check.disagreement).toBeNull();
    expect(check.layers).toEqual(['l']);
    expect(Array.from(report.outputs)).toEqual(Array.from(report.expected));
  });
});

describe('issue 11 replayed: RTL generated from a plan whose norms wrapped through an Int32Array', () => {
  it('matches the (equally wrong) golden model, and `lutnn sim` still fails it against the artifact', async () => {
    // Half the centroids at full scale: their norms (≈ 2^33) and the others' wrap by different
    // multiples of 2^32, so the argmin changes (a uniform wrap would hide itself).
    const spec: RandomLayerSpec = { ...base, C: 1, K: 8, codebooksPerCycle: 'all', fullScale: 0.5, seed: 1616 };
    const dir = join(root, 'wrapped');
    const { model, config } = await writeRandomLayer(join(dir, 'artifact'), spec);
    const design = planDesign(await loadArtifact(model), await loadHwConfig(config), { manifest: model, regenerateCommand: 'test' });
    const ccs = ccsOf(design.layers[0] as LutLinearPlan);
    expect(Math.max(...ccs.norms)).toBeGreaterThan(2 ** 31);
    ccs.norms = Float64Array.from(Int32Array.from(ccs.norms)); // the old planner's arithmetic
    const out = join(dir, 'rtl');
    await writeDirectoryAtomically(out, emitDesign(design));
    const sim = await execa('node', [join(PROJECT_ROOT, 'bin', 'lutnn.js'), 'sim', out, '--vectors', '300', '--seed', '3', '--model', model, '-q'], { reject: false });
    // RTL and golden model read the same wrong plan, so they agree …
    expect(sim.stdout).toMatch(/^PASS  300 vectors bit-exact against the golden model/m);
    // … but the reference computed from the artifact does not: no overall PASS.
    expect(sim.stdout).toMatch(/^FAIL  the plan disagrees with the artifact: layer l, vector \d+, output lane \d+/m);
    expect(sim.exitCode, sim.stdout + sim.stderr).toBe(2);
  });
});
