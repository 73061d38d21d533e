/**
 * The hash tree from the artifact, not from the plan.
 *
 * Independent reference (integer inputs on the grid): its own reading of the tensors (absolute
 * split columns, level-major thresholds walked as a heap: node i has children 2i + 1 and 2i + 2) and
 * its own decision per node, without the planner's floor and clamp: u = (t/σ + o)/s_in in float64
 * (the one expression number-formats.md §2a fixes, so both sides see the same u), then q > k when u
 * is within the snapping tolerance of the integer k, else q > u compared as reals. For a grid
 * input that is exactly the planner's q > clamp(floor or round(u), lo − 1, hi), so a wrong fold,
 * clamp, column or node order in the plan disagrees with it.
 *
 * Float reference (real inputs): halutmatmul's `apply_hash_function_opt`, (x − o)·σ > t in float64.
 */
import type { HashTreeArtifactEncoder, LutLinearLayer } from '../../artifact/types.ts';

/** The tolerance of number-formats.md §2a, written out again on purpose (not imported from plan.ts). */
const SNAP = 1e-9;

interface NodeRule {
  /** The integer k the threshold snaps to, or null. */
  snapped: number | null;
  /** The real threshold on the input grid (used when not snapped). */
  u: number;
}

/** The leaf of codebook c for one input vector x (input-grid integers), from the artifact's tensors. */
export function hashTreeReference(layer: LutLinearLayer, enc: HashTreeArtifactEncoder): (x: Int32Array, c: number) => number {
  const d = enc.depth;
  const inner = (1 << d) - 1;
  const s = layer.input.scale;
  const rules: NodeRule[] = [];
  for (let i = 0; i < layer.numCodebooks * inner; i++) {
    const c = Math.floor(i / inner);
    const level = 31 - Math.clz32((i % inner) + 1);
    const o = enc.splitOffsets === null ? 0 : enc.splitOffsets.data[c * d + level];
    const sigma = enc.splitScales === null ? 1 : enc.splitScales.data[c * d + level];
    const u = (enc.thresholds.data[i] / sigma + o) / s;
    const k = Math.floor(u + 0.5);
    rules.push({ snapped: Number.isFinite(u) && Math.abs(u - k) <= SNAP * Math.max(1, Math.abs(u)) ? k : null, u });
  }
  const cols = Array.from(enc.splitDims.data);
  return (x, c) => {
    let heap = 0;
    for (let level = 0; level < d; level++) {
      const q = x[cols[c * d + level]];
      const rule = rules[c * inner + heap];
      const right = rule.snapped === null ? q > rule.u : q > rule.snapped;
      heap = 2 * heap + (right ? 2 : 1);
    }
    return heap - inner;
  };
}

/** One codebook's tree as the float rule reads it: absolute split columns (C, d), level-major thresholds, optional per-level offset / scale. */
export interface FloatHashTree {
  depth: number;
  splitDims: ArrayLike<number>;
  thresholds: ArrayLike<number>;
  splitOffsets?: ArrayLike<number> | null;
  splitScales?: ArrayLike<number> | null;
}

/**
 * The format's float rule (halutmatmul `apply_hash_function_opt`, in float64): the leaf of codebook
 * c for the input vector at x[xOffset …]; per level (x − o)·σ > t. The one walk the float model and
 * the MADDNESS learner (convert/maddness.ts `encodeHashTrees`) share.
 */
export function hashTreeLeaf(t: FloatHashTree, x: ArrayLike<number>, xOffset: number, c: number): number {
  const d = t.depth;
  const inner = 2 ** d - 1;
  let node = 0;
  for (let l = 0; l < d; l++) {
    const i = c * d + l;
    let v = x[xOffset + t.splitDims[i]];
    if (t.splitOffsets) v -= t.splitOffsets[i];
    if (t.splitScales) v *= t.splitScales[i];
    node = 2 * node + (v > t.thresholds[c * inner + 2 ** l - 1 + node] ? 1 : 0);
  }
  return node;
}

/** The leaf of codebook c for one real-valued input vector at x[xOffset …], from the artifact's tensors. */
export function hashTreeFloat(enc: HashTreeArtifactEncoder): (x: ArrayLike<number>, xOffset: number, c: number) => number {
  const tree: FloatHashTree = {
    depth: enc.depth,
    splitDims: enc.splitDims.data,
    thresholds: enc.thresholds.data,
    splitOffsets: enc.splitOffsets?.data,
    splitScales: enc.splitScales?.data,
  };
  return (x, xOffset, c) => hashTreeLeaf(tree, x, xOffset, c);
}
