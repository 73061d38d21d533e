/**
 * Analytic estimate of the hash-tree unit (docs/synthesis.md, "Analytic estimator"), fitted to Yosys
 * on iCE40 (depths 1 … 8, both threshold storages; tolerance in docs/synthesis.md):
 *
 * * constant thresholds (E = 1): level l costs a comparison with a selected constant, about
 *   W/2 LUT4, plus the selection, a function of the l node bits per threshold bit: W·2^(l−3) from
 *   l = 2 on (each doubling of the constants doubles it); ×1.2 overall;
 * * ROM thresholds (E > 1): a comparison of two variables (about 2·W LUT4 with its carry chain),
 *   and two-way multiplexers at 1.25 LUT4 each: the V-way column select ((V − 1)·b_in per level),
 *   the threshold select inside a stage ((2^r − 1)·W at r levels into the stage) and the subtree
 *   narrowing at each node register ((2^r − 1)·2^(m−k)·W for each later level m, r the stage's
 *   levels, k the levels done);
 * * registers: the node bits, the elements the later levels read (E = 1: one per distinct column)
 *   and, with a ROM, the narrowed subtree thresholds; the valid pipeline; with the select stage
 *   (`pipeline: max`, E > 1, V > 1) every level's element and every threshold once more; with the
 *   sub-vector register (`pipeline: max`, E > 1) the lane's V elements; with late narrowing
 *   (`pipeline: max`, E > 1) every carried subtree at twice its size.
 * The step ROM is the layer's (estimate-lut-linear.ts).
 */
import type { LutLinearPlan } from '../../plan/types.ts';
import { unit, type UnitEstimate } from '../../synth/estimate-units.ts';
import type { Target } from '../../synth/targets.ts';
import { stageLevels } from './emit.ts';
import { lateNarrowing } from './plan.ts';
import type { HashTreePlan } from './types.ts';

/** LUT4s per two-way multiplexer bit (ABC maps some 4:1 selections into two LUT4s, others not). */
const MUX_LUTS = 1.25;
/** Scale of the constant-threshold levels (fitted). */
const CONSTANT_SCALE = 1.2;

export function estimateHashTree(p: LutLinearPlan, ht: HashTreePlan, t: Target): UnitEstimate[] {
  void t;
  const { C, V } = p.dims;
  const Pc = p.parallel.codebooksPerCycle;
  const B = p.input.bits;
  const W = ht.comparatorWidth;
  const d = ht.depth;
  const rom = ht.thresholdStorage === 'rom';
  const late = lateNarrowing(ht);
  let luts = 0;
  let muxes = 0;
  let ffs = 0;
  for (let j = 0; j < Pc; j++) {
    // The select stage registers every level's element and the whole tree's thresholds.
    if (ht.selectStage) ffs += d * B + (2 ** d - 1) * W;
    if (ht.subRegister) ffs += V * B;
    for (const [k0, k1] of stageLevels(ht)) {
      for (let l = k0; l < k1; l++) {
        if (rom) {
          luts += 2 * W;
          muxes += (late ? 0 : (2 ** (l - k0) - 1) * W) + (V - 1) * B;
        } else luts += CONSTANT_SCALE * (W / 2 + (l >= 2 ? W * 2 ** (l - 3) : 0));
      }
      ffs += k1;
      const later = new Set<number | string>();
      for (let m = k1; m < d; m++) later.add(rom ? (V === 1 ? 0 : `l${m}`) : ht.splitDims[Math.min(j, C - 1) * d + m]);
      ffs += later.size * B;
      if (late) {
        // Subtrees narrowed a stage later: carried at twice the size; the level compares both thresholds of its pair.
        if (k0 > 0) luts += 2 * W + 1;
        for (let m = k1; m < d; m++) {
          ffs += 2 ** (m - k0) * W;
          if (k0 > 0) muxes += 2 ** (m - k0) * W;
        }
      } else if (rom) {
        for (let m = k1; m < d; m++) {
          ffs += 2 ** (m - k1) * W;
          muxes += (2 ** (k1 - k0) - 1) * 2 ** (m - k1) * W;
        }
      }
    }
  }
  const LUT = Math.round(luts + MUX_LUTS * muxes);
  const FF = ffs + ht.latency;
  return [unit(ht.module, { LUT, FF, CARRY: Pc * d * (W - 1) }, ht.latency, 1)];
}
