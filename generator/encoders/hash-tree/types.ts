/**
 * The plan of a hash-tree encoder (MADDNESS; `encoder: { kind: "hash_tree", depth }`): per codebook
 * lane `d` levels of one comparison each, `node = 2·node + (q[dim] > T[node])`, the index is the node
 * after the last level (docs/number-formats.md §2a, docs/architecture.md "The hash-tree unit").
 */
import type { EncoderSeam } from '../types.ts';

export interface HashTreePlan extends EncoderSeam<'hash_tree'> {
  /** d, 1 … 8 (K = 2^d); also the index width. */
  depth: number;
  /** (C, d): the column level l of codebook c compares, relative to the codebook's sub-vector (0 … V−1). */
  splitDims: Int32Array;
  /**
   * (C, 2^d − 1), level-major (level l, node n at 2^l − 1 + n): integer thresholds in
   * [lo − 1, hi] of the INT b_in input, folded from threshold, offset, scale and input scale
   * (number-formats.md §2a); the level's bit is `q > T`.
   */
  thresholds: Int32Array;
  /** b_in + 1: the signed width of every comparison (it holds lo − 1). */
  comparatorWidth: number;
  /**
   * Level counts (1 … d) after which the lane's node bits are registered: after every
   * `tree_levels_per_stage` levels and always after the last (`pipeline: max`: after every level).
   * The unit's latency is their number, plus one each for `subRegister` and `selectStage`.
   */
  registeredLevels: number[];
  pipeline: 'standard' | 'max';
  /**
   * `pipeline: max` with step-ROM columns (E > 1, V > 1): the elements each level compares (the
   * V-way column selects) and the level thresholds are registered in a stage of their own before
   * level 0, so no stage holds a select and a comparison (measured on HX8K: ROM word → column mux
   * → 9-bit comparison → subtree select was 10–11 logic cells, 96–108 MHz in a whole layer). One
   * cycle more latency.
   */
  selectStage: boolean;
  /**
   * `pipeline: max` with a step ROM: the shell addresses the ROM with its step register
   * (StepRomPlan.address `step`), and the unit registers its sub-vectors once so they meet the
   * word a cycle later. One cycle more latency.
   */
  subRegister: boolean;
  /** `constant`: one codebook per lane for the whole vector (E = 1): dims and thresholds are literals.
   *  `rom`: lanes are time-shared over E encode steps; dims and thresholds come from the step ROM. */
  thresholdStorage: 'constant' | 'rom';
  /** Bits of one split-dim field of the step ROM (0 when V = 1: the one column needs no select). */
  dimWidth: number;
}
