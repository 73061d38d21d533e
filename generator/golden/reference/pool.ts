/**
 * The loop the pools' artifact references share: for one image (channels last, g.inChannels
 * channels) and every output pixel and channel, the window's pixels inside the image folded with
 * `combine` from `start` (padding contributes nothing; each pool says what that means for it).
 * Written from the artifact's geometry (PyTorch's window rule), not from the plan.
 */
import type { Conv2dGeometry } from '../../artifact/types.ts';
import { outputSize } from '../../conv/unfold.ts';

export function foldWindows(g: Conv2dGeometry, x: ArrayLike<number>, offset: number, start: number, combine: (acc: number, v: number) => number): Float64Array {
  const [OH, OW] = outputSize(g);
  const C = g.inChannels;
  const out = new Float64Array(OH * OW * C);
  for (let oy = 0; oy < OH; oy++) {
    for (let ox = 0; ox < OW; ox++) {
      for (let ch = 0; ch < C; ch++) {
        let acc = start;
        for (let i = 0; i < g.kernel[0]; i++) {
          const r = oy * g.stride[0] - g.padding[0] + i;
          for (let j = 0; j < g.kernel[1]; j++) {
            const c = ox * g.stride[1] - g.padding[1] + j;
            if (r >= 0 && r < g.height && c >= 0 && c < g.width) acc = combine(acc, x[offset + (r * g.width + c) * C + ch]);
          }
        }
        out[(oy * OW + ox) * C + ch] = acc;
      }
    }
  }
  return out;
}
