/** Float reference of an avgpool2d layer (float-reference.ts): PyTorch's AvgPool2d (count_include_pad) on the real values. */
import type { AvgPool2dLayer } from '../../artifact/types.ts';
import type { FloatReference } from '../float-reference.ts';
import { avgPoolImage } from '../reference/avgpool2d.ts';

export function floatAvgPool2d(layer: AvgPool2dLayer): FloatReference {
  return { run: (x, xOffset = 0) => avgPoolImage(layer.conv, x, xOffset) };
}
