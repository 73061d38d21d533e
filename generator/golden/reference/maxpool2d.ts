/**
 * The artifact reference of a maxpool2d layer (artifact-reference.ts): PyTorch's MaxPool2d from the
 * artifact's geometry alone, the maximum over the window's pixels inside the image (padding is −∞
 * there, so it never counts), on the integers (the format is the input's and the output's).
 */
import type { Conv2dGeometry, MaxPool2dLayer } from '../../artifact/types.ts';
import { outputSize } from '../../conv/unfold.ts';
import type { LayerReference } from '../artifact-reference.ts';

export function maxPool2dReference(layer: MaxPool2dLayer): LayerReference {
  return { run: (x) => Int32Array.from(maxPoolImage(layer.conv, x, 0)) };
}

/** One image's max pooling (channels last; g.inChannels is the channel count), as numbers. */
export function maxPoolImage(g: Conv2dGeometry, x: ArrayLike<number>, offset: number): Float64Array {
  const [OH, OW] = outputSize(g);
  const C = g.inChannels;
  const out = new Float64Array(OH * OW * C);
  for (let oy = 0; oy < OH; oy++) {
    for (let ox = 0; ox < OW; ox++) {
      for (let ch = 0; ch < C; ch++) {
        let m = -Infinity;
        for (let i = 0; i < g.kernel[0]; i++) {
          const r = oy * g.stride[0] - g.padding[0] + i;
          for (let j = 0; j < g.kernel[1]; j++) {
            const c = ox * g.stride[1] - g.padding[1] + j;
            if (r >= 0 && r < g.height && c >= 0 && c < g.width) m = Math.max(m, x[offset + (r * g.width + c) * C + ch]);
          }
        }
        out[(oy * OW + ox) * C + ch] = m;
      }
    }
  }
  return out;
}
