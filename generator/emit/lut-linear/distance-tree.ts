/**
 * RTL of the maximally pipelined distance computation (`ccs_pipeline: max`, plan/ccs-pipeline.ts):
 * per centroid a reduction tree with one adder (or max) between registers; the tree's last level
 * is the distance register `d<j>_<k>_q` the argmin tree already reads.
 */
import { l2Terms, treeStages, type DistanceTerm } from '../../plan/ccs-pipeline.ts';
import type { LutLinearPlan } from '../../plan/types.ts';
import { lit, zeroExtend } from '../verilog.ts';

export interface DistanceTree {
  /** Registers of the intermediate levels (declared `reg signed [W-1:0]`). */
  regs: string[];
  /** Non-blocking assignments of those registers. */
  assigns: string[];
  /** Expression of the last level: becomes `d<j>_<k>_d`, registered as `d<j>_<k>_q`. */
  final: string;
}

/**
 * Reduce `leaves` in `levels` register stages (the last one is the caller's register). A level
 * combines pairs; an odd item, or a finished tree, passes through a register to keep all
 * distances aligned.
 */
export function reduce(prefix: string, leaves: string[], levels: number, combine: (x: string, y: string) => string, out: DistanceTree): string {
  let items = leaves;
  for (let level = 1; level <= levels; level++) {
    const next: string[] = [];
    const exprs: string[] = [];
    for (let i = 0; i < items.length; i += 2) exprs.push(i + 1 < items.length ? combine(items[i], items[i + 1]) : items[i]);
    if (level === levels) {
      if (exprs.length !== 1) throw new RangeError(`distance tree ${prefix}: ${exprs.length} items left after ${levels} levels`);
      return exprs[0];
    }
    exprs.forEach((e, i) => {
      const name = `${prefix}_s${level}_${i}`;
      out.regs.push(name);
      out.assigns.push(`${name} <= ${e};`);
      next.push(name);
    });
    items = next;
  }
  throw new RangeError('a distance tree needs at least one level');
}

/**
 * Distance trees of every (lane j, centroid k). `a(j, v)` names the sign-extended input, `p(j, k, v)`
 * the sign-extended coordinate (l1, chebyshev), `pBit(j, k, v, b)` one bit and `pLow(j, k, v)` the
 * low B−1 bits of a ROM coordinate (l2), `n(j, k)` the norm field.
 */
export function distanceTrees(
  plan: LutLinearPlan,
  a: (j: number, v: number) => string,
  p: (j: number, k: number, v: number) => string,
  pBit: (j: number, k: number, v: number, b: number) => string,
  pLow: (j: number, k: number, v: number) => string,
  n: (j: number, k: number) => string,
): Map<string, DistanceTree> {
  const { K, V } = plan.dims;
  const Pc = plan.parallel.codebooksPerCycle;
  const B = plan.input.bits;
  const W = plan.ccs.distanceWidth;
  const rom = plan.ccs.centroidStorage === 'rom';
  const stages = plan.ccs.distanceStages;
  const zero = lit(0, W, true);
  const trees = new Map<string, DistanceTree>();
  for (let j = 0; j < Pc; j++) {
    for (let k = 0; k < K; k++) {
      const name = `d${j}_${k}`;
      const t: DistanceTree = { regs: [], assigns: [], final: '' };
      if (plan.metric === 'l2') {
        const i = j * K + k;
        const terms: DistanceTerm[] = rom ? l2Terms(V, B, W, null, 0) : l2Terms(V, B, W, plan.ccs.centroids.subarray(i * V, (i + 1) * V), plan.ccs.norms[i]);
        const leaves = terms.map((term) => {
          switch (term.kind) {
            case 'const':
              return lit(term.value, W, true);
            case 'norm':
              return n(j, k);
            case 'corr':
              return zeroExtend(`{${pLow(j, k, term.v)}, 1'b0}`, B, W);
            case 'pp': {
              const shifted = `(${term.inverted ? '~' : ''}${a(j, term.v)} <<< ${term.shift})`;
              return term.bit < 0 ? shifted : `(${pBit(j, k, term.v, term.bit)} ? ${shifted} : ${zero})`;
            }
          }
        });
        if (treeStages(leaves.length) > stages) throw new RangeError(`${name}: ${leaves.length} terms need more than ${stages} stages`);
        t.final = reduce(name, leaves, stages, (x, y) => `${x} + ${y}`, t);
      } else {
        const abs = Array.from({ length: V }, (_, v) => `${name}_abs${v}`);
        const combine = plan.metric === 'l1' ? (x: string, y: string) => `${x} + ${y}` : (x: string, y: string) => `(${x} > ${y}) ? ${x} : ${y}`;
        if (V === 1) {
          t.final = abs[0];
        } else {
          // |a − p| registered first, then the sum / max tree.
          const regs = abs.map((x) => `${x}_q`);
          regs.forEach((r, v) => {
            t.regs.push(r);
            t.assigns.push(`${r} <= ${abs[v]};`);
          });
          t.final = reduce(name, regs, stages - 1, combine, t);
        }
      }
      trees.set(name, t);
    }
  }
  return trees;
}
