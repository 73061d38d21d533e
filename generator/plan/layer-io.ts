/** The input and output stream of any planned layer, whatever its kind. */
import type { LayerPlan, StreamSpec } from './types.ts';

export function layerInput(layer: LayerPlan): StreamSpec {
  const elements = layer.kind === 'nnlut' ? layer.dims.elements : layer.dims.D;
  return { elements, bits: layer.input.bits, scale: layer.input.scale };
}

export function layerOutput(layer: LayerPlan): StreamSpec {
  const elements = layer.kind === 'nnlut' ? layer.dims.elements : layer.dims.M;
  return { elements, bits: layer.output.bits, scale: layer.output.scale };
}
