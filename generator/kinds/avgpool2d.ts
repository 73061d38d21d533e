/**
 * Layer kind `avgpool2d` (docs/architecture.md, "The hardware of a maxpool2d or avgpool2d layer"):
 * average pooling (a global average pool is the kernel of the whole image), the window generator of
 * lut_conv2d (zero padding, a patch per cycle) and a registered rounded mean per channel. Wires its
 * pieces: plan/avgpool2d.ts, golden/avgpool2d.ts, golden/float/avgpool2d.ts,
 * golden/reference/avgpool2d.ts, emit/avgpool2d/, synth/estimate-avgpool2d.ts.
 */
import type { AvgPool2dLayer } from '../artifact/types.ts';
import { avgPool2dFiles } from '../emit/avgpool2d/index.ts';
import { runAvgPool2d } from '../golden/avgpool2d.ts';
import { floatAvgPool2d } from '../golden/float/avgpool2d.ts';
import { avgPool2dReference } from '../golden/reference/avgpool2d.ts';
import { MEAN_UNIT_LATENCY, planAvgPool2d } from '../plan/avgpool2d.ts';
import { lineBufferMemories, windowSchedule } from '../plan/lut-conv2d.ts';
import type { AvgPool2dPlan } from '../plan/types.ts';
import { estimateAvgPool2d } from '../synth/estimate-avgpool2d.ts';
import { generateUniformVectors } from '../../tb/vectors/uniform.ts';
import type { ArtifactKindDefinition, LayerKindDefinition } from './registry.ts';

export const avgPool2dKind: LayerKindDefinition<AvgPool2dPlan> = {
  io: (l) => ({ input: l.window.height * l.window.width * l.window.inChannels, output: l.window.outHeight * l.window.outWidth * l.window.inChannels }),
  golden: runAvgPool2d,
  emit: avgPool2dFiles,
  // Uniform frames over the whole input range (the first two at its extremes: the sums' bounds).
  vectors: (design, _l, count, seed) => generateUniformVectors(design, count, seed),
  estimate: estimateAvgPool2d,
  memories: (l) => lineBufferMemories(l.modules.window, l.window),
  writable: () => [],
  schedule: (l, arrivals, frames) => windowSchedule(l.window, MEAN_UNIT_LATENCY, arrivals, frames),
  withInputFifo: (l, fifo) => ({ ...l, window: { ...l.window, inputFifo: { module: `${l.modules.window}_fifo`, ...fifo } } }),
  withFramePeriod: (l, period) => ({ ...l, window: { ...l.window, framePeriod: period } }),
  describe: (l) => {
    const w = l.window;
    return (
      `${l.name}: average pool ${w.kernel.join('x')} stride ${w.stride.join('x')} padding ${w.padding.join('x')}, ` +
      `${w.height}x${w.width}x${w.inChannels} -> ${w.outHeight}x${w.outWidth}x${w.inChannels}, INT${l.input.bits}, mean of ${l.mean.divisor} as x * ${l.mean.multiplier} >> ${l.mean.shift}; ` +
      `latency ${l.timing.latency}, ${l.timing.initiationInterval} cycles per frame`
    );
  },
  notInArtifact: null,
};

export const avgPool2dArtifactKind: ArtifactKindDefinition<AvgPool2dLayer, AvgPool2dPlan> = {
  planKind: 'avgpool2d',
  // No tables.
  tableEntries: () => 0,
  plan: planAvgPool2d,
  // No writable memories: the planned layer as it is.
  reload: (plan) => plan,
  float: floatAvgPool2d,
  reference: avgPool2dReference,
};
