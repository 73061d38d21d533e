/** A small deterministic layer (fits an iCE40 HX8K) for the synthesis tests: artifact + hw.yaml. */
import type { RandomLayerSpec } from '../support/random-layer.ts';

export const SMALL_SPEC: RandomLayerSpec = {
  K: 8, V: 2, C: 4, M: 8, inBits: 8, outBits: 8, tableBits: 8, metric: 'l2', activation: 'relu', source: 'weight', withBias: true,
  duplicateFraction: 0, outputScaleFactor: 1, codebooksPerCycle: 1, outputsPerCycle: 'all', treeLevelsPerStage: 1, memoryStyle: 'block', reset: 'sync', seed: 7,
};

/** Estimate tolerance stated in docs/synthesis.md: LUT and FF totals within ±25 %, block RAM and DSP exact. */
export const ESTIMATE_TOLERANCE = 0.25;

/** LUT tolerance on families that map multipliers to DSP blocks (docs/synthesis.md): ±40 %. */
export const DSP_FAMILY_LUT_TOLERANCE = 0.4;

/**
 * The smallest useful layer for tests that run Yosys and start nextpnr but do not measure
 * anything (report writing, progress, time limit): about 350 LUT4; Yosys still takes 10–20 s,
 * mostly its fixed cost (a smaller layer is not faster).
 */
export const TINY_SPEC: RandomLayerSpec = {
  ...SMALL_SPEC, K: 2, V: 1, C: 2, M: 2, inBits: 4, outBits: 4, tableBits: 4, metric: 'l1', memoryStyle: 'distributed',
};
