/**
 * Layer kind `lut_conv2d` (docs/architecture.md, "The hardware of a lut_conv2d layer"): a
 * LUT-NN convolution, the window generator in front of a lut_linear core planned from the patch
 * layer. Wires its pieces: plan/lut-conv2d.ts, golden/lut-conv2d.ts, golden/float/lut-conv2d.ts,
 * golden/reference/lut-conv2d.ts, emit/lut-conv2d/, tb/vectors/lut-conv2d.ts,
 * synth/estimate-lut-conv2d.ts; the core's through kinds/lut-linear.ts.
 */
import type { LutConv2dLayer } from '../artifact/types.ts';
import { lutConv2dFiles } from '../emit/lut-conv2d/index.ts';
import { floatLutConv2d } from '../golden/float/lut-conv2d.ts';
import { runLutConv2d } from '../golden/lut-conv2d.ts';
import { lutConv2dReference } from '../golden/reference/lut-conv2d.ts';
import { lineBufferMemories, planLutConv2d, reloadLutConv2d, windowSchedule } from '../plan/lut-conv2d.ts';
import type { LutConv2dPlan } from '../plan/types.ts';
import { estimateLutConv2d } from '../synth/estimate-lut-conv2d.ts';
import { generateConvFrames } from '../../tb/vectors/lut-conv2d.ts';
import { lutLinearArtifactKind, lutLinearKind } from './lut-linear.ts';
import type { ArtifactKindDefinition, LayerKindDefinition } from './registry.ts';

export const lutConv2dKind: LayerKindDefinition<LutConv2dPlan> = {
  io: (l) => ({ input: l.window.height * l.window.width * l.window.inChannels, output: l.window.outHeight * l.window.outWidth * l.core.dims.M }),
  golden: runLutConv2d,
  emit: lutConv2dFiles,
  vectors: (_design, l, count, seed) => generateConvFrames(l, count, seed),
  estimate: estimateLutConv2d,
  // The core's memories, and the line buffers where they are block RAM.
  memories: (l) => [...lutLinearKind.memories(l.core), ...lineBufferMemories(l.modules.window, l.window)],
  writable: () => [],
  schedule: (l, arrivals, frames) => windowSchedule(l.window, l.core.timing.latency, arrivals, frames),
  withInputFifo: (l, fifo) => ({ ...l, window: { ...l.window, inputFifo: { module: `${l.modules.window}_fifo`, ...fifo } } }),
  withFramePeriod: (l, period) => ({ ...l, window: { ...l.window, framePeriod: period } }),
  describe: (l) => {
    const w = l.window;
    const t = l.timing;
    return (
      `${l.name}: conv ${w.kernel.join('x')} stride ${w.stride.join('x')} padding ${w.padding.join('x')}, ` +
      `${w.height}x${w.width}x${w.inChannels} -> ${w.outHeight}x${w.outWidth}x${l.core.dims.M}, a patch every ${w.patchInterval} cycle(s); ` +
      `latency ${t.latency}, ${t.initiationInterval} cycles per frame; core ${lutLinearKind.describe(l.core)}`
    );
  },
  notInArtifact: null,
};

export const lutConv2dArtifactKind: ArtifactKindDefinition<LutConv2dLayer, LutConv2dPlan> = {
  planKind: 'lut_conv2d',
  tableEntries: (l) => lutLinearArtifactKind.tableEntries(l.linear),
  plan: planLutConv2d,
  reload: reloadLutConv2d,
  float: floatLutConv2d,
  reference: lutConv2dReference,
};
