/** Emitter for the module that chains a design's layers. */
import { layerInput } from '../plan/layer-io.ts';
import { layerPortWidth, layerTopModule } from '../plan/stream.ts';
import type { DesignPlan } from '../plan/types.ts';
import { renderTemplate } from './render.ts';
import { baseContext, type GeneratedFile } from './common/context.ts';
import { designLoadPortFields, loadDataWidth } from './common/load-port.ts';
import { range, slice } from './verilog.ts';

export function modelTopModule(design: DesignPlan): GeneratedFile {
  const name = design.modelTop!;
  const n = design.layers.length;
  const links = design.layers.slice(1).map((layer, i) => {
    const s = layerInput(layer);
    const beat = layer.stream?.input;
    const what = beat ? `beats of ${beat.elementsPerBeat} x INT${s.bits} (${s.elements} elements per vector)` : `${s.elements} x INT${s.bits}`;
    return { name: `link${i}`, from: design.layers[i].name, to: layer.name, what, range: range(layerPortWidth(layer, 'input')) };
  });
  const layers = design.layers.map((layer, i) => ({
    module: layerTopModule(layer),
    instance: layer.name,
    inValid: i === 0 ? 'in_valid_i' : `link${i - 1}_valid`,
    inReady: i === 0 ? 'in_ready_o' : `link${i - 1}_ready`,
    inData: i === 0 ? 'in_data_i' : `link${i - 1}_data`,
    outValid: i === n - 1 ? 'out_valid_o' : `link${i}_valid`,
    outReady: i === n - 1 ? 'out_ready_i' : `link${i}_ready`,
    outData: i === n - 1 ? 'out_data_o' : `link${i}_data`,
    loadData: design.load && layer.load ? slice('load_data_i', 0, loadDataWidth(layer.load)) : false,
  }));
  const ctx = {
    ...baseContext(design, name, 'model top (layer chain)', {
      layers: design.layers.map((l) => l.name).join(' -> '),
      latency: design.timing.latency,
      'initiation interval': design.timing.initiationInterval,
    }),
    layerCount: n,
    latency: design.timing.latency,
    ii: design.timing.initiationInterval,
    inRange: range(layerPortWidth(design.layers[0], 'input')),
    outRange: range(layerPortWidth(design.layers[n - 1], 'output')),
    links,
    layers,
    ...designLoadPortFields(design.load),
  };
  return { path: `${name}.v`, content: renderTemplate('model_top.v.hbs', ctx) };
}
