/** Golden model of a whole design: each layer's integer outputs are the next layer's inputs. */
import type { DesignPlan, LayerPlan } from '../plan/types.ts';
import { runLutLinear } from './lut-linear.ts';
import { runNnlut } from './nnlut.ts';
import { runMacLinear } from './mac-linear.ts';

export function runLayer(layer: LayerPlan, inputs: Int32Array): Int32Array {
  switch (layer.kind) {
    case 'lut_linear':
      return runLutLinear(layer, inputs);
    case 'nnlut':
      return runNnlut(layer, inputs);
    case 'mac_linear':
      return runMacLinear(layer, inputs);
  }
}

/** Design outputs (N·M_last) for inputs (N·D_first). */
export function runDesign(design: DesignPlan, inputs: Int32Array): Int32Array {
  let x = inputs;
  for (const layer of design.layers) x = runLayer(layer, x);
  return x;
}
