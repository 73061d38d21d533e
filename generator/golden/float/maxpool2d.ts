/** Float reference of a maxpool2d layer (float-reference.ts): PyTorch's MaxPool2d on the real values. */
import type { MaxPool2dLayer } from '../../artifact/types.ts';
import type { FloatReference } from '../float-reference.ts';
import { maxPoolImage } from '../reference/maxpool2d.ts';

export function floatMaxPool2d(layer: MaxPool2dLayer): FloatReference {
  return { run: (x, xOffset = 0) => maxPoolImage(layer.conv, x, xOffset) };
}
