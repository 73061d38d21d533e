/**
 * The artifact reference of a lut_linear layer (artifact-reference.ts): the table, bias and
 * requantizer derived again from the tensors (number-formats.md §1, §3, §4), the encoder's own
 * reference (encoders/<kind>/reference.ts) for the indices, BigInt accumulation.
 */
import type { LutLinearLayer } from '../../artifact/types.ts';
import { encoderFor } from '../../encoders/registry.ts';
import { layerCentroids } from '../../plan/table.ts';
import type { LutLinearPlan } from '../../plan/types.ts';
import type { LayerReference } from '../artifact-reference.ts';
import { big, floorShift, rhe, satBig } from './arith.ts';

/** Only the hardware knob `multiplier_bits` (plan requant.precisionBits) is read from the plan. */
export function lutLinearReference(layer: LutLinearLayer, plan: LutLinearPlan): LayerReference {
  const { numCodebooks: C, numCentroids: K, subvectorLen: V, outFeatures: M, input, activation, output } = layer;
  const precisionBits = plan.requant.precisionBits;
  const float = (dtype: string) => dtype === 'F32' || dtype === 'F16';

  let table: number[];
  let scale: number;
  if (layer.table.kind === 'int') {
    table = Array.from(layer.table.lut.data);
    scale = layer.table.scale;
  } else {
    let real: number[];
    if (layer.table.kind === 'float') {
      real = Array.from(layer.table.lut.data);
    } else {
      const W = layer.table.weight.data;
      // Centroids are read only for a `weight` source (T = P·W), where the loader guarantees them.
      const cTensor = layerCentroids(layer, 'a weight table (T = P·W)');
      const realCentroid = (i: number) => (float(cTensor.dtype) ? cTensor.data[i] : cTensor.data[i] * input.scale);
      real = new Array<number>(C * K * M).fill(0);
      for (let c = 0; c < C; c++) for (let k = 0; k < K; k++) for (let m = 0; m < M; m++) {
        let t = 0;
        for (let v = 0; v < V; v++) t += realCentroid((c * K + k) * V + v) * W[(c * V + v) * M + m];
        real[(c * K + k) * M + m] = t;
      }
    }
    const maxAbs = real.reduce((a, t) => Math.max(a, Math.abs(t)), 0);
    scale = maxAbs === 0 ? 1 : maxAbs / (2 ** (layer.tableBits - 1) - 1);
    table = real.map((t) => rhe(t / scale));
  }
  const bias = Array.from({ length: M }, (_, m) => big(layer.bias ? rhe(layer.bias.data[m] / scale) : 0));
  // The requantizer: the largest shift ≤ 62 whose rounded multiplier stays below 2^precisionBits.
  const r = scale / output.scale;
  let shift = 0;
  for (let s = 62; s >= 0; s--) {
    if (rhe(r * 2 ** s) <= 2 ** precisionBits - 1) {
      shift = s;
      break;
    }
  }
  const multiplier = big(Math.max(1, rhe(r * 2 ** shift)));
  const encode = encoderFor(layer.encoder).reference(layer, layer.encoder);

  return {
    run(x) {
      const acc = [...bias];
      for (let c = 0; c < C; c++) {
        const best = encode(x, c);
        for (let m = 0; m < M; m++) acc[m] += big(table[(c * K + best) * M + m]);
      }
      return Int32Array.from(acc, (a) => {
        const p = a * multiplier;
        let y = satBig(shift > 0 ? floorShift(p + (1n << big(shift - 1)), shift) : p, output.bits);
        if (activation === 'relu' && y < 0n) y = 0n;
        return Number(y);
      });
    },
  };
}
