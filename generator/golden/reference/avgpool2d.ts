/**
 * The artifact reference of an avgpool2d layer (artifact-reference.ts): PyTorch's AvgPool2d
 * (count_include_pad) from the artifact's geometry alone: the sum over the window's pixels inside
 * the image (padding adds zeros) divided by kh·kw, rounded half up by exact integer arithmetic
 * (docs/number-formats.md "Average pooling"), not by the plan's multiply and shift.
 */
import type { AvgPool2dLayer, Conv2dGeometry } from '../../artifact/types.ts';
import type { LayerReference } from '../artifact-reference.ts';
import { foldWindows } from './pool.ts';

export function avgPool2dReference(layer: AvgPool2dLayer): LayerReference {
  const n = layer.conv.kernel[0] * layer.conv.kernel[1];
  return { run: (x) => Int32Array.from(windowSums(layer.conv, x, 0), (sum) => Math.floor((2 * sum + n) / (2 * n))) };
}

/** One image's window sums (channels last; g.inChannels is the channel count; padding adds nothing). */
export function windowSums(g: Conv2dGeometry, x: ArrayLike<number>, offset: number): Float64Array {
  return foldWindows(g, x, offset, 0, (acc, v) => acc + v);
}

/** One image's average pooling on real values (the float reference and the dense converter's forward). */
export function avgPoolImage(g: Conv2dGeometry, x: ArrayLike<number>, offset: number): Float64Array {
  const n = g.kernel[0] * g.kernel[1];
  return windowSums(g, x, offset).map((s) => s / n);
}
