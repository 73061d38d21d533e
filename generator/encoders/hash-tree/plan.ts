/**
 * Planner of a hash-tree encoder: every node's threshold folded into one integer of the input grid
 * (docs/number-formats.md §2a), split columns relative to the sub-vector, the level pipeline
 * (`tree_levels_per_stage`, `pipeline: max`), latency and the step ROM of thresholds and columns
 * when lanes are time-shared.
 */
import type { HashTreeArtifactEncoder } from '../../artifact/types.ts';
import { indexBits, signedMax, signedMin } from '../../numeric/fixed.ts';
import type { EncoderPlanContext } from '../registry.ts';
import type { HashTreePlan } from './types.ts';

/** |u − round(u)| ≤ SNAP_TOLERANCE·max(1, |u|): u is taken as the integer round(u) (float noise). */
export const SNAP_TOLERANCE = 1e-9;

/**
 * One node's integer threshold (number-formats.md §2a): the real comparison (x − o)·σ > t with
 * σ > 0 and x = s_in·q is q > u, u = (t/σ + o)/s_in, and for an integer q that is q > floor(u);
 * a u within SNAP_TOLERANCE of an integer is that integer (so an input on the threshold goes left);
 * the result is clamped to [lo − 1, hi] (lo − 1: every input goes right; hi: every input left, as
 * for the float32 maximum a learner writes for a degenerate node). Infinite u (t/σ past float64)
 * clamps the same way.
 */
export function foldThreshold(t: number, offset: number, scale: number, inputScale: number, bits: number): number {
  const lo = signedMin(bits);
  const hi = signedMax(bits);
  const u = (t / scale + offset) / inputScale;
  const r = Math.round(u);
  const U = Math.abs(u - r) <= SNAP_TOLERANCE * Math.max(1, Math.abs(u)) ? r : Math.floor(u);
  return Math.min(hi, Math.max(lo - 1, U));
}

/** Integer thresholds (C, 2^d − 1) of an artifact hash tree for a `bits`-wide input at `inputScale`. */
export function foldThresholds(enc: HashTreeArtifactEncoder, C: number, inputScale: number, bits: number): Int32Array {
  const d = enc.depth;
  const nodes = 2 ** d - 1;
  const out = new Int32Array(C * nodes);
  for (let c = 0; c < C; c++) {
    for (let l = 0; l < d; l++) {
      const o = enc.splitOffsets ? enc.splitOffsets.data[c * d + l] : 0;
      const s = enc.splitScales ? enc.splitScales.data[c * d + l] : 1;
      for (let n = 0; n < 2 ** l; n++) {
        const i = c * nodes + 2 ** l - 1 + n;
        out[i] = foldThreshold(enc.thresholds.data[i], o, s, inputScale, bits);
      }
    }
  }
  return out;
}

/** Level counts after which node bits are registered: every `levelsPerStage` levels and after the last. */
export function planLevels(depth: number, levelsPerStage: number): number[] {
  const registered: number[] = [];
  for (let level = 1; level <= depth; level++) if (level % levelsPerStage === 0 || level === depth) registered.push(level);
  return registered;
}

/** Bits of one lane's step-ROM field: d split dims, then the 2^d − 1 thresholds level-major. */
export function laneParamBits(ht: Pick<HashTreePlan, 'depth' | 'dimWidth' | 'comparatorWidth'>): number {
  return ht.depth * ht.dimWidth + (2 ** ht.depth - 1) * ht.comparatorWidth;
}

export function planHashTree(ctx: EncoderPlanContext<HashTreeArtifactEncoder>): HashTreePlan {
  const { layer, encoder: enc, hw, prefix, lanes: Pc, steps: E } = ctx;
  const { numCodebooks: C, subvectorLen: V } = layer;
  const d = enc.depth;
  const B = layer.input.bits;
  const splitDims = new Int32Array(C * d);
  for (let c = 0; c < C; c++) for (let l = 0; l < d; l++) splitDims[c * d + l] = enc.splitDims.data[c * d + l] - c * V;
  const maxPipe = hw.pipeline === 'max';
  const registeredLevels = planLevels(d, maxPipe ? 1 : hw.treeLevelsPerStage);
  const thresholdStorage = E === 1 ? 'constant' : 'rom';
  const plan: HashTreePlan = {
    kind: 'hash_tree',
    module: `${prefix}_hash_tree`,
    indexWidth: d,
    // Every stage ends in the lane's node register; the first reads the shell's registers directly.
    latency: registeredLevels.length,
    stepRom: null,
    depth: d,
    splitDims,
    thresholds: foldThresholds(enc, C, layer.input.scale, B),
    comparatorWidth: B + 1,
    registeredLevels,
    pipeline: maxPipe ? 'max' : 'standard',
    thresholdStorage,
    dimWidth: V > 1 ? indexBits(V) : 0,
  };
  if (thresholdStorage === 'rom') {
    plan.stepRom = { module: `${prefix}_threshold_rom`, width: Pc * laneParamBits(plan), depth: E, addressWidth: indexBits(E), file: `${prefix}_thresholds.memh` };
  }
  return plan;
}
