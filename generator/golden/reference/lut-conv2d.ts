/**
 * The artifact reference of a lut_conv2d layer (artifact-reference.ts): the patch layer's
 * reference (reference/lut-linear.ts) on every patch `F.unfold` takes from the image
 * (conv/unfold.ts, from the artifact's geometry, not the plan's scan).
 */
import type { LutConv2dLayer } from '../../artifact/types.ts';
import { unfold } from '../../conv/unfold.ts';
import type { LutConv2dPlan } from '../../plan/types.ts';
import type { LayerReference } from '../artifact-reference.ts';
import { lutLinearReference } from './lut-linear.ts';

export function lutConv2dReference(layer: LutConv2dLayer, plan: LutConv2dPlan): LayerReference {
  const patchLayer = lutLinearReference(layer.linear, plan.core);
  const D = layer.linear.inFeatures;
  const M = layer.linear.outFeatures;
  return {
    run(x) {
      const patches = unfold(layer.conv, x, 0, (n) => new Int32Array(n));
      const count = patches.length / D;
      const out = new Int32Array(count * M);
      for (let p = 0; p < count; p++) out.set(patchLayer.run(patches.subarray(p * D, (p + 1) * D)), p * M);
      return out;
    },
  };
}
