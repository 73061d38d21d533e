/**
 * Property: random hash-tree layers (depths 1 … 8, V 1 … 12, 2 … 16-bit inputs, thresholds placed
 * on input values so ties happen, past the input range, with halutmatmul's per-level offsets and
 * scales; P_c, tree_levels_per_stage and `pipeline: max`): lint-clean RTL, bit-exact against the
 * golden model under gaps and back-pressure, latency/II as planned, and golden indices equal to the
 * artifact's independent reference index by index. See support/check-random-layer.ts.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { checkRandomLayer, PBT_RUNS, PBT_SEED } from '../support/check-random-layer.ts';
import { hashTreeLayerSpec } from '../support/random-layer.ts';

describe('hash-tree encoder RTL versus golden model versus artifact reference (property)', () => {
  it(`holds for ${PBT_RUNS} random hash-tree layers (seed ${PBT_SEED + 7})`, async () => {
    await fc.assert(fc.asyncProperty(hashTreeLayerSpec, checkRandomLayer), { seed: PBT_SEED + 7, numRuns: PBT_RUNS, verbose: 1 });
  });
});
