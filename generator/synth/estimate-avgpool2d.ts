/** Analytic estimate of an avgpool2d layer: the window generator and, per channel, the sum, the exact divider and the output register. */
import type { AvgPool2dPlan } from '../plan/types.ts';
import { constMulLuts, isTrivialFactor, unit, type UnitEstimate } from './estimate-units.ts';
import type { Target } from './targets.ts';
import { windowEstimate, windowFifoEstimates } from './estimate-lut-conv2d.ts';

export function estimateAvgPool2d(p: AvgPool2dPlan, t: Target): UnitEstimate[] {
  const w = p.window;
  const b = p.input.bits;
  const { multiplier, xBits } = p.mean;
  const C = w.inChannels;
  // Per channel: kh·kw − 1 adders of the sum's width and the offset adder (carry chains), and the
  // product by the constant multiplier: a DSP where the flow maps multipliers, else shift-and-add.
  const adders = (w.kernel[0] * w.kernel[1] - 1) * (xBits - 1) + xBits;
  const useDsp = t.dspMultipliers && !isTrivialFactor(multiplier);
  const mulLuts = useDsp || isTrivialFactor(multiplier) ? 0 : constMulLuts(xBits, Math.max(1, Math.ceil(Math.log2(multiplier + 1))));
  return [
    ...windowFifoEstimates(w),
    windowEstimate(p.modules.window, w, b, t),
    unit(p.modules.top, { LUT: C * (adders + mulLuts) + 2, FF: w.pixelBits + 1, CARRY: C * adders, DSP: useDsp ? C : 0 }, 1, 1),
  ];
}
