/** Analytic estimate of a maxpool2d layer: the window generator and the maximum tree with its output register. */
import type { MaxPool2dPlan } from '../plan/types.ts';
import { unit, type UnitEstimate } from './estimate-units.ts';
import type { Target } from './targets.ts';
import { windowEstimate, windowFifoEstimates } from './estimate-lut-conv2d.ts';

export function estimateMaxPool2d(p: MaxPool2dPlan, t: Target): UnitEstimate[] {
  const w = p.window;
  const b = p.input.bits;
  // Per channel kh·kw − 1 compare-and-select nodes: a b-bit compare (carry chain) and a b-bit multiplexer.
  const nodes = w.inChannels * (w.kernel[0] * w.kernel[1] - 1);
  return [...windowFifoEstimates(w), windowEstimate(p.modules.window, w, b, t), unit(p.modules.top, { LUT: nodes * 2 * b + 2, FF: w.pixelBits + 1, CARRY: nodes * b }, 1, 1)];
}
