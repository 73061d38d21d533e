/** Float reference of a lut_linear layer (float-reference.ts): the encoder's float argmin, the framework's table, float bias, activation. */
import type { LutLinearLayer } from '../../artifact/types.ts';
import { encoderFor } from '../../encoders/registry.ts';
import { referenceTable } from '../../plan/table.ts';
import type { FloatReference } from '../float-reference.ts';

export function floatLutLinear(layer: LutLinearLayer): FloatReference {
  const { numCodebooks: C, numCentroids: K, outFeatures: M } = layer;
  const encode = encoderFor(layer.encoder).float(layer, layer.encoder);
  const table = referenceTable(layer);
  const bias = layer.bias ? Float64Array.from(layer.bias.data) : new Float64Array(M);
  return {
    run(x, xOffset = 0) {
      const y = Float64Array.from(bias);
      for (let c = 0; c < C; c++) {
        const row = (c * K + encode(x, xOffset, c)) * M;
        for (let m = 0; m < M; m++) y[m] += table[row + m];
      }
      if (layer.activation === 'relu') for (let m = 0; m < M; m++) y[m] = Math.max(0, y[m]);
      return y;
    },
  };
}
