/** Emitter for the module that chains a design's layers. */
import { layerInput, layerOutput } from '../plan/layer-io.ts';
import type { DesignPlan } from '../plan/types.ts';
import { renderTemplate } from './render.ts';
import { baseContext, type GeneratedFile } from './common/context.ts';
import { range } from './verilog.ts';

export function modelTopModule(design: DesignPlan): GeneratedFile {
  const name = design.modelTop!;
  const n = design.layers.length;
  const links = design.layers.slice(1).map((layer, i) => {
    const s = layerInput(layer);
    return { name: `link${i}`, from: design.layers[i].name, to: layer.name, elements: s.elements, bits: s.bits, range: range(s.elements * s.bits) };
  });
  const layers = design.layers.map((layer, i) => ({
    module: layer.modules.top,
    instance: layer.name,
    inValid: i === 0 ? 'in_valid_i' : `link${i - 1}_valid`,
    inReady: i === 0 ? 'in_ready_o' : `link${i - 1}_ready`,
    inData: i === 0 ? 'in_data_i' : `link${i - 1}_data`,
    outValid: i === n - 1 ? 'out_valid_o' : `link${i}_valid`,
    outReady: i === n - 1 ? 'out_ready_i' : `link${i}_ready`,
    outData: i === n - 1 ? 'out_data_o' : `link${i}_data`,
  }));
  const inp = layerInput(design.layers[0]);
  const out = layerOutput(design.layers[n - 1]);
  const ctx = {
    ...baseContext(design, name, 'model top (layer chain)', {
      layers: design.layers.map((l) => l.name).join(' -> '),
      latency: design.timing.latency,
      'initiation interval': design.timing.initiationInterval,
    }),
    layerCount: n,
    latency: design.timing.latency,
    ii: design.timing.initiationInterval,
    inRange: range(inp.elements * inp.bits),
    outRange: range(out.elements * out.bits),
    links,
    layers,
  };
  return { path: `${name}.v`, content: renderTemplate('model_top.v.hbs', ctx) };
}
