/**
 * The requantizer of one output lane (templates/requant.v.hbs), shared by every layer kind that
 * requantizes an accumulator (lut_linear and the MAC baseline): acc · multiplier, round half up,
 * arithmetic shift, saturate, optional ReLU (docs/number-formats.md §1).
 */
import { signedMax, signedMin } from '../../numeric/fixed.ts';
import type { Activation } from '../../artifact/types.ts';
import type { DesignPlan, LutLinearPlan, MacLinearPlan, RequantPlan } from '../../plan/types.ts';
import { renderTemplate } from '../render.ts';
import { lit, range, signExtend } from '../verilog.ts';
import { baseContext, type GeneratedFile, type HeaderParams } from './context.ts';
import { reduceAtWidth } from './reduction-tree.ts';

/** What a requantizer is built from, whichever layer it serves. */
export interface RequantUnit {
  module: string;
  requant: RequantPlan;
  outputBits: number;
  accumulatorWidth: number;
  activation: Activation;
  /** Register stages (2 unless the multiply is an adder tree). */
  latency: number;
  /** `pipeline: max`: the multiply as a registered adder tree of shifted accumulators. */
  productTree: boolean;
  /** The layer's header parameters. */
  params: HeaderParams;
}

/** The requantizer of a lut_linear layer or of its MAC baseline (which has no `pipeline: max`). */
export function requantUnitOf(plan: LutLinearPlan | MacLinearPlan, params: HeaderParams): RequantUnit {
  return {
    module: plan.modules.requant,
    requant: plan.requant,
    outputBits: plan.output.bits,
    accumulatorWidth: plan.accumulator.width,
    activation: plan.activation,
    latency: plan.timing.requantLatency,
    productTree: plan.kind === 'lut_linear' && plan.pipeline === 'max',
    params,
  };
}

/**
 * The multiply stage: `acc_ext * MULTIPLIER` in one cycle, or with `pipeline: max` a registered
 * adder tree of `acc_ext <<< b` over the set bits b of the multiplier and the rounding constant
 * (requantLatency − 2 levels, the last one being product_q).
 */
function productTree(u: RequantUnit, wide: number) {
  if (!u.productTree) return { hasProductTree: false, productRegs: [], productAssigns: [], productExpr: 'acc_ext * MULTIPLIER' };
  const m = u.requant.multiplier;
  const leaves: string[] = [];
  for (let b = 0; 2 ** b <= m; b++) if (Math.floor(m / 2 ** b) % 2 === 1) leaves.push(b === 0 ? 'acc_ext' : `(acc_ext <<< ${b})`);
  // Round half up: 2^(shift−1) joins the tree as one more leaf.
  if (u.requant.shift > 0) leaves.push(lit(2 ** (u.requant.shift - 1), wide, true));
  if (leaves.length === 0) leaves.push(lit(0, wide, true));
  const out = { regs: [] as string[], assigns: [] as string[], final: '' };
  // requantLatency = tree levels (the last is product_q) + the range-test stage + data_o.
  const productExpr = reduceAtWidth('pt', leaves, u.latency - 2, wide, (x, y) => `${x} + ${y}`, out);
  return { hasProductTree: true, productRegs: out.regs, productAssigns: out.assigns, productExpr };
}

export function requantFile(design: DesignPlan, u: RequantUnit): GeneratedFile {
  const rq = u.requant;
  const outBits = u.outputBits;
  const accW = u.accumulatorWidth;
  // One working width for multiply, round, shift and saturate: wide enough for the rounded product
  // and for the output bounds, plus a bit so saturation compares never wrap.
  const wide = Math.max(rq.roundedWidth, outBits) + 1;
  const ctx = {
    ...baseContext(design, u.module, 'requantizer (one output lane)', {
      ...u.params,
      'multiplier, shift': `${rq.multiplier}, ${rq.shift} (≈ ${rq.realMultiplier.toPrecision(8)})`,
      'accumulator bits': accW,
      activation: u.activation,
    }),
    relu: u.activation === 'relu',
    outBits,
    accRange: range(accW),
    outRange: range(outBits),
    wideRange: range(wide),
    wideMsb: wide - 1,
    outMsb: outBits - 1,
    multiplierLit: lit(rq.multiplier, wide, true),
    hasRounding: rq.shift > 0,
    roundLit: lit(rq.shift > 0 ? 2 ** (rq.shift - 1) : 0, wide, true),
    shift: rq.shift,
    stageCount: u.latency === 2 ? 'Two' : String(u.latency),
    shiftedExpr: rq.shift > 0 ? `product_q >>> ${rq.shift}` : 'product_q',
    upperRange: range(wide - outBits + 1),
    outZeroLit: lit(0, outBits),
    outMaxShortLit: lit(signedMax(outBits), outBits),
    // The two's-complement bit pattern of the most negative output.
    outMinShortLit: lit(2 ** (outBits - 1), outBits),
    outMaxLit: lit(signedMax(outBits), wide, true),
    outMinLit: lit(signedMin(outBits), wide, true),
    wideZeroLit: lit(0, wide, true),
    accExtend: signExtend('acc_i', `acc_i[${accW - 1}]`, accW, wide),
    ...productTree(u, wide),
  };
  return { path: `${u.module}.v`, content: renderTemplate('requant.v.hbs', ctx) };
}

