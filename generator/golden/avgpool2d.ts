/** Bit-exact golden model of a planned avgpool2d layer: each channel's window sum through the plan's divider (golden/pool.ts). */
import { dividedMean } from '../plan/avgpool2d.ts';
import type { AvgPool2dPlan } from '../plan/types.ts';
import { runPool } from './pool.ts';

export function runAvgPool2d(plan: AvgPool2dPlan, inputs: Int32Array): Int32Array {
  return runPool(plan, inputs, (patches, start, n) => {
    let sum = 0;
    for (let e = 0; e < n; e++) sum += patches[start + e];
    return dividedMean(plan.mean, sum, plan.input.bits);
  });
}
