/**
 * Registered reduction trees in Verilog, shared by the emitters: a tree with one adder (or max)
 * between registers (the accumulator's table-sum tree, the requantizer's shift-add tree, the
 * CCS's distance trees with `pipeline: max`).
 *
 * Nodes can be sized one by one: every leaf has an exact integer range, a node adds its children's
 * ranges and is as wide as that range needs (never wider than the tree width W). Narrow nodes mean
 * short carry chains and fewer flops; the arithmetic stays exact because a node's value always fits
 * its width, or — once a range needs W bits or more — every node above it is computed modulo 2^W,
 * which is exact at the root because the result fits W bits.
 */
import { signedBitsFor } from '../../numeric/fixed.ts';
import { range, signExtend } from '../verilog.ts';

export interface StageReg {
  name: string;
  /** Declaration prefix, e.g. `signed [16:0]` or `[9:0]`. */
  decl: string;
}

export interface RegisteredTree {
  /** Registers of the intermediate levels. */
  regs: StageReg[];
  /** Non-blocking assignments of those registers. */
  assigns: string[];
  /** Expression (W bits) of the last level, which the caller registers. */
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
 * results aligned. Intermediate registers are `signed` when `signedRegs` (l1/chebyshev compare them).
 */
export function reduce(prefix: string, leaves: Operand[], levels: number, W: number, combine: Combine, out: RegisteredTree, signedRegs = false): string {
  let items = leaves;
  for (let level = 1; level <= levels; level++) {
    const made: { op: Omit<Operand, 'at'>; expr: (w: number) => string }[] = [];
    for (let i = 0; i < items.length; i += 2) {
      const x = items[i];
      made.push(i + 1 < items.length ? combine(x, items[i + 1]) : { op: x, expr: (w) => x.at(w) });
    }
    if (level === levels) {
      if (made.length !== 1) throw new RangeError(`reduction tree ${prefix}: ${made.length} items left after ${levels} levels`);
      return made[0].expr(W);
    }
    items = made.map((m, i) => {
      const name = `${prefix}_s${level}_${i}`;
      out.regs.push({ name, decl: `${signedRegs ? 'signed ' : ''}${range(m.op.width)}` });
      out.assigns.push(`${name} <= ${m.expr(m.op.width)};`);
      return registered(name, m.op);
    });
  }
  throw new RangeError('a reduction tree needs at least one level');
}

/**
 * `reduce` over W-bit signed expressions (the accumulator's table-sum tree, the requantizer's
 * shift-add tree): every register is `signed [W-1:0]`; `out.regs` receives their names.
 */
export function reduceAtWidth(prefix: string, leaves: string[], levels: number, W: number, combine: (x: string, y: string) => string, out: { regs: string[]; assigns: string[] }): string {
  const wide = (expr: string): Operand => ({ lo: 0, hi: 0, width: W, wrapped: true, at: () => expr });
  const tree: RegisteredTree = { regs: [], assigns: [], final: '' };
  const final = reduce(prefix, leaves.map(wide), levels, W, (x, y) => ({ op: { lo: 0, hi: 0, width: W, wrapped: true }, expr: () => combine(x.at(W), y.at(W)) }), tree, true);
  out.regs.push(...tree.regs.map((r) => r.name));
  out.assigns.push(...tree.assigns);
  return final;
}
