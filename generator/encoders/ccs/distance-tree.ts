/**
 * RTL of the maximally pipelined distance computation (hw.yaml `pipeline: max`, pipeline.ts): per
 * centroid a reduction tree with one adder (or max) between registers (emit/common/reduction-tree.ts);
 * the tree's last level is the distance register `d<j>_<k>_q` the argmin tree already reads.
 * l2 trees are sized node by node from the exact ranges of their leaves.
 */
import { signedBitsFor } from '../../numeric/fixed.ts';
import type { LutLinearPlan } from '../../plan/types.ts';
import { addOperands, reduce, reduceAtWidth, type Operand, type RegisteredTree } from '../../emit/common/reduction-tree.ts';
import { lit, range, zeroExtend } from '../../emit/verilog.ts';
import { treeStages } from '../../plan/timing.ts';
import { l2Terms, type DistanceTerm } from './pipeline.ts';
import type { CcsPlan } from './types.ts';

/** Sources of an l2 tree's leaves: raw fields of the input and centroid words (no pre-extended wires). */
export interface L2Sources {
  /** The B-bit input element v (an indexable part-select). */
  input: (v: number) => string;
  /** Its sign bit. */
  inputSign: (v: number) => string;
  /** Bit b of coordinate v (ROM centroids). */
  coordBit: (v: number, b: number) => string;
  /** The low B−1 bits of that coordinate (ROM centroids). */
  coordLow: (v: number) => string;
  /** The norm field (normWidth bits, unsigned; ROM centroids). */
  norm: () => string;
}

/** Terms of the l2 distance of centroid `i` (= lane·K + k; constant centroids) or of a ROM centroid (i = null). */
export function l2DistanceTerms(plan: LutLinearPlan, ccs: CcsPlan, i: number | null): DistanceTerm[] {
  const V = plan.dims.V;
  const B = plan.input.bits;
  const W = ccs.distanceWidth;
  return i === null ? l2Terms(V, B, W, null, 0) : l2Terms(V, B, W, ccs.centroids.subarray(i * V, (i + 1) * V), ccs.norms[i]);
}

/** Leaves of an l2 distance as exactly sized operands. */
function l2Leaves(plan: LutLinearPlan, ccs: CcsPlan, src: L2Sources, terms: DistanceTerm[]): Operand[] {
  const B = plan.input.bits;
  const nw = ccs.normWidth;
  return terms.map((term): Operand => {
    switch (term.kind) {
      case 'const': {
        const c = term.value;
        return { lo: c, hi: c, width: signedBitsFor(c, c), wrapped: false, at: (w) => lit(c, w, true) };
      }
      case 'norm':
        return { lo: 0, hi: 2 ** nw - 1, width: nw + 1, wrapped: false, at: (w) => zeroExtend(src.norm(), nw, w) };
      case 'corr':
        // 2·(p mod 2^{B−1}): B bits, non-negative.
        return { lo: 0, hi: 2 ** B - 2, width: B + 1, wrapped: false, at: (w) => zeroExtend(`{${src.coordLow(term.v)}, 1'b0}`, B, w) };
      case 'pp': {
        // (±a − [inverted]) · 2^shift: a B-bit two's-complement value (~a = −a − 1) shifted left.
        const s = term.shift;
        const bits = `${term.inverted ? '~' : ''}${src.input(term.v)}`;
        const sign = `${term.inverted ? '~' : ''}${src.inputSign(term.v)}`;
        const width = B + s;
        const tail = s > 0 ? `, ${s}'d0` : '';
        const value = (w: number) => (w === width ? (s > 0 ? `{${bits}${tail}}` : bits) : `{{${w - width}{${sign}}}, ${bits}${tail}}`);
        const at = term.bit < 0 ? value : (w: number) => `(${src.coordBit(term.v, term.bit)} ? ${value(w)} : ${lit(0, w)})`;
        return { lo: -(2 ** (B - 1 + s)), hi: (2 ** (B - 1) - 1) * 2 ** s, width, wrapped: false, at };
      }
    }
  });
}

/**
 * The registered distance tree of one centroid, `stages` register levels deep (the last one is the
 * caller's W-bit distance register). l2 reads raw fields through `src` (terms from
 * `l2DistanceTerms`); l1 and chebyshev reduce the W-bit `|a − p|` wires `<name>_abs<v>` the caller declares.
 */
export function distanceTree(plan: LutLinearPlan, ccs: CcsPlan, name: string, stages: number, terms: DistanceTerm[] | null, src: L2Sources): RegisteredTree {
  const V = plan.dims.V;
  const W = ccs.distanceWidth;
  const t: RegisteredTree = { regs: [], assigns: [], final: '' };
  if (ccs.metric === 'l2') {
    if (!terms) throw new RangeError(`${name}: l2 needs its terms`);
    if (treeStages(terms.length) > stages) throw new RangeError(`${name}: ${terms.length} terms need more than ${stages} stages`);
    t.final = reduce(name, l2Leaves(plan, ccs, src, terms), stages, W, (x, y) => addOperands(x, y, W), t);
    return t;
  }
  const combine = ccs.metric === 'l1' ? (x: string, y: string) => `${x} + ${y}` : (x: string, y: string) => `(${x} > ${y}) ? ${x} : ${y}`;
  if (V === 1) {
    t.final = `${name}_abs0`;
    return t;
  }
  // |a − p| registered first, then the sum / max tree.
  const regs = Array.from({ length: V }, (_, v) => {
    const r = `${name}_abs${v}_q`;
    t.regs.push({ name: r, decl: `signed ${range(W)}` });
    t.assigns.push(`${r} <= ${name}_abs${v};`);
    return r;
  });
  const names = { regs: [] as string[], assigns: t.assigns };
  t.final = reduceAtWidth(name, regs, stages - 1, W, combine, names);
  t.regs.push(...names.regs.map((r) => ({ name: r, decl: `signed ${range(W)}` })));
  return t;
}
