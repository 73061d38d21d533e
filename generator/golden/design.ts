/** Golden model of a whole design: each layer's integer outputs are the next layer's inputs. */
import { layerKindOf } from '../kinds/registry.ts';
import type { DesignPlan, LayerPlan } from '../plan/types.ts';

/** One layer's golden model (its kind's `golden`). */
export function runLayer(layer: LayerPlan, inputs: Int32Array): Int32Array {
  return layerKindOf(layer).golden(layer, inputs);
}

/** Design outputs (N·M_last) for inputs (N·D_first). */
export function runDesign(design: DesignPlan, inputs: Int32Array): Int32Array {
  let x = inputs;
  for (const layer of design.layers) x = runLayer(layer, x);
  return x;
}
