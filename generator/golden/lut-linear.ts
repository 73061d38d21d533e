/**
 * Bit-exact golden model of a planned lut_linear layer. Reads only the plan; integer arithmetic
 * in float64 numbers, which the planner keeps below 2^53 so every operation is exact. The encoder's
 * part (sub-vector → index) is its own golden `encode` (encoders/<kind>/golden.ts).
 */
import { encoderOf } from '../encoders/registry.ts';
import type { LutLinearPlan } from '../plan/types.ts';
import { requantize } from '../numeric/fixed.ts';

/** The index of every codebook for one input vector, as the layer's encoder computes it. */
export function encodeVector(plan: LutLinearPlan, x: ArrayLike<number>, xOffset = 0, out = new Int32Array(plan.dims.C)): Int32Array {
  return encoderOf(plan.encoder).encode(plan, plan.encoder, x, xOffset, out);
}

/** Accumulator values (bias + Σ_c T[c][idx_c][m]) for one vector's indices. */
export function accumulate(plan: LutLinearPlan, indices: Int32Array, out = new Float64Array(plan.dims.M)): Float64Array {
  const { C, K, M } = plan.dims;
  const t = plan.table.values;
  for (let m = 0; m < M; m++) out[m] = plan.bias.values[m];
  for (let c = 0; c < C; c++) {
    const row = (c * K + indices[c]) * M;
    for (let m = 0; m < M; m++) out[m] += t[row + m];
  }
  return out;
}

/** Layer output for N vectors: inputs (N·D) → outputs (N·M), both as signed integers. */
export function runLutLinear(plan: LutLinearPlan, inputs: Int32Array, count = inputs.length / plan.dims.D): Int32Array {
  const { D, M, C } = plan.dims;
  const out = new Int32Array(count * M);
  const idx = new Int32Array(C);
  const acc = new Float64Array(M);
  const relu = plan.activation === 'relu';
  const encoder = encoderOf(plan.encoder);
  for (let n = 0; n < count; n++) {
    encoder.encode(plan, plan.encoder, inputs, n * D, idx);
    accumulate(plan, idx, acc);
    for (let m = 0; m < M; m++) out[n * M + m] = requantize(acc[m], plan.requant, plan.output.bits, relu);
  }
  return out;
}
