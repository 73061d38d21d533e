/**
 * What the two pooling kinds (plan/maxpool2d.ts, plan/avgpool2d.ts) plan alike: the window
 * generator of lut_conv2d (plan/lut-conv2d.ts) at a patch per cycle, with the value padding feeds,
 * in front of a unit that reduces each patch per channel and registers it (latency `unitLatency`:
 * the patch is taken in the cycle after its load, its result valid the next); pixels in and out.
 */
import type { Conv2dGeometry, StreamFormat } from '../artifact/types.ts';
import type { LayerHwConfig } from '../config/hw-config.ts';
import { LutnnError } from '../errors.ts';
import { lineStorageOf, planConvWindow, windowStream, windowTiming } from './lut-conv2d.ts';
import type { ConvTiming, ConvWindowPlan, LayerStreamPlan } from './types.ts';

export interface PooledLayer {
  modules: { top: string; window: string };
  window: ConvWindowPlan;
  input: StreamFormat;
  output: StreamFormat;
  timing: ConvTiming;
  stream: LayerStreamPlan;
}

export function planPool(layer: { name: string; conv: Conv2dGeometry; format: StreamFormat }, kind: string, padValue: number, unitLatency: number, hw: LayerHwConfig, prefix: string, file: string): PooledLayer {
  if (hw.elementsPerBeat !== 'auto') {
    throw new LutnnError(`Layer "${layer.name}" cannot be built as a ${kind} layer.`, { file, field: `layers.${layer.name}.elements_per_beat (hardware config)`, expected: `auto: a ${kind} layer takes and gives one pixel per beat`, found: String(hw.elementsPerBeat) });
  }
  const lines = lineStorageOf(layer.name, layer.conv, layer.format.bits, hw, file);
  const w = planConvWindow(layer.conv, layer.format.bits, 1, padValue, lines);
  const timing = windowTiming(w, unitLatency, 0);
  const top = `${prefix}_top`;
  return {
    modules: { top, window: `${prefix}_window` },
    window: w,
    input: layer.format,
    output: layer.format,
    timing,
    stream: windowStream(w, top, `${prefix}_window`, layer.format, layer.format, w.inChannels, timing),
  };
}
