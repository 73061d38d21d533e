/**
 * Golden model of the MAC baseline (mac_linear): the dense integer layer
 * y[m] = requant(bias[m] + Σ_d x[d]·w[d][m]), exact in float64 (the planner bounds every sum).
 */
import { requantize } from '../numeric/fixed.ts';
import type { MacLinearPlan } from '../plan/types.ts';

export function runMacLinear(plan: MacLinearPlan, inputs: Int32Array, count = inputs.length / plan.dims.D): Int32Array {
  const { D, M } = plan.dims;
  const w = plan.weights.values;
  const out = new Int32Array(count * M);
  const acc = new Float64Array(M);
  const relu = plan.activation === 'relu';
  for (let n = 0; n < count; n++) {
    for (let m = 0; m < M; m++) acc[m] = plan.bias.values[m];
    for (let d = 0; d < D; d++) {
      const x = inputs[n * D + d];
      if (x === 0) continue;
      const row = d * M;
      for (let m = 0; m < M; m++) acc[m] += x * w[row + m];
    }
    for (let m = 0; m < M; m++) out[n * M + m] = requantize(acc[m], plan.requant, plan.output.bits, relu);
  }
  return out;
}
