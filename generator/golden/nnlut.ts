/** Bit-exact golden model of a planned nnlut unit: evalNnlut (generator/numeric/nnlut.ts) per element. */
import { evalNnlut } from '../numeric/nnlut.ts';
import { nnlutTableOf } from '../plan/nnlut.ts';
import type { NnlutPlan } from '../plan/types.ts';

export function runNnlut(plan: NnlutPlan, inputs: Int32Array): Int32Array {
  const q = nnlutTableOf(plan);
  const out = new Int32Array(inputs.length);
  for (let i = 0; i < inputs.length; i++) out[i] = evalNnlut(q, inputs[i]);
  return out;
}
