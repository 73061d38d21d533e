/** Every file of an avgpool2d layer: its top (window generator, sums, exact divider, output register) and the window generator. */
import type { AvgPool2dPlan, DesignPlan } from '../../plan/types.ts';
import type { GeneratedFile } from '../common/context.ts';
import { poolFiles, poolTopContext } from '../pool.ts';
import { renderTemplate } from '../render.ts';
import { lit, range } from '../verilog.ts';

function topFile(design: DesignPlan, plan: AvgPool2dPlan): GeneratedFile {
  const w = plan.window;
  const [kh, kw] = w.kernel;
  const b = plan.input.bits;
  const C = w.inChannels;
  const { offset, multiplier, shift, xBits, productBits } = plan.mean;
  // The sum of N INT b values fits in xBits − 1 signed bits (plan/avgpool2d.ts), so 2·sum is xBits wide.
  const sumBits = xBits - 1;
  const ext = sumBits - b;
  const element = (e: number) => {
    const lsb = e * b;
    const value = `patch[${lsb + b - 1}:${lsb}]`;
    return ext > 0 ? `{{${ext}{patch[${lsb + b - 1}]}}, ${value}}` : value;
  };
  const top = shift + b - 1;
  const unused = [...(productBits - 1 > top ? [`PRODUCT[${productBits - 1}:${top + 1}]`] : []), ...(shift > 0 ? [`PRODUCT[${shift - 1}:0]`] : [])];
  const channels = Array.from({ length: C }, (_, ch) => {
    const product = `product${ch}`;
    const x = `x${ch}`;
    return {
      index: ch,
      sumExpr: Array.from({ length: kh * kw }, (_, e) => element(ch * kh * kw + e)).join(' + '),
      xWide: productBits > xBits ? `{${lit(0, productBits - xBits)}, ${x}}` : x,
      meanExpr: b === 1 ? `~${product}[${top}]` : `{~${product}[${top}], ${product}[${top - 1}:${shift}]}`,
      unusedExpr: unused.length === 0 ? '' : `^{${unused.map((u) => u.replace('PRODUCT', product)).join(', ')}}`,
    };
  });
  const ctx = {
    ...poolTopContext(design, plan, `average pooling layer ${plan.name}`, { divisor: plan.mean.divisor, multiplier, shift }),
    bitsMinusOne: b - 1,
    sumBits,
    sumRange: range(sumBits),
    xBits,
    xRange: range(xBits),
    productRange: range(productBits),
    offset,
    offsetLit: lit(offset, xBits),
    twoN: 2 * plan.mean.divisor,
    multiplier,
    multiplierLit: lit(multiplier, productBits),
    shift,
    channels,
    meanPixel: C === 1 ? 'mean0' : `{${Array.from({ length: C }, (_, ch) => `mean${C - 1 - ch}`).join(', ')}}`,
  };
  return { path: `${plan.modules.top}.v`, content: renderTemplate('conv/avgpool_top.v.hbs', ctx) };
}

export function avgPool2dFiles(design: DesignPlan, plan: AvgPool2dPlan): GeneratedFile[] {
  return poolFiles(design, plan, topFile(design, plan));
}
