/**
 * RTL of the maximally pipelined distance computation (`ccs_pipeline: max`, plan/ccs-pipeline.ts):
 * per centroid a reduction tree with one adder (or max) between registers; the tree's last level
 * is the distance register `d<j>_<k>_q` the argmin tree already reads.
 *
 * l2 trees are sized node by node: every leaf has an exact integer range, a node adds its
 * children's ranges and is as wide as that range needs (never wider than the distance width W).
 * Narrow nodes mean short carry chains and fewer flops; the arithmetic stays exact because a
 * node's value always fits its width, or — once a range needs W bits or more — every node above
 * it is computed modulo 2^W, which is exact at the root because the distance fits W bits.
 */
import { l2Terms, treeStages, type DistanceTerm } from '../../plan/ccs-pipeline.ts';
import { signedBitsFor } from '../../numeric/fixed.ts';
import type { LutLinearPlan } from '../../plan/types.ts';
import { lit, range, signExtend, zeroExtend } from '../verilog.ts';

export interface StageReg {
  name: string;
  /** Declaration prefix, e.g. `signed [16:0]` or `[9:0]`. */
  decl: string;
}

export interface DistanceTree {
  /** Registers of the intermediate levels. */
  regs: StageReg[];
  /** Non-blocking assignments of those registers. */
  assigns: string[];
  /** Expression (W bits) of the last level: becomes `d<j>_<k>_d`, registered as `d<j>_<k>_q`. */
  final: string;
}

/** A value in a reduction tree: its exact range, its width, and its expression at a given width. */
export interface Operand {
  lo: number;
  hi: number;
  width: number;
  /** The value is only known modulo 2^width (its range did not fit): parents must stay at that width. */
  wrapped: boolean;
  /** The value as a `w`-bit two's-complement expression, `w` ≥ `width`. */
  at(w: number): string;
}

/** A register holding `op`, as an operand. */
function registered(name: string, op: Omit<Operand, 'at'>): Operand {
  return { lo: op.lo, hi: op.hi, width: op.width, wrapped: op.wrapped, at: (w) => signExtend(name, `${name}[${op.width - 1}]`, op.width, w) };
}

/** Width of a node over `x` and `y` whose value lies in [lo, hi], capped at W. */
function nodeWidth(x: Operand, y: Operand, lo: number, hi: number, W: number): { width: number; wrapped: boolean } {
  const need = Math.max(signedBitsFor(lo, hi), x.width, y.width);
  const wrapped = x.wrapped || y.wrapped || need > W;
  return { width: wrapped ? W : need, wrapped };
}

/** x + y at the smallest exact width (or modulo 2^W). */
export function addOperands(x: Operand, y: Operand, W: number): { op: Omit<Operand, 'at'>; expr: (w: number) => string } {
  const lo = x.lo + y.lo;
  const hi = x.hi + y.hi;
  const { width, wrapped } = nodeWidth(x, y, lo, hi, W);
  return { op: { lo, hi, width, wrapped }, expr: (w) => `${x.at(w)} + ${y.at(w)}` };
}

type Combine = (x: Operand, y: Operand) => { op: Omit<Operand, 'at'>; expr: (w: number) => string };

/**
 * Reduce `leaves` in `levels` register stages (the last one is the caller's W-bit register). A
 * level combines pairs; an odd item, or a finished tree, passes through a register to keep all
 * distances aligned. Intermediate registers are `signed` when `signedRegs` (l1/chebyshev compare them).
 */
export function reduce(prefix: string, leaves: Operand[], levels: number, W: number, combine: Combine, out: DistanceTree, signedRegs = false): string {
  let items = leaves;
  for (let level = 1; level <= levels; level++) {
    const made: { op: Omit<Operand, 'at'>; expr: (w: number) => string }[] = [];
    for (let i = 0; i < items.length; i += 2) {
      const x = items[i];
      made.push(i + 1 < items.length ? combine(x, items[i + 1]) : { op: x, expr: (w) => x.at(w) });
    }
    if (level === levels) {
      if (made.length !== 1) throw new RangeError(`distance tree ${prefix}: ${made.length} items left after ${levels} levels`);
      return made[0].expr(W);
    }
    items = made.map((m, i) => {
      const name = `${prefix}_s${level}_${i}`;
      out.regs.push({ name, decl: `${signedRegs ? 'signed ' : ''}${range(m.op.width)}` });
      out.assigns.push(`${name} <= ${m.expr(m.op.width)};`);
      return registered(name, m.op);
    });
  }
  throw new RangeError('a distance tree needs at least one level');
}

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
export function l2DistanceTerms(plan: LutLinearPlan, i: number | null): DistanceTerm[] {
  const V = plan.dims.V;
  const B = plan.input.bits;
  const W = plan.ccs.distanceWidth;
  return i === null ? l2Terms(V, B, W, null, 0) : l2Terms(V, B, W, plan.ccs.centroids.subarray(i * V, (i + 1) * V), plan.ccs.norms[i]);
}

/** Leaves of an l2 distance as exactly sized operands. */
function l2Leaves(plan: LutLinearPlan, src: L2Sources, terms: DistanceTerm[]): Operand[] {
  const B = plan.input.bits;
  const nw = plan.ccs.normWidth;
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
export function distanceTree(plan: LutLinearPlan, name: string, stages: number, terms: DistanceTerm[] | null, src: L2Sources): DistanceTree {
  const V = plan.dims.V;
  const W = plan.ccs.distanceWidth;
  const t: DistanceTree = { regs: [], assigns: [], final: '' };
  if (plan.metric === 'l2') {
    if (!terms) throw new RangeError(`${name}: l2 needs its terms`);
    if (treeStages(terms.length) > stages) throw new RangeError(`${name}: ${terms.length} terms need more than ${stages} stages`);
    t.final = reduce(name, l2Leaves(plan, src, terms), stages, W, (x, y) => addOperands(x, y, W), t);
    return t;
  }
  const combine = plan.metric === 'l1' ? (x: string, y: string) => `${x} + ${y}` : (x: string, y: string) => `(${x} > ${y}) ? ${x} : ${y}`;
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

/**
 * `reduce` over W-bit signed expressions (the accumulator's table-sum tree, the requantizer's
 * shift-add tree): every register is `signed [W-1:0]`; `out.regs` receives their names.
 */
export function reduceAtWidth(prefix: string, leaves: string[], levels: number, W: number, combine: (x: string, y: string) => string, out: { regs: string[]; assigns: string[] }): string {
  const wide = (expr: string): Operand => ({ lo: 0, hi: 0, width: W, wrapped: true, at: () => expr });
  const tree: DistanceTree = { regs: [], assigns: [], final: '' };
  const final = reduce(prefix, leaves.map(wide), levels, W, (x, y) => ({ op: { lo: 0, hi: 0, width: W, wrapped: true }, expr: () => combine(x.at(W), y.at(W)) }), tree, true);
  out.regs.push(...tree.regs.map((r) => r.name));
  out.assigns.push(...tree.assigns);
  return final;
}
