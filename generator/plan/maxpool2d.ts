/**
 * Planner for a maxpool2d layer: the window generator (plan/lut-conv2d.ts) with padding at the
 * format's minimum (never larger than an image value, so a padded window's maximum is PyTorch's,
 * whose padding is −∞) and a patch every cycle, in front of a registered maximum per channel
 * (latency 1: the patch is taken in the cycle after its load and its maximum is valid the next).
 */
import type { MaxPool2dLayer } from '../artifact/types.ts';
import type { LayerHwConfig } from '../config/hw-config.ts';
import { LutnnError } from '../errors.ts';
import { signedMin } from '../numeric/fixed.ts';
import { lineStorageOf, planConvWindow, windowStream, windowTiming } from './lut-conv2d.ts';
import type { MaxPool2dPlan } from './types.ts';

/** Cycles from the maximum unit taking a patch to its output pixel being valid. */
export const MAX_UNIT_LATENCY = 1;

export function planMaxPool2d(layer: MaxPool2dLayer, hw: LayerHwConfig, prefix: string, file: string): MaxPool2dPlan {
  if (hw.elementsPerBeat !== 'auto') {
    throw new LutnnError(`Layer "${layer.name}" cannot be built as a maxpool2d layer.`, { file, field: `layers.${layer.name}.elements_per_beat (hardware config)`, expected: 'auto: a maxpool2d layer takes and gives one pixel per beat', found: String(hw.elementsPerBeat) });
  }
  const lines = lineStorageOf(layer.name, layer.conv, layer.format.bits, hw, file);
  const w = planConvWindow(layer.conv, layer.format.bits, 1, signedMin(layer.format.bits), lines);
  const timing = windowTiming(w, MAX_UNIT_LATENCY, 0);
  const top = `${prefix}_top`;
  return {
    kind: 'maxpool2d',
    name: layer.name,
    modules: { top, window: `${prefix}_window` },
    window: w,
    input: layer.format,
    output: layer.format,
    timing,
    stream: windowStream(w, top, `${prefix}_window`, layer.format, layer.format, w.inChannels, timing),
  };
}
