/**
 * Property (part A): for random layers and hardware configurations, the generated RTL is
 * lint-clean, matches the golden model bit for bit under random input gaps and back-pressure, and
 * its measured latency and initiation interval equal the plan's. See support/check-random-layer.ts.
 * Reproduce a failure with LUTNN_PBT_SEED=<seed printed by fast-check>.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { checkRandomLayer, PBT_RUNS, PBT_SEED } from '../support/check-random-layer.ts';
import { randomLayerSpec } from '../support/random-layer.ts';

describe('lut_linear RTL versus golden model (property, part A)', () => {
  it(`holds for ${PBT_RUNS} random layers (seed ${PBT_SEED + 0})`, async () => {
    await fc.assert(fc.asyncProperty(randomLayerSpec, checkRandomLayer), { seed: PBT_SEED + 0, numRuns: PBT_RUNS, verbose: 1 });
  });
});
