/** The input and output stream of any planned layer, whatever its kind: its kind's `io` (element counts) in the plan's formats. */
import { layerKindOf } from '../kinds/registry.ts';
import type { LayerPlan, StreamSpec } from './types.ts';

export function layerInput(layer: LayerPlan): StreamSpec {
  return { elements: layerKindOf(layer).io(layer).input, bits: layer.input.bits, scale: layer.input.scale };
}

export function layerOutput(layer: LayerPlan): StreamSpec {
  return { elements: layerKindOf(layer).io(layer).output, bits: layer.output.bits, scale: layer.output.scale };
}
