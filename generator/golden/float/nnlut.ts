/** Float reference of an nnlut unit (float-reference.ts). */
import type { NnlutLayer } from '../../artifact/types.ts';
import { evalReduced } from '../../nnlut/real.ts';
import type { FloatReference } from '../float-reference.ts';

/** The real piecewise-linear table, elementwise (x ≤ 0 under range reduction → the output's largest value). */
export function floatNnlut(layer: NnlutLayer): FloatReference {
  const top = (2 ** (layer.output.bits - 1) - 1) * layer.output.scale;
  return {
    run(x, xOffset = 0) {
      const y = new Float64Array(layer.features);
      for (let i = 0; i < y.length; i++) y[i] = evalReduced(layer, layer.rangeReduction, layer.input.bits, layer.input.scale, x[xOffset + i], top);
      return y;
    },
  };
}
