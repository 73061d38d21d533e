/**
 * Test frames for a lut_conv2d layer: the first two at the input extremes (saturation through
 * every patch), then frames whose pixels come from the core's own test vectors (tb/vectors/
 * lut-linear.ts: inputs at the encoder's decisions, extremes, uniform): pixel (r, c) of a frame
 * takes, for channel ch, element ch·kh·kw + (r mod kh)·kw + (c mod kw) of its own core vector,
 * so the patches that line up with the kernel grid are such vectors.
 */
import { signedMax, signedMin } from '../../generator/numeric/fixed.ts';
import type { LutConv2dPlan } from '../../generator/plan/types.ts';
import { generateVectors } from './lut-linear.ts';

export function generateConvFrames(layer: LutConv2dPlan, count: number, seed: number): Int32Array {
  const w = layer.window;
  const [kh, kw] = w.kernel;
  const C = w.inChannels;
  const D = layer.core.dims.D;
  const pixels = w.height * w.width;
  const out = new Int32Array(count * pixels * C);
  const lo = signedMin(layer.input.bits);
  const hi = signedMax(layer.input.bits);
  for (let n = 0; n < Math.min(count, 2); n++) out.fill(n === 0 ? lo : hi, n * pixels * C, (n + 1) * pixels * C);
  if (count <= 2) return out;
  const core = generateVectors(layer.core, (count - 2) * pixels, seed);
  for (let n = 2; n < count; n++) {
    for (let r = 0; r < w.height; r++) {
      for (let c = 0; c < w.width; c++) {
        const v = ((n - 2) * pixels + r * w.width + c) * D;
        const dst = (n * pixels + r * w.width + c) * C;
        for (let ch = 0; ch < C; ch++) out[dst + ch] = core[v + ch * kh * kw + (r % kh) * kw + (c % kw)];
      }
    }
  }
  return out;
}
