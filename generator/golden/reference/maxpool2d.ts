/**
 * The artifact reference of a maxpool2d layer (artifact-reference.ts): PyTorch's MaxPool2d from the
 * artifact's geometry alone, the maximum over the window's pixels inside the image (padding is −∞
 * there, so it never counts), on the integers (the format is the input's and the output's).
 */
import type { Conv2dGeometry, MaxPool2dLayer } from '../../artifact/types.ts';
import type { LayerReference } from '../artifact-reference.ts';
import { foldWindows } from './pool.ts';

export function maxPool2dReference(layer: MaxPool2dLayer): LayerReference {
  return { run: (x) => Int32Array.from(maxPoolImage(layer.conv, x, 0)) };
}

/** One image's max pooling (channels last; g.inChannels is the channel count), as numbers. */
export function maxPoolImage(g: Conv2dGeometry, x: ArrayLike<number>, offset: number): Float64Array {
  return foldWindows(g, x, offset, -Infinity, Math.max);
}
