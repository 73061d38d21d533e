/**
 * `pipeline: max` (one adder or comparator between registers): the bundled example and l1 /
 * chebyshev / constant-centroid shapes stay bit-exact, lint-clean, at the planned latency and II,
 * and the standard pipeline's RTL is unchanged by the knob's existence.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED_EXAMPLE } from '../../generator/cli/gen-rtl.ts';
import { genRtl } from '../../generator/gen-rtl.ts';
import type { LutLinearPlan } from '../../generator/plan/types.ts';
import { verifyDesign } from '../../tb/verify.ts';
import { lintDesign } from '../support/lint.ts';
import { writeRandomLayer, type RandomLayerSpec } from '../support/random-layer.ts';
import { ccsOf } from '../support/reference-check.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lutnn-pipe-'));
});
afterAll(async () => rm(root, { recursive: true, force: true }));

describe('pipeline: max', () => {
  it('the bundled example: bit-exact at the planned latency, every distance stage registered', async () => {
    const config = join(root, 'hw.yaml');
    await writeFile(config, `${await readFile(BUNDLED_EXAMPLE.config, 'utf8')}pipeline: max\n`.replace('tree_levels_per_stage: 2\n', ''));
    const out = join(root, 'example-max');
    const r = await genRtl({ model: BUNDLED_EXAMPLE.model, config, out });
    const layer = r.plan.layers[0] as LutLinearPlan;
    const ccs = ccsOf(layer);
    // ROM centroids, V = 4, B = 8: 37 terms → 6 stages; argmin: a compare and a select stage per level.
    expect(ccs.distanceStages).toBe(6);
    expect(ccs.treeRegisteredLevels).toEqual([1, 2, 3, 4]);
    // Three broadcast stages (input register, group copy, distance-module copy) + 6 distance stages
    // + 4 × 2 argmin stages.
    expect(ccs.latency).toBe(17);
    // Table outputs registered again, then two adder levels over the P_c = 4 entries.
    expect(layer.timing.sumStages).toBe(3);
    expect(layer.timing.outFifoInputStages).toBe(1);
    expect(r.plan.timing.latency).toBe(4 + 4 + 17 + 4 + 3 + layer.timing.requantLatency + 1);
    expect(await lintDesign(out, r.plan.top)).toBe('');
    // One distance module shared by the 4 × 16 (lane, centroid) instances; the input reaches them
    // through one copy register per group of four centroids (4 lanes × 4 groups).
    const unit = await readFile(join(out, `${ccs.module}.v`), 'utf8');
    expect(unit.match(new RegExp(`^  ${ccs.distanceModule} u_dist`, 'gm'))).toHaveLength(64);
    expect(unit.match(new RegExp(`^  ${ccs.fanoutModule} u_copy`, 'gm'))).toHaveLength(16);
    const dist = await readFile(join(out, `${ccs.distanceModule}.v`), 'utf8');
    // Exactly sized tree nodes: the first level adds two shifted 8-bit inputs, far below the distance width.
    const widths = [...dist.matchAll(/^  reg  \[(\d+):0\] d_s1_\d+;/gm)].map((m) => Number(m[1]) + 1);
    expect(widths.length).toBeGreaterThan(0);
    expect(Math.min(...widths)).toBeLessThan(ccs.distanceWidth);
    const v = await verifyDesign(out, { vectors: 1500, seed: 9 });
    expect(v.mismatch).toBeNull();
    expect(v.timing?.ok, JSON.stringify(v.timing)).toBe(true);
  });

  const base: RandomLayerSpec = {
    K: 6, V: 3, C: 5, M: 7, inBits: 6, outBits: 7, tableBits: 7, metric: 'l1', activation: 'relu', source: 'float', withBias: true,
    duplicateFraction: 0.3, outputScaleFactor: 0.3, codebooksPerCycle: 2, outputsPerCycle: 3, treeLevelsPerStage: 2, pipeline: 'max', memoryStyle: 'auto', reset: 'async', seed: 11,
  };
  it.each([
    ['l1, ties, saturation, output groups', base],
    ['chebyshev, V = 1', { ...base, metric: 'chebyshev' as const, V: 1, seed: 12 }],
    ['l2, constant centroids', { ...base, metric: 'l2' as const, codebooksPerCycle: 'all' as const, seed: 13 }],
  ])('%s: bit-exact with timing', async (_name, spec) => {
    const dir = join(root, `r${spec.seed}`);
    const a = await writeRandomLayer(join(dir, 'art'), spec);
    const r = await genRtl({ ...a, out: join(dir, 'rtl') });
    expect(await lintDesign(join(dir, 'rtl'), r.plan.top)).toBe('');
    const v = await verifyDesign(join(dir, 'rtl'), { vectors: 400, seed: 4 });
    expect(v.mismatch).toBeNull();
    expect(v.timing?.ok, JSON.stringify(v.timing)).toBe(true);
  });
});
