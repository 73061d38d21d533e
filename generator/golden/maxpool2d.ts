/** Bit-exact golden model of a planned maxpool2d layer: the maximum of each channel's window (golden/pool.ts). */
import type { MaxPool2dPlan } from '../plan/types.ts';
import { runPool } from './pool.ts';

export function runMaxPool2d(plan: MaxPool2dPlan, inputs: Int32Array): Int32Array {
  return runPool(plan, inputs, (patches, start, n) => {
    let m = patches[start];
    for (let e = 1; e < n; e++) m = Math.max(m, patches[start + e]);
    return m;
  });
}
