/** Float reference of a lut_conv2d layer (float-reference.ts): the patch layer's float reference on every `F.unfold` patch. */
import type { LutConv2dLayer } from '../../artifact/types.ts';
import { unfold } from '../../conv/unfold.ts';
import type { FloatReference } from '../float-reference.ts';
import { floatLutLinear } from './lut-linear.ts';

export function floatLutConv2d(layer: LutConv2dLayer): FloatReference {
  const patchLayer = floatLutLinear(layer.linear);
  const D = layer.linear.inFeatures;
  const M = layer.linear.outFeatures;
  return {
    run(x, xOffset = 0) {
      const patches = unfold(layer.conv, x, xOffset, (n) => new Float64Array(n));
      const count = patches.length / D;
      const out = new Float64Array(count * M);
      for (let p = 0; p < count; p++) out.set(patchLayer.run(patches, p * D), p * M);
      return out;
    },
  };
}
