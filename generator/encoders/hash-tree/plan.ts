/**
 * Planner of a hash-tree encoder: every node's threshold folded into one integer of the input grid
 * (docs/number-formats.md §2a), split columns relative to the sub-vector, the level pipeline
 * (`tree_levels_per_stage`, `pipeline: max`), latency and the step ROM of thresholds and columns
 * when lanes are time-shared.
 */
import type { HashTreeArtifactEncoder } from '../../artifact/types.ts';
import { indexBits, signedMax, signedMin } from '../../numeric/fixed.ts';
import { LutnnError } from '../../errors.ts';
import type { EncoderPlanContext, EncoderReloadContext } from '../registry.ts';
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

/**
 * Whether a stage narrows the carried threshold subtrees by the previous level's registered bit
 * (`pipeline: max` with a ROM; a stage then carries each later level's subtree at twice the size)
 * instead of by its own level's comparison, whose fan-out to every carried threshold bit was, on
 * HX8K, the critical path of a whole layer.
 */
export function lateNarrowing(ht: Pick<HashTreePlan, 'pipeline' | 'thresholdStorage'>): boolean {
  return ht.pipeline === 'max' && ht.thresholdStorage === 'rom';
}

/** Bits of one lane's step-ROM field: d split dims, then the 2^d − 1 thresholds level-major. */
export function laneParamBits(ht: Pick<HashTreePlan, 'depth' | 'dimWidth' | 'comparatorWidth'>): number {
  return ht.depth * ht.dimWidth + (2 ** ht.depth - 1) * ht.comparatorWidth;
}

/** (C, d) split columns relative to each codebook's sub-vector (0 … V−1). */
function relativeSplitDims(enc: HashTreeArtifactEncoder, C: number, V: number): Int32Array {
  const d = enc.depth;
  const out = new Int32Array(C * d);
  for (let c = 0; c < C; c++) for (let l = 0; l < d; l++) out[c * d + l] = enc.splitDims.data[c * d + l] - c * V;
  return out;
}

/**
 * A loaded model's tree in this hardware: its split columns and thresholds, written into the
 * threshold RAM (writable step ROM); with constants (E = 1) or a ROM they must equal the design's.
 * The depth, the comparator width and the pipeline are fixed.
 */
export function reloadHashTree(ctx: EncoderReloadContext<HashTreePlan, HashTreeArtifactEncoder>): HashTreePlan {
  const { layer, encoder: ht, loaded, loadedEncoder: enc, file } = ctx;
  const field = (f: string) => `layers.${loaded.name}.encoder.${f}`;
  if (enc.depth !== ht.depth) {
    throw new LutnnError(`Layer "${loaded.name}" cannot be loaded into the design: the tree depth differs.`, { file, field: field('depth'), expected: `${ht.depth} (what the design was generated for)`, found: String(enc.depth) });
  }
  const { C, V } = layer.dims;
  const splitDims = relativeSplitDims(enc, C, V);
  const thresholds = foldThresholds(enc, C, loaded.input.scale, loaded.input.bits);
  if (!ht.stepRom?.writable) {
    // Reached with E = 1: with table_storage: ram a threshold ROM is always writable, and with rom nothing is reloaded.
    const why = 'with one encode step (E = 1) the thresholds are constants of the unit';
    for (const [name, want, got] of [['split_dims', ht.splitDims, splitDims], ['thresholds', ht.thresholds, thresholds]] as const) {
      const at = want.findIndex((v, i) => v !== got[i]);
      if (at >= 0) {
        throw new LutnnError(`Layer "${loaded.name}" cannot be loaded into the design: its tree differs, and ${why}.`, { file, field: field(name), expected: `the design's ${name} (integer ${want[at]} at flat index ${at} after folding)`, found: String(got[at]) });
      }
    }
    return ht;
  }
  return { ...ht, splitDims, thresholds };
}

export function planHashTree(ctx: EncoderPlanContext<HashTreeArtifactEncoder>): HashTreePlan {
  const { layer, encoder: enc, hw, prefix, lanes: Pc, steps: E } = ctx;
  const { numCodebooks: C, subvectorLen: V } = layer;
  const d = enc.depth;
  const B = layer.input.bits;
  const splitDims = relativeSplitDims(enc, C, V);
  const maxPipe = hw.pipeline === 'max';
  const registeredLevels = planLevels(d, maxPipe ? 1 : hw.treeLevelsPerStage);
  const thresholdStorage = E === 1 ? 'constant' : 'rom';
  const dimWidth = V > 1 ? indexBits(V) : 0;
  // The sub-vector register comes with late narrowing: both are pipeline: max with a threshold ROM.
  const subRegister = lateNarrowing({ pipeline: maxPipe ? 'max' : 'standard', thresholdStorage });
  const selectStage = subRegister && dimWidth > 0;
  const plan: HashTreePlan = {
    kind: 'hash_tree',
    module: `${prefix}_hash_tree`,
    indexWidth: d,
    // Every stage ends in the lane's node register; the first reads the shell's registers directly
    // (or, with the select stage, the registered elements and thresholds).
    latency: registeredLevels.length + (subRegister ? 1 : 0) + (selectStage ? 1 : 0),
    stepRom: null,
    depth: d,
    splitDims,
    thresholds: foldThresholds(enc, C, layer.input.scale, B),
    comparatorWidth: B + 1,
    registeredLevels,
    pipeline: maxPipe ? 'max' : 'standard',
    thresholdStorage,
    dimWidth,
    selectStage,
    subRegister,
  };
  if (thresholdStorage === 'rom') {
    plan.stepRom = { module: `${prefix}_threshold_rom`, width: Pc * laneParamBits(plan), depth: E, addressWidth: indexBits(E), file: `${prefix}_thresholds.memh`, address: subRegister ? 'step' : 'next-step', writable: false, style: 'distributed' };
  }
  return plan;
}
