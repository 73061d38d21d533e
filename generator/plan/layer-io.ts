/** The input and output stream of any planned layer, whatever its kind. */
import type { LayerPlan, StreamSpec } from './types.ts';

export function layerInput(layer: LayerPlan): StreamSpec {
  return { elements: layer.dims.D, bits: layer.input.bits, scale: layer.input.scale };
}

export function layerOutput(layer: LayerPlan): StreamSpec {
  return { elements: layer.dims.M, bits: layer.output.bits, scale: layer.output.scale };
}
