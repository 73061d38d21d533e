/** Emitters for the requantizer, the output FIFO and the index buffer of a lut_linear layer. */
import { indexBits, signedMax, signedMin } from '../../numeric/fixed.ts';
import type { DesignPlan, LutLinearPlan } from '../../plan/types.ts';
import { renderTemplate } from '../render.ts';
import { lit, range, signExtend, slice } from '../verilog.ts';
import { baseContext, counterFields, type GeneratedFile } from '../common/context.ts';
import { outFifoFiles } from '../common/out-fifo.ts';
import { reduceAtWidth } from '../common/reduction-tree.ts';
import { indexGroupBits, layerParams } from './common.ts';

/**
 * The multiply stage: `acc_ext * MULTIPLIER` in one cycle, or with `pipeline: max` a registered
 * adder tree of `acc_ext <<< b` over the set bits b of the multiplier and the rounding constant
 * (requantLatency − 2 levels, the last one being product_q).
 */
function productTree(plan: LutLinearPlan, wide: number) {
  if (plan.pipeline !== 'max') return { hasProductTree: false, productRegs: [], productAssigns: [], productExpr: 'acc_ext * MULTIPLIER' };
  const m = plan.requant.multiplier;
  const leaves: string[] = [];
  for (let b = 0; 2 ** b <= m; b++) if (Math.floor(m / 2 ** b) % 2 === 1) leaves.push(b === 0 ? 'acc_ext' : `(acc_ext <<< ${b})`);
  // Round half up: 2^(shift−1) joins the tree as one more leaf.
  if (plan.requant.shift > 0) leaves.push(lit(2 ** (plan.requant.shift - 1), wide, true));
  if (leaves.length === 0) leaves.push(lit(0, wide, true));
  const out = { regs: [] as string[], assigns: [] as string[], final: '' };
  // requantLatency = tree levels (the last is product_q) + the range-test stage + data_o.
  const productExpr = reduceAtWidth('pt', leaves, plan.timing.requantLatency - 2, wide, (x, y) => `${x} + ${y}`, out);
  return { hasProductTree: true, productRegs: out.regs, productAssigns: out.assigns, productExpr };
}

export function requantModule(design: DesignPlan, plan: LutLinearPlan): GeneratedFile {
  const rq = plan.requant;
  const outBits = plan.output.bits;
  const accW = plan.accumulator.width;
  // One working width for multiply, round, shift and saturate: wide enough for the rounded product
  // and for the output bounds, plus a bit so saturation compares never wrap.
  const wide = Math.max(rq.roundedWidth, outBits) + 1;
  const ctx = {
    ...baseContext(design, plan.modules.requant, 'requantizer (one output lane)', {
      ...layerParams(plan),
      'multiplier, shift': `${rq.multiplier}, ${rq.shift} (≈ ${rq.realMultiplier.toPrecision(8)})`,
      'accumulator bits': accW,
      activation: plan.activation,
    }),
    relu: plan.activation === 'relu',
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
    stageCount: plan.timing.requantLatency === 2 ? 'Two' : String(plan.timing.requantLatency),
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
    ...productTree(plan, wide),
  };
  return { path: `${plan.modules.requant}.v`, content: renderTemplate('requant.v.hbs', ctx) };
}

export function outFifoModules(design: DesignPlan, plan: LutLinearPlan): GeneratedFile[] {
  return outFifoFiles(design, plan.modules.outFifo, layerParams(plan), plan.timing.outFifoDepth, plan.dims.M * plan.output.bits, (plan.timing.outFifoInputStages ?? 0) > 0);
}

export function indexBufferModule(design: DesignPlan, plan: LutLinearPlan): GeneratedFile {
  const n = plan.timing.indexBanks;
  const E = plan.parallel.encodeSteps;
  const gb = indexGroupBits(plan);
  const bankBits = gb * E;
  const pw = indexBits(n);
  const banks = Array.from({ length: n }, (_, index) => ({
    index,
    ptrLit: lit(index, pw),
    shiftIn: E === 1 ? 'wr_idx_i' : `{wr_idx_i, ${slice(`bank${index}_q`, gb, bankBits - gb)}}`,
    rotate: E === 1 ? `bank${index}_q` : `{${slice(`bank${index}_q`, 0, gb)}, ${slice(`bank${index}_q`, gb, bankBits - gb)}}`,
    bottom: slice(`bank${index}_q`, 0, gb),
  }));
  const ctx = {
    ...baseContext(design, plan.modules.indexBuffer, 'index buffer', { ...layerParams(plan), banks: n, 'bits per bank': bankBits }),
    bankCount: n,
    steps: E,
    groupBits: gb,
    multiStep: E > 1,
    groupRange: range(gb),
    bankRange: range(bankBits),
    bankFlagRange: `[${n - 1}:0]`,
    bankFlagZeroLit: lit(0, n),
    groupZeroLit: lit(0, gb),
    ...counterFields('ptr', n),
    ...counterFields('step', E),
    banks,
  };
  return { path: `${plan.modules.indexBuffer}.v`, content: renderTemplate('index_buffer.v.hbs', ctx) };
}
