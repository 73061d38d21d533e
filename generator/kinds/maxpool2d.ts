/**
 * Layer kind `maxpool2d` (docs/architecture.md, "The hardware of a maxpool2d layer"): max pooling,
 * the window generator of lut_conv2d (padding at the format's minimum, a patch per cycle) and a
 * registered maximum per channel. Wires its pieces: plan/maxpool2d.ts, golden/maxpool2d.ts,
 * golden/float/maxpool2d.ts, golden/reference/maxpool2d.ts, emit/maxpool2d/, synth/estimate-maxpool2d.ts.
 */
import type { MaxPool2dLayer } from '../artifact/types.ts';
import { maxPool2dFiles } from '../emit/maxpool2d/index.ts';
import { floatMaxPool2d } from '../golden/float/maxpool2d.ts';
import { runMaxPool2d } from '../golden/maxpool2d.ts';
import { maxPool2dReference } from '../golden/reference/maxpool2d.ts';
import { lineBufferMemories, windowSchedule } from '../plan/lut-conv2d.ts';
import { MAX_UNIT_LATENCY, planMaxPool2d } from '../plan/maxpool2d.ts';
import type { MaxPool2dPlan } from '../plan/types.ts';
import { estimateMaxPool2d } from '../synth/estimate-maxpool2d.ts';
import { generateUniformVectors } from '../../tb/vectors/uniform.ts';
import type { ArtifactKindDefinition, LayerKindDefinition } from './registry.ts';

export const maxPool2dKind: LayerKindDefinition<MaxPool2dPlan> = {
  io: (l) => ({ input: l.window.height * l.window.width * l.window.inChannels, output: l.window.outHeight * l.window.outWidth * l.window.inChannels }),
  golden: runMaxPool2d,
  emit: maxPool2dFiles,
  // Uniform frames over the whole input range (the first two at its extremes).
  vectors: (design, _l, count, seed) => generateUniformVectors(design, count, seed),
  estimate: estimateMaxPool2d,
  // The line buffers where they are block RAM.
  memories: (l) => lineBufferMemories(l.modules.window, l.window),
  writable: () => [],
  schedule: (l, arrivals, frames) => windowSchedule(l.window, MAX_UNIT_LATENCY, arrivals, frames),
  withInputFifo: (l, fifo) => ({ ...l, window: { ...l.window, inputFifo: { module: `${l.modules.window}_fifo`, ...fifo } } }),
  withFramePeriod: (l, period) => ({ ...l, window: { ...l.window, framePeriod: period } }),
  describe: (l) => {
    const w = l.window;
    return (
      `${l.name}: max pool ${w.kernel.join('x')} stride ${w.stride.join('x')} padding ${w.padding.join('x')}, ` +
      `${w.height}x${w.width}x${w.inChannels} -> ${w.outHeight}x${w.outWidth}x${w.inChannels}, INT${l.input.bits}; latency ${l.timing.latency}, ${l.timing.initiationInterval} cycles per frame`
    );
  },
  notInArtifact: null,
};

export const maxPool2dArtifactKind: ArtifactKindDefinition<MaxPool2dLayer, MaxPool2dPlan> = {
  planKind: 'maxpool2d',
  // No tables.
  tableEntries: () => 0,
  plan: planMaxPool2d,
  // No writable memories: the planned layer as it is.
  reload: (plan) => plan,
  float: floatMaxPool2d,
  reference: maxPool2dReference,
};
