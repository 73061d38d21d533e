/**
 * Planner for a maxpool2d layer (plan/pool.ts): padding at the format's minimum (never larger than
 * an image value, so a padded window's maximum is PyTorch's, whose padding is −∞) in front of a
 * registered maximum per channel.
 */
import type { MaxPool2dLayer } from '../artifact/types.ts';
import type { LayerHwConfig } from '../config/hw-config.ts';
import { signedMin } from '../numeric/fixed.ts';
import { planPool } from './pool.ts';
import type { MaxPool2dPlan } from './types.ts';

/** Cycles from the maximum unit taking a patch to its output pixel being valid. */
export const MAX_UNIT_LATENCY = 1;

export function planMaxPool2d(layer: MaxPool2dLayer, hw: LayerHwConfig, prefix: string, file: string): MaxPool2dPlan {
  return { kind: 'maxpool2d', name: layer.name, ...planPool(layer, 'maxpool2d', signedMin(layer.format.bits), MAX_UNIT_LATENCY, hw, prefix, file) };
}
