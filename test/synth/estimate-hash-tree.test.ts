/**
 * The hash-tree unit's analytic estimate against Yosys on iCE40 HX8K (docs/synthesis.md tolerance:
 * LUT and FF within ±25 %), with constant thresholds (each lane owns a codebook, E = 1) and with
 * the threshold ROM (lanes time-shared, E > 1), at two pipeline settings.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { genRtl } from '../../generator/gen-rtl.ts';
import type { LutLinearPlan } from '../../generator/plan/types.ts';
import { synthDesign } from '../../generator/synth/run.ts';
import { writeRandomLayer, type RandomLayerSpec } from '../support/random-layer.ts';
import { ESTIMATE_TOLERANCE, SMALL_SPEC } from './small-design.ts';

const TREE: RandomLayerSpec = {
  ...SMALL_SPEC, K: 16, V: 4, C: 4, source: 'float', codebooksPerCycle: 'all', treeLevelsPerStage: 2, pipeline: 'standard',
  hashTree: { depth: 4, onGrid: 0.8, extremes: 0.1, affine: 'grid', centroids: false },
};

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lutnn-ht-synth-'));
});
afterAll(async () => rm(root, { recursive: true, force: true }));

describe('hash-tree unit estimate against Yosys on iCE40 HX8K', () => {
  const cases: [string, Partial<RandomLayerSpec>][] = [
    ['constant thresholds, 4 lanes, 2 levels per stage', {}],
    ['threshold ROM, 2 lanes time-shared, pipeline: max', { codebooksPerCycle: 2, pipeline: 'max' }],
  ];
  for (const [name, change] of cases) {
    it(name, async () => {
      const dir = join(root, name.replace(/\W+/g, '-'));
      const a = await writeRandomLayer(join(dir, 'art'), { ...TREE, ...change });
      const { plan } = await genRtl({ ...a, out: join(dir, 'rtl') });
      const module = (plan.layers[0] as LutLinearPlan).encoder.module;
      const r = (await synthDesign(join(dir, 'rtl'), { target: 'ice40-hx8k', pnr: false, module, out: join(dir, 'synth') })).report;
      const e = r.estimate!;
      process.stdout.write(`${name}: LUT ${r.total.LUT} (estimate ${e.total.LUT}), FF ${r.total.FF} (estimate ${e.total.FF})\n`);
      for (const res of ['LUT', 'FF'] as const) {
        const rel = Math.abs(e.total[res] - r.total[res]) / r.total[res];
        expect(rel, `${res}: estimate ${e.total[res]}, actual ${r.total[res]}`).toBeLessThanOrEqual(ESTIMATE_TOLERANCE);
      }
    }, 300_000);
  }
});
