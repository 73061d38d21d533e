/**
 * im2col of one image as PyTorch's `F.unfold` computes it (blink-mm ops/amm_conv2d.py feeds
 * its patches to the LUT layer this way), from the artifact's geometry alone: output pixel
 * (oy, ox) in raster order, patch element ch·kh·kw + i·kw + j = image[oy·sh − ph + i][ox·sw − pw + j][ch],
 * 0 outside the image. The image is height × width pixels of inChannels values, channels fastest.
 * The artifact reference and the float reference use it; the golden model takes its patches
 * from the plan's scan instead (golden/lut-conv2d.ts), so the two derivations check each other.
 */
import type { Conv2dGeometry } from '../artifact/types.ts';

export function outputSize(g: Conv2dGeometry): [number, number] {
  return [0, 1].map((d) => Math.floor(([g.height, g.width][d] + 2 * g.padding[d] - g.kernel[d]) / g.stride[d]) + 1) as [number, number];
}

/** Patches of one image (OH·OW·D), `make` choosing the array type. */
export function unfold<T extends Int32Array | Float64Array>(g: Conv2dGeometry, image: ArrayLike<number>, offset: number, make: (n: number) => T): T {
  const [OH, OW] = outputSize(g);
  const [kh, kw] = g.kernel;
  const C = g.inChannels;
  const D = C * kh * kw;
  const out = make(OH * OW * D);
  for (let oy = 0; oy < OH; oy++) {
    for (let ox = 0; ox < OW; ox++) {
      const base = (oy * OW + ox) * D;
      for (let ch = 0; ch < C; ch++) {
        for (let i = 0; i < kh; i++) {
          const r = oy * g.stride[0] - g.padding[0] + i;
          for (let j = 0; j < kw; j++) {
            const c = ox * g.stride[1] - g.padding[1] + j;
            if (r < 0 || r >= g.height || c < 0 || c >= g.width) continue;
            out[base + ch * kh * kw + i * kw + j] = image[offset + (r * g.width + c) * C + ch];
          }
        }
      }
    }
  }
  return out;
}
